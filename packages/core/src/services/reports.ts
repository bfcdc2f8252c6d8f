import type { Money } from "../attributes/registry.js";
import { appliesTo } from "../attributes/validate.js";
import { CrmError, notFound, validationError } from "../errors.js";
import { parseOrThrow } from "../model/common.js";
import { conversionTarget, convertInto, moneyList, safeNumber, type ConversionTarget } from "../model/money.js";
import type { Pipeline } from "../model/pipeline.js";
import {
  forecastQuerySchema,
  funnelQuerySchema,
  ordersQuerySchema,
  ownerResultsQuerySchema,
  velocityQuerySchema,
  type ForecastPeriod,
  type ForecastQuery,
  type ForecastReport,
  type FunnelQuery,
  type FunnelReport,
  type OrdersGroup,
  type OrdersQuery,
  type OrdersReport,
  type OwnerResult,
  type OwnerResultsQuery,
  type OwnerResultsReport,
  type VelocityQuery,
  type VelocityReport,
} from "../model/report.js";
import { roundHalfUp } from "../money.js";
import type { TenantStore } from "../storage.js";
import type { AggregateRange, OrderGrouping } from "../storage-sales.js";
import { runQuery, type TenantScope } from "./command.js";
import { periodKeys, periodLabel } from "./report-periods.js";

/**
 * The sales reports. Each one is a few aggregate queries in the database (`store.reports`); this
 * service adds what SQL should not decide: stage metadata, currency conversion with the host's
 * rates, and rounding (half up) of weighted values and averages.
 */
export interface ReportService {
  /** Count and value per stage now, and stage-to-stage conversion over the period. */
  funnel(query: FunnelQuery): Promise<FunnelReport>;
  /** Open, weighted, won, committed and expected value per month or quarter. */
  forecast(query: ForecastQuery): Promise<ForecastReport>;
  /** Won value, win rate, average deal size and cycle time per account manager. */
  ownerResults(query?: OwnerResultsQuery): Promise<OwnerResultsReport>;
  /** Realised revenue (orders) per customer, tag, lifecycle, owner or custom attribute. */
  orders(query: OrdersQuery): Promise<OrdersReport>;
  /** Mean and median days deals stay in each stage. */
  stageVelocity(query: VelocityQuery): Promise<VelocityReport>;
}

const DAY_MS = 86_400_000;

/** Adds `amount` to a per-currency total. */
function add(totals: Map<string, bigint>, currency: string, amount: bigint): void {
  totals.set(currency, (totals.get(currency) ?? 0n) + amount);
}

function compareKeys(a: string | null, b: string | null): number {
  if (a === b) return 0;
  if (a === null) return 1;
  if (b === null) return -1;
  return a < b ? -1 : 1;
}

/** Group keys sort by value (numbers numerically, text by code unit, false before true); null last. */
function compareGroupKeys(a: OrdersGroup["key"], b: OrdersGroup["key"]): number {
  if (a === b) return 0;
  if (a === null) return 1;
  if (b === null) return -1;
  if (typeof a !== typeof b) return typeof a < typeof b ? -1 : 1;
  return a < b ? -1 : 1;
}

async function pipelineOf(store: TenantStore, id: string): Promise<Pipeline> {
  const pipeline = await store.pipelines.get(id);
  if (!pipeline) throw notFound("pipeline", id);
  return pipeline;
}

function rangeOf(query: { from?: string | undefined; to?: string | undefined }): AggregateRange {
  return { from: query.from ?? null, to: query.to ?? null };
}

