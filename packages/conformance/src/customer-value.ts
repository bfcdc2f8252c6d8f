import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { filterBuilder } from "@kaartenbak/core";
import type { Product } from "@kaartenbak/core";
import type { Relation } from "@kaartenbak/core";
import type { TenantCrm } from "@kaartenbak/core";
import type { SuiteContext } from "./harness.js";
import { TestClock } from "./sales-fixtures.js";
import { customerTotals, referenceCrossSell, referenceRfm, referenceSegmentValue, type ValueOrder } from "./value-reference.js";

const RUNS = Number(process.env.KAARTENBAK_VALUE_RUNS ?? 15);
const f = filterBuilder();
const CODES = ["BREAD", "CAKE", "PIE", "TART"] as const;
const RANGE = { from: "2025-09-01", to: "2026-05-31" };

const day = fc.integer({ min: 0, max: 364 }).map((n) => new Date(Date.UTC(2025, 6, 1) + n * 86_400_000).toISOString().slice(0, 10));
const scenario = fc.record({
  relations: fc.array(fc.record({ deleted: fc.integer({ min: 0, max: 7 }).map((n) => n === 0), vip: fc.boolean() }), { minLength: 1, maxLength: 7 }),
  orders: fc.array(
    fc.record({
      relation: fc.nat(),
      day,
      currency: fc.constantFrom("EUR", "EUR", "USD"),
      net: fc.constantFrom(0, 100, 2_500, 10_000, 99_999),
      cancelled: fc.integer({ min: 0, max: 5 }).map((n) => n === 0),
      products: fc.subarray([0, 1, 2, 3], { maxLength: 3 }),
    }),
    { maxLength: 14 },
  ),
});

/** Writes customers and orders (orders with products go through a quote, accepted on the order day). */
async function write(t: TenantCrm, clock: TestClock, s: typeof scenario extends fc.Arbitrary<infer T> ? T : never) {
  const relations: Relation[] = [];
  for (const [i, r] of s.relations.entries())
    relations.push(await t.relations.create({ kind: "organisation", name: `Customer ${i}`, tags: r.vip ? ["vip"] : [] }));
  const products: Product[] = [];
  for (const code of CODES) products.push(await t.products.create({ code, name: `The ${code.toLowerCase()}`, unitPrice: 300, currency: "EUR" }));
  const orders: ValueOrder[] = [];
  // The clock only moves forward, and a quote's order is dated on the day it is accepted.
  for (const o of [...s.orders].sort((a, b) => (a.day < b.day ? -1 : a.day > b.day ? 1 : 0))) {
    const relationId = relations[o.relation % relations.length]!.id;
    let order;
    if (o.products.length > 0) {
      clock.set(`${o.day}T12:00:00.000Z`);
      const quote = await t.quotes.create({ relationId, currency: "EUR", lines: o.products.map((p) => ({ productId: products[p]!.id, quantity: 2 })) });
      await t.quotes.send(quote.id, { expectedVersion: 1 });
      order = (await t.quotes.accept(quote.id, { expectedVersion: 2 })).order;
    } else {
      order = (await t.orders.record({ relationId, orderDate: o.day, currency: o.currency, netAmount: o.net })).order;
    }
    if (o.cancelled) order = await t.orders.cancel(order.id, { expectedVersion: order.version });
    orders.push({ ...order, productCodes: o.products.map((p) => CODES[p]!) });
  }
  for (const [i, r] of s.relations.entries()) if (r.deleted) relations[i] = await t.relations.delete(relations[i]!.id, { expectedVersion: 1 });
  return { relations, orders, live: new Set(relations.filter((r) => !r.deletedAt).map((r) => r.id)) };
}

