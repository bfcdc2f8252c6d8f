/**
 * Reference implementations of the sales reports in plain TypeScript, over records read back
 * through the SDK. The differential tests compare them with the SQL reports on random data. They
 * share only the money primitives with the service (`roundHalfUp`, `convertInto`, `safeNumber`, which
 * have their own property tests); every filter, grouping and sum is done again here, row by row.
 */
import * as z from "zod";
import type { AttributeValue, Money } from "@kaartenbak/core";
import type { Deal, StageVisit } from "@kaartenbak/core";
import { conversionTarget, convertInto, exchangeRateSchema, safeNumber, type ConversionTarget } from "@kaartenbak/core/reference";
import type { OrdersGroup } from "@kaartenbak/core/reference";
import type { ExchangeRate } from "@kaartenbak/core";
import type { Order } from "@kaartenbak/core";
import type { Pipeline, Stage } from "@kaartenbak/core";
import type { Relation } from "@kaartenbak/core";
import type { ForecastReport, FunnelReport, OrdersReport, OwnerResultsReport, VelocityReport } from "@kaartenbak/core";
import type { ForecastQuery, FunnelQuery, OrdersQuery, OwnerResultsQuery, VelocityQuery } from "@kaartenbak/core/reference";
import { roundHalfUp } from "@kaartenbak/core/reference";

/** Everything the reports read, as the SDK returns it (deleted deals and cancelled orders included). */
export interface ReportDataset {
  readonly pipelines: readonly Pipeline[];
  readonly deals: readonly Deal[];
  readonly visits: readonly StageVisit[];
  readonly orders: readonly Order[];
  readonly relations: readonly Relation[];
}

const DAY = 86_400_000;

function target(q: { currency?: string | undefined; rates?: readonly ExchangeRate[] | undefined }): ConversionTarget | undefined {
  return conversionTarget({ currency: q.currency, rates: q.rates ? z.array(exchangeRateSchema).parse(q.rates) : undefined });
}

/** Sums amounts per currency, then lists them (sorted) or converts each and sums. */
function figure(entries: ReadonlyArray<readonly [string, bigint]>, into: ConversionTarget | undefined): Money[] {
  const totals = new Map<string, bigint>();
  for (const [currency, amount] of entries) totals.set(currency, (totals.get(currency) ?? 0n) + amount);
  if (totals.size === 0) return [];
  if (into) {
    let sum = 0n;
    for (const [currency, amount] of totals) sum += convertInto(into, currency, amount);
    return [{ currency: into.currency, amount: safeNumber(sum) }];
  }
  return [...totals.keys()].sort().map((currency) => ({ currency, amount: safeNumber(totals.get(currency)!) }));
}

const inDays = (day: string, from?: string, to?: string) => (!from || day >= from) && (!to || day < to);
const inInstants = (at: string, from?: string, to?: string) => inDays(at.slice(0, 10), from, to);
const distinct = (ids: Iterable<string>) => new Set(ids).size;

function stageIndex(data: ReportDataset): Map<string, Stage> {
  return new Map(data.pipelines.flatMap((p) => p.stages.map((s) => [s.id, s] as const)));
}

/** The funnel, row by row. */
export function referenceFunnel(data: ReportDataset, q: FunnelQuery): FunnelReport {
  const into = target(q);
  const pipeline = data.pipelines.find((p) => p.id === q.pipelineId)!;
  const live = data.deals.filter((d) => !d.deletedAt);
  const liveIds = new Set(live.map((d) => d.id));
  const stages = stageIndex(data);
  const visits = data.visits.filter((v) => v.pipelineId === pipeline.id && liveIds.has(v.dealId) && inInstants(v.enteredAt, q.from, q.to));
  const reachedOf = (stage: Stage) =>
    distinct(visits.filter((v) => stages.get(v.stageId)!.kind !== "lost" && stages.get(v.stageId)!.position >= stage.position).map((v) => v.dealId));
  const path = pipeline.stages.filter((s) => s.kind !== "lost");
  return {
    pipelineId: pipeline.id,
    from: q.from ?? null,
    to: q.to ?? null,
    currency: into?.currency ?? null,
    stages: pipeline.stages.map((stage) => {
      const here = live.filter((d) => d.stageId === stage.id);
      const reached = stage.kind === "lost" ? null : reachedOf(stage);
      const next = path[path.indexOf(stage) + 1];
      return {
        stageId: stage.id,
        name: stage.name,
        kind: stage.kind,
        probability: stage.probability,
        position: stage.position,
        retired: stage.retiredAt !== null,
        current: {
          count: here.length,
          value: figure(
            here.map((d) => [d.currency, BigInt(d.amount)]),
            into,
          ),
        },
        entered: distinct(visits.filter((v) => v.stageId === stage.id).map((v) => v.dealId)),
        reached,
        conversionToNext: reached === null || reached === 0 || !next ? null : reachedOf(next) / reached,
      };
    }),
  };
}