/** Builds the report service of a tenant. */
export function reportService(scope: TenantScope): ReportService {
  const { ctx } = scope;

  /** Per-currency totals as a report money figure (converted when a target currency was asked for). */
  const money = (totals: Map<string, bigint>, target: ConversionTarget | undefined): Money[] => moneyList(totals, target);

  return {
    async funnel(query) {
      const q = parseOrThrow(funnelQuerySchema, query);
      const target = conversionTarget(q);
      return runQuery(scope, async (store) => {
        const pipeline = await pipelineOf(store, q.pipelineId);
        const agg = await store.reports.funnel(pipeline.id, rangeOf(q));
        const entered = new Map(agg.entered.map((r) => [r.stageId, r.deals]));
        const reached = new Map(agg.reached.map((r) => [r.stageId, r.deals]));
        const path = pipeline.stages.filter((s) => s.kind !== "lost");
        const stages = pipeline.stages.map((stage) => {
          const rows = agg.current.filter((r) => r.stageId === stage.id);
          const totals = new Map<string, bigint>();
          for (const r of rows) add(totals, r.currency, r.amount);
          const here = stage.kind === "lost" ? null : (reached.get(stage.id) ?? 0);
          const next = path[path.findIndex((s) => s.id === stage.id) + 1];
          const conversionToNext = here === null || here === 0 || !next ? null : (reached.get(next.id) ?? 0) / here;
          return {
            stageId: stage.id,
            name: stage.name,
            kind: stage.kind,
            probability: stage.probability,
            position: stage.position,
            retired: stage.retiredAt !== null,
            current: { count: rows.reduce((n, r) => n + r.deals, 0), value: money(totals, target) },
            entered: entered.get(stage.id) ?? 0,
            reached: here,
            conversionToNext,
          };
        });
        return { pipelineId: pipeline.id, from: q.from ?? null, to: q.to ?? null, currency: target?.currency ?? null, stages };
      });
    },

    async forecast(query) {
      const q = parseOrThrow(forecastQuerySchema, query);
      const target = conversionTarget(q);
      const keys = periodKeys(q.from, q.to, q.granularity);
      if (keys.length > 400) throw validationError([{ path: ["to"], message: "A forecast spans at most 400 periods", code: "too_big" }]);
      return runQuery(scope, async (store) => {
        if (q.pipelineId) await pipelineOf(store, q.pipelineId);
        const agg = await store.reports.forecast({
          pipelineId: q.pipelineId ?? null,
          granularity: q.granularity,
          range: { from: q.from, to: q.to },
          committedProbability: q.committedProbability,
        });
        const periods: ForecastPeriod[] = keys.map((key) => {
          const same = (r: { year: number; index: number }) => r.year === key.year && r.index === key.index;
          const open = agg.open.filter(same);
          const won = agg.won.filter(same);
          const openValue = new Map<string, bigint>();
          const weighted = new Map<string, bigint>();
          const wonValue = new Map<string, bigint>();
          const committed = new Map<string, bigint>();
          const expected = new Map<string, bigint>();
          for (const r of open) {
            const w = roundHalfUp(r.weightedSum, 100n);
            add(openValue, r.currency, r.amount);
            add(weighted, r.currency, w);
            add(committed, r.currency, r.committedAmount);
            add(expected, r.currency, w);
          }
          for (const r of won) {
            add(wonValue, r.currency, r.amount);
            add(committed, r.currency, r.amount);
            add(expected, r.currency, r.amount);
          }
          return {
            period: periodLabel(key, q.granularity),
            openCount: open.reduce((n, r) => n + r.deals, 0),
            openValue: money(openValue, target),
            weighted: money(weighted, target),
            wonCount: won.reduce((n, r) => n + r.deals, 0),
            wonValue: money(wonValue, target),
            committed: money(committed, target),
            expected: money(expected, target),
          };
        });
        return {
          pipelineId: q.pipelineId ?? null,
          granularity: q.granularity,
          from: q.from,
          to: q.to,
          committedProbability: q.committedProbability,
          currency: target?.currency ?? null,
          periods,
        };
      });
    },

    async ownerResults(query = {}) {
      const q = parseOrThrow(ownerResultsQuerySchema, query);
      const target = conversionTarget(q);
      return runQuery(scope, async (store) => {
        if (q.pipelineId) await pipelineOf(store, q.pipelineId);
        const agg = await store.reports.ownerResults(q.pipelineId ?? null, rangeOf(q));
        const owners = [...new Set(agg.closed.map((r) => r.ownerId))].sort(compareKeys);
        const results: OwnerResult[] = owners.map((ownerId) => {
          const rows = agg.closed.filter((r) => r.ownerId === ownerId);
          const wonRows = rows.filter((r) => r.status === "won");
          const won = wonRows.reduce((n, r) => n + r.deals, 0);
          const lost = rows.filter((r) => r.status === "lost").reduce((n, r) => n + r.deals, 0);
          const wonTotals = new Map<string, bigint>();
          for (const r of wonRows) add(wonTotals, r.currency, r.amount);
          let averageDealSize: Money[];
          if (target) {
            let sum = 0n;
            for (const [currency, amount] of wonTotals) sum += convertInto(target, currency, amount);
            averageDealSize = won > 0 ? [{ currency: target.currency, amount: safeNumber(roundHalfUp(sum, BigInt(won))) }] : [];
          } else {
            averageDealSize = moneyList(new Map(wonRows.map((r) => [r.currency, roundHalfUp(r.amount, BigInt(r.deals))])), undefined);
          }
          const cycle = agg.cycles.find((c) => c.ownerId === ownerId);
          return {
            ownerId,
            won,
            lost,
            winRate: won + lost > 0 ? won / (won + lost) : null,
            averageCycleDays: cycle && cycle.deals > 0 ? Number(cycle.totalMs) / cycle.deals / DAY_MS : null,
            wonValue: money(wonTotals, target),
            averageDealSize,
          };
        });
        return { from: q.from ?? null, to: q.to ?? null, currency: target?.currency ?? null, owners: results };
      });
    },

    async orders(query) {
      const q = parseOrThrow(ordersQuerySchema, query);
      const target = conversionTarget(q);
      let grouping: OrderGrouping;
      if (typeof q.groupBy === "string") grouping = { by: q.groupBy };
      else {
        const def = ctx.registry.attributes[q.groupBy.attribute];
        if (!def || def.type === "money" || !["person", "organisation", "household"].some((k) => appliesTo(def, k as "person"))) {
          throw validationError([
            {
              path: ["groupBy", "attribute"],
              message: `Expected a relation attribute of the registry that is not money, got ${q.groupBy.attribute}`,
              code: "invalid_attribute",
            },
          ]);
        }
        grouping = { by: "attribute", name: q.groupBy.attribute };
      }
      return runQuery(scope, async (store) => {
        const rows = await store.reports.orders(grouping, rangeOf(q));
        const groups = new Map<string | null, { label: string | null; orders: number; net: Map<string, bigint> }>();
        for (const r of rows) {
          const group = groups.get(r.key) ?? { label: r.label, orders: 0, net: new Map<string, bigint>() };
          group.orders += r.orders;
          group.label ??= r.label;
          add(group.net, r.currency, r.net);
          groups.set(r.key, group);
        }
        const decode = (key: string | null): OrdersGroup["key"] => {
          if (key === null || grouping.by !== "attribute") return key;
          const value: unknown = JSON.parse(key);
          if (typeof value === "string" || typeof value === "number" || typeof value === "boolean") return value;
          throw new CrmError("STORAGE", `Attribute ${grouping.name} holds a value that cannot be a group key: ${key}`);
        };
        const result: OrdersGroup[] = [...groups.entries()]
          .map(([key, g]) => ({ key: decode(key), label: grouping.by === "customer" ? g.label : null, orders: g.orders, net: money(g.net, target) }))
          .sort((a, b) => compareGroupKeys(a.key, b.key));
        return { from: q.from ?? null, to: q.to ?? null, currency: target?.currency ?? null, groups: result };
      });
    },

    async stageVelocity(query) {
      const q = parseOrThrow(velocityQuerySchema, query);
      return runQuery(scope, async (store) => {
        const pipeline = await pipelineOf(store, q.pipelineId);
        const rows = new Map((await store.reports.stageVelocity(pipeline.id, rangeOf(q))).map((r) => [r.stageId, r]));
        const stages = pipeline.stages.map((stage) => {
          const r = rows.get(stage.id);
          return {
            stageId: stage.id,
            name: stage.name,
            kind: stage.kind,
            position: stage.position,
            retired: stage.retiredAt !== null,
            visits: r?.visits ?? 0,
            meanDays: r && r.visits > 0 ? Number(r.totalMs) / r.visits / DAY_MS : null,
            medianDays: r && r.middleCount > 0 ? Number(r.middleMs) / r.middleCount / DAY_MS : null,
          };
        });
        return { pipelineId: pipeline.id, from: q.from ?? null, to: q.to ?? null, stages };
      });
    },
  };
}