/** Customer value reports, checked against reference computations on random order histories. */
export function customerValueSuite(ctx: SuiteContext): void {
  describe("customer value", () => {
    it("RFM, lifetime value, cross-sell and value per segment equal the reference on random orders", async () => {
      await fc.assert(
        fc.asyncProperty(scenario, async (s) => {
          const clock = new TestClock("2025-06-01T00:00:00.000Z");
          const w = ctx.world({ clock: clock.now });
          const { relations, orders, live } = await write(w.t, clock, s);

          const expectedRfm = referenceRfm(orders, live, "EUR", RANGE);
          const rows = [];
          let page = await w.t.value.rfm({ currency: "EUR", ...RANGE, limit: 2 });
          rows.push(...page.rows);
          while (page.nextCursor) {
            page = await w.t.value.rfm({ currency: "EUR", ...RANGE, limit: 2, after: page.nextCursor });
            rows.push(...page.rows);
          }
          expect(page.customers).toBe(expectedRfm.length);
          expect(
            rows.map((r) => ({
              relationId: r.relationId,
              lastOrderDate: r.lastOrderDate,
              frequency: r.frequency,
              monetary: r.monetary.amount,
              recency: r.recency,
              frequencyScore: r.frequencyScore,
              monetaryScore: r.monetaryScore,
            })),
          ).toEqual(expectedRfm);
          for (const r of rows) expect(r.recencyDays).toBe((Date.parse(RANGE.to) - Date.parse(r.lastOrderDate)) / 86_400_000);

          const totals = customerTotals(orders, live, "USD", { from: null, to: "2026-06-30" });
          const ltv = await w.t.value.lifetimeValue({ currency: "USD", to: "2026-06-30", limit: 3 });
          const top = [...totals].sort((a, b) => b.net - a.net || (a.relationId < b.relationId ? -1 : 1)).slice(0, 3);
          expect(ltv.rows.map((r) => [r.relationId, r.orders, r.value.amount, r.firstOrderDate, r.lastOrderDate])).toEqual(
            top.map((c) => [c.relationId, c.orders, c.net, c.first, c.last]),
          );
          expect([ltv.customers, ltv.orders, ltv.value.amount]).toEqual([
            totals.length,
            totals.reduce((n, c) => n + c.orders, 0),
            totals.reduce((n, c) => n + c.net, 0),
          ]);

          const cross = await w.t.value.crossSell({ ...RANGE, minCustomers: 1 });
          const expectedCross = referenceCrossSell(orders, live, RANGE, 1);
          expect(cross.customers).toBe(expectedCross.customers);
          expect(
            cross.pairs.map((p) => [p.a.code, p.b.code, p.customers, p.a.customers, p.b.customers, p.support, p.confidenceAToB, p.confidenceBToA, p.lift]),
          ).toEqual(expectedCross.pairs.map((p) => [p.a, p.b, p.customers, p.ca, p.cb, p.support, p.confidenceAToB, p.confidenceBToA, p.lift]));

          const picked = relations
            .filter((_, i) => i % 2 === 0)
            .map((r) => r.id)
            .filter((id) => live.has(id));
          const staticSegment = await w.t.segments.create({ kind: "static", name: "Even", relationIds: picked });
          const vip = await w.t.segments.create({ kind: "dynamic", name: "VIP", filter: f.filter(f.tags.any("vip")) });
          const report = await w.t.value.perSegment({ segmentIds: [staticSegment.id, vip.id], ...RANGE });
          const vipIds = new Set(relations.filter((r, i) => live.has(r.id) && s.relations[i]!.vip).map((r) => r.id));
          for (const [row, members] of [
            [report.segments[0]!, new Set(picked)],
            [report.segments[1]!, vipIds],
          ] as const) {
            const expected = referenceSegmentValue(orders, members, RANGE);
            expect([row.members, row.buyers, row.orders]).toEqual([expected.members, expected.buyers, expected.orders]);
            expect(row.value).toEqual([...expected.net.entries()].sort(([a], [b]) => (a < b ? -1 : 1)).map(([currency, amount]) => ({ currency, amount })));
          }
        }),
        { numRuns: RUNS },
      );
    });

    it("scores RFM in quintiles where ties share a score", async () => {
      const w = ctx.world();
      const days = ["2026-01-10", "2026-02-10", "2026-03-10", "2026-04-10", "2026-04-10"];
      const ids: string[] = [];
      for (const [i, d] of days.entries()) {
        const r = await w.t.relations.create({ kind: "organisation", name: `C${i}` });
        ids.push(r.id);
        for (let n = 0; n <= i; n++) await w.t.orders.record({ relationId: r.id, orderDate: d, currency: "EUR", netAmount: 1000 * (i + 1) });
      }
      const report = await w.t.value.rfm({ currency: "EUR", to: "2026-04-30" });
      const byId = new Map(report.rows.map((r) => [r.relationId, r]));
      expect(ids.map((id) => byId.get(id)!.score)).toEqual(["111", "222", "333", "544", "555"]);
      expect(byId.get(ids[4]!)).toMatchObject({ recencyDays: 20, frequency: 5, monetary: { amount: 25_000, currency: "EUR" } });
      expect(report.customers).toBe(5);
      expect(await w.t.value.rfm({ currency: "USD" })).toMatchObject({ customers: 0, rows: [], nextCursor: null });
    });
  });
}