/** Every period label of `[from, to)`. */
function periods(from: string, to: string, granularity: "month" | "quarter"): string[] {
  const labels: string[] = [];
  const label = (day: string) => {
    const month = Number(day.slice(5, 7));
    return granularity === "month" ? day.slice(0, 7) : `${day.slice(0, 4)}-Q${Math.ceil(month / 3)}`;
  };
  for (let t = Date.parse(`${from}T00:00:00Z`); t < Date.parse(`${to}T00:00:00Z`); t += DAY) {
    const l = label(new Date(t).toISOString().slice(0, 10));
    if (labels[labels.length - 1] !== l) labels.push(l);
  }
  return labels;
}

/** The forecast, row by row. */
export function referenceForecast(data: ReportDataset, q: ForecastQuery): ForecastReport {
  const into = target(q);
  const granularity = q.granularity ?? "month";
  const threshold = q.committedProbability ?? 75;
  const stages = stageIndex(data);
  const label = (day: string) => (granularity === "month" ? day.slice(0, 7) : `${day.slice(0, 4)}-Q${Math.ceil(Number(day.slice(5, 7)) / 3)}`);
  const live = data.deals.filter((d) => !d.deletedAt && (!q.pipelineId || d.pipelineId === q.pipelineId));
  const open = live.filter((d) => d.status === "open" && d.expectedCloseDate !== null && inDays(d.expectedCloseDate, q.from, q.to));
  const won = live.filter((d) => d.status === "won" && d.closedAt !== null && inInstants(d.closedAt, q.from, q.to));
  return {
    pipelineId: q.pipelineId ?? null,
    granularity,
    from: q.from,
    to: q.to,
    committedProbability: threshold,
    currency: into?.currency ?? null,
    periods: periods(q.from, q.to, granularity).map((period) => {
      const o = open.filter((d) => label(d.expectedCloseDate!) === period);
      const w = won.filter((d) => label(d.closedAt!.slice(0, 10)) === period);
      // Weighted value: Σ amount × probability per currency, divided by 100 and rounded once.
      const weightedSums = new Map<string, bigint>();
      for (const d of o) weightedSums.set(d.currency, (weightedSums.get(d.currency) ?? 0n) + BigInt(d.amount) * BigInt(stages.get(d.stageId)!.probability));
      const weighted = [...weightedSums].map(([c, s]) => [c, roundHalfUp(s, 100n)] as const);
      const wonEntries = w.map((d) => [d.currency, BigInt(d.amount)] as const);
      const committedOpen = o.filter((d) => stages.get(d.stageId)!.probability >= threshold).map((d) => [d.currency, BigInt(d.amount)] as const);
      return {
        period,
        openCount: o.length,
        openValue: figure(
          o.map((d) => [d.currency, BigInt(d.amount)]),
          into,
        ),
        weighted: figure(weighted, into),
        wonCount: w.length,
        wonValue: figure(wonEntries, into),
        committed: figure([...wonEntries, ...committedOpen, ...o.map((d) => [d.currency, 0n] as const)], into),
        expected: figure([...wonEntries, ...weighted], into),
      };
    }),
  };
}

