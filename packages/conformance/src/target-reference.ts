/**
 * The attainment report in plain TypeScript, over records read back through the SDK: every
 * filter, period and sum is done again here, row by row, so the differential test compares the
 * SQL aggregates with an independent answer.
 */
import type { Deal, Order, Relation } from "@kaartenbak/core";
import type { AttainmentQuery } from "@kaartenbak/core/reference";
import { safeNumber } from "@kaartenbak/core/reference";
import type { TenantCrm } from "@kaartenbak/core";

type AttainmentReport = Awaited<ReturnType<TenantCrm["targets"]["attainment"]>>;
type Target = Awaited<ReturnType<TenantCrm["targets"]["list"]>>[number];

/** What the attainment report reads (deleted deals and cancelled orders included). */
export interface TargetDataset {
  readonly targets: readonly Target[];
  readonly deals: readonly Deal[];
  readonly orders: readonly Order[];
  readonly relations: readonly Relation[];
}

/** The month (`2026-03`) or quarter (`2026-Q1`) label of a `YYYY-MM-DD` day. */
export function periodLabelOf(day: string, quarter: boolean): string {
  const month = Number(day.slice(5, 7));
  return quarter ? `${day.slice(0, 4)}-Q${Math.ceil(month / 3)}` : day.slice(0, 7);
}

/** Attainment, target by target. */
export function referenceAttainment(data: TargetDataset, q: AttainmentQuery): AttainmentReport {
  const quarter = q.from.includes("Q");
  const owners = new Map(data.relations.map((r) => [r.id, r.ownerId]));
  const inScope = (p: string) => p.includes("Q") === quarter && p >= q.from && p <= q.to;
  const targets = data.targets
    .filter((t) => inScope(t.period) && (q.ownerId === undefined || t.ownerId === q.ownerId))
    .sort((a, b) => {
      const keys = (t: Target) => [t.period, t.ownerId === null ? "1" : "0", t.ownerId ?? "", t.metric, t.currency ?? ""];
      const [x, y] = [keys(a), keys(b)];
      for (let i = 0; i < x.length; i++) if (x[i] !== y[i]) return x[i]! < y[i]! ? -1 : 1;
      return 0;
    });
  return {
    granularity: quarter ? "quarter" : "month",
    from: q.from,
    to: q.to,
    rows: targets.map((t) => {
      const mine = (ownerId: string | null) => t.ownerId === null || ownerId === t.ownerId;
      let actual: number;
      if (t.metric === "order_value") {
        let sum = 0n;
        for (const o of data.orders)
          if (!o.cancelledAt && periodLabelOf(o.orderDate, quarter) === t.period && mine(owners.get(o.relationId) ?? null) && o.currency === t.currency)
            sum += BigInt(o.netAmount);
        actual = safeNumber(sum);
      } else {
        const won = data.deals.filter(
          (d) => !d.deletedAt && d.status === "won" && periodLabelOf(d.closedAt!.slice(0, 10), quarter) === t.period && mine(d.ownerId),
        );
        if (t.metric === "won_count") actual = won.length;
        else actual = safeNumber(won.filter((d) => d.currency === t.currency).reduce((s, d) => s + BigInt(d.amount), 0n));
      }
      return {
        targetId: t.id,
        period: t.period,
        ownerId: t.ownerId,
        metric: t.metric,
        currency: t.currency,
        target: t.amount,
        actual,
        attainment: t.amount === 0 ? null : actual / t.amount,
      };
    }),
  };
}
