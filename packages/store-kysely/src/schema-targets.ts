import type { BigIntColumn, InstantColumn, IntColumn } from "./schema.js";

/**
 * The targets table (migration `007-targets`). One row per tenant, metric, period, owner and
 * currency. So that the natural key is a plain unique constraint on both engines (where NULLs are
 * never equal), the tenant-wide owner and the count metric's missing currency are stored as `''`
 * (an owner id or currency is never empty); the store maps them back to null.
 */

/** `kb_targets`: sales targets per owner (or the tenant), period and currency. */
export interface TargetRow {
  tenant_id: string;
  id: string;
  /** The owner id, or `''` for a tenant-wide target. */
  owner_id: string;
  /** `won_value`, `order_value` or `won_count`. */
  metric: string;
  /** `month` or `quarter`, derived from `period`; lists filter on it, because `2026-Q1` sorts among months as text. */
  granularity: string;
  /** `2026-03` or `2026-Q1`. */
  period: string;
  /** The ISO currency, or `''` for `won_count`. */
  currency: string;
  /** Minor units, or a number of deals. */
  amount: BigIntColumn;
  version: IntColumn;
  created_at: InstantColumn;
  updated_at: InstantColumn;
}
