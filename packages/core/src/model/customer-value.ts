import * as z from "zod";
import type { Money } from "../attributes/registry.js";
import { calendarDateSchema, idSchema, textSchema, type CalendarDate } from "./common.js";
import { currencySchema } from "./money.js";

/**
 * Customer-value reports over orders (non-cancelled, net amounts, one currency at a time so
 * currencies never mix): RFM quintiles, lifetime value, cross-sell pairs and value per segment.
 * Periods are inclusive calendar days; `to` defaults to today (UTC).
 */

const period = { from: calendarDateSchema.optional(), to: calendarDateSchema.optional() };

/** zod schema of {@link RfmQuery}. */
export const rfmQuerySchema = z
  .object({ currency: currencySchema, ...period, limit: z.number().int().min(1).max(10_000).default(1000), after: textSchema.min(1).max(100).optional() })
  .strict();
/** Which orders RFM scores: one currency, an inclusive period; rows are paged in relation-id order. */
export interface RfmQuery {
  readonly currency: string;
  readonly from?: CalendarDate;
  readonly to?: CalendarDate;
  readonly limit?: number;
  /** The last relation id of the previous page. */
  readonly after?: string;
}

/**
 * One customer's RFM scores. Each is a quintile 1–5, `ceil(5 × share)` where share is the fraction of
 * customers at or below this one (most recent, most orders, most value score 5); ties share a score.
 */
export interface RfmRow {
  readonly relationId: string;
  readonly name: string;
  readonly lastOrderDate: CalendarDate;
  /** Days from the last order to the end of the period. */
  readonly recencyDays: number;
  /** Orders in the period. */
  readonly frequency: number;
  /** Net order value in the period. */
  readonly monetary: Money;
  readonly recency: number;
  readonly frequencyScore: number;
  readonly monetaryScore: number;
  /** The three scores as text, e.g. `545`. */
  readonly score: string;
}

/** An RFM report page. */
export interface RfmReport {
  readonly currency: string;
  readonly from: CalendarDate | null;
  readonly to: CalendarDate;
  /** Customers with an order in the period (the population the quintiles are over). */
  readonly customers: number;
  readonly rows: readonly RfmRow[];
  readonly nextCursor: string | null;
}

/** zod schema of {@link LifetimeValueQuery}. */
export const lifetimeValueQuerySchema = z.object({ currency: currencySchema, ...period, limit: z.number().int().min(1).max(10_000).default(100) }).strict();
/** Which orders lifetime value counts; rows are the top customers by value. */
export interface LifetimeValueQuery {
  readonly currency: string;
  readonly from?: CalendarDate;
  readonly to?: CalendarDate;
  readonly limit?: number;
}

/** One customer's historical lifetime value. */
export interface LifetimeValueRow {
  readonly relationId: string;
  readonly name: string;
  readonly orders: number;
  readonly value: Money;
  /** `value / orders`, rounded half up to minor units. */
  readonly averageOrderValue: Money;
  readonly firstOrderDate: CalendarDate;
  readonly lastOrderDate: CalendarDate;
}

/** Lifetime value: the top customers and the totals over all customers. */
export interface LifetimeValueReport {
  readonly currency: string;
  readonly customers: number;
  readonly orders: number;
  readonly value: Money;
  /** Value per customer, rounded half up; null without customers. */
  readonly averageValue: Money | null;
  readonly rows: readonly LifetimeValueRow[];
}

/** zod schema of {@link CrossSellQuery}. */
export const crossSellQuerySchema = z
  .object({ ...period, minCustomers: z.number().int().min(1).default(1), limit: z.number().int().min(1).max(1000).default(100) })
  .strict();
/**
 * Which orders cross-sell looks at. The unit is the product (the catalogue has no categories): a
 * customer "bought" a product when a non-cancelled order in the period has a line of it.
 */
export interface CrossSellQuery {
  readonly from?: CalendarDate;
  readonly to?: CalendarDate;
  /** Pairs bought together by fewer customers are left out. Default 1. */
  readonly minCustomers?: number;
  readonly limit?: number;
}

/** Two products bought by the same customers. */
export interface CrossSellPair {
  readonly a: { readonly code: string; readonly name: string; readonly customers: number };
  readonly b: { readonly code: string; readonly name: string; readonly customers: number };
  /** Customers who bought both. */
  readonly customers: number;
  /** `customers / all customers`. */
  readonly support: number;
  /** `customers / customers of a`: how often a buyer of a also bought b. */
  readonly confidenceAToB: number;
  readonly confidenceBToA: number;
  /** `support / (support(a) × support(b))`; above 1 means bought together more than by chance. */
  readonly lift: number;
}

/** Cross-sell pairs, by lift (then customers, then codes). */
export interface CrossSellReport {
  /** Customers with at least one product line in the period. */
  readonly customers: number;
  readonly pairs: readonly CrossSellPair[];
}

/** zod schema of {@link SegmentValueQuery}. */
export const segmentValueQuerySchema = z.object({ segmentIds: z.array(idSchema).min(1).max(50), ...period }).strict();
/** Segments to compare, and the order period. */
export interface SegmentValueQuery {
  readonly segmentIds: readonly string[];
  readonly from?: CalendarDate;
  readonly to?: CalendarDate;
}

/** Order value of one segment's current members. */
export interface SegmentValueRow {
  readonly segmentId: string;
  readonly name: string;
  readonly members: number;
  /** Members with an order in the period. */
  readonly buyers: number;
  readonly orders: number;
  /** Net per currency. */
  readonly value: readonly Money[];
  /** Net per member per currency, rounded half up. */
  readonly valuePerMember: readonly Money[];
}

/** Value per segment. */
export interface SegmentValueReport {
  readonly from: CalendarDate | null;
  readonly to: CalendarDate;
  readonly segments: readonly SegmentValueRow[];
}
