import type {
  AttributeDefinition,
  AttributeRegistry,
  BooleanAttribute,
  DateAttribute,
  EnumAttribute,
  Money,
  MoneyAttribute,
  NumberAttribute,
} from "../attributes/registry.js";
import type { Lifecycle, RelationKind } from "../model/relation-kind.js";
import type { AddressCondition, AddressPart } from "./address.js";
import {
  FILTER_VERSION,
  type ComparisonOperator,
  type Condition,
  type CountComparison,
  type ActivitiesCondition,
  type DealsCondition,
  type NotVerifiedCondition,
  type FieldCondition,
  type Filter,
  type FilterOperator,
  type FilterScalar,
  type FilterValue,
  type InteractionsCondition,
  type LinkCondition,
  type LinkPath,
  type MoneyComparison,
  type OrdersCondition,
  type RelativeTime,
  type TimePoint,
  type TimeWindow,
} from "./schema.js";

/**
 * A typed builder for filters: field and attribute operators follow the value type, attribute
 * names and enum values come from the registry's type, and the result is the plain JSON of the
 * language (store it, send it, validate it like any other filter).
 *
 * @example
 * const f = filterBuilder<typeof attributes>();
 * const vipRetail = f.filter(f.and(
 *   f.field("lifecycle").eq("customer"),
 *   f.employer(f.attribute("industry").eq("retail")),
 *   f.interactions({ kinds: ["meeting"], within: f.lastDays(90) }).atLeast(3),
 *   f.deals({ statuses: ["open"] }).sum("gte", { amount: 1_000_000, currency: "EUR" }),
 * ));
 */

/** Operators of values compared only for equality (enums). */
export interface EqualityOps<V> {
  eq(value: V): Condition;
  neq(value: V): Condition;
  in(values: readonly V[]): Condition;
  notIn(values: readonly V[]): Condition;
  isEmpty(): Condition;
  isNotEmpty(): Condition;
}
/** Operators of text values: equality plus literal, case-sensitive `contains` and `startsWith`. */
export interface TextOps extends EqualityOps<string> {
  contains(value: string): Condition;
  startsWith(value: string): Condition;
}
/** Operators of ordered values (numbers, dates, money). */
export interface OrderedOps<V> {
  eq(value: V): Condition;
  neq(value: V): Condition;
  gt(value: V): Condition;
  gte(value: V): Condition;
  lt(value: V): Condition;
  lte(value: V): Condition;
  /** Inclusive at both ends. */
  between(low: V, high: V): Condition;
  isEmpty(): Condition;
  isNotEmpty(): Condition;
}
/** Operators of numbers. */
export interface NumberOps extends OrderedOps<number> {
  in(values: readonly number[]): Condition;
  notIn(values: readonly number[]): Condition;
}
/** Operators of instants (`createdAt`, `updatedAt`). */
export type InstantOps = Omit<OrderedOps<string | Date | RelativeTime>, "eq" | "neq">;
/** Operators of booleans. */
export type BooleanOps = Pick<EqualityOps<boolean>, "eq" | "neq" | "isEmpty" | "isNotEmpty">;

/** Every operator, for attributes whose type is not known statically (a registry typed as plain `AttributeRegistry`). */
export type AnyOps = OrderedOps<FilterScalar | Date> & EqualityOps<FilterScalar> & Pick<TextOps, "contains" | "startsWith">;

/** The operators of an attribute, by its definition (all of them when the definition is not known statically). */
export type AttributeOps<D extends AttributeDefinition> = AttributeDefinition extends D
  ? AnyOps
  : [D] extends [EnumAttribute]
    ? EqualityOps<D["values"][number]>
    : [D] extends [NumberAttribute]
      ? NumberOps
      : [D] extends [DateAttribute]
        ? OrderedOps<string | RelativeTime>
        : [D] extends [BooleanAttribute]
          ? BooleanOps
          : [D] extends [MoneyAttribute]
            ? OrderedOps<Money>
            : TextOps;

