import * as z from "zod";
import type { Instant } from "./common.js";
import { idSchema } from "./common.js";
import { amountSchema, currencySchema } from "./money.js";
import type { Granularity } from "./report.js";

/**
 * Sales targets: a goal set beforehand for one account manager (or the whole tenant) in one month
 * or quarter, for one measure. Money targets are integer minor units in one currency; results in
 * other currencies never count towards them (no conversion is guessed), so a chart of attainment
 * never mixes currencies.
 */

/** What a target measures. */
export type TargetMetric = "won_value" | "order_value" | "won_count";

/** The measures, as a list. */
export const TARGET_METRICS = ["won_value", "order_value", "won_count"] as const satisfies readonly TargetMetric[];

/** A period label: `2026-03` (a month) or `2026-Q1` (a quarter). */
export type TargetPeriod = string;

/** zod schema of a period label; months 01–12, quarters Q1–Q4, years 2000–2999. */
export const targetPeriodSchema = z.string().regex(/^2\d{3}-(0[1-9]|1[0-2]|Q[1-4])$/, "Expected a month such as 2026-03 or a quarter such as 2026-Q1");

/** The granularity of a period label. */
export function periodGranularity(period: TargetPeriod): Granularity {
  return period.includes("Q") ? "quarter" : "month";
}

/** A target as stored and returned. */
export interface Target {
  readonly id: string;
  /** The account manager; null for a target of the whole tenant (every owner's results count). */
  readonly ownerId: string | null;
  readonly metric: TargetMetric;
  /** `2026-03` or `2026-Q1`. */
  readonly period: TargetPeriod;
  /** For money metrics the ISO currency; null for `won_count`. */
  readonly currency: string | null;
  /** Minor units (money metrics) or a number of deals (`won_count`). */
  readonly amount: number;
  readonly version: number;
  readonly createdAt: Instant;
  readonly updatedAt: Instant;
}

/** zod schema of {@link TargetInput}. */
export const targetInputSchema = z
  .object({
    ownerId: idSchema.nullable(),
    metric: z.enum(TARGET_METRICS),
    period: targetPeriodSchema,
    currency: currencySchema.nullable().optional(),
    amount: amountSchema,
  })
  .strict()
  .superRefine((t, ctx) => {
    if (t.metric === "won_count" && t.currency) ctx.addIssue({ code: "custom", path: ["currency"], message: "A won_count target has no currency" });
    if (t.metric !== "won_count" && !t.currency) ctx.addIssue({ code: "custom", path: ["currency"], message: `A ${t.metric} target needs a currency` });
  });

/**
 * Sets a target: one per owner, metric, period and currency; setting it again replaces the amount.
 */
export interface TargetInput {
  /** The account manager, or null for the whole tenant. */
  readonly ownerId: string | null;
  readonly metric: TargetMetric;
  readonly period: TargetPeriod;
  /** Required for `won_value` and `order_value`; absent or null for `won_count`. */
  readonly currency?: string | null;
  /** Minor units, or a number of deals for `won_count`. */
  readonly amount: number;
}

/** zod schema of {@link TargetListQuery}. */
export const targetRangeSchema = z
  .object({ from: targetPeriodSchema, to: targetPeriodSchema, ownerId: idSchema.nullable().optional() })
  .strict()
  .superRefine((q, ctx) => {
    if (periodGranularity(q.from) !== periodGranularity(q.to))
      ctx.addIssue({ code: "custom", path: ["to"], message: "`from` and `to` must both be months or both quarters" });
    else if (q.to < q.from) ctx.addIssue({ code: "custom", path: ["to"], message: "`to` must not be before `from` (both periods are included)" });
    else if (periodSpan(q.from, q.to) > MAX_PERIODS) ctx.addIssue({ code: "custom", path: ["to"], message: `At most ${MAX_PERIODS} periods` });
  });

/** The most periods one attainment report or list covers. */
export const MAX_PERIODS = 120;

/** Number of periods from `from` to `to`, both included (same granularity). */
export function periodSpan(from: TargetPeriod, to: TargetPeriod): number {
  const ordinal = (p: string) => {
    const year = Number(p.slice(0, 4));
    return p.includes("Q") ? year * 4 + Number(p.slice(6)) : year * 12 + Number(p.slice(5, 7));
  };
  return ordinal(to) - ordinal(from) + 1;
}

/** Targets (and attainment) over periods `from` to `to`, both included; months or quarters. */
export interface TargetListQuery {
  /** First period, e.g. `2026-01` or `2026-Q1`. */
  readonly from: TargetPeriod;
  /** Last period, included; the same granularity as `from`. */
  readonly to: TargetPeriod;
  /** Only the targets of this owner (a string) or the tenant-wide ones (null); every target when absent. */
  readonly ownerId?: string | null;
}

/** zod schema of {@link AttainmentQuery}. */
export const attainmentQuerySchema = targetRangeSchema;
/** The attainment report's query: the same as {@link TargetListQuery}. */
export type AttainmentQuery = TargetListQuery;

/** One target and how far it is reached. */
export interface AttainmentRow {
  readonly targetId: string;
  readonly period: TargetPeriod;
  readonly ownerId: string | null;
  readonly metric: TargetMetric;
  readonly currency: string | null;
  /** The target's amount (minor units or deals). */
  readonly target: number;
  /**
   * What was reached in the period: the value (or number) of live deals won in it (by UTC day of
   * winning, deal owner), or the net value of non-cancelled orders dated in it (customer's owner).
   * Only results in the target's currency count.
   */
  readonly actual: number;
  /** `actual / target`; null when the target is 0. */
  readonly attainment: number | null;
}

/** The attainment report: one row per target, by period, owner (tenant-wide last), metric and currency. */
export interface AttainmentReport {
  readonly granularity: Granularity;
  readonly from: TargetPeriod;
  readonly to: TargetPeriod;
  readonly rows: readonly AttainmentRow[];
}
