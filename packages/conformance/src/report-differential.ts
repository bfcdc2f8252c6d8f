import fc from "fast-check";
import { describe, expect, it } from "vitest";
import type { TenantCrm } from "@kaartenbak/core";
import { CrmError } from "@kaartenbak/core";
import type { Deal, Order } from "@kaartenbak/core";
import type { ExchangeRate } from "@kaartenbak/core";
import type { Pipeline } from "@kaartenbak/core";
import type { OrdersGroupBy } from "@kaartenbak/core/reference";
import type { SuiteContext } from "./harness.js";
import { referenceFunnel, referenceForecast, referenceOrders, referenceOwnerResults, referenceVelocity, type ReportDataset } from "./report-reference.js";
import { salesWorld, TestClock } from "./sales-fixtures.js";

/** Runs of the differential property; each run writes one random sales history and checks every report on it. */
const RUNS = Number(process.env.KAARTENBAK_REPORT_RUNS ?? 40);

const CURRENCIES = ["EUR", "USD", "JPY"] as const;
const DAY = 86_400_000;

/** A day of 2026 (and a little around it), as `YYYY-MM-DD`. */
const day = fc.integer({ min: -20, max: 400 }).map((n) => new Date(Date.UTC(2026, 0, 1) + n * DAY).toISOString().slice(0, 10));
/** Time between two commands: up to three weeks, to the millisecond. */
const wait = fc.integer({ min: 1, max: 21 * DAY });
const owner = fc.constantFrom(null, "u1", "u2", "u3");

const scenario = fc.record({
  probabilities: fc.tuple(fc.integer({ min: 0, max: 100 }), fc.integer({ min: 0, max: 100 }), fc.integer({ min: 0, max: 100 })),
  relations: fc.array(
    fc.record({
      tags: fc.subarray(["vip", "b2b", "retail"]),
      lifecycle: fc.constantFrom("prospect", "lead", "customer"),
      ownerId: owner,
      industry: fc.constantFrom(undefined, "retail", "finance"),
    }),
    { minLength: 1, maxLength: 4 },
  ),
  deals: fc.array(
    fc.record({
      relation: fc.nat(),
      pipeline: fc.nat({ max: 1 }),
      stage: fc.nat(),
      ownerId: owner,
      // Mostly everyday amounts; sometimes large ones, so a converted sum can pass 2^53 and both sides must refuse it alike.
      amount: fc.oneof(
        { weight: 6, arbitrary: fc.integer({ min: 0, max: 5_000_000 }) },
        { weight: 1, arbitrary: fc.constant(0) },
        { weight: 1, arbitrary: fc.integer({ min: 0, max: 2 ** 36 }) },
      ),
      currency: fc.constantFrom(...CURRENCIES),
      expectedCloseDate: fc.option(day, { nil: null }),
      wait,
    }),
    { minLength: 1, maxLength: 10 },
  ),
  steps: fc.array(
    fc.oneof(
      { weight: 8, arbitrary: fc.record({ kind: fc.constant("move" as const), deal: fc.nat(), pipeline: fc.nat({ max: 1 }), stage: fc.nat(), wait }) },
      { weight: 1, arbitrary: fc.record({ kind: fc.constant("delete" as const), deal: fc.nat(), wait }) },
      { weight: 1, arbitrary: fc.record({ kind: fc.constant("retire" as const), pipeline: fc.nat({ max: 1 }), stage: fc.nat(), wait }) },
      {
        weight: 1,
        arbitrary: fc.record({
          kind: fc.constant("reorder" as const),
          pipeline: fc.nat({ max: 1 }),
          keys: fc.array(fc.double({ noNaN: true }), { minLength: 6, maxLength: 6 }),
          wait,
        }),
      },
      // A quote for the deal, sent and accepted: an order, and (mostly) the deal won at the order's net total, maybe in another currency.
      {
        weight: 2,
        arbitrary: fc.record({
          kind: fc.constant("accept" as const),
          deal: fc.nat(),
          currency: fc.constantFrom(...CURRENCIES),
          lines: fc.array(
            fc.record({
              quantity: fc.integer({ min: 1, max: 5 }),
              unitPrice: fc.integer({ min: 0, max: 1_000_000 }),
              taxRate: fc.constantFrom("0", "9", "21"),
            }),
            { minLength: 1, maxLength: 3 },
          ),
          winDeal: fc.oneof({ weight: 3, arbitrary: fc.constant(true) }, { weight: 1, arbitrary: fc.constant(false) }),
          retry: fc.boolean(),
          wait,
        }),
      },
    ),
    { maxLength: 20 },
  ),
  orders: fc.array(
    fc.record({
      relation: fc.nat(),
      orderDate: day,
      currency: fc.constantFrom(...CURRENCIES),
      netAmount: fc.integer({ min: 0, max: 10_000_000 }),
      cancelled: fc.boolean(),
    }),
    { maxLength: 10 },
  ),
});

