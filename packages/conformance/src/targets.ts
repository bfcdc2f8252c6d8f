import fc from "fast-check";
import { describe, expect, it } from "vitest";
import type { Deal, Order, TenantCrm } from "@kaartenbak/core";
import { expectCrmError, type SuiteContext } from "./harness.js";
import { salesWorld, standardPipeline, TestClock } from "./sales-fixtures.js";
import { referenceAttainment, type TargetDataset } from "./target-reference.js";

/** Runs of the differential property. */
const RUNS = Number(process.env.KAARTENBAK_REPORT_RUNS ?? 25);
const DAY = 86_400_000;
const CURRENCIES = ["EUR", "USD"] as const;
const OWNERS = [null, "u1", "u2"] as const;

const month = fc.integer({ min: 0, max: 14 }).map((n) => `${2026 + Math.floor(n / 12)}-${String((n % 12) + 1).padStart(2, "0")}`);
const quarter = fc.integer({ min: 0, max: 5 }).map((n) => `${2026 + Math.floor(n / 4)}-Q${(n % 4) + 1}`);

const scenario = fc.record({
  relations: fc.array(fc.constantFrom(...OWNERS), { minLength: 1, maxLength: 3 }),
  deals: fc.array(
    fc.record({
      relation: fc.nat(),
      ownerId: fc.constantFrom(...OWNERS),
      amount: fc.oneof(fc.integer({ min: 0, max: 5_000_000 }), fc.integer({ min: 0, max: 2 ** 40 })),
      currency: fc.constantFrom(...CURRENCIES),
      outcome: fc.constantFrom("open" as const, "won" as const, "lost" as const, "deleted" as const),
      wait: fc.integer({ min: 1, max: 40 * DAY }),
    }),
    { maxLength: 12 },
  ),
  orders: fc.array(
    fc.record({
      relation: fc.nat(),
      day: fc.integer({ min: -10, max: 450 }),
      currency: fc.constantFrom(...CURRENCIES),
      netAmount: fc.integer({ min: 0, max: 10_000_000 }),
      cancelled: fc.boolean(),
    }),
    { maxLength: 8 },
  ),
  targets: fc.array(
    fc.record({
      ownerId: fc.constantFrom(...OWNERS),
      metric: fc.constantFrom("won_value" as const, "order_value" as const, "won_count" as const),
      period: fc.oneof(month, quarter),
      currency: fc.constantFrom(...CURRENCIES),
      amount: fc.integer({ min: 0, max: 20_000_000 }),
    }),
    { maxLength: 10 },
  ),
  query: fc.oneof(
    fc.tuple(month, fc.integer({ min: 0, max: 14 })).map(([from, n]) => ({ from, n, quarter: false })),
    fc.tuple(quarter, fc.integer({ min: 0, max: 5 })).map(([from, n]) => ({ from, n, quarter: true })),
  ),
  ownerFilter: fc.constantFrom(undefined, null, "u1"),
});

/** The `n`-th period after a label, of the label's granularity. */
function shift(period: string, n: number): string {
  const year = Number(period.slice(0, 4));
  if (period.includes("Q")) {
    const q = year * 4 + Number(period.slice(6)) - 1 + n;
    return `${Math.floor(q / 4)}-Q${(q % 4) + 1}`;
  }
  const m = year * 12 + Number(period.slice(5, 7)) - 1 + n;
  return `${Math.floor(m / 12)}-${String((m % 12) + 1).padStart(2, "0")}`;
}

type Scenario = typeof scenario extends fc.Arbitrary<infer T> ? T : never;

