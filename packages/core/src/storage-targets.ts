/**
 * The targets part of the storage contract: the targets themselves and the aggregates their
 * attainment is measured with. Same conventions as `storage.ts`: every repository is bound to one
 * tenant inside one transaction; core validates and computes versions, the store stores, finds and
 * aggregates. Sums come back as `bigint` (a sum of safe amounts may not be safe).
 */
import type { Target, TargetMetric } from "./model/target.js";
import type { PeriodKey } from "./storage-sales.js";

/** A target as stored. */
export type TargetRecord = Target;

/** The natural key of a target: one per owner, metric, period and currency. */
export interface TargetKey {
  readonly ownerId: string | null;
  readonly metric: TargetMetric;
  readonly period: string;
  readonly currency: string | null;
}

/** Which targets to list: periods `from` to `to` (both included, same granularity, compared as text). */
export interface TargetRangeQuery {
  readonly from: string;
  readonly to: string;
  /** A string for one owner, null for the tenant-wide targets, undefined for all. */
  readonly ownerId?: string | null;
}

/** Results per owner, period and currency, the raw material of attainment. */
export interface AttainmentAggregateRow extends PeriodKey {
  /** The deal owner (won deals) or the customer's owner (orders); null when there is none. */
  readonly ownerId: string | null;
  readonly currency: string;
  /** Won deals, or non-cancelled orders. */
  readonly count: number;
  /** Summed deal amounts, or summed order net amounts. */
  readonly amount: bigint;
}

/** The aggregates of {@link TargetStore.results}. */
export interface AttainmentAggregate {
  /** Live deals won (by the UTC day of `closedAt`), per deal owner. */
  readonly won: readonly AttainmentAggregateRow[];
  /** Non-cancelled orders by order date, per owner of the order's customer. */
  readonly orders: readonly AttainmentAggregateRow[];
}

/** Targets and their results. */
export interface TargetStore {
  /** Inserts a target. Throws DUPLICATE when its key is taken. */
  insert(record: TargetRecord): Promise<void>;
  /** Replaces a target's amount when its version equals `expectedVersion`; false, changing nothing, otherwise. */
  update(record: TargetRecord, expectedVersion: number): Promise<boolean>;
  /** The target with this key. */
  getByKey(key: TargetKey): Promise<TargetRecord | undefined>;
  /** Targets of one granularity in the periods, by period, owner (null last), metric, currency. */
  list(query: TargetRangeQuery): Promise<TargetRecord[]>;
  /** Won deals and orders within the half-open day range, per period of the granularity. */
  results(granularity: "month" | "quarter", range: { readonly from: string; readonly to: string }): Promise<AttainmentAggregate>;
}
