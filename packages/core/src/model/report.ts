import * as z from "zod";
import type { Money } from "../attributes/registry.js";
import { calendarDateSchema, idSchema, textSchema, type CalendarDate } from "./common.js";
import { currencyOptionsShape, type CurrencyOptions } from "./money.js";
import type { StageKind } from "./pipeline.js";

/**
 * Report queries and results. Every report is computed by aggregate queries in the database; the
 * service only converts currencies and rounds (see docs/design.md, "Reports"). Periods are
 * half-open: `from` is included, `to` is not; both are UTC calendar dates.
 */

const id = idSchema;

/** Optional half-open date bounds. */
const rangeShape = { from: calendarDateSchema.optional(), to: calendarDateSchema.optional() };
const ordered = (q: { from?: string | undefined; to?: string | undefined }) => !q.from || !q.to || q.from < q.to;
const orderedIssue = { message: "`to` must be after `from` (the period is from <= day < to)", path: ["to"] };

/** Bounds of a report period: `from <= day < to`; a missing bound is open. */
export interface ReportPeriod {
  readonly from?: string;
  readonly to?: string;
}

/** zod schema of {@link FunnelQuery}. */
export const funnelQuerySchema = z
  .object({ pipelineId: id, ...rangeShape, ...currencyOptionsShape })
  .strict()
  .refine(ordered, orderedIssue);
/** The funnel of one pipeline; conversion counts stage entries within the period. */
export interface FunnelQuery extends ReportPeriod, CurrencyOptions {
  readonly pipelineId: string;
}

/** One stage of the funnel. */
export interface FunnelStage {
  readonly stageId: string;
  readonly name: string;
  readonly kind: StageKind;
  readonly probability: number;
  readonly position: number;
  readonly retired: boolean;
  /** Deals in the stage now (not deleted), whatever the period: their number and value. */
  readonly current: { readonly count: number; readonly value: readonly Money[] };
  /** Distinct deals that entered this stage within the period. */
  readonly entered: number;
  /**
   * For open and won stages: distinct deals that, within the period, entered this stage or any
   * later open or won stage (skipping a stage still passes it). Null for lost stages.
   */
  readonly reached: number | null;
  /** `reached` of the next open or won stage divided by this one's; null for the last, lost stages, or when 0 reached. */
  readonly conversionToNext: number | null;
}

/** The funnel report. */
export interface FunnelReport {
  readonly pipelineId: string;
  readonly from: CalendarDate | null;
  readonly to: CalendarDate | null;
  /** The currency money was converted into, or null when figures are per currency. */
  readonly currency: string | null;
  /** Every stage of the pipeline, retired ones included, by position. */
  readonly stages: readonly FunnelStage[];
}

/** Month (`2026-03`) or quarter (`2026-Q1`) buckets. */
export type Granularity = "month" | "quarter";

/** zod schema of {@link ForecastQuery}. */
export const forecastQuerySchema = z
  .object({
    pipelineId: id.optional(),
    granularity: z.enum(["month", "quarter"]).default("month"),
    from: calendarDateSchema,
    to: calendarDateSchema,
    committedProbability: z.number().int().min(0).max(100).default(75),
    ...currencyOptionsShape,
  })
  .strict()
  .refine(ordered, orderedIssue);

/** The weighted forecast per period, for one pipeline or all. */
export interface ForecastQuery extends CurrencyOptions {
  readonly pipelineId?: string;
  /** Default `month`. */
  readonly granularity?: Granularity;
  /** First day included. */
  readonly from: string;
  /** First day no longer included. */
  readonly to: string;
  /** Open deals in stages with at least this probability count as committed. Default 75. */
  readonly committedProbability?: number;
}

/** One period of the forecast. Open deals count by expected close date, won deals by the day they were won. */
export interface ForecastPeriod {
  /** `2026-03` or `2026-Q1`. */
  readonly period: string;
  /** Open deals expected to close in the period (deals without a date are not forecast). */
  readonly openCount: number;
  readonly openValue: readonly Money[];
  /** `roundHalfUp(Σ amount × probability / 100)` over the open deals, per currency. */
  readonly weighted: readonly Money[];
  /** Deals won in the period. */
  readonly wonCount: number;
  readonly wonValue: readonly Money[];
  /** Won value plus the open value in stages at or above `committedProbability`. */
  readonly committed: readonly Money[];
  /** Won value plus weighted value. */
  readonly expected: readonly Money[];
}