/** The operators of each relation field. */
export interface FieldOps {
  kind: EqualityOps<RelationKind>;
  lifecycle: EqualityOps<Lifecycle>;
  ownerId: TextOps;
  name: TextOps;
  givenName: TextOps;
  familyName: TextOps;
  email: TextOps;
  createdAt: InstantOps;
  updatedAt: InstantOps;
}

/** Counting (and for deals and orders, summing) the related rows an aggregate condition selects. */
export interface AggregateOps {
  /** At least one. */
  exists(): Condition;
  /** None at all (e.g. "no contact in the last 180 days"). */
  none(): Condition;
  atLeast(n: number): Condition;
  atMost(n: number): Condition;
  count(op: ComparisonOperator, n: number): Condition;
}
/** Aggregates over money rows: their summed amount in one currency can be compared too. */
export interface MoneyAggregateOps extends AggregateOps {
  sum(op: ComparisonOperator, value: Money): Condition;
}

/** Operators of an address part: text operators, plus postcode areas as `between("3500", "3599")`. */
export interface AddressOps extends TextOps {
  /** Postcodes starting with digits between `low` and `high` (digit strings of one length); `postalCode` only. */
  between(low: string, high: string): Condition;
}

/** The builder; see {@link filterBuilder}. */
export interface FilterBuilder<R extends AttributeRegistry> {
  filter(where: Condition): Filter;
  and(...of: Condition[]): Condition;
  or(...of: Condition[]): Condition;
  not(of: Condition): Condition;
  field<F extends keyof FieldOps>(name: F, options?: { ignoreCase?: boolean }): FieldOps[F];
  attribute<K extends keyof R["attributes"] & string>(name: K): AttributeOps<R["attributes"][K]>;
  readonly tags: {
    any(...values: string[]): Condition;
    all(...values: string[]): Condition;
    none(...values: string[]): Condition;
    isEmpty(): Condition;
    isNotEmpty(): Condition;
  };
  link(via: LinkPath, where?: Condition, options?: Pick<LinkCondition, "role" | "current">): Condition;
  /** A person's employer matches `where`. */
  employer(where?: Condition, options?: Pick<LinkCondition, "role" | "current">): Condition;
  /** A person's household matches `where`. */
  household(where?: Condition, options?: Pick<LinkCondition, "role" | "current">): Condition;
  interactions(options?: Omit<InteractionsCondition, "type" | "count">): AggregateOps;
  deals(options?: Omit<DealsCondition, "type" | "count" | "sum">): MoneyAggregateOps;
  orders(options?: Omit<OrdersCondition, "type" | "count" | "sum">): MoneyAggregateOps;
  segment(segmentId: string): Condition;
  /**
   * A part of the relation's postal addresses (any address, or only those with `label`); see
   * `AddressCondition`. `between` on `postalCode` tests a postcode area: `between("3500", "3599")`.
   */
  address(part: AddressPart, options?: { label?: string }): AddressOps;
  /** The relation's planned activities; `f.activities({ statuses: ["open"] }).none()` is "no planned next step". */
  activities(options?: Omit<ActivitiesCondition, "type" | "count">): AggregateOps;
  /**
   * The relation holds a value of `field` (any of its e-mails or phones) not confirmed since
   * `since`: `f.notVerified("email", f.daysAgo(180))`. For an attribute, name it:
   * `f.notVerified("attribute", f.daysAgo(365), "vatNumber")`.
   */
  notVerified(field: "name" | "email" | "phone" | "address", since: TimePoint): Condition;
  notVerified<K extends keyof R["attributes"] & string>(field: "attribute", since: TimePoint, attribute: K): Condition;
  lastDays(days: number): TimeWindow;
  lastMonths(months: number): TimeWindow;
  window(from?: TimePoint, to?: TimePoint): TimeWindow;
  /** A relative time `days` before now. */
  daysAgo(days: number): RelativeTime;
}

