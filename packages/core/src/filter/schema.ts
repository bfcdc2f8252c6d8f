import * as z from "zod";
import type { Money } from "../attributes/registry.js";
import { idSchema, textSchema } from "../model/common.js";
import { DEAL_STATUSES, type DealStatus } from "../model/deal.js";
import { DIRECTIONS, type Direction } from "../model/interaction.js";
import { ACTIVITY_STATUSES, type ActivityStatus } from "../model/activity.js";
import { FILTER_LIMITS, LIMIT_MESSAGES } from "./limits.js";
import { addressConditionSchema, type AddressCondition } from "./address.js";

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

/**
 * Counts the relation's planned activities (appointments and tasks); default count ≥ 1.
 * "No planned next step" is `{ type: "activities", statuses: ["open"], count: { op: "eq", value: 0 } }`.
 */
export interface ActivitiesCondition {
  readonly type: "activities";
  readonly statuses?: readonly ActivityStatus[];
  /** Only activities due in this window. */
  readonly due?: TimeWindow;
  readonly count?: CountComparison;
}

/** The fields whose confirmations `notVerified` tests. */
export const VERIFIED_FIELDS = ["name", "email", "phone", "address", "attribute"] as const;

/**
 * The relation holds a value of `field` (for `email` and `phone`: any one of them; for
 * `attribute`: the attribute `attribute`) that was not confirmed since `since`: never, or last
 * before it. Confirmations are those of `tenant.verification`.
 */
export interface NotVerifiedCondition {
  readonly type: "notVerified";
  readonly field: (typeof VERIFIED_FIELDS)[number];
  /** The attribute's name, with `field: "attribute"`. */
  readonly attribute?: string;
  readonly since: TimePoint;
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
  | SegmentCondition
  | AddressCondition
  | ActivitiesCondition
  | NotVerifiedCondition;

/** A complete, versioned filter. */
export interface Filter {
  readonly version: typeof FILTER_VERSION;
  readonly where: Condition;
}

// Text keeps the SDK's text rule (no U+0000, no lone surrogate: such a value could never match,
// and Postgres refuses it).
const text = textSchema.max(FILTER_LIMITS.textLength, LIMIT_MESSAGES.textLength);
const id = idSchema;
const list = <T extends z.ZodType>(item: T) => z.array(item).min(1).max(FILTER_LIMITS.listValues, LIMIT_MESSAGES.listValues);
const money = z
  .object({
    amount: z.number().int().refine(Number.isSafeInteger, "Amount is too large (more than Number.MAX_SAFE_INTEGER minor units)"),
    currency: z.string().regex(/^[A-Z]{3}$/, "Expected an ISO 4217 currency code such as EUR"),
  })
  .strict();
const days = z.number().int().min(-FILTER_LIMITS.days, LIMIT_MESSAGES.days).max(FILTER_LIMITS.days, LIMIT_MESSAGES.days);
const relative = z.object({ daysFromNow: days }).strict();
const finite = z.number().refine(Number.isFinite, "Expected a finite number");

/**
 * A schema that picks one of `options` by the input's shape and reports that option's issues, so a
 * too-long text or list is reported with its limit, not as a union's bare "Invalid input".
 */
function dispatch(pick: (value: unknown) => z.ZodType | undefined, expected: string): z.ZodType {
  return z.unknown().superRefine((value, ctx) => {
    const schema = pick(value);
    if (!schema) {
      ctx.addIssue({ code: "custom", message: `Expected ${expected}`, params: { code: "invalid_type" } });
      return;
    }
    const result = schema.safeParse(value);
    if (!result.success) for (const issue of result.error.issues) ctx.addIssue({ ...issue });
  });
}

const isObject = (value: unknown): value is object => typeof value === "object" && value !== null && !Array.isArray(value);
const scalarOf = (value: unknown): z.ZodType | undefined => {
  switch (typeof value) {
    case "string":
      return text;
    case "number":
      return finite;
    case "boolean":
      return z.boolean();
    default:
      return isObject(value) ? (Object.hasOwn(value, "daysFromNow") ? relative : money) : undefined;
  }
};
const SCALARS = "text, a number, true or false, money ({ amount, currency }) or { daysFromNow }";
const scalar = dispatch(scalarOf, SCALARS);
/** A condition's value: one scalar, or a list of at most `listValues` scalars. */
const operandValue = dispatch(
  (value) => (Array.isArray(value) ? z.array(scalar).max(FILTER_LIMITS.listValues, LIMIT_MESSAGES.listValues) : scalarOf(value)),
  `${SCALARS}, or a list of them`,
);
const timePoint = dispatch(
  (value) => (typeof value === "string" ? text : isObject(value) ? relative : undefined),
  "an ISO-8601 instant, a YYYY-MM-DD day or { daysFromNow }",
);
const window = dispatch(
  (value) =>
    !isObject(value)
      ? undefined
      : Object.hasOwn(value, "lastDays")
        ? z.object({ lastDays: z.number().int().min(0).max(FILTER_LIMITS.days, LIMIT_MESSAGES.days) }).strict()
        : Object.hasOwn(value, "lastMonths")
          ? z.object({ lastMonths: z.number().int().min(0).max(FILTER_LIMITS.months, LIMIT_MESSAGES.months) }).strict()
          : z.object({ from: timePoint.optional(), to: timePoint.optional() }).strict(),
  "{ lastDays }, { lastMonths } or { from, to }",
);
const comparison = z.object({ op: z.enum(COMPARISON_OPERATORS), value: z.number().int().min(0).max(Number.MAX_SAFE_INTEGER) }).strict();
const moneyComparison = z.object({ op: z.enum(COMPARISON_OPERATORS), value: money }).strict();
const conditions = () => z.array(conditionSchema).max(FILTER_LIMITS.children, LIMIT_MESSAGES.children);

/**
 * zod schema of {@link Condition} (structure only; see `validateFilter` for names and types). It
 * recurses: parse only what `structureIssues` (limits.ts) passed, as `validateFilter` does.
 */
export const conditionSchema: z.ZodType<Condition> = z.lazy(() =>
  z.discriminatedUnion("type", [
    z.object({ type: z.literal("and"), of: conditions() }).strict(),
    z.object({ type: z.literal("or"), of: conditions() }).strict(),
    z.object({ type: z.literal("not"), of: conditionSchema }).strict(),
    z
      .object({
        type: z.literal("field"),
        field: z.enum(FILTER_FIELDS),
        op: z.enum(FILTER_OPERATORS),
        value: operandValue.optional(),
        ignoreCase: z.boolean().optional(),
      })
      .strict(),
    z
      .object({
        type: z.literal("attribute"),
        name: z.string().min(1).max(63),
        op: z.enum(FILTER_OPERATORS),
        value: operandValue.optional(),
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
    addressConditionSchema,
    z
      .object({ type: z.literal("activities"), statuses: list(z.enum(ACTIVITY_STATUSES)).optional(), due: window.optional(), count: comparison.optional() })
      .strict(),
    z.object({ type: z.literal("notVerified"), field: z.enum(VERIFIED_FIELDS), attribute: z.string().min(1).max(63).optional(), since: timePoint }).strict(),
  ]),
) as z.ZodType<Condition>;

/** zod schema of a complete {@link Filter}. */
export const filterSchema = z
  .object({
    version: z.literal(FILTER_VERSION, { message: `Unsupported filter version; this SDK reads version ${FILTER_VERSION}` }),
    where: conditionSchema,
  })
  .strict() as z.ZodType<Filter>;
