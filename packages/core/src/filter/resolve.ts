import { attributeDefinition, type AttributeDefinition } from "../attributes/registry.js";
import { validationError } from "../errors.js";
import type { Instant } from "../model/common.js";
import type { LinkKind } from "../model/link.js";
import { nameKey, normaliseEmail } from "../normalise.js";
import type { Operand, RelationTextColumn, ResolvedCondition, ResolvedComparison, TextMatch } from "./resolved.js";
import type { Condition, CountComparison, Filter, FilterOperator, FilterScalar, FilterValue, LinkPath, MoneyComparison } from "./schema.js";
import { FILTER_LIMITS, LIMIT_MESSAGES, listValueCount, SEGMENT_NOTE } from "./limits.js";
import { resolveAddress } from "./address.js";
import { dayOf, dayOfPoint, dayWindow, inSupportedRange, instantOf, instantWindow } from "./time.js";
import { FIELD_TYPES, attributeValueType, validateFilter, type FilterEnvironment, type ValueType } from "./validate.js";

/** A segment as a filter sees it: a dynamic segment's own filter, or a member list. */
export type SegmentReference = { readonly kind: "dynamic"; readonly filter: unknown } | { readonly kind: "static" | "snapshot" };

/** What resolution needs besides the data model: the time and the tenant's segments. */
export interface ResolveEnvironment extends FilterEnvironment {
  /** The instant relative times and "current" links are measured from. */
  readonly now: Instant;
  /** Loads a (non-deleted) segment a filter refers to. */
  loadSegment(id: string): Promise<SegmentReference | undefined>;
}

type Path = ReadonlyArray<string | number>;

const LINK_PATHS: Readonly<Record<LinkPath, { kind: LinkKind; self: "from" | "to" }>> = {
  employer: { kind: "employment", self: "from" },
  employee: { kind: "employment", self: "to" },
  household: { kind: "household_member", self: "from" },
  householdMember: { kind: "household_member", self: "to" },
  parent: { kind: "parent_organisation", self: "from" },
  subsidiary: { kind: "parent_organisation", self: "to" },
};

const FIELD_COLUMNS: Readonly<Record<string, RelationTextColumn>> = {
  kind: "kind",
  lifecycle: "lifecycle",
  ownerId: "owner_id",
  name: "name",
  givenName: "given_name",
  familyName: "family_name",
};

const not = (of: ResolvedCondition): ResolvedCondition => ({ t: "not", of });
const and = (...of: ResolvedCondition[]): ResolvedCondition => (of.length === 1 ? of[0]! : { t: "and", of });
const asList = (value: FilterValue | undefined): readonly FilterScalar[] => (Array.isArray(value) ? value : []);

/** A plain operand condition for every operator but money's, with values already converted. */
function operandCondition(
  operand: Operand,
  op: FilterOperator,
  value: FilterValue | undefined,
  convert: (v: FilterScalar) => string | number,
): ResolvedCondition {
  const one = () => convert(value as FilterScalar);
  switch (op) {
    case "eq":
      return { t: "compare", operand, op: "eq", value: one() };
    case "neq":
      return not({ t: "compare", operand, op: "eq", value: one() });
    case "in":
      return { t: "in", operand, values: asList(value).map(convert) };
    case "notIn":
      return not({ t: "in", operand, values: asList(value).map(convert) });
    case "contains":
    case "startsWith":
      return { t: op, operand, value: String(one()) };
    case "gt":
    case "gte":
    case "lt":
    case "lte":
      return { t: "compare", operand, op, value: one() };
    case "between": {
      const [low, high] = asList(value).map(convert);
      return and({ t: "compare", operand, op: "gte", value: low! }, { t: "compare", operand, op: "lte", value: high! });
    }
    case "isEmpty":
      return not({ t: "present", operand });
    case "isNotEmpty":
      return { t: "present", operand };
  }
}