function operators(make: (op: FilterOperator, value?: FilterValue) => Condition): Record<string, (...args: never[]) => Condition> {
  const norm = (v: unknown): FilterValue => (v instanceof Date ? v.toISOString() : (v as FilterValue));
  const one = (op: FilterOperator) => (v: unknown) => make(op, norm(v));
  return {
    eq: one("eq"),
    neq: one("neq"),
    gt: one("gt"),
    gte: one("gte"),
    lt: one("lt"),
    lte: one("lte"),
    contains: one("contains"),
    startsWith: one("startsWith"),
    in: (values: readonly unknown[]) => make("in", values.map(norm) as FilterValue),
    notIn: (values: readonly unknown[]) => make("notIn", values.map(norm) as FilterValue),
    between: (low: unknown, high: unknown) => make("between", [norm(low), norm(high)] as FilterValue),
    isEmpty: () => make("isEmpty"),
    isNotEmpty: () => make("isNotEmpty"),
  } as Record<string, (...args: never[]) => Condition>;
}

function aggregate<C extends InteractionsCondition | DealsCondition | OrdersCondition | ActivitiesCondition>(base: C): MoneyAggregateOps {
  const count = (op: ComparisonOperator, value: number): Condition => ({ ...base, count: { op, value } satisfies CountComparison });
  return {
    exists: () => count("gte", 1),
    none: () => count("eq", 0),
    atLeast: (n) => count("gte", n),
    atMost: (n) => count("lte", n),
    count,
    sum: (op, value) => ({ ...base, sum: { op, value } satisfies MoneyComparison }),
  };
}

/** Creates a filter builder, typed against a registry type: `filterBuilder<typeof attributes>()`. */
export function filterBuilder<R extends AttributeRegistry = AttributeRegistry>(): FilterBuilder<R> {
  const link = (via: LinkPath, where?: Condition, options: Pick<LinkCondition, "role" | "current"> = {}): Condition => ({
    type: "link",
    via,
    ...(where ? { where } : {}),
    ...options,
  });
  return {
    filter: (where) => ({ version: FILTER_VERSION, where }),
    and: (...of) => ({ type: "and", of }),
    or: (...of) => ({ type: "or", of }),
    not: (of) => ({ type: "not", of }),
    field: (name, options) =>
      operators(
        (op, value) =>
          ({
            type: "field",
            field: name,
            op,
            ...(value === undefined ? {} : { value }),
            ...(options?.ignoreCase ? { ignoreCase: true } : {}),
          }) satisfies FieldCondition,
      ) as never,
    attribute: (name) => operators((op, value) => ({ type: "attribute", name, op, ...(value === undefined ? {} : { value }) })) as never,
    tags: {
      any: (...values) => ({ type: "tags", op: "any", values }),
      all: (...values) => ({ type: "tags", op: "all", values }),
      none: (...values) => ({ type: "tags", op: "none", values }),
      isEmpty: () => ({ type: "tags", op: "isEmpty" }),
      isNotEmpty: () => ({ type: "tags", op: "isNotEmpty" }),
    },
    link,
    employer: (where, options) => link("employer", where, options),
    household: (where, options) => link("household", where, options),
    interactions: (options = {}) => aggregate({ type: "interactions", ...options }),
    deals: (options = {}) => aggregate({ type: "deals", ...options }),
    orders: (options = {}) => aggregate({ type: "orders", ...options }),
    activities: (options = {}) => aggregate({ type: "activities", ...options }),
    notVerified: (field: NotVerifiedCondition["field"], since: TimePoint, attribute?: string): Condition => ({
      type: "notVerified",
      field,
      since,
      ...(attribute === undefined ? {} : { attribute }),
    }),
    segment: (segmentId) => ({ type: "segment", segmentId }),
    address: (part, options) =>
      operators(
        (op, value) =>
          ({
            type: "address",
            part,
            op: op as AddressCondition["op"],
            ...(value === undefined ? {} : { value: value as string | readonly string[] }),
            ...(options?.label === undefined ? {} : { label: options.label }),
          }) satisfies AddressCondition,
      ) as never,
    lastDays: (days) => ({ lastDays: days }),
    lastMonths: (months) => ({ lastMonths: months }),
    window: (from, to) => ({ ...(from === undefined ? {} : { from }), ...(to === undefined ? {} : { to }) }),
    daysAgo: (days) => ({ daysFromNow: -days }),
  };
}
