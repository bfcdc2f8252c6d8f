import * as z from "zod";
import type { Money } from "../attributes/registry.js";
import { DEAL_STATUSES, type DealStatus } from "../model/deal.js";
import { DIRECTIONS, type Direction } from "../model/interaction.js";

/**
 * The filter language: a serialisable JSON expression over relations, versioned so a stored filter
 * keeps its meaning when the language grows. This file is its shape (zod, structure only);
 * `validate.ts` types it against the relation fields and the tenant's attribute registry, and
 * `resolve.ts` turns it into the absolute form the stores compile and `reference.ts` evaluates.
 *
 * @example
 * { "version": 1, "where": { "type": "and", "of": [
 *   { "type": "field", "field": "lifecycle", "op": "in", "value": ["customer"] },
 *   { "type": "interactions", "kinds": ["meeting"], "within": { "lastDays": 90 }, "count": { "op": "gte", "value": 3 } } ] } }
 */

/** The version this SDK writes and reads. */
export const FILTER_VERSION = 1;

/** Relation fields a filter can test. `email` matches any of the relation's addresses. */
export const FILTER_FIELDS = ["kind", "lifecycle", "ownerId", "name", "givenName", "familyName", "email", "createdAt", "updatedAt"] as const;
/** A relation field a filter can test. */
export type FilterField = (typeof FILTER_FIELDS)[number];

/** Operators of field and attribute conditions; which ones apply depends on the value type. */
export const FILTER_OPERATORS = ["eq", "neq", "in", "notIn", "contains", "startsWith", "gt", "gte", "lt", "lte", "between", "isEmpty", "isNotEmpty"] as const;
/** An operator of a field or attribute condition. */
export type FilterOperator = (typeof FILTER_OPERATORS)[number];

/** Comparison operators of counts and sums. */
export const COMPARISON_OPERATORS = ["eq", "neq", "gt", "gte", "lt", "lte"] as const;
/** A comparison operator. */
export type ComparisonOperator = (typeof COMPARISON_OPERATORS)[number];

/** A time relative to the filter's `now`: whole days, negative for the past. */
export interface RelativeTime {
  readonly daysFromNow: number;
}

/** One value in a condition: text, number, boolean, money or a relative time. */
export type FilterScalar = string | number | boolean | Money | RelativeTime;
/** A condition's value: one scalar, or a list for `in`, `notIn` and `between`. */
export type FilterValue = FilterScalar | readonly FilterScalar[];

/** A point in time: an ISO-8601 instant, a `YYYY-MM-DD` day, or a time relative to now. */
export type TimePoint = string | RelativeTime;

/**
 * A time window, inclusive at both ends: the last N days or calendar months up to `now`, or
 * explicit bounds (either may be open). A day as `to` includes that whole day.
 */
export type TimeWindow = { readonly lastDays: number } | { readonly lastMonths: number } | { readonly from?: TimePoint; readonly to?: TimePoint };

/** A count compared with a whole number. */
export interface CountComparison {
  readonly op: ComparisonOperator;
  readonly value: number;
}

/** A money amount compared with an amount in the same currency; other currencies never match. */
export interface MoneyComparison {
  readonly op: ComparisonOperator;
  readonly value: Money;
}

/** Tests a relation field. `ignoreCase` (name only) compares case- and accent-folded, like name search. */
export interface FieldCondition {
  readonly type: "field";
  readonly field: FilterField;
  readonly op: FilterOperator;
  readonly value?: FilterValue;
  readonly ignoreCase?: boolean;
}

/** Tests a custom attribute of the registry; operators and values follow the attribute's type. */
export interface AttributeCondition {
  readonly type: "attribute";
  readonly name: string;
  readonly op: FilterOperator;
  readonly value?: FilterValue;
}

/** Tests the relation's tags: any / all / none of `values`, or whether it has tags at all. */
export interface TagsCondition {
  readonly type: "tags";
  readonly op: "any" | "all" | "none" | "isEmpty" | "isNotEmpty";
  readonly values?: readonly string[];
}

/** The ways one relation reaches another through a link, seen from the relation being tested. */
export const LINK_PATHS = ["employer", "employee", "household", "householdMember", "parent", "subsidiary"] as const;
/** `employer`: the organisation a person works at; `employee`: a person an organisation employs; and so on. */
export type LinkPath = (typeof LINK_PATHS)[number];

/** True when a linked relation (non-deleted) reached through `via` matches `where`. */
export interface LinkCondition {
  readonly type: "link";
  readonly via: LinkPath;
  /** Only links with exactly this role. */
  readonly role?: string;
  /** Only links valid on today's (UTC) date. Default true. */
  readonly current?: boolean;
  /** What the linked relation must match; any linked relation when absent. */
  readonly where?: Condition;
}

/** Counts the relation's non-deleted contact moments; default "at least one". */
export interface InteractionsCondition {
  readonly type: "interactions";
  readonly kinds?: readonly string[];
  readonly directions?: readonly Direction[];
  readonly channels?: readonly string[];
  readonly within?: TimeWindow;
  readonly count?: CountComparison;
}

/** Counts or sums the non-deleted deals the relation is the customer of; default count ≥ 1. */
export interface DealsCondition {
  readonly type: "deals";
  readonly statuses?: readonly DealStatus[];
  readonly pipelineIds?: readonly string[];
  /** Each deal's own amount; deals in other currencies do not match. */
  readonly amount?: MoneyComparison;
  readonly createdWithin?: TimeWindow;
  readonly closedWithin?: TimeWindow;
  readonly count?: CountComparison;
  /** The summed amount of the matching deals in `sum.value.currency` (0 when none). */
  readonly sum?: MoneyComparison;
}