/** A money attribute: amount and currency members; a comparison holds only in the same currency. */
function moneyCondition(name: string, op: FilterOperator, value: FilterValue | undefined): ResolvedCondition {
  const amount: Operand = { kind: "attrNumber", path: [name, "amount"] };
  const currency: Operand = { kind: "attrText", path: [name, "currency"] };
  const present = and({ t: "present", operand: amount }, { t: "present", operand: currency });
  if (op === "isEmpty") return not(present);
  if (op === "isNotEmpty") return present;
  const list = (Array.isArray(value) ? value : [value]) as { amount: number; currency: string }[];
  const first = list[0]!;
  const sameCurrency: ResolvedCondition = { t: "compare", operand: currency, op: "eq", value: first.currency };
  if (op === "between") {
    return and(
      sameCurrency,
      { t: "compare", operand: amount, op: "gte", value: first.amount },
      { t: "compare", operand: amount, op: "lte", value: list[1]!.amount },
    );
  }
  const compare = op === "neq" ? "eq" : (op as "eq" | "gt" | "gte" | "lt" | "lte");
  const holds = and(sameCurrency, { t: "compare", operand: amount, op: compare, value: first.amount });
  return op === "neq" ? not(holds) : holds;
}

/** A VALIDATION error for a relative time that lands outside the years 0001-9999. */
function outOfRange(path: Path): Error {
  return validationError([
    { path, message: "This time, measured from now, falls outside the years 0001-9999 that dates and instants can hold", code: "date_out_of_range" },
  ]);
}

/** `point` when it lies in the years 0001-9999 (or is an open bound); VALIDATION at `path` otherwise. */
function inRange<T extends string | null>(point: T, path: Path): T {
  if (point !== null && !inSupportedRange(point)) throw outOfRange(path);
  return point;
}

/** Both bounds of a window, each checked to lie in the supported years. */
function windowInRange<W extends { from: string | null; to: string | null }>(window: W, path: Path): W {
  inRange(window.from, [...path, "from"]);
  inRange(window.to, [...path, "to"]);
  return window;
}

/** Converts scalars of a value type into what storage compares (times checked to lie in the supported years, named by `path`). */
function converter(type: ValueType, now: Instant, path: Path): (v: FilterScalar) => string | number {
  switch (type) {
    case "date":
      return (v) => inRange(dayOfPoint(v as string, now), path);
    case "instant":
      return (v) => inRange(instantOf(v as string, now), path);
    case "boolean":
      return (v) => (v === true ? 1 : 0);
    default:
      return (v) => v as string | number;
  }
}

/** The e-mail field: a test of the relation's addresses (stored lower-cased, so values are lower-cased too). */
function emailCondition(op: FilterOperator, value: FilterValue | undefined): ResolvedCondition {
  const match = (m: TextMatch): ResolvedCondition => ({ t: "email", match: m });
  switch (op) {
    case "eq":
    case "neq": {
      const eq = match({ op: "eq", value: normaliseEmail(value as string) });
      return op === "eq" ? eq : not(eq);
    }
    case "in":
    case "notIn": {
      const any = match({ op: "in", values: asList(value).map((v) => normaliseEmail(v as string)) });
      return op === "in" ? any : not(any);
    }
    case "contains":
    case "startsWith":
      return match({ op, value: (value as string).toLowerCase() });
    case "isEmpty":
      return not({ t: "email", match: null });
    default:
      return { t: "email", match: null };
  }
}

function comparison(count: CountComparison | undefined, sum: MoneyComparison | undefined): ResolvedComparison {
  if (sum) return { op: sum.op, value: sum.value.amount };
  return count ?? { op: "gte", value: 1 };
}

function attributeCondition(
  name: string,
  def: AttributeDefinition,
  op: FilterOperator,
  value: FilterValue | undefined,
  now: Instant,
  path: Path,
): ResolvedCondition {
  const type = attributeValueType(def);
  if (type === "money") return moneyCondition(name, op, value);
  const operand: Operand =
    type === "number" ? { kind: "attrNumber", path: [name] } : type === "boolean" ? { kind: "attrBoolean", path: [name] } : { kind: "attrText", path: [name] };
  return operandCondition(operand, op, value, converter(type, now, [...path, "value"]));
}