const rate = fc.oneof(
  fc
    .tuple(fc.integer({ min: 0, max: 300 }), fc.integer({ min: 0, max: 9999 }))
    .map(([a, b]) => `${a}.${String(b).padStart(4, "0")}`)
    .filter((r) => Number(r) > 0),
  fc.record({ numerator: fc.integer({ min: 1, max: 1000 }), denominator: fc.integer({ min: 1, max: 1000 }) }),
);
/** No conversion, or a target currency with a rate from each other currency. */
const currencyOptions = fc.option(
  fc.tuple(fc.constantFrom(...CURRENCIES), rate, rate).map(([to, r1, r2]) => {
    const [a, b] = CURRENCIES.filter((c) => c !== to) as [string, string];
    const rates: ExchangeRate[] = [
      { from: a, to, rate: r1 },
      { from: b, to, rate: r2 },
    ];
    return { currency: to, rates };
  }),
  { nil: undefined },
);
const range = fc.option(fc.tuple(day, fc.integer({ min: 1, max: 200 })), { nil: undefined }).map((r) => {
  if (!r) return {};
  const to = new Date(Date.parse(`${r[0]}T00:00:00Z`) + r[1] * DAY).toISOString().slice(0, 10);
  return { from: r[0], to };
});
const queries = fc.record({
  funnel: fc.tuple(range, currencyOptions),
  forecast: fc.record({
    from: day,
    months: fc.integer({ min: 1, max: 15 }),
    granularity: fc.constantFrom("month" as const, "quarter" as const),
    committedProbability: fc.integer({ min: 0, max: 100 }),
    onePipeline: fc.boolean(),
    money: currencyOptions,
  }),
  owners: fc.tuple(range, fc.boolean(), currencyOptions),
  orders: fc.tuple(fc.constantFrom<OrdersGroupBy>("customer", "tag", "lifecycle", "owner", { attribute: "industry" }), range, currencyOptions),
  velocity: range,
});

type Scenario = typeof scenario extends fc.Arbitrary<infer T> ? T : never;

/** Writes a scenario through the SDK (one transaction) and reads everything back for the reference. */
async function write(t: TenantCrm, clock: TestClock, s: Scenario): Promise<ReportDataset> {
  const ids = await t.transaction(async (tx) => {
    let pipelines: Pipeline[] = [
      await tx.pipelines.create({
        name: "A",
        stages: [
          ...s.probabilities.map((probability, i) => ({ name: `A${i}`, probability })),
          { name: "A won", kind: "won" },
          { name: "A lost", kind: "lost" },
        ],
      }),
      await tx.pipelines.create({
        name: "B",
        stages: [
          { name: "B0", probability: 25 },
          { name: "B1", probability: 75 },
          { name: "B won", kind: "won" },
          { name: "B lost", kind: "lost" },
        ],
      }),
    ];
    const relations = [];
    for (const r of s.relations) {
      relations.push(
        await tx.relations.create({
          kind: "organisation",
          name: `Org ${relations.length}`,
          tags: r.tags,
          lifecycle: r.lifecycle,
          ownerId: r.ownerId,
          attributes: r.industry ? { industry: r.industry } : {},
        }),
      );
    }
    const active = (p: Pipeline) => p.stages.filter((st) => !st.retiredAt);
    const deals: Deal[] = [];
    for (const d of s.deals) {
      clock.advance(d.wait);
      const pipeline = pipelines[d.pipeline]!;
      const stage = active(pipeline)[d.stage % active(pipeline).length]!;
      deals.push(
        await tx.deals.create({
          title: `Deal ${deals.length}`,
          relationId: relations[d.relation % relations.length]!.id,
          ownerId: d.ownerId,
          pipelineId: pipeline.id,
          stageId: stage.id,
          amount: d.amount,
          currency: d.currency,
          expectedCloseDate: d.expectedCloseDate,
        }),
      );
    }
    const quoteOrders: string[] = [];
    for (const step of s.steps) {
      clock.advance(step.wait);
      if (step.kind === "accept") {
        const index = step.deal % deals.length;
        const deal = deals[index]!;
        if (deal.deletedAt) continue;
        const draft = await tx.quotes.create({ dealId: deal.id, currency: step.currency, lines: step.lines.map((l) => ({ description: "Item", ...l })) });
        const sent = await tx.quotes.send(draft.id, { expectedVersion: draft.version });
        const result = await tx.quotes.accept(sent.id, { expectedVersion: sent.version, winDeal: step.winDeal });
        // An at-least-once retry of the same command returns the same result and writes nothing.
        if (step.retry) expect(await tx.quotes.accept(sent.id, { expectedVersion: sent.version, winDeal: step.winDeal })).toEqual(result);
        // Winning by acceptance makes the deal's value the order's revenue, so reports on both agree.
        if (step.winDeal && deal.status !== "won")
          expect(result.deal).toMatchObject({ status: "won", amount: result.order.netAmount, currency: result.order.currency });
        deals[index] = result.deal ?? deal;
        quoteOrders.push(result.order.id);
        continue;
      }
      if (step.kind === "move" || step.kind === "delete") {
        const index = step.deal % deals.length;
        const deal = deals[index]!;
        if (deal.deletedAt) continue;
        if (step.kind === "delete") {
          deals[index] = await tx.deals.delete(deal.id, { expectedVersion: deal.version });
          continue;
        }
        const stages = active(pipelines[step.pipeline]!);
        deals[index] = await tx.deals.moveToStage(deal.id, { stageId: stages[step.stage % stages.length]!.id }, { expectedVersion: deal.version });
      } else {
        const pipeline = pipelines[step.pipeline]!;
        let next: Pipeline;
        if (step.kind === "retire") {
          const stage = active(pipeline)[step.stage % active(pipeline).length]!;
          if (active(pipeline).filter((st) => st.kind === stage.kind).length < 2) continue;
          next = await tx.pipelines.retireStage(pipeline.id, stage.id, { expectedVersion: pipeline.version });
        } else {
          const order = pipeline.stages
            .map((st, i) => ({ id: st.id, key: step.keys[i] ?? 0 }))
            .sort((a, b) => a.key - b.key)
            .map((x) => x.id);
          next = await tx.pipelines.reorderStages(pipeline.id, order, { expectedVersion: pipeline.version });
        }
        pipelines = pipelines.map((p) => (p.id === next.id ? next : p));
      }
    }
    const orders: Order[] = [];
    for (const o of s.orders) {
      clock.advance(1000);
      const { order } = await tx.orders.record({
        relationId: relations[o.relation % relations.length]!.id,
        orderDate: o.orderDate,
        currency: o.currency,
        netAmount: o.netAmount,
      });
      orders.push(o.cancelled ? await tx.orders.cancel(order.id, { expectedVersion: 1 }) : order);
    }
    return { relations: relations.map((r) => r.id), deals: deals.map((d) => d.id), orders: [...quoteOrders, ...orders.map((o) => o.id)] };
  });
  const deals = await Promise.all(ids.deals.map(async (id) => (await t.deals.get(id, { includeDeleted: true }))!));
  return {
    pipelines: await t.pipelines.list(),
    deals,
    visits: (await Promise.all(deals.map((d) => t.deals.stageHistory(d.id)))).flat(),
    orders: await Promise.all(ids.orders.map(async (id) => (await t.orders.get(id))!)),
    relations: await Promise.all(ids.relations.map(async (id) => (await t.relations.get(id, { includeDeleted: true }))!)),
  };
}

