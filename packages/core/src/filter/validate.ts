import { attributeDefinition, type AttributeDefinition, type AttributeRegistry } from "../attributes/registry.js";
import type { ValidationIssue } from "../errors.js";
import { calendarDateSchema, instantSchema, zodIssues } from "../model/common.js";
import { LIFECYCLES, RELATION_KINDS } from "../model/relation-kind.js";
import { structureIssues } from "./limits.js";
import { addressIssues } from "./address.js";
import { filterSchema, type Condition, type Filter, type FilterField, type FilterOperator, type FilterValue, type TimeWindow } from "./schema.js";

/**
 * Checks a filter against the language and the tenant's data model, naming the path of every
 * problem (e.g. `where.of.2.value`): unknown attributes, operators that do not fit a value type,
 * values of the wrong type, unknown interaction kinds, mismatched currencies, and every limit of
 * `FILTER_LIMITS` (limits.ts; checked first, without recursion).
 */

/** What a filter is checked against. */
export interface FilterEnvironment {
  readonly registry: AttributeRegistry;
  /** Built-in plus registered interaction kinds. */
  readonly interactionKinds: readonly string[];
}

/** The value type of a field or attribute, which decides its operators and values. */
export type ValueType = "text" | "enum" | "number" | "date" | "instant" | "boolean" | "money";

/** The value type of each relation field. */
export const FIELD_TYPES: Readonly<Record<FilterField, ValueType>> = {
  kind: "enum",
  lifecycle: "enum",
  ownerId: "text",
  name: "text",
  givenName: "text",
  familyName: "text",
  email: "text",
  createdAt: "instant",
  updatedAt: "instant",
};

const FIELD_ENUMS: Partial<Record<FilterField, readonly string[]>> = { kind: RELATION_KINDS, lifecycle: LIFECYCLES };

/** The value type of an attribute definition. */
export function attributeValueType(def: AttributeDefinition): ValueType {
  return def.type === "string" ? "text" : def.type;
}

const OPERATORS: Readonly<Record<ValueType, readonly FilterOperator[]>> = {
  text: ["eq", "neq", "in", "notIn", "contains", "startsWith", "isEmpty", "isNotEmpty"],
  enum: ["eq", "neq", "in", "notIn", "isEmpty", "isNotEmpty"],
  number: ["eq", "neq", "in", "notIn", "gt", "gte", "lt", "lte", "between", "isEmpty", "isNotEmpty"],
  date: ["eq", "neq", "gt", "gte", "lt", "lte", "between", "isEmpty", "isNotEmpty"],
  instant: ["gt", "gte", "lt", "lte", "between", "isEmpty", "isNotEmpty"],
  boolean: ["eq", "neq", "isEmpty", "isNotEmpty"],
  money: ["eq", "neq", "gt", "gte", "lt", "lte", "between", "isEmpty", "isNotEmpty"],
};

type Path = ReadonlyArray<string | number>;

// The shared schemas: days and instants in the years 0001-9999, as everywhere in the SDK.
const isInstant = (value: unknown) => typeof value === "string" && instantSchema.safeParse(value).success;
const isDay = (value: unknown) => calendarDateSchema.safeParse(value).success;
const isRelative = (v: unknown): v is { daysFromNow: number } => typeof v === "object" && v !== null && "daysFromNow" in v;
const isMoney = (v: unknown): v is { amount: number; currency: string } => typeof v === "object" && v !== null && "amount" in v;

/** Whether `value` is one scalar of `type` (for enums: one of `allowed`). */
function scalarFits(type: ValueType, value: unknown, allowed: readonly string[] | undefined): boolean {
  switch (type) {
    case "text":
      return typeof value === "string";
    case "enum":
      return typeof value === "string" && (!allowed || allowed.includes(value));
    case "number":
      return typeof value === "number";
    case "boolean":
      return typeof value === "boolean";
    case "money":
      return isMoney(value);
    case "date":
      return isRelative(value) || isDay(value);
    case "instant":
      return isRelative(value) || isInstant(value);
  }
}

