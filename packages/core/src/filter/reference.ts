import type { Activity } from "../model/activity.js";
import type { Deal } from "../model/deal.js";
import type { FieldVerification } from "../model/verification.js";
import type { Interaction } from "../model/interaction.js";
import type { Order } from "../model/order.js";
import type { Relation } from "../model/relation.js";
import { nameKey } from "../normalise.js";
import { addressMatches } from "./address.js";
import type { LinkRecord } from "../storage.js";
import { compareNumbers, type Operand, type ResolvedCondition, type TextMatch } from "./resolved.js";

/**
 * The reference evaluator: the meaning of the filter language, in plain TypeScript over plain
 * data. The SQL compilers are tested against it (differential property tests), so it favours
 * obviousness over speed. Semantics it defines:
 * - only non-deleted relations match; linked relations, interactions and deals count only when
 *   not deleted, orders only when not cancelled;
 * - a comparison with a missing value is false, so `not` is the exact complement;
 * - text compares by Unicode code point (the order of SQLite's BINARY and Postgres' "C"
 *   collations), case-sensitively; `contains` / `startsWith` are literal (no wildcards);
 * - time bounds are inclusive.
 */

/** Everything a filter can look at. */
export interface FilterDataset {
  /** Relations, deleted ones included (they never match). */
  readonly relations: readonly Relation[];
  readonly links: readonly LinkRecord[];
  readonly interactions: readonly Pick<Interaction, "kind" | "direction" | "channel" | "occurredAt" | "relationIds" | "deletedAt">[];
  readonly deals: readonly Pick<Deal, "relationId" | "status" | "pipelineId" | "currency" | "amount" | "createdAt" | "closedAt" | "deletedAt">[];
  /** Orders with the product codes of their lines. */
  readonly orders: readonly (Pick<Order, "relationId" | "orderDate" | "currency" | "netAmount" | "cancelledAt"> & {
    readonly productCodes: readonly string[];
  })[];
  /** Member lists of static and snapshot segments. */
  readonly segmentMembers: ReadonlyMap<string, ReadonlySet<string>>;
  /** Planned activities (none when absent). */
  readonly activities?: readonly Pick<Activity, "relationId" | "status" | "dueAt">[];
  /** Field confirmations (none when absent). */
  readonly verifications?: readonly Pick<FieldVerification, "relationId" | "field" | "verifiedAt">[];
}

/** Compares strings by code point (UTF-8 byte order), unlike `<` on JS strings (UTF-16 units). */
export function compareCodePoints(a: string, b: string): number {
  const x = [...a];
  const y = [...b];
  for (let i = 0; i < Math.min(x.length, y.length); i++) {
    const d = x[i]!.codePointAt(0)! - y[i]!.codePointAt(0)!;
    if (d !== 0) return d;
  }
  return x.length - y.length;
}

type Value = string | number | null;

function operandValue(operand: Operand, r: Relation): Value {
  switch (operand.kind) {
    case "column":
      switch (operand.column) {
        case "kind":
          return r.kind;
        case "lifecycle":
          return r.lifecycle;
        case "owner_id":
          return r.ownerId;
        case "name":
          return r.name;
        case "name_key":
          return nameKey(r.name);
        case "given_name":
          return r.givenName;
        case "family_name":
          return r.familyName;
      }
    // eslint-disable-next-line no-fallthrough
    case "instant":
      return operand.column === "created_at" ? r.createdAt : r.updatedAt;
    default: {
      let v: unknown = r.attributes;
      for (const key of operand.path) v = v !== null && typeof v === "object" && !Array.isArray(v) ? (v as Record<string, unknown>)[key] : undefined;
      if (operand.kind === "attrText") return typeof v === "string" ? v : null;
      if (operand.kind === "attrNumber") return typeof v === "number" ? v : null;
      return typeof v === "boolean" ? (v ? 1 : 0) : null;
    }
  }
}

function compareValues(a: string | number, b: string | number): number {
  return typeof a === "string" && typeof b === "string" ? compareCodePoints(a, b) : (a as number) - (b as number);
}

function textMatches(value: string, match: TextMatch): boolean {
  switch (match.op) {
    case "eq":
      return value === match.value;
    case "in":
      return match.values.includes(value);
    case "contains":
      return value.includes(match.value);
    case "startsWith":
      return value.startsWith(match.value);
  }
}

const inRange = (v: string | null, from: string | null, to: string | null) => v !== null && (from === null || v >= from) && (to === null || v <= to);

