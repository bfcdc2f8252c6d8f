import { describe, expect, it } from "vitest";
import { expectCrmError, type SuiteContext } from "./harness.js";
import { reportDifferentialSuite } from "./report-differential.js";
import { customer, salesWorld, standardPipeline, TestClock } from "./sales-fixtures.js";

const DAY = 86_400_000;

/** A small sales history with known answers (see the comments for the arithmetic). */
async function scenario(ctx: SuiteContext) {
  const clock = new TestClock("2026-01-05T09:00:00.000Z");
  const w = salesWorld(ctx, clock);
  const { pipeline, stages } = await standardPipeline(w.t);
  const { org } = await customer(w.t);
  await w.t.lostReasons.define({ code: "price", label: "Too expensive" });
  const base = { relationId: org.id, pipelineId: pipeline.id };
  const d1 = await w.t.deals.create({ ...base, title: "D1", ownerId: "u1", amount: 10_000, currency: "EUR", expectedCloseDate: "2026-03-15" });
  const d2 = await w.t.deals.create({ ...base, title: "D2", ownerId: "u1", amount: 20_000, currency: "EUR", expectedCloseDate: "2026-03-20" });
  const d3 = await w.t.deals.create({ ...base, title: "D3", ownerId: "u2", amount: 5_000, currency: "USD", expectedCloseDate: "2026-04-02" });
  const d4 = await w.t.deals.create({
    ...base,
    title: "D4",
    ownerId: "u2",
    amount: 8_000,
    currency: "EUR",
    expectedCloseDate: "2026-04-30",
    stageId: stages.negotiation.id,
  });
  clock.advance(DAY);
  await w.t.deals.moveToStage(d2.id, { stageId: stages.qualified.id }, { expectedVersion: 1 });
  clock.advance(DAY);
  await w.t.deals.moveToStage(d1.id, { stageId: stages.qualified.id }, { expectedVersion: 1 });
  await w.t.deals.markLost(d3.id, { reason: "price" }, { expectedVersion: 1 });
  clock.advance(3 * DAY);
  await w.t.deals.moveToStage(d1.id, { stageId: stages.proposal.id }, { expectedVersion: 2 });
  await w.t.deals.markWon(d2.id, { expectedVersion: 2 });
  return { w, pipeline, stages, org, deals: { d1, d2, d3, d4 } };
}

