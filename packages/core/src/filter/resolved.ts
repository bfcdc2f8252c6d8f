import type { CalendarDate, Instant } from "../model/common.js";
import type { DealStatus } from "../model/deal.js";
import type { Direction } from "../model/interaction.js";
import type { LinkKind } from "../model/link.js";
import type { ComparisonOperator } from "./schema.js";

/**
 * The resolved form of a filter: what storage compiles and the reference evaluator runs. Core
 * builds it from a validated {@link Filter} (see `resolve.ts`), so the two never have to agree on
 * anything but this small, absolute language:
 * - relative times are instants or days computed from the caller's `now`;
 * - attributes carry their type, so storage picks the JSON extraction without the registry;
 * - `neq`, `notIn`, `isNotEmpty`, `between`, tag `all`/`none` are rewritten with `not` / `and`;
 * - segment references are replaced by the dynamic segment's condition or a member-list test.
 *
 * Every predicate is two-valued: a missing value makes a comparison false (never SQL NULL), so
 * `not` is an exact complement.
 */

/** Text columns of `kb_relations` a filter can test. `name_key` is the folded name of name search. */
export type RelationTextColumn = "kind" | "lifecycle" | "owner_id" | "name" | "name_key" | "given_name" | "family_name";

/** A single value of the relation under test; absent values are null. */
export type Operand =
  | { readonly kind: "column"; readonly column: RelationTextColumn }
  | { readonly kind: "instant"; readonly column: "created_at" | "updated_at" }
  /** A custom attribute member at `path` when it is a JSON string (string, enum, date, money currency). */
  | { readonly kind: "attrText"; readonly path: readonly string[] }
  /** A custom attribute member when it is a JSON number (number, money amount). */
  | { readonly kind: "attrNumber"; readonly path: readonly string[] }
  /** A custom attribute member when it is a JSON boolean, as 1 or 0. */
  | { readonly kind: "attrBoolean"; readonly path: readonly string[] };

/** A test of one text value (used for e-mail addresses). */
export type TextMatch = { readonly op: "eq" | "contains" | "startsWith"; readonly value: string } | { readonly op: "in"; readonly values: readonly string[] };

/** A count or sum compared with a number. */
export interface ResolvedComparison {
  readonly op: ComparisonOperator;
  readonly value: number;
}

/** What an aggregate condition measures: the number of rows or the sum of their amounts. */
export type Measure = "count" | "sum";

/** A node of the resolved language. */
export type ResolvedCondition =
  | { readonly t: "const"; readonly value: boolean }
  | { readonly t: "and"; readonly of: readonly ResolvedCondition[] }
  | { readonly t: "or"; readonly of: readonly ResolvedCondition[] }
  | { readonly t: "not"; readonly of: ResolvedCondition }
  /** `operand op value`; text compares by code point, instants as UTC instants. */
  | { readonly t: "compare"; readonly operand: Operand; readonly op: "eq" | "lt" | "lte" | "gt" | "gte"; readonly value: string | number }
  | { readonly t: "in"; readonly operand: Operand; readonly values: readonly (string | number)[] }
  /** Case-sensitive substring / prefix, by code point. */
  | { readonly t: "contains" | "startsWith"; readonly operand: Operand; readonly value: string }
  /** The operand has a value. */
  | { readonly t: "present"; readonly operand: Operand }
  /** The relation has an e-mail address matching `match` (any address when null). */
  | { readonly t: "email"; readonly match: TextMatch | null }
  /** The relation has one of `values` as a tag (any tag when null). */
  | { readonly t: "tags"; readonly values: readonly string[] | null }
  | ResolvedLink
  | ResolvedInteractions
  | ResolvedDeals
  | ResolvedOrders
  | ResolvedAddress
  /** The relation's activities (of these statuses, due in the range) compared by count. */
  | {
      readonly t: "activities";
      readonly statuses: readonly string[] | null;
      readonly from: Instant | null;
      readonly to: Instant | null;
      readonly compare: ResolvedComparison;
    }
  /**
   * The relation holds a value of `field` not confirmed at or after `since`. `field` is the
   * confirmation key (`name`, `address`, `attribute:<name>`), or `email` / `phone` for any one of
   * the relation's addresses or numbers (key `email:<address>`); `has` tests that an attribute has a value.
   */
  | { readonly t: "notVerified"; readonly field: string; readonly since: Instant; readonly has: ResolvedCondition | null }
  /** The relation is on the member list of a static or snapshot segment. */
  | { readonly t: "members"; readonly segmentId: string };

/** A link of `kind` with the tested relation at end `self`, to a non-deleted relation matching `where`. */
export interface ResolvedLink {
  readonly t: "link";
  readonly kind: LinkKind;
  /** `from` when the tested relation is the person / child organisation end. */
  readonly self: "from" | "to";
  readonly role: string | null;
  /** Only links valid on this day (inclusive bounds); any validity when null. */
  readonly activeOn: CalendarDate | null;
  readonly where: ResolvedCondition;
}

/** Non-deleted interactions of the relation, filtered, counted and compared. Bounds are inclusive. */
export interface ResolvedInteractions {
  readonly t: "interactions";
  readonly kinds: readonly string[] | null;
  readonly directions: readonly Direction[] | null;
  readonly channels: readonly string[] | null;
  readonly from: Instant | null;
  readonly to: Instant | null;
  readonly compare: ResolvedComparison;
}

/** Non-deleted deals the relation is the customer of. Bounds are inclusive. */
export interface ResolvedDeals {
  readonly t: "deals";
  readonly statuses: readonly DealStatus[] | null;
  readonly pipelineIds: readonly string[] | null;
  /** Only deals in this currency (set whenever an amount or sum is tested). */
  readonly currency: string | null;
  readonly amount: ResolvedComparison | null;
  readonly createdFrom: Instant | null;
  readonly createdTo: Instant | null;
  readonly closedFrom: Instant | null;
  readonly closedTo: Instant | null;
  readonly measure: Measure;
  readonly compare: ResolvedComparison;
}

/** Non-cancelled orders of the relation; `sum` adds net amounts. Day bounds are inclusive. */
export interface ResolvedOrders {
  readonly t: "orders";
  readonly productCodes: readonly string[] | null;
  readonly from: CalendarDate | null;
  readonly to: CalendarDate | null;
  readonly currency: string | null;
  readonly measure: Measure;
  readonly compare: ResolvedComparison;
}

/**
 * The relation has a postal address (with `label`, when not null) whose `part` matches `match`
 * (has the part at all when null). Postcodes are compared with spaces removed and ASCII letters
 * upper-cased; `digits`: the first `from.length` characters are ASCII digits between `from` and
 * `to` (equal-length digit strings, so text order is numeric order).
 */
export interface ResolvedAddress {
  readonly t: "address";
  readonly part: "city" | "postalCode" | "country" | "street";
  readonly label: string | null;
  readonly match: TextMatch | { readonly op: "digits"; readonly from: string; readonly to: string } | null;
}

/** Applies a comparison operator to two numbers (shared by the reference evaluator and core). */
export function compareNumbers(left: number, op: ComparisonOperator, right: number): boolean {
  switch (op) {
    case "eq":
      return left === right;
    case "neq":
      return left !== right;
    case "gt":
      return left > right;
    case "gte":
      return left >= right;
    case "lt":
      return left < right;
    case "lte":
      return left <= right;
  }
}