/** Returns a predicate over relations for one condition on one dataset. */
export function referencePredicate(condition: ResolvedCondition, data: FilterDataset): (relation: Relation) => boolean {
  const byId = new Map(data.relations.map((r) => [r.id, r]));
  const test = (c: ResolvedCondition, r: Relation): boolean => {
    switch (c.t) {
      case "const":
        return c.value;
      case "and":
        return c.of.every((x) => test(x, r));
      case "or":
        return c.of.some((x) => test(x, r));
      case "not":
        return !test(c.of, r);
      case "compare": {
        const v = operandValue(c.operand, r);
        if (v === null) return false;
        const d = compareValues(v, c.value);
        return c.op === "eq" ? d === 0 : c.op === "lt" ? d < 0 : c.op === "lte" ? d <= 0 : c.op === "gt" ? d > 0 : d >= 0;
      }
      case "in": {
        const v = operandValue(c.operand, r);
        return v !== null && c.values.some((x) => compareValues(v, x) === 0);
      }
      case "contains":
      case "startsWith": {
        const v = operandValue(c.operand, r);
        return typeof v === "string" && (c.t === "contains" ? v.includes(c.value) : v.startsWith(c.value));
      }
      case "present":
        return operandValue(c.operand, r) !== null;
      case "email":
        return r.emails.some((e) => c.match === null || textMatches(e.address, c.match));
      case "tags":
        return r.tags.some((tag) => c.values === null || c.values.includes(tag));
      case "link":
        return data.links.some((l) => {
          if (l.kind !== c.kind || (c.self === "from" ? l.fromId : l.toId) !== r.id) return false;
          if (c.role !== null && l.role !== c.role) return false;
          if (c.activeOn !== null && ((l.validFrom !== null && l.validFrom > c.activeOn) || (l.validTo !== null && l.validTo < c.activeOn))) return false;
          const other = byId.get(c.self === "from" ? l.toId : l.fromId);
          return other !== undefined && other.deletedAt === null && test(c.where, other);
        });
      case "interactions": {
        const n = data.interactions.filter(
          (i) =>
            i.deletedAt === null &&
            i.relationIds.includes(r.id) &&
            (c.kinds === null || c.kinds.includes(i.kind)) &&
            (c.directions === null || (i.direction !== null && c.directions.includes(i.direction))) &&
            (c.channels === null || (i.channel !== null && c.channels.includes(i.channel))) &&
            inRange(i.occurredAt, c.from, c.to),
        ).length;
        return compareNumbers(n, c.compare.op, c.compare.value);
      }
      case "deals": {
        const deals = data.deals.filter(
          (d) =>
            d.deletedAt === null &&
            d.relationId === r.id &&
            (c.statuses === null || c.statuses.includes(d.status)) &&
            (c.pipelineIds === null || c.pipelineIds.includes(d.pipelineId)) &&
            (c.currency === null || d.currency === c.currency) &&
            (c.amount === null || compareNumbers(d.amount, c.amount.op, c.amount.value)) &&
            ((c.createdFrom === null && c.createdTo === null) || inRange(d.createdAt, c.createdFrom, c.createdTo)) &&
            ((c.closedFrom === null && c.closedTo === null) || inRange(d.closedAt, c.closedFrom, c.closedTo)),
        );
        const measured = c.measure === "count" ? deals.length : deals.reduce((s, d) => s + d.amount, 0);
        return compareNumbers(measured, c.compare.op, c.compare.value);
      }
      case "orders": {
        const orders = data.orders.filter(
          (o) =>
            o.cancelledAt === null &&
            o.relationId === r.id &&
            inRange(o.orderDate, c.from, c.to) &&
            (c.currency === null || o.currency === c.currency) &&
            (c.productCodes === null || o.productCodes.some((p) => c.productCodes!.includes(p))),
        );
        const measured = c.measure === "count" ? orders.length : orders.reduce((s, o) => s + o.netAmount, 0);
        return compareNumbers(measured, c.compare.op, c.compare.value);
      }
      case "address":
        return addressMatches(r.addresses, c);
      case "members":
        return data.segmentMembers.get(c.segmentId)?.has(r.id) ?? false;
      case "activities": {
        const n = (data.activities ?? []).filter(
          (a) =>
            a.relationId === r.id &&
            (c.statuses === null || c.statuses.includes(a.status)) &&
            ((c.from === null && c.to === null) || inRange(a.dueAt, c.from, c.to)),
        ).length;
        return compareNumbers(n, c.compare.op, c.compare.value);
      }
      case "notVerified": {
        const confirmed = (field: string) =>
          (data.verifications ?? []).some((v) => v.relationId === r.id && v.field === field && Date.parse(v.verifiedAt) >= Date.parse(c.since));
        switch (c.field) {
          case "email":
            return r.emails.some((e) => !confirmed(`email:${e.address}`));
          case "phone":
            return r.phones.some((p) => !confirmed(`phone:${p.number}`));
          case "address":
            return r.addresses.length > 0 && !confirmed("address");
          case "name":
            return !confirmed("name");
          default:
            return (c.has === null || test(c.has, r)) && !confirmed(c.field);
        }
      }
    }
  };
  return (relation) => relation.deletedAt === null && test(condition, relation);
}

/** The ids of the relations matching `condition`, in id order (the order paged members come in). */
export function evaluateFilter(condition: ResolvedCondition, data: FilterDataset): string[] {
  const matches = referencePredicate(condition, data);
  return data.relations
    .filter(matches)
    .map((r) => r.id)
    .sort(compareCodePoints);
}