/** Writes a scenario through the SDK and reads back what the reference needs. */
async function write(t: TenantCrm, clock: TestClock, s: Scenario): Promise<TargetDataset> {
  const { pipeline, stages } = await standardPipeline(t);
  const relations = [];
  for (const ownerId of s.relations) relations.push(await t.relations.create({ kind: "organisation", name: `Org ${relations.length}`, ownerId }));
  const deals: Deal[] = [];
  for (const d of s.deals) {
    clock.advance(d.wait);
    const relationId = relations[d.relation % relations.length]!.id;
    let deal = await t.deals.create({
      title: "D",
      relationId,
      ownerId: d.ownerId,
      pipelineId: pipeline.id,
      stageId: stages.lead.id,
      amount: d.amount,
      currency: d.currency,
    });
    if (d.outcome === "won" || d.outcome === "deleted") deal = await t.deals.markWon(deal.id, { expectedVersion: deal.version });
    if (d.outcome === "lost") deal = await t.deals.markLost(deal.id, {}, { expectedVersion: deal.version });
    // A deleted won deal: its value must not count.
    if (d.outcome === "deleted") deal = await t.deals.delete(deal.id, { expectedVersion: deal.version });
    deals.push(deal);
  }
  const orders: Order[] = [];
  for (const o of s.orders) {
    const orderDate = new Date(Date.UTC(2026, 0, 1) + o.day * DAY).toISOString().slice(0, 10);
    const { order } = await t.orders.record({
      relationId: relations[o.relation % relations.length]!.id,
      orderDate,
      currency: o.currency,
      netAmount: o.netAmount,
    });
    orders.push(o.cancelled ? await t.orders.cancel(order.id, { expectedVersion: order.version }) : order);
  }
  for (const target of s.targets) await t.targets.set({ ...target, currency: target.metric === "won_count" ? null : target.currency });
  const all = [
    ...(await t.targets.list({ from: "2000-01", to: "2009-12" })),
    ...(await t.targets.list({ from: "2026-01", to: "2035-12" })),
    ...(await t.targets.list({ from: "2026-Q1", to: "2035-Q4" })),
  ];
  return { targets: all, deals, orders, relations };
}