/** Reports: funnel, forecast, owner results, orders and velocity, on known data and against the reference. */
export function reportsSuite(ctx: SuiteContext): void {
  describe("reports", () => {
    it("funnel: deals per stage now, and conversion of deals that reached each stage", async () => {
      const { w, pipeline } = await scenario(ctx);
      const funnel = await w.t.reports.funnel({ pipelineId: pipeline.id });
      expect(funnel.stages.map((s) => [s.name, s.current.count, s.current.value, s.entered, s.reached, s.conversionToNext])).toEqual([
        ["Lead", 0, [], 3, 4, 0.75],
        ["Qualified", 0, [], 2, 3, 1],
        ["Proposal", 1, [{ currency: "EUR", amount: 10_000 }], 1, 3, 2 / 3],
        ["Negotiation", 1, [{ currency: "EUR", amount: 8_000 }], 1, 2, 0.5],
        ["Won", 1, [{ currency: "EUR", amount: 20_000 }], 1, 1, null],
        ["Lost", 1, [{ currency: "USD", amount: 5_000 }], 1, null, null],
      ]);
      // Only stays begun on or after Jan 6 count for conversion; the snapshot is unchanged.
      const later = await w.t.reports.funnel({ pipelineId: pipeline.id, from: "2026-01-06" });
      expect(later.stages.map((s) => [s.entered, s.reached])).toEqual([
        [0, 2],
        [2, 2],
        [1, 2],
        [0, 1],
        [1, 1],
        [1, null],
      ]);
      const inEuro = await w.t.reports.funnel({ pipelineId: pipeline.id, currency: "EUR", rates: [{ from: "USD", to: "EUR", rate: "0.9" }] });
      expect(inEuro.stages.at(-1)?.current.value).toEqual([{ currency: "EUR", amount: 4_500 }]);
      expect(inEuro.currency).toBe("EUR");
      const missing = await expectCrmError(w.t.reports.funnel({ pipelineId: pipeline.id, currency: "EUR" }), "VALIDATION");
      expect(missing.issues[0]).toMatchObject({ path: ["rates"], code: "missing_rate" });
      await expectCrmError(w.t.reports.funnel({ pipelineId: "ghost" }), "NOT_FOUND");
      await expectCrmError(w.t.reports.funnel({ pipelineId: pipeline.id, from: "2026-02-01", to: "2026-01-01" }), "VALIDATION");
    });

    it("forecast: open, weighted, won, committed and expected value per month and quarter", async () => {
      const { w } = await scenario(ctx);
      const months = await w.t.reports.forecast({ from: "2026-01-01", to: "2026-07-01" });
      const eur = (amount: number) => [{ currency: "EUR", amount }];
      expect(months.periods.map((p) => [p.period, p.openCount, p.openValue, p.weighted, p.wonCount, p.wonValue, p.committed, p.expected])).toEqual([
        ["2026-01", 0, [], [], 1, eur(20_000), eur(20_000), eur(20_000)],
        ["2026-02", 0, [], [], 0, [], [], []],
        // D1: 10,000 at 60 % → 6,000 weighted; below the 75 % commit line.
        ["2026-03", 1, eur(10_000), eur(6_000), 0, [], eur(0), eur(6_000)],
        // D4: 8,000 at 80 % → 6,400 weighted, committed. D3 is lost: not forecast.
        ["2026-04", 1, eur(8_000), eur(6_400), 0, [], eur(8_000), eur(6_400)],
        ["2026-05", 0, [], [], 0, [], [], []],
        ["2026-06", 0, [], [], 0, [], [], []],
      ]);
      const quarters = await w.t.reports.forecast({ from: "2026-01-01", to: "2026-07-01", granularity: "quarter", committedProbability: 60 });
      expect(quarters.periods.map((p) => [p.period, p.openCount, p.weighted, p.committed, p.expected])).toEqual([
        ["2026-Q1", 1, eur(6_000), eur(30_000), eur(26_000)],
        ["2026-Q2", 1, eur(6_400), eur(8_000), eur(6_400)],
      ]);
    });

    it("owner results: won value, win rate, average deal size and cycle time per account manager", async () => {
      const { w } = await scenario(ctx);
      const results = await w.t.reports.ownerResults();
      expect(results.owners).toEqual([
        {
          ownerId: "u1",
          won: 1,
          lost: 0,
          winRate: 1,
          averageCycleDays: 5,
          wonValue: [{ currency: "EUR", amount: 20_000 }],
          averageDealSize: [{ currency: "EUR", amount: 20_000 }],
        },
        { ownerId: "u2", won: 0, lost: 1, winRate: 0, averageCycleDays: null, wonValue: [], averageDealSize: [] },
      ]);
      expect((await w.t.reports.ownerResults({ from: "2026-01-08" })).owners.map((o) => o.ownerId)).toEqual(["u1"]);
    });

    it("stage velocity: mean and median days in each stage over completed stays", async () => {
      const { w, pipeline } = await scenario(ctx);
      const velocity = await w.t.reports.stageVelocity({ pipelineId: pipeline.id });
      expect(velocity.stages.map((s) => [s.name, s.visits, s.meanDays, s.medianDays])).toEqual([
        ["Lead", 3, 5 / 3, 2],
        ["Qualified", 2, 3.5, 3.5],
        ["Proposal", 0, null, null],
        ["Negotiation", 0, null, null],
        ["Won", 0, null, null],
        ["Lost", 0, null, null],
      ]);
      expect((await w.t.reports.stageVelocity({ pipelineId: pipeline.id, to: "2026-01-08" })).stages[0]).toMatchObject({ visits: 3, medianDays: 2 });
      expect((await w.t.reports.stageVelocity({ pipelineId: pipeline.id, to: "2026-01-06" })).stages[0]).toMatchObject({ visits: 0, medianDays: null });
    });

    it("orders: realised revenue per customer, tag and attribute, per currency or converted", async () => {
      const w = salesWorld(ctx);
      const { org } = await customer(w.t);
      const person = await w.t.relations.create({ kind: "person", name: "Bea", lifecycle: "lead", ownerId: "u9", tags: ["vip", "b2b"] });
      const record = (relationId: string, orderDate: string, currency: string, netAmount: number) =>
        w.t.orders.record({ relationId, orderDate, currency, netAmount });
      await record(org.id, "2026-02-01", "EUR", 10_000);
      await record(org.id, "2026-03-01", "USD", 1_000);
      await record(org.id, "2026-03-02", "JPY", 1_500);
      await record(person.id, "2026-03-03", "EUR", 500);
      await record(org.id, "2025-12-31", "EUR", 99_999);
      const { order: cancelled } = await record(person.id, "2026-03-04", "EUR", 700);
      await w.t.orders.cancel(cancelled.id, { expectedVersion: 1 });
      const period = { from: "2026-01-01", to: "2026-04-01" } as const;
      const byTag = await w.t.reports.orders({ ...period, groupBy: "tag" });
      expect(byTag.groups).toEqual([
        {
          key: "b2b",
          label: null,
          orders: 4,
          net: [
            { currency: "EUR", amount: 10_500 },
            { currency: "JPY", amount: 1_500 },
            { currency: "USD", amount: 1_000 },
          ],
        },
        { key: "vip", label: null, orders: 1, net: [{ currency: "EUR", amount: 500 }] },
      ]);
      const byCustomer = await w.t.reports.orders({ ...period, groupBy: "customer" });
      expect(byCustomer.groups.find((g) => g.key === org.id)).toMatchObject({ label: "Acme BV", orders: 3 });
      expect((await w.t.reports.orders({ ...period, groupBy: { attribute: "industry" } })).groups.map((g) => [g.key, g.orders])).toEqual([
        ["retail", 3],
        [null, 1],
      ]);
      expect((await w.t.reports.orders({ ...period, groupBy: "owner" })).groups.map((g) => [g.key, g.orders])).toEqual([
        ["u9", 1],
        [null, 3],
      ]);
      // ¥1,500 at 1/160 = €9.375 → 938 cents (half up); $10.00 at 0.9 = 900 cents.
      const converted = await w.t.reports.orders({
        ...period,
        groupBy: "lifecycle",
        currency: "EUR",
        rates: [
          { from: "USD", to: "EUR", rate: "0.9" },
          { from: "JPY", to: "EUR", rate: { numerator: 1, denominator: 160 } },
        ],
      });
      expect(converted.groups).toEqual([
        { key: "customer", label: null, orders: 3, net: [{ currency: "EUR", amount: 11_838 }] },
        { key: "lead", label: null, orders: 1, net: [{ currency: "EUR", amount: 500 }] },
      ]);
      await expectCrmError(w.t.reports.orders({ groupBy: { attribute: "creditLimit" } }), "VALIDATION");
      await expectCrmError(w.t.reports.orders({ groupBy: { attribute: "unknown" } }), "VALIDATION");
      await expectCrmError(w.t.reports.orders({ groupBy: "tag", currency: "EUR", rates: [{ from: "USD", to: "GBP", rate: "0.8" }] }), "VALIDATION");
    });
  });

  reportDifferentialSuite(ctx);
}