/** Results per owner, row by row. */
export function referenceOwnerResults(data: ReportDataset, q: OwnerResultsQuery): OwnerResultsReport {
  const into = target(q);
  const closed = data.deals.filter(
    (d) =>
      !d.deletedAt && (d.status === "won" || d.status === "lost") && (!q.pipelineId || d.pipelineId === q.pipelineId) && inInstants(d.closedAt!, q.from, q.to),
  );
  const owners = [...new Set(closed.map((d) => d.ownerId))].sort((a, b) => (a === b ? 0 : a === null ? 1 : b === null ? -1 : a < b ? -1 : 1));
  return {
    from: q.from ?? null,
    to: q.to ?? null,
    currency: into?.currency ?? null,
    owners: owners.map((ownerId) => {
      const mine = closed.filter((d) => d.ownerId === ownerId);
      const won = mine.filter((d) => d.status === "won");
      const lost = mine.length - won.length;
      const currencies = [...new Set(won.map((d) => d.currency))].sort();
      let averageDealSize: Money[];
      if (into) {
        let sum = 0n;
        for (const c of currencies)
          sum += convertInto(
            into,
            c,
            won.filter((d) => d.currency === c).reduce((s, d) => s + BigInt(d.amount), 0n),
          );
        averageDealSize = won.length ? [{ currency: into.currency, amount: safeNumber(roundHalfUp(sum, BigInt(won.length))) }] : [];
      } else {
        averageDealSize = currencies.map((c) => {
          const list = won.filter((d) => d.currency === c);
          return {
            currency: c,
            amount: safeNumber(
              roundHalfUp(
                list.reduce((s, d) => s + BigInt(d.amount), 0n),
                BigInt(list.length),
              ),
            ),
          };
        });
      }
      const cycleMs = won.reduce((s, d) => s + (Date.parse(d.closedAt!) - Date.parse(d.createdAt)), 0);
      return {
        ownerId,
        won: won.length,
        lost,
        winRate: mine.length ? won.length / mine.length : null,
        averageCycleDays: won.length ? cycleMs / won.length / DAY : null,
        wonValue: figure(
          won.map((d) => [d.currency, BigInt(d.amount)]),
          into,
        ),
        averageDealSize,
      };
    }),
  };
}

/** Orders per group, row by row. */
export function referenceOrders(data: ReportDataset, q: OrdersQuery): OrdersReport {
  const into = target(q);
  const relations = new Map(data.relations.map((r) => [r.id, r]));
  const rows: { key: OrdersGroup["key"]; label: string | null; order: Order }[] = [];
  for (const order of data.orders) {
    if (order.cancelledAt || !inDays(order.orderDate, q.from, q.to)) continue;
    const r = relations.get(order.relationId)!;
    const g = q.groupBy;
    const keys: (AttributeValue | null)[] =
      g === "customer"
        ? [r.id]
        : g === "tag"
          ? r.tags.length
            ? [...r.tags]
            : [null]
          : g === "lifecycle"
            ? [r.lifecycle]
            : g === "owner"
              ? [r.ownerId]
              : [r.attributes[g.attribute] ?? null];
    for (const key of keys) rows.push({ key: key as OrdersGroup["key"], label: g === "customer" ? r.name : null, order });
  }
  const keys = [...new Set(rows.map((r) => r.key))].sort((a, b) =>
    a === b ? 0 : a === null ? 1 : b === null ? -1 : typeof a !== typeof b ? (typeof a < typeof b ? -1 : 1) : a < b ? -1 : 1,
  );
  return {
    from: q.from ?? null,
    to: q.to ?? null,
    currency: into?.currency ?? null,
    groups: keys.map((key) => {
      const mine = rows.filter((r) => r.key === key);
      return {
        key,
        label: mine[0]!.label,
        orders: mine.length,
        net: figure(
          mine.map((r) => [r.order.currency, BigInt(r.order.netAmount)]),
          into,
        ),
      };
    }),
  };
}

/** Stage velocity, row by row. */
export function referenceVelocity(data: ReportDataset, q: VelocityQuery): VelocityReport {
  const pipeline = data.pipelines.find((p) => p.id === q.pipelineId)!;
  const live = new Set(data.deals.filter((d) => !d.deletedAt).map((d) => d.id));
  const done = data.visits.filter((v) => v.pipelineId === pipeline.id && v.leftAt !== null && live.has(v.dealId) && inInstants(v.leftAt, q.from, q.to));
  return {
    pipelineId: pipeline.id,
    from: q.from ?? null,
    to: q.to ?? null,
    stages: pipeline.stages.map((stage) => {
      const ms = done
        .filter((v) => v.stageId === stage.id)
        .map((v) => Date.parse(v.leftAt!) - Date.parse(v.enteredAt))
        .sort((a, b) => a - b);
      const n = ms.length;
      const median = n === 0 ? null : n % 2 === 1 ? ms[(n - 1) / 2]! / 1 / DAY : (ms[n / 2 - 1]! + ms[n / 2]!) / 2 / DAY;
      return {
        stageId: stage.id,
        name: stage.name,
        kind: stage.kind,
        position: stage.position,
        retired: stage.retiredAt !== null,
        visits: n,
        meanDays: n === 0 ? null : ms.reduce((s, x) => s + x, 0) / n / DAY,
        medianDays: median,
      };
    }),
  };
}