/** Targets: setting, listing, invalid input, and attainment in SQL against the reference. */
export function targetsSuite(ctx: SuiteContext): void {
  describe("targets", () => {
    it("set creates a target, setting it again replaces the amount (history, events), an unchanged amount writes nothing", async () => {
      const w = salesWorld(ctx);
      const first = await w.t.targets.set({ ownerId: "u1", metric: "won_value", period: "2026-Q1", currency: "EUR", amount: 500_000 });
      expect(first).toMatchObject({ ownerId: "u1", metric: "won_value", period: "2026-Q1", currency: "EUR", amount: 500_000, version: 1 });
      const again = await w.t.targets.set({ ownerId: "u1", metric: "won_value", period: "2026-Q1", currency: "EUR", amount: 600_000 });
      expect(again).toMatchObject({ id: first.id, amount: 600_000, version: 2 });
      expect(await w.t.targets.set({ ownerId: "u1", metric: "won_value", period: "2026-Q1", currency: "EUR", amount: 600_000 })).toEqual(again);
      const tenantWide = await w.t.targets.set({ ownerId: null, metric: "won_count", period: "2026-Q1", amount: 12 });
      expect(tenantWide).toMatchObject({ ownerId: null, currency: null, amount: 12 });

      const events = (await w.t.outbox.read()).filter((e) => e.type === "target.set");
      expect(events.map((e) => e.payload)).toEqual([first, again, tenantWide]);
      expect((await w.t.history.list("target", first.id)).map((h) => [h.action, h.changes])).toEqual([
        ["create", { amount: { from: null, to: 500_000 } }],
        ["update", { amount: { from: 500_000, to: 600_000 } }],
      ]);
      // Stored with the tenant, the tenant-wide owner and missing currency as '' (a plain unique key on both engines).
      const rows = await w.rows("kb_targets");
      expect(rows.map((r) => [r.owner_id, r.currency, r.granularity]).sort()).toEqual([
        ["", "", "quarter"],
        ["u1", "EUR", "quarter"],
      ]);
      expect(await w.t.targets.list({ from: "2026-Q1", to: "2026-Q1" })).toEqual([again, tenantWide]);
      expect(await w.t.targets.list({ from: "2026-Q1", to: "2026-Q1", ownerId: null })).toEqual([tenantWide]);
      // Months are listed apart from quarters, although `2026-Q1` sorts between month labels as text.
      expect(await w.t.targets.list({ from: "2025-01", to: "2026-12" })).toEqual([]);
      // Another tenant sees none of it.
      expect(await ctx.world().t.targets.list({ from: "2026-Q1", to: "2026-Q4" })).toEqual([]);
    });

    it("invalid targets and ranges are one VALIDATION naming every problem, and write nothing", async () => {
      const w = salesWorld(ctx);
      const error = await expectCrmError(w.t.targets.set({ ownerId: "", metric: "won_value", period: "2026-13", amount: -1 } as never), "VALIDATION");
      expect(error.details.issues?.map((i) => i.path.join("."))).toEqual(expect.arrayContaining(["ownerId", "period", "amount"]));
      const noCurrency = await expectCrmError(w.t.targets.set({ ownerId: "u1", metric: "order_value", period: "2026-01", amount: 1 }), "VALIDATION");
      expect(noCurrency.details.issues?.map((i) => i.path.join("."))).toEqual(["currency"]);
      await expectCrmError(w.t.targets.set({ ownerId: "u1", metric: "won_count", period: "2026-01", currency: "EUR", amount: 1 }), "VALIDATION");
      await expectCrmError(w.t.targets.attainment({ from: "2026-01", to: "2026-Q2" }), "VALIDATION");
      await expectCrmError(w.t.targets.attainment({ from: "2026-06", to: "2026-01" }), "VALIDATION");
      await expectCrmError(w.t.targets.attainment({ from: "2026-01", to: "2040-01" }), "VALIDATION");
      expect(await w.rows("kb_targets")).toEqual([]);
      expect(await w.rows("kb_outbox")).toEqual([]);
    });

    it("attainment counts won value, won count and order value per owner, tenant-wide and per currency", async () => {
      const clock = new TestClock("2026-01-05T09:00:00.000Z");
      const w = salesWorld(ctx, clock);
      const { pipeline, stages } = await standardPipeline(w.t);
      const org = await w.t.relations.create({ kind: "organisation", name: "Acme", ownerId: "u1" });
      const base = { relationId: org.id, pipelineId: pipeline.id, stageId: stages.lead.id };
      const a = await w.t.deals.create({ ...base, title: "A", ownerId: "u1", amount: 300_000, currency: "EUR" });
      const b = await w.t.deals.create({ ...base, title: "B", ownerId: "u2", amount: 100_000, currency: "EUR" });
      const c = await w.t.deals.create({ ...base, title: "C", ownerId: "u1", amount: 50_000, currency: "USD" });
      await w.t.deals.markWon(a.id, { expectedVersion: 1 });
      await w.t.deals.markWon(b.id, { expectedVersion: 1 });
      clock.advance(40 * DAY); // February
      await w.t.deals.markWon(c.id, { expectedVersion: 1 });
      await w.t.orders.record({ relationId: org.id, orderDate: "2026-01-20", currency: "EUR", netAmount: 70_000 });
      await w.t.targets.set({ ownerId: "u1", metric: "won_value", period: "2026-01", currency: "EUR", amount: 600_000 });
      await w.t.targets.set({ ownerId: null, metric: "won_value", period: "2026-01", currency: "EUR", amount: 400_000 });
      await w.t.targets.set({ ownerId: "u1", metric: "won_count", period: "2026-02", amount: 0 });
      await w.t.targets.set({ ownerId: "u1", metric: "order_value", period: "2026-01", currency: "EUR", amount: 100_000 });
      const report = await w.t.targets.attainment({ from: "2026-01", to: "2026-02" });
      expect(report.rows.map((r) => [r.period, r.ownerId, r.metric, r.target, r.actual, r.attainment])).toEqual([
        ["2026-01", "u1", "order_value", 100_000, 70_000, 0.7],
        ["2026-01", "u1", "won_value", 600_000, 300_000, 0.5],
        ["2026-01", null, "won_value", 400_000, 400_000, 1],
        ["2026-02", "u1", "won_count", 0, 1, null],
      ]);
      const quarters = await w.t.targets.attainment({ from: "2026-Q1", to: "2026-Q4" });
      expect(quarters.rows).toEqual([]);
    });

    it("attainment computed in SQL equals the reference on random data", async () => {
      await fc.assert(
        fc.asyncProperty(scenario, async (s) => {
          const clock = new TestClock("2026-01-01T00:00:00.000Z");
          const w = salesWorld(ctx, clock);
          const data = await write(w.t, clock, s);
          const query = {
            from: s.query.from,
            to: shift(s.query.from, s.query.n),
            ...(s.ownerFilter === undefined ? {} : { ownerId: s.ownerFilter }),
          };
          expect(await w.t.targets.attainment(query)).toEqual(referenceAttainment(data, query));
        }),
        { numRuns: RUNS },
      );
    }, 600_000);
  });
}
