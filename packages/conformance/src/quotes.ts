import { describe, expect, it } from "vitest";
import type { TenantCrm } from "@kaartenbak/core";
import type { StorageAdapter } from "@kaartenbak/core/storage";
import { faultyStorage } from "./faults.js";
import { expectCrmError, num, type SuiteContext, type SuiteWorld } from "./harness.js";
import { customer, salesWorld, standardPipeline } from "./sales-fixtures.js";

/**
 * A deal with a sent quote, ready to be accepted. The deal's expected amount (2500) is not the
 * quote's net total (3000), so accepting visibly changes it.
 */
async function sentQuote(t: TenantCrm, dealCurrency = "EUR", quoteCurrency?: string) {
  const { pipeline, stages } = await standardPipeline(t);
  const { org } = await customer(t);
  const deal = await t.deals.create({
    title: "Bread for Christmas",
    relationId: org.id,
    pipelineId: pipeline.id,
    stageId: stages.proposal.id,
    currency: dealCurrency,
    amount: 2500,
  });
  const draft = await t.quotes.create({
    dealId: deal.id,
    title: "Offer",
    validUntil: "2026-12-31",
    ...(quoteCurrency ? { currency: quoteCurrency } : {}),
    lines: [{ description: "Bread", quantity: 3, unitPrice: 1000, taxRate: "9" }],
  });
  const quote = await t.quotes.send(draft.id, { expectedVersion: 1 });
  return { pipeline, stages, org, deal, quote };
}

function tenantOn(w: SuiteWorld, storage: StorageAdapter): TenantCrm {
  return w.crmWith({ storage }).tenant(w.tenantId, { actor: "user:test", source: "conformance" });
}