function describe(type: ValueType, allowed: readonly string[] | undefined): string {
  switch (type) {
    case "enum":
      return allowed ? `one of ${allowed.join(", ")}` : "a text value";
    case "money":
      return "money ({ amount, currency })";
    case "date":
      return "a YYYY-MM-DD date in the years 0001-9999 or { daysFromNow }";
    case "instant":
      return "an ISO-8601 instant with offset in the years 0001-9999 or { daysFromNow }";
    default:
      return `a ${type} value`;
  }
}

/** Checks operator and value of a field or attribute condition. */
function checkOperand(
  type: ValueType,
  op: FilterOperator,
  value: FilterValue | undefined,
  path: Path,
  issues: ValidationIssue[],
  allowed?: readonly string[],
): void {
  if (!OPERATORS[type].includes(op)) {
    issues.push({
      path: [...path, "op"],
      message: `Operator ${op} does not apply to ${type} values; use one of ${OPERATORS[type].join(", ")}`,
      code: "invalid_operator",
    });
    return;
  }
  const at = [...path, "value"];
  const want = describe(type, allowed);
  if (op === "isEmpty" || op === "isNotEmpty") {
    if (value !== undefined) issues.push({ path: at, message: `${op} takes no value`, code: "unexpected_value" });
    return;
  }
  if (op === "in" || op === "notIn" || op === "between") {
    if (!Array.isArray(value) || value.length === 0 || (op === "between" && value.length !== 2)) {
      issues.push({ path: at, message: op === "between" ? "Expected [low, high]" : "Expected a non-empty list", code: "invalid_type" });
      return;
    }
    value.forEach((v, i) => {
      if (!scalarFits(type, v, allowed)) issues.push({ path: [...at, i], message: `Expected ${want}`, code: "invalid_value" });
    });
    if (type === "money" && op === "between" && value.every(isMoney) && value[0]?.currency !== value[1]?.currency) {
      issues.push({ path: at, message: "Both bounds must be in the same currency", code: "currency_mismatch" });
    }
    return;
  }
  if (value === undefined || Array.isArray(value) || !scalarFits(type, value, allowed)) {
    issues.push({ path: at, message: `Expected ${want}`, code: value === undefined ? "missing_value" : "invalid_value" });
  }
}

function checkWindow(window: TimeWindow | undefined, path: Path, issues: ValidationIssue[]): void {
  if (!window || !("from" in window || "to" in window)) return;
  for (const key of ["from", "to"] as const) {
    const point = window[key];
    if (typeof point === "string" && !isInstant(point) && !isDay(point)) {
      issues.push({
        path: [...path, key],
        message: "Expected an ISO-8601 instant with offset, a YYYY-MM-DD day (both in the years 0001-9999) or { daysFromNow }",
        code: "invalid_time",
      });
    }
  }
}

/**
 * Walks a parsed condition and collects every problem. It recurses, but only over a filter that
 * passed {@link structureIssues}, so never deeper than `FILTER_LIMITS.depth`.
 */
