import { describe, expect, it } from "vitest";
import { CrmError } from "@kaartenbak/core";
import { expectCrmError, num, type SuiteContext } from "./harness.js";
import { customer, salesWorld, standardPipeline } from "./sales-fixtures.js";

/** Orders recorded directly (e.g. imported from the ERP), idempotent by external reference. */
export function ordersSuite(ctx: SuiteContext): void {
  describe("orders", () => {
    it("records an order directly and replays an import by external reference without doubling it", async () => {
      const w = salesWorld(ctx);
      const { org } = await customer(w.t);
      const input = {
        relationId: org.id,
        orderDate: "2026-02-14",
        currency: "EUR",
        netAmount: 10_000,
        taxAmount: 2_100,
        description: "INV-1",
        externalRef: { system: "erp", externalId: "SO-1" },
      };
      const first = await w.t.orders.record(input);
      expect(first.outcome).toBe("created");
      expect(first.order).toMatchObject({
        totalAmount: 12_100,
        quoteId: null,
        dealId: null,
        cancelledAt: null,
        version: 1,
        externalRef: { system: "erp", externalId: "SO-1" },
      });
      const [row] = await w.rows("kb_orders", { id: first.order.id });
      expect(row).toMatchObject({ order_date: "2026-02-14", currency: "EUR", external_system: "erp", external_id: "SO-1" });
      expect([num(row!.net_amount), num(row!.tax_amount), num(row!.total_amount)]).toEqual([10_000, 2_100, 12_100]);
      const before = await w.counts();
      expect(await w.t.orders.record(input)).toEqual({ order: first.order, outcome: "unchanged" });
      expect(await w.counts()).toEqual(before);
      const changed = await w.t.orders.record({ ...input, netAmount: 11_000 });
      expect(changed.outcome).toBe("updated");
      expect(changed.order).toMatchObject({ id: first.order.id, netAmount: 11_000, totalAmount: 13_100, version: 2 });
      expect(await w.rows("kb_orders")).toHaveLength(1);
      expect(await w.t.orders.findByExternalRef("erp", "SO-1")).toEqual(changed.order);
      const plain = await w.t.orders.record({ relationId: org.id, orderDate: "2026-03-01", currency: "USD", netAmount: 500 });
      expect((await w.t.orders.listForRelation(org.id)).map((o) => o.id)).toEqual([plain.order.id, first.order.id]);
      const cancelled = await w.t.orders.cancel(first.order.id, { expectedVersion: 2 });
      expect(cancelled.cancelledAt).toBe(w.clock.iso());
      expect((await w.t.history.list("order", first.order.id)).map((h) => h.action)).toEqual(["create", "update", "update"]);
      expect((await w.t.outbox.read({ limit: 100 })).filter((e) => e.entityType === "order").map((e) => e.type)).toEqual([
        "order.created",
        "order.updated",
        "order.created",
        "order.cancelled",
      ]);
    });

    it("validates orders and refuses missing customers, deals and doubled references", async () => {
      const w = salesWorld(ctx);
      const { org } = await customer(w.t);
      const { pipeline } = await standardPipeline(w.t);
      const before = await w.counts();
      const error = await expectCrmError(
        w.t.orders.record({ relationId: org.id, orderDate: "2026-13-01", currency: "eur", netAmount: -1, taxAmount: 0.5 }),
        "VALIDATION",
      );
      expect(error.issues.map((i) => i.path.join("."))).toEqual(expect.arrayContaining(["orderDate", "currency", "netAmount", "taxAmount"]));
      await expectCrmError(w.t.orders.record({ relationId: "ghost", orderDate: "2026-01-01", currency: "EUR", netAmount: 1 }), "INTEGRITY");
      await expectCrmError(w.t.orders.record({ relationId: org.id, dealId: "ghost", orderDate: "2026-01-01", currency: "EUR", netAmount: 1 }), "INTEGRITY");
      await expectCrmError(
        w.t.orders.record({ relationId: org.id, orderDate: "2026-01-01", currency: "EUR", netAmount: Number.MAX_SAFE_INTEGER, taxAmount: 1 }),
        "VALIDATION",
      );
      expect(await w.counts()).toEqual(before);
      const deal = await w.t.deals.create({ title: "D", relationId: org.id, pipelineId: pipeline.id, currency: "EUR" });
      const { order } = await w.t.orders.record({
        relationId: org.id,
        dealId: deal.id,
        orderDate: "2026-01-01",
        currency: "EUR",
        netAmount: 1,
        externalRef: { system: "erp", externalId: "1" },
      });
      // The database's own unique constraint backs the service's check.
      const dup = await w.storage
        .transaction(w.tenantId, (store) => store.orders.insert({ ...order, id: "other" }))
        .then(
          () => undefined,
          (e: unknown) => e,
        );
      expect(dup).toBeInstanceOf(CrmError);
      expect((dup as CrmError).code).toBe("DUPLICATE");
      const b = w.crm.tenant(`${w.tenantId}-b`);
      expect(await b.orders.get(order.id)).toBeUndefined();
      expect(await b.orders.findByExternalRef("erp", "1")).toBeUndefined();
      await expectCrmError(b.orders.cancel(order.id, { expectedVersion: 1 }), "NOT_FOUND");
    });
  });
}