/** Products, quotes with exact totals, the quote state machine, revisions, and atomic acceptance. */
export function quotesSuite(ctx: SuiteContext): void {
  describe("products", () => {
    it("keeps a catalogue with unique codes and exact tax rates", async () => {
      const w = salesWorld(ctx);
      const bread = await w.t.products.create({ code: "BRD-001", name: "Bread", unitPrice: 250, currency: "EUR", taxRate: "9" });
      expect(bread).toMatchObject({ code: "BRD-001", taxRate: "9", unitPrice: 250, version: 1, retiredAt: null });
      const [row] = await w.rows("kb_products", { id: bread.id });
      expect(num(row!.tax_rate_ppm)).toBe(90_000);
      await expectCrmError(w.t.products.create({ code: "BRD-001", name: "Again", unitPrice: 1, currency: "EUR" }), "DUPLICATE");
      const bad = await expectCrmError(w.t.products.create({ code: "", name: "", unitPrice: 1.5, currency: "EUR", taxRate: "9.12345" }), "VALIDATION");
      expect(bad.issues.map((i) => i.path.join("."))).toEqual(expect.arrayContaining(["code", "name", "unitPrice", "taxRate"]));
      const updated = await w.t.products.update(bread.id, { taxRate: 8.875, unitPrice: 275 }, { expectedVersion: 1 });
      expect(updated).toMatchObject({ taxRate: "8.875", unitPrice: 275, version: 2 });
      expect(await w.t.products.getByCode("BRD-001")).toEqual(updated);
      await w.t.products.retire(bread.id, { expectedVersion: 2 });
      expect(await w.t.products.list()).toEqual([]);
      expect((await w.t.products.list({ includeRetired: true })).map((p) => p.code)).toEqual(["BRD-001"]);
      expect((await w.t.history.list("product", bread.id)).map((h) => h.action)).toEqual(["create", "update", "update"]);
    });
  });

  describe("quotes", () => {
    it("computes exact totals: line net and tax rounded half up, totals are sums of the lines", async () => {
      const w = salesWorld(ctx);
      const { org } = await customer(w.t);
      const bread = await w.t.products.create({ code: "BRD-001", name: "Bread", unitPrice: 250, currency: "EUR", taxRate: "9" });
      const quote = await w.t.quotes.create({
        relationId: org.id,
        currency: "EUR",
        lines: [
          { productId: bread.id, quantity: "2.5", discount: "10" },
          { description: "Delivery", quantity: 1, unitPrice: 1999, taxRate: 21 },
          { description: "Sample", quantity: "0.333", unitPrice: 100, taxRate: "8.875" },
        ],
      });
      expect(quote.lines.map((l) => [l.description, l.quantity, l.unitPrice, l.discount, l.taxRate, l.net, l.tax, l.total])).toEqual([
        ["Bread", "2.5", 250, "10", "9", 563, 51, 614],
        ["Delivery", "1", 1999, "0", "21", 1999, 420, 2419],
        ["Sample", "0.333", 100, "0", "8.875", 33, 3, 36],
      ]);
      expect(quote).toMatchObject({ subtotal: 2595, taxTotal: 474, total: 3069, status: "draft", revision: 1, groupId: quote.id });
      const lines = (await w.rows("kb_quote_lines", { quote_id: quote.id })).sort((a, b) => num(a.position) - num(b.position));
      expect(lines.map((l) => [num(l.quantity_milli), num(l.discount_ppm), num(l.tax_rate_ppm), num(l.net), num(l.tax), num(l.total), l.product_id])).toEqual([
        [2500, 100_000, 90_000, 563, 51, 614, bread.id],
        [1000, 0, 210_000, 1999, 420, 2419, null],
        [333, 0, 88_750, 33, 3, 36, null],
      ]);
      const [row] = await w.rows("kb_quotes", { id: quote.id });
      expect([num(row!.subtotal), num(row!.tax_total), num(row!.total)]).toEqual([2595, 474, 3069]);
      expect(await w.t.quotes.get(quote.id)).toEqual(quote);
    });

    it("names every problem of the lines", async () => {
      const w = salesWorld(ctx);
      const { org } = await customer(w.t);
      const usd = await w.t.products.create({ code: "USD-1", name: "Imported", unitPrice: 100, currency: "USD" });
      const before = await w.counts();
      const error = await expectCrmError(
        w.t.quotes.create({
          relationId: org.id,
          currency: "EUR",
          lines: [
            { quantity: 0, unitPrice: 100, description: "zero" },
            { quantity: "1.2345", unitPrice: 100, description: "too precise" },
            { productId: usd.id, quantity: 1 },
            { productId: "ghost", quantity: 1 },
            { quantity: 1 },
            { quantity: "1e9", unitPrice: 9_007_199_254_740_991, description: "overflow" },
            { quantity: 1, unitPrice: 1, description: "d", discount: "101" },
          ],
        }),
        "VALIDATION",
      );
      expect(error.issues.map((i) => i.path.join("."))).toEqual(expect.arrayContaining(["lines.0.quantity", "lines.1.quantity", "lines.6.discount"]));
      const second = await expectCrmError(
        w.t.quotes.create({
          relationId: org.id,
          currency: "EUR",
          lines: [
            { productId: usd.id, quantity: 1 },
            { productId: "ghost", quantity: 1 },
            { quantity: 1 },
            { quantity: "1000000", unitPrice: 9_007_199_254_740_991, description: "x" },
          ],
        }),
        "VALIDATION",
      );
      expect(second.issues.map((i) => [i.path.join("."), i.code])).toEqual([
        ["lines.0.unitPrice", "currency_mismatch"],
        ["lines.1.productId", "unknown_product"],
        ["lines.2.description", "required"],
        ["lines.2.unitPrice", "required"],
        ["lines.3.quantity", "amount_overflow"],
      ]);
      expect(await w.counts()).toEqual(before);
    });

    it("follows draft → sent → accepted | rejected | expired; anything else is INVALID_STATE", async () => {
      const w = salesWorld(ctx);
      const { org } = await customer(w.t);
      const empty = await w.t.quotes.create({ relationId: org.id, currency: "EUR" });
      await expectCrmError(w.t.quotes.send(empty.id, { expectedVersion: 1 }), "VALIDATION");
      const withLine = await w.t.quotes.update(
        empty.id,
        { lines: [{ description: "Work", quantity: 2, unitPrice: 5000 }], notes: "n" },
        { expectedVersion: 1 },
      );
      expect(withLine).toMatchObject({ subtotal: 10_000, total: 10_000, version: 2 });
      const sent = await w.t.quotes.send(empty.id, { expectedVersion: 2 });
      expect(sent).toMatchObject({ status: "sent", sentAt: w.clock.iso() });
      const notDraft = await expectCrmError(w.t.quotes.update(sent.id, { notes: "x" }, { expectedVersion: 3 }), "INVALID_STATE");
      expect(notDraft.details.reason).toBe("invalid_transition");
      const rejected = await w.t.quotes.reject(sent.id, { expectedVersion: 3 });
      expect(rejected).toMatchObject({ status: "rejected", decidedAt: w.clock.iso() });
      const notSent = await expectCrmError(w.t.quotes.accept(sent.id, { expectedVersion: 4 }), "INVALID_STATE");
      expect(notSent.details).toMatchObject({ reason: "invalid_transition", state: "rejected" });
      await expectCrmError(w.t.quotes.expire(sent.id, { expectedVersion: 4 }), "INVALID_STATE");
      const other = await w.t.quotes.create({ relationId: org.id, currency: "EUR", lines: [{ description: "x", quantity: 1, unitPrice: 1 }] });
      expect((await expectCrmError(w.t.quotes.accept(other.id, { expectedVersion: 1 }), "INVALID_STATE")).details.reason).toBe("invalid_transition");
      await w.t.quotes.send(other.id, { expectedVersion: 1 });
      expect(await w.t.quotes.expire(other.id, { expectedVersion: 2 })).toMatchObject({ status: "expired" });
      expect((await w.t.outbox.read({ limit: 100 })).filter((e) => e.entityType === "quote").map((e) => e.type)).toEqual([
        "quote.created",
        "quote.updated",
        "quote.sent",
        "quote.rejected",
        "quote.created",
        "quote.sent",
        "quote.expired",
      ]);
    });

    it("revises a quote into a new version and keeps the old one", async () => {
      const w = salesWorld(ctx);
      const { quote, deal } = await sentQuote(w.t);
      const revised = await w.t.quotes.revise(
        quote.id,
        { lines: [{ description: "Bread", quantity: 4, unitPrice: 900, taxRate: "9" }] },
        { expectedVersion: quote.version },
      );
      expect(revised).toMatchObject({ groupId: quote.id, revision: 2, status: "draft", dealId: deal.id, subtotal: 3600 });
      const old = await w.t.quotes.get(quote.id);
      expect(old).toMatchObject({ status: "superseded", supersededById: revised.id, lines: quote.lines, total: quote.total });
      expect((await w.t.quotes.revisions(revised.id)).map((q) => [q.revision, q.status])).toEqual([
        [1, "superseded"],
        [2, "draft"],
      ]);
      expect((await w.t.quotes.listForDeal(deal.id)).map((q) => q.id)).toEqual([quote.id, revised.id]);
      await expectCrmError(w.t.quotes.revise(quote.id, {}, { expectedVersion: old!.version }), "INVALID_STATE");
      const again = await w.t.quotes.revise(revised.id, {}, { expectedVersion: 1 });
      expect(again).toMatchObject({ revision: 3, lines: revised.lines, total: revised.total });
      expect(await w.rows("kb_quotes", { group_id: quote.id })).toHaveLength(3);
    });

    it("accepting creates the order and wins the deal in one transaction, with history and events", async () => {
      const w = salesWorld(ctx);
      const { quote, deal, stages, org } = await sentQuote(w.t);
      const before = (await w.t.outbox.read({ limit: 1000 })).length;
      const { quote: accepted, order, deal: won } = await w.t.quotes.accept(quote.id, { expectedVersion: quote.version });
      expect(accepted).toMatchObject({ status: "accepted", decidedAt: w.clock.iso() });
      expect(order).toMatchObject({
        quoteId: quote.id,
        dealId: deal.id,
        relationId: org.id,
        currency: "EUR",
        netAmount: 3000,
        taxAmount: 270,
        totalAmount: 3270,
        orderDate: w.clock.iso().slice(0, 10),
      });
      expect(won).toMatchObject({ status: "won", stageId: stages.won.id, closedAt: w.clock.iso(), amount: 3000, currency: "EUR" });
      const events = (await w.t.outbox.read({ limit: 1000 })).slice(before);
      expect(events.map((e) => e.type)).toEqual(["quote.accepted", "order.created", "deal.won"]);
      expect(events.map((e) => e.sequence)).toEqual([before + 1, before + 2, before + 3]);
      expect((await w.t.history.list("order", order.id)).map((h) => h.action)).toEqual(["create"]);
      expect(await w.rows("kb_orders", { quote_id: quote.id })).toHaveLength(1);
      expect((await w.t.deals.stageHistory(deal.id)).map((s) => s.stageId)).toEqual([stages.proposal.id, stages.won.id]);
      expect(await w.t.orders.getByQuote(quote.id)).toEqual(order);
      expect(await w.t.deals.get(deal.id)).toEqual(won);
    });

    it("accepting wins the deal at the order's net total: amount and currency in the deal.won entry and event", async () => {
      const w = salesWorld(ctx);
      // The deal expected 2500 USD; the quote is in EUR: net 3000, tax 270, total 3270.
      const { quote, deal } = await sentQuote(w.t, "USD", "EUR");
      const before = (await w.t.outbox.read({ limit: 1000 })).length;
      const dealHistory = (await w.t.history.list("deal", deal.id)).length;
      const { order, deal: won } = await w.t.quotes.accept(quote.id, { expectedVersion: quote.version });
      expect(order).toMatchObject({ currency: "EUR", netAmount: 3000, taxAmount: 270, totalAmount: 3270 });
      expect(won).toMatchObject({ status: "won", amount: order.netAmount, currency: order.currency, version: deal.version + 1 });
      expect(await w.t.deals.get(deal.id)).toEqual(won);
      const [row] = await w.rows("kb_deals", { id: deal.id });
      expect([num(row!.amount), row!.currency]).toEqual([3000, "EUR"]);
      // One history entry for the deal: the move and the new value together.
      const history = await w.t.history.list("deal", deal.id);
      expect(history).toHaveLength(dealHistory + 1);
      expect(history.at(-1)).toMatchObject({ action: "update", version: won!.version });
      expect(history.at(-1)!.changes).toMatchObject({
        status: { from: "open", to: "won" },
        amount: { from: 2500, to: 3000 },
        currency: { from: "USD", to: "EUR" },
      });
      const events = (await w.t.outbox.read({ limit: 1000 })).slice(before);
      expect(events.map((e) => e.type)).toEqual(["quote.accepted", "order.created", "deal.won"]);
      expect(events[2]!.payload).toMatchObject({ id: deal.id, status: "won", amount: 3000, currency: "EUR" });
      // Reports: the won value of the deal is the revenue of the order it produced.
      expect((await w.t.reports.ownerResults({})).owners.flatMap((o) => o.wonValue)).toEqual([{ currency: "EUR", amount: 3000 }]);
      expect((await w.t.reports.orders({ groupBy: "customer" })).groups.flatMap((g) => g.net)).toEqual([{ currency: "EUR", amount: 3000 }]);
    });

    it("accepting a quote of a deal that is already won leaves the deal as it is", async () => {
      const w = salesWorld(ctx);
      const { quote, deal } = await sentQuote(w.t);
      const marked = await w.t.deals.markWon(deal.id, { expectedVersion: deal.version });
      const result = await w.t.quotes.accept(quote.id, { expectedVersion: quote.version });
      expect(result.deal).toEqual(marked);
      expect(await w.t.deals.get(deal.id)).toMatchObject({ amount: 2500, version: marked.version });
    });

    it("a retried accept returns the first result and writes nothing, whatever expectedVersion it carries", async () => {
      const w = salesWorld(ctx);
      const { quote } = await sentQuote(w.t);
      const first = await w.t.quotes.accept(quote.id, { expectedVersion: quote.version });
      const counts = await w.counts();
      const events = (await w.t.outbox.read({ limit: 1000 })).length;
      // The same command again (its expectedVersion is now stale), and with the new or any other version.
      for (const expectedVersion of [quote.version, first.quote.version, 99]) {
        const again = await w.t.quotes.accept(quote.id, { expectedVersion });
        expect(again).toEqual(first);
        expect(again.order.id).toBe(first.order.id);
      }
      // Also inside a unit of work, which then commits nothing either.
      expect(await w.t.transaction((tx) => tx.quotes.accept(quote.id, { expectedVersion: quote.version }))).toEqual(first);
      const without = await w.t.quotes.accept(quote.id, { expectedVersion: quote.version, winDeal: false });
      expect(without).toEqual({ quote: first.quote, order: first.order });
      expect(await w.counts()).toEqual(counts);
      expect(await w.t.outbox.read({ limit: 1000 })).toHaveLength(events);
      expect(await w.rows("kb_orders", { quote_id: quote.id })).toHaveLength(1);
      // The version is still validated as input.
      await expectCrmError(w.t.quotes.accept(quote.id, { expectedVersion: 0 }), "VALIDATION");
    });

    it("accepting can leave the deal alone, and refuses a quote past its validity", async () => {
      const w = salesWorld(ctx);
      const { quote, deal } = await sentQuote(w.t);
      const result = await w.t.quotes.accept(quote.id, { expectedVersion: quote.version, winDeal: false });
      expect(result.deal).toBeUndefined();
      expect(await w.t.deals.get(deal.id)).toEqual(deal);
      const late = await w.t.quotes.create({ dealId: deal.id, validUntil: "2026-01-01", lines: [{ description: "x", quantity: 1, unitPrice: 1 }] });
      await w.t.quotes.send(late.id, { expectedVersion: 1 });
      const before = await w.counts();
      const error = await expectCrmError(w.t.quotes.accept(late.id, { expectedVersion: 2 }), "INVALID_STATE");
      expect(error.details.reason).toBe("quote_expired");
      expect(await w.counts()).toEqual(before);
    });

    it("accepting is atomic: a fault after any storage step leaves nothing behind", async () => {
      const probe = salesWorld(ctx);
      const { quote } = await sentQuote(probe.t);
      const counter = faultyStorage(probe.storage, Number.POSITIVE_INFINITY);
      await tenantOn(probe, counter.storage).quotes.accept(quote.id, { expectedVersion: quote.version });
      const steps = counter.calls();
      expect(steps).toBeGreaterThan(10);
      for (let failAt = 1; failAt <= steps; failAt++) {
        const w = salesWorld(ctx);
        const prepared = await sentQuote(w.t);
        const before = await w.counts();
        const faulty = faultyStorage(w.storage, failAt);
        const error = await tenantOn(w, faulty.storage)
          .quotes.accept(prepared.quote.id, { expectedVersion: prepared.quote.version })
          .then(
            () => undefined,
            (e: unknown) => e,
          );
        expect(error, `step ${failAt} of ${steps}`).toBeInstanceOf(Error);
        expect(await w.counts(), `step ${failAt} of ${steps}`).toEqual(before);
        expect((await w.t.quotes.get(prepared.quote.id))?.status).toBe("sent");
      }
    });
  });
}