function checkCondition(node: Condition, path: Path, env: FilterEnvironment, issues: ValidationIssue[]): void {
  switch (node.type) {
    case "and":
    case "or":
      node.of.forEach((child, i) => checkCondition(child, [...path, "of", i], env, issues));
      return;
    case "not":
      return checkCondition(node.of, [...path, "of"], env, issues);
    case "field":
      if (node.ignoreCase && node.field !== "name")
        issues.push({ path: [...path, "ignoreCase"], message: "ignoreCase applies to the name field only", code: "invalid_option" });
      return checkOperand(FIELD_TYPES[node.field], node.op, node.value, path, issues, FIELD_ENUMS[node.field]);
    case "attribute": {
      const def = attributeDefinition(env.registry, node.name);
      if (!def) {
        issues.push({
          path: [...path, "name"],
          message: `Unknown attribute ${node.name} (registry version ${env.registry.version})`,
          code: "unknown_attribute",
        });
        return;
      }
      if (def.appliesTo && !def.appliesTo.some((t) => t !== "deal")) {
        issues.push({ path: [...path, "name"], message: `Attribute ${node.name} does not apply to relations`, code: "attribute_not_applicable" });
        return;
      }
      return checkOperand(attributeValueType(def), node.op, node.value, path, issues, def.type === "enum" ? def.values : undefined);
    }
    case "tags": {
      const needsValues = node.op === "any" || node.op === "all" || node.op === "none";
      if (needsValues !== (node.values !== undefined)) {
        issues.push({
          path: [...path, "values"],
          message: needsValues ? `Tag operator ${node.op} needs values` : `Tag operator ${node.op} takes no values`,
          code: needsValues ? "missing_value" : "unexpected_value",
        });
      }
      return;
    }
    case "link":
      if (node.where) checkCondition(node.where, [...path, "where"], env, issues);
      return;
    case "interactions":
      node.kinds?.forEach((kind, i) => {
        if (!env.interactionKinds.includes(kind))
          issues.push({
            path: [...path, "kinds", i],
            message: `Unknown interaction kind ${kind}; expected one of ${env.interactionKinds.join(", ")}`,
            code: "unknown_interaction_kind",
          });
      });
      return checkWindow(node.within, [...path, "within"], issues);
    case "deals":
      checkWindow(node.createdWithin, [...path, "createdWithin"], issues);
      checkWindow(node.closedWithin, [...path, "closedWithin"], issues);
      if (node.count && node.sum) issues.push({ path: [...path, "sum"], message: "Give count or sum, not both", code: "count_and_sum" });
      if (node.amount && node.sum && node.amount.value.currency !== node.sum.value.currency) {
        issues.push({ path: [...path, "sum", "value", "currency"], message: "amount and sum must be in the same currency", code: "currency_mismatch" });
      }
      return;
    case "orders":
      checkWindow(node.within, [...path, "within"], issues);
      if (node.count && node.sum) issues.push({ path: [...path, "sum"], message: "Give count or sum, not both", code: "count_and_sum" });
      if (node.currency && node.sum && node.currency !== node.sum.value.currency) {
        issues.push({ path: [...path, "sum", "value", "currency"], message: "currency and sum must be in the same currency", code: "currency_mismatch" });
      }
      return;
    case "segment":
      return;
    case "address":
      issues.push(...addressIssues(node, path));
      return;
    case "activities":
      return checkWindow(node.due, [...path, "due"], issues);
    case "notVerified":
      if (typeof node.since === "string" && !isInstant(node.since) && !isDay(node.since)) {
        issues.push({
          path: [...path, "since"],
          message: "Expected an ISO-8601 instant with offset, a YYYY-MM-DD day or { daysFromNow }",
          code: "invalid_time",
        });
      }
      if (node.field === "attribute") {
        if (node.attribute === undefined)
          issues.push({ path: [...path, "attribute"], message: 'field "attribute" needs the attribute\'s name', code: "missing_attribute" });
        else if (!attributeDefinition(env.registry, node.attribute)) {
          issues.push({ path: [...path, "attribute"], message: `Unknown attribute ${node.attribute}`, code: "unknown_attribute" });
        }
      } else if (node.attribute !== undefined) {
        issues.push({ path: [...path, "attribute"], message: 'attribute is for field "attribute" only', code: "unexpected_attribute" });
      }
      return;
  }
}

/**
 * Parses and checks a filter. Returns the typed filter, or every issue found (paths relative to
 * the filter, prefixed with `prefix`). Never throws: the size limits are checked first, without
 * recursion, and a filter beyond one is reported by those issues alone.
 */
export function validateFilter(input: unknown, env: FilterEnvironment, prefix: Path = []): { filter: Filter | undefined; issues: ValidationIssue[] } {
  const limits = structureIssues(input, prefix);
  if (limits.length > 0) return { filter: undefined, issues: limits };
  const parsed = filterSchema.safeParse(input);
  if (!parsed.success) return { filter: undefined, issues: zodIssues(parsed.error, prefix) };
  const issues: ValidationIssue[] = [];
  checkCondition(parsed.data.where, [...prefix, "where"], env, issues);
  return issues.length > 0 ? { filter: undefined, issues } : { filter: parsed.data, issues };
}
