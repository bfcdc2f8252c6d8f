import type { ValidationIssue } from "../errors.js";
import { zodIssues } from "../model/common.js";
import type { RelationKind } from "../model/relation-kind.js";
import { attributeValueSchema, type AttributeRegistry, type AttributeValue, type AttributeValues } from "./registry.js";

/**
 * Checks a relation's attribute values against the registry for its kind and returns every
 * problem: unknown names, names that do not apply to the kind, wrong types, missing required
 * values. `null` or `undefined` values are treated as absent, so a caller can clear a value.
 */
export function validateAttributes(
  registry: AttributeRegistry,
  kind: RelationKind,
  input: unknown,
): { values: AttributeValues; issues: ValidationIssue[] } {
  const issues: ValidationIssue[] = [];
  const values: Record<string, AttributeValue> = {};
  if (input === undefined || input === null) input = {};
  if (typeof input !== "object" || Array.isArray(input)) {
    return { values, issues: [{ path: ["attributes"], message: "Expected an object", code: "invalid_type" }] };
  }
  for (const [name, raw] of Object.entries(input as Record<string, unknown>)) {
    if (raw === null || raw === undefined) continue;
    const def = registry.attributes[name];
    if (!def) {
      issues.push({ path: ["attributes", name], message: `Unknown attribute ${name} (registry version ${registry.version})`, code: "unknown_attribute" });
      continue;
    }
    if (def.appliesTo && !def.appliesTo.includes(kind)) {
      issues.push({ path: ["attributes", name], message: `Attribute ${name} does not apply to a ${kind}`, code: "attribute_not_applicable" });
      continue;
    }
    const parsed = attributeValueSchema(def).safeParse(raw);
    if (parsed.success) values[name] = parsed.data;
    else issues.push(...zodIssues(parsed.error, ["attributes", name]));
  }
  for (const [name, def] of Object.entries(registry.attributes)) {
    const applies = !def.appliesTo || def.appliesTo.includes(kind);
    const given = (input as Record<string, unknown>)[name];
    if (def.required && applies && (given === undefined || given === null)) {
      issues.push({ path: ["attributes", name], message: `Attribute ${name} is required for a ${kind}`, code: "required_attribute" });
    }
  }
  return { values, issues };
}