/** The forecast report: one row per period in `[from, to)`, empty periods included. */
export interface ForecastReport {
  readonly pipelineId: string | null;
  readonly granularity: Granularity;
  readonly from: CalendarDate;
  readonly to: CalendarDate;
  readonly committedProbability: number;
  readonly currency: string | null;
  readonly periods: readonly ForecastPeriod[];
}

/** zod schema of {@link OwnerResultsQuery}. */
export const ownerResultsQuerySchema = z
  .object({ pipelineId: id.optional(), ...rangeShape, ...currencyOptionsShape })
  .strict()
  .refine(ordered, orderedIssue);
/** Results per account manager over deals closed (won or lost) in the period. */
export interface OwnerResultsQuery extends ReportPeriod, CurrencyOptions {
  readonly pipelineId?: string;
}

/** One account manager's results. */
export interface OwnerResult {
  /** The deal owner; null for deals without one. */
  readonly ownerId: string | null;
  readonly won: number;
  readonly lost: number;
  /** `won / (won + lost)`; null when nothing closed. */
  readonly winRate: number | null;
  /** Mean days from creation to winning, over the won deals; null when none. */
  readonly averageCycleDays: number | null;
  readonly wonValue: readonly Money[];
  /** `roundHalfUp(wonValue / won)` per currency (or of the converted total). */
  readonly averageDealSize: readonly Money[];
}

/** The results-per-owner report, owners sorted by id (no owner last). */
export interface OwnerResultsReport {
  readonly from: CalendarDate | null;
  readonly to: CalendarDate | null;
  readonly currency: string | null;
  readonly owners: readonly OwnerResult[];
}

/** How orders are grouped: by customer, by the customer's tag, lifecycle, owner, or a custom attribute. */
export type OrdersGroupBy = "customer" | "tag" | "lifecycle" | "owner" | { readonly attribute: string };

/** zod schema of {@link OrdersQuery}. */
export const ordersQuerySchema = z
  .object({
    groupBy: z.union([z.enum(["customer", "tag", "lifecycle", "owner"]), z.object({ attribute: textSchema.min(1).max(63) }).strict()]),
    ...rangeShape,
    ...currencyOptionsShape,
  })
  .strict()
  .refine(ordered, orderedIssue);

/** Realised revenue (order net amounts, cancelled orders left out) by order date in the period. */
export interface OrdersQuery extends ReportPeriod, CurrencyOptions {
  readonly groupBy: OrdersGroupBy;
}

/** One group of the orders report. */
export interface OrdersGroup {
  /**
   * The relation id, tag, lifecycle, owner id or attribute value; null for customers without one.
   * With `tag`, an order of a customer with two tags counts in both groups.
   */
  readonly key: string | number | boolean | null;
  /** The customer's name when grouping by customer; null otherwise. */
  readonly label: string | null;
  readonly orders: number;
  readonly net: readonly Money[];
}

/** The orders report, groups sorted by key (null last). */
export interface OrdersReport {
  readonly from: CalendarDate | null;
  readonly to: CalendarDate | null;
  readonly currency: string | null;
  readonly groups: readonly OrdersGroup[];
}

/** zod schema of {@link VelocityQuery}. */
export const velocityQuerySchema = z
  .object({ pipelineId: id, ...rangeShape })
  .strict()
  .refine(ordered, orderedIssue);
/** Days deals spend in each stage, over stays that ended in the period. */
export interface VelocityQuery extends ReportPeriod {
  readonly pipelineId: string;
}

/** One stage's velocity. */
export interface VelocityStage {
  readonly stageId: string;
  readonly name: string;
  readonly kind: StageKind;
  readonly position: number;
  readonly retired: boolean;
  /** Completed stays (the deal entered and left the stage). */
  readonly visits: number;
  readonly meanDays: number | null;
  /** The middle stay, or the mean of the two middle stays. */
  readonly medianDays: number | null;
}

/** The stage-velocity report, every stage by position. */
export interface VelocityReport {
  readonly pipelineId: string;
  readonly from: CalendarDate | null;
  readonly to: CalendarDate | null;
  readonly stages: readonly VelocityStage[];
}