/** What one resolution has used of the limits, across the segments it inlines. */
interface Budget {
  conditions: number;
  values: number;
}

/** A VALIDATION error for a limit that the filter breaks once its segments are inlined. */
function limitError(limit: "conditions" | "values" | "depth", path: Path): Error {
  const code = limit === "conditions" ? "too_large" : limit === "values" ? "too_many_values" : "too_deep";
  return validationError([{ path, message: `${LIMIT_MESSAGES[limit]}${SEGMENT_NOTE}`, code }]);
}

/**
 * Resolves a validated filter against a time and the tenant's segments. Throws VALIDATION naming
 * the path of a missing segment, a cycle of segments, a referenced dynamic segment whose filter
 * no longer fits the data model, a relative time that lands outside the years 0001-9999, or a
 * limit of `FILTER_LIMITS` (conditions, depth, list values) broken once the dynamic segments the
 * filter refers to are inlined: each is checked per filter by `validateFilter`, and again here
 * over the whole, which is what the database runs.
 */
export async function resolveFilter(
  filter: Filter,
  env: ResolveEnvironment,
  prefix: Path = [],
  visiting: ReadonlySet<string> = new Set(),
): Promise<ResolvedCondition> {
  return resolveWithin(filter, env, prefix, visiting, { conditions: 0, values: 0 }, 0);
}