/** Counts or sums the relation's non-cancelled orders (net amounts); default count ≥ 1. */
export interface OrdersCondition {
  readonly type: "orders";
  /** Only orders with a line of one of these product codes (lines come from the accepted quote). */
  readonly products?: readonly string[];
  readonly within?: TimeWindow;
  readonly currency?: string;
  readonly count?: CountComparison;
  readonly sum?: MoneyComparison;
}

/** Membership of another segment (dynamic, static or snapshot). */
export interface SegmentCondition {
  readonly type: "segment";
  readonly segmentId: string;
}

/** Every condition holds (true when empty). */
export interface AndCondition {
  readonly type: "and";
  readonly of: readonly Condition[];
}
/** Some condition holds (false when empty). */
export interface OrCondition {
  readonly type: "or";
  readonly of: readonly Condition[];
}
/** The condition does not hold. */
export interface NotCondition {
  readonly type: "not";
  readonly of: Condition;
}

/** A node of the filter language. */
export type Condition =
  | AndCondition
  | OrCondition
  | NotCondition
  | FieldCondition
  | AttributeCondition
  | TagsCondition
  | LinkCondition
  | InteractionsCondition
  | DealsCondition
  | OrdersCondition
  | SegmentCondition;

/** A complete, versioned filter. */
export interface Filter {
  readonly version: typeof FILTER_VERSION;
  readonly where: Condition;
}

// Postgres text cannot hold U+0000, so such a value could never match and would fail there.
const text = z
  .string()
  .max(1000)
  .refine((s) => !s.includes("\u0000"), "Text must not contain U+0000");
const id = z.string().min(1).max(100);
const list = <T extends z.ZodType>(item: T) => z.array(item).min(1).max(500);
const money = z
  .object({
    amount: z.number().int().refine(Number.isSafeInteger, "Amount is too large"),
    currency: z.string().regex(/^[A-Z]{3}$/, "Expected an ISO 4217 currency code such as EUR"),
  })
  .strict();
const relative = z.object({ daysFromNow: z.number().int().min(-36_500).max(36_500) }).strict();
const scalar = z.union([text, z.number().refine(Number.isFinite, "Expected a finite number"), z.boolean(), money, relative]);
const timePoint = z.union([text, relative]);
const window = z.union([
  z.object({ lastDays: z.number().int().min(0).max(36_500) }).strict(),
  z.object({ lastMonths: z.number().int().min(0).max(1200) }).strict(),
  z.object({ from: timePoint.optional(), to: timePoint.optional() }).strict(),
]);
const comparison = z.object({ op: z.enum(COMPARISON_OPERATORS), value: z.number().int().min(0).max(Number.MAX_SAFE_INTEGER) }).strict();
const moneyComparison = z.object({ op: z.enum(COMPARISON_OPERATORS), value: money }).strict();

/** zod schema of {@link Condition} (structure only; see `validateFilter` for names and types). */
export const conditionSchema: z.ZodType<Condition> = z.lazy(() =>
  z.discriminatedUnion("type", [
    z.object({ type: z.literal("and"), of: z.array(conditionSchema).max(100) }).strict(),
    z.object({ type: z.literal("or"), of: z.array(conditionSchema).max(100) }).strict(),
    z.object({ type: z.literal("not"), of: conditionSchema }).strict(),
    z
      .object({
        type: z.literal("field"),
        field: z.enum(FILTER_FIELDS),
        op: z.enum(FILTER_OPERATORS),
        value: z.union([scalar, z.array(scalar).max(500)]).optional(),
        ignoreCase: z.boolean().optional(),
      })
      .strict(),
    z
      .object({
        type: z.literal("attribute"),
        name: z.string().min(1).max(63),
        op: z.enum(FILTER_OPERATORS),
        value: z.union([scalar, z.array(scalar).max(500)]).optional(),
      })
      .strict(),
    z.object({ type: z.literal("tags"), op: z.enum(["any", "all", "none", "isEmpty", "isNotEmpty"]), values: list(text).optional() }).strict(),
    z
      .object({ type: z.literal("link"), via: z.enum(LINK_PATHS), role: text.optional(), current: z.boolean().optional(), where: conditionSchema.optional() })
      .strict(),
    z
      .object({
        type: z.literal("interactions"),
        kinds: list(text).optional(),
        directions: list(z.enum(DIRECTIONS)).optional(),
        channels: list(text).optional(),
        within: window.optional(),
        count: comparison.optional(),
      })
      .strict(),
    z
      .object({
        type: z.literal("deals"),
        statuses: list(z.enum(DEAL_STATUSES)).optional(),
        pipelineIds: list(id).optional(),
        amount: moneyComparison.optional(),
        createdWithin: window.optional(),
        closedWithin: window.optional(),
        count: comparison.optional(),
        sum: moneyComparison.optional(),
      })
      .strict(),
    z
      .object({
        type: z.literal("orders"),
        products: list(text).optional(),
        within: window.optional(),
        currency: money.shape.currency.optional(),
        count: comparison.optional(),
        sum: moneyComparison.optional(),
      })
      .strict(),
    z.object({ type: z.literal("segment"), segmentId: id }).strict(),
  ]),
) as z.ZodType<Condition>;

/** zod schema of a complete {@link Filter}. */
export const filterSchema = z
  .object({
    version: z.literal(FILTER_VERSION, { message: `Unsupported filter version; this SDK reads version ${FILTER_VERSION}` }),
    where: conditionSchema,
  })
  .strict() as z.ZodType<Filter>;