/** A report's outcome: its value, or the code of the CrmError it failed with. */
async function outcome<T>(run: () => T | Promise<T>): Promise<{ value: T } | { error: string }> {
  try {
    return { value: await run() };
  } catch (error) {
    if (error instanceof CrmError) return { error: error.code };
    throw error;
  }
}

/**
 * Differential tests: on random sales histories, every report computed in SQL equals the
 * plain-TypeScript reference over the same records.
 */
export function reportDifferentialSuite(ctx: SuiteContext): void {
  describe("reports: SQL equals the reference on random data", () => {
    it("funnel, forecast, owner results, orders and stage velocity", async () => {
      await fc.assert(
        fc.asyncProperty(scenario, queries, async (s, q) => {
          const clock = new TestClock("2026-01-01T00:00:00.000Z");
          const w = salesWorld(ctx, clock);
          const data = await write(w.t, clock, s);
          const [a, b] = data.pipelines as [Pipeline, Pipeline];
          for (const pipeline of [a, b]) {
            const funnel = { pipelineId: pipeline.id, ...q.funnel[0], ...q.funnel[1] };
            expect(await outcome(() => w.t.reports.funnel(funnel))).toEqual(await outcome(() => referenceFunnel(data, funnel)));
            const velocity = { pipelineId: pipeline.id, ...q.velocity };
            expect(await outcome(() => w.t.reports.stageVelocity(velocity))).toEqual(await outcome(() => referenceVelocity(data, velocity)));
          }
          const f = q.forecast;
          const forecast = {
            from: f.from,
            to: new Date(Date.parse(`${f.from}T00:00:00Z`) + f.months * 31 * DAY).toISOString().slice(0, 10),
            granularity: f.granularity,
            committedProbability: f.committedProbability,
            ...(f.onePipeline ? { pipelineId: a.id } : {}),
            ...f.money,
          };
          expect(await outcome(() => w.t.reports.forecast(forecast))).toEqual(await outcome(() => referenceForecast(data, forecast)));
          const owners = { ...q.owners[0], ...(q.owners[1] ? { pipelineId: b.id } : {}), ...q.owners[2] };
          expect(await outcome(() => w.t.reports.ownerResults(owners))).toEqual(await outcome(() => referenceOwnerResults(data, owners)));
          const orders = { groupBy: q.orders[0], ...q.orders[1], ...q.orders[2] };
          expect(await outcome(() => w.t.reports.orders(orders))).toEqual(await outcome(() => referenceOrders(data, orders)));
        }),
        { numRuns: RUNS },
      );
    });
  });
}