async function resolveWithin(
  filter: Filter,
  env: ResolveEnvironment,
  prefix: Path,
  visiting: ReadonlySet<string>,
  budget: Budget,
  baseDepth: number,
): Promise<ResolvedCondition> {
  const { now } = env;

  async function walk(node: Condition, path: Path, depth: number): Promise<ResolvedCondition> {
    // Filters reach here validated; one that did not (a caller's bug) still fails typed, and the
    // budget below keeps even an unchecked one from recursing without end.
    if (typeof node !== "object" || node === null) throw validationError([{ path, message: "Expected a filter condition", code: "invalid_type" }]);
    budget.conditions += 1;
    budget.values += listValueCount(node);
    if (budget.conditions > FILTER_LIMITS.conditions) throw limitError("conditions", path);
    if (budget.values > FILTER_LIMITS.values) throw limitError("values", path);
    if (depth > FILTER_LIMITS.depth) throw limitError("depth", path);
    switch (node.type) {
      case "and":
      case "or":
        if (node.of.length === 0) return { t: "const", value: node.type === "and" };
        return { t: node.type, of: await Promise.all(node.of.map((c, i) => walk(c, [...path, "of", i], depth + 1))) };
      case "not":
        return not(await walk(node.of, [...path, "of"], depth + 1));
      case "field": {
        if (node.field === "email") return emailCondition(node.op, node.value);
        const type = FIELD_TYPES[node.field];
        if (type === "instant")
          return operandCondition(
            { kind: "instant", column: node.field === "createdAt" ? "created_at" : "updated_at" },
            node.op,
            node.value,
            converter(type, now, [...path, "value"]),
          );
        const folded = node.field === "name" && node.ignoreCase === true;
        const column = folded ? "name_key" : FIELD_COLUMNS[node.field]!;
        return operandCondition({ kind: "column", column }, node.op, node.value, (v) => (folded ? nameKey(v as string) : (v as string)));
      }
      case "attribute": {
        const def = attributeDefinition(env.registry, node.name);
        // validateFilter refused unknown names; a resolver given an unchecked filter still fails typed.
        if (!def) throw validationError([{ path: [...path, "name"], message: `Unknown attribute ${node.name}`, code: "unknown_attribute" }]);
        return attributeCondition(node.name, def, node.op, node.value, now, path);
      }
      case "tags":
        switch (node.op) {
          case "any":
            return { t: "tags", values: node.values! };
          case "all":
            return and(...node.values!.map((v): ResolvedCondition => ({ t: "tags", values: [v] })));
          case "none":
            return not({ t: "tags", values: node.values! });
          case "isEmpty":
            return not({ t: "tags", values: null });
          case "isNotEmpty":
            return { t: "tags", values: null };
        }
      // eslint-disable-next-line no-fallthrough
      case "link": {
        const { kind, self } = LINK_PATHS[node.via];
        const where = node.where ? await walk(node.where, [...path, "where"], depth + 1) : { t: "const" as const, value: true };
        return { t: "link", kind, self, role: node.role ?? null, activeOn: node.current === false ? null : dayOf(now), where };
      }
      case "interactions": {
        const { from, to } = windowInRange(instantWindow(node.within, now), [...path, "within"]);
        return {
          t: "interactions",
          kinds: node.kinds ?? null,
          directions: node.directions ?? null,
          channels: node.channels ?? null,
          from,
          to,
          compare: comparison(node.count, undefined),
        };
      }
      case "deals": {
        const created = windowInRange(instantWindow(node.createdWithin, now), [...path, "createdWithin"]);
        const closed = windowInRange(instantWindow(node.closedWithin, now), [...path, "closedWithin"]);
        return {
          t: "deals",
          statuses: node.statuses ?? null,
          pipelineIds: node.pipelineIds ?? null,
          currency: node.amount?.value.currency ?? node.sum?.value.currency ?? null,
          amount: node.amount ? { op: node.amount.op, value: node.amount.value.amount } : null,
          createdFrom: created.from,
          createdTo: created.to,
          closedFrom: closed.from,
          closedTo: closed.to,
          measure: node.sum ? "sum" : "count",
          compare: comparison(node.count, node.sum),
        };
      }
      case "orders": {
        const { from, to } = windowInRange(dayWindow(node.within, now), [...path, "within"]);
        return {
          t: "orders",
          productCodes: node.products ?? null,
          from,
          to,
          currency: node.sum?.value.currency ?? node.currency ?? null,
          measure: node.sum ? "sum" : "count",
          compare: comparison(node.count, node.sum),
        };
      }
      case "segment":
        return segment(node.segmentId, [...path, "segmentId"], depth);
      case "address":
        return resolveAddress(node);
      case "activities": {
        const { from, to } = windowInRange(instantWindow(node.due, now), [...path, "due"]);
        return { t: "activities", statuses: node.statuses ?? null, from, to, compare: comparison(node.count, undefined) };
      }
      case "notVerified": {
        const since = inRange(instantOf(node.since, now), [...path, "since"]);
        if (node.field !== "attribute") return { t: "notVerified", field: node.field, since, has: null };
        const def = attributeDefinition(env.registry, node.attribute ?? "");
        if (!def) throw validationError([{ path: [...path, "attribute"], message: `Unknown attribute ${String(node.attribute)}`, code: "unknown_attribute" }]);
        const has = attributeCondition(node.attribute!, def, "isNotEmpty", undefined, now, path);
        return { t: "notVerified", field: `attribute:${node.attribute!}`, since, has };
      }
      default:
        throw validationError([{ path: [...path, "type"], message: "Unknown condition type", code: "invalid_type" }]);
    }
  }

  /** A segment reference: a member-list test, or the dynamic segment's filter inlined at the reference's depth. */
  async function segment(id: string, path: Path, depth: number): Promise<ResolvedCondition> {
    if (visiting.has(id)) throw validationError([{ path, message: `Segment ${id} refers to itself through its filter`, code: "segment_cycle" }]);
    const found = await env.loadSegment(id);
    if (!found) throw validationError([{ path, message: `Segment ${id} does not exist`, code: "unknown_segment" }]);
    if (found.kind !== "dynamic") return { t: "members", segmentId: id };
    const checked = validateFilter(found.filter, env, path);
    if (!checked.filter) throw validationError(checked.issues);
    return resolveWithin(checked.filter, env, path, new Set([...visiting, id]), budget, depth);
  }

  const where = typeof filter === "object" && filter !== null ? filter.where : undefined;
  return walk(where as Condition, [...prefix, "where"], baseDepth);
}
