import type { ValidationIssue } from "../errors.js";
import { zodIssues } from "../model/common.js";
import {
  attributeDefinition,
  attributeValueSchema,
  type AttributeDefinition,
  type AttributeRegistry,
  type AttributeTarget,
  type AttributeValue,
  type AttributeValues,
} from "./registry.js";

/** Whether a definition applies to a target: listed in `appliesTo`, or any relation kind when that is absent. */
export function appliesTo(def: AttributeDefinition, target: AttributeTarget): boolean {
  return def.appliesTo ? def.appliesTo.includes(target) : target !== "deal";
}

/**
 * Checks the attribute values of a relation (by its kind) or a deal against the registry and returns every
 * problem: unknown names, names that do not apply to the kind, wrong types, missing required
 * values. `null` or `undefined` values are treated as absent, so a caller can clear a value.
 *
 * Names are own keys on both sides: an input key `constructor`, `toString` or `__proto__` (own, as
 * `JSON.parse` makes it) is an unknown attribute unless the registry defines it, never a member of
 * `Object.prototype`.
 */
export function validateAttributes(registry: AttributeRegistry, kind: AttributeTarget, input: unknown): { values: AttributeValues; issues: ValidationIssue[] } {
  const issues: ValidationIssue[] = [];
  const values: Record<string, AttributeValue> = {};
  if (input === undefined || input === null) input = {};
  if (typeof input !== "object" || Array.isArray(input)) {
    return { values, issues: [{ path: ["attributes"], message: "Expected an object", code: "invalid_type" }] };
  }
  const given = input as Record<string, unknown>;
  for (const name of Object.keys(given)) {
    const raw = given[name];
    if (raw === null || raw === undefined) continue;
    const def = attributeDefinition(registry, name);
    if (!def) {
      issues.push({ path: ["attributes", name], message: `Unknown attribute ${name} (registry version ${registry.version})`, code: "unknown_attribute" });
      continue;
    }
    if (!appliesTo(def, kind)) {
      issues.push({ path: ["attributes", name], message: `Attribute ${name} does not apply to a ${kind}`, code: "attribute_not_applicable" });
      continue;
    }
    const parsed = attributeValueSchema(def).safeParse(raw);
    // defineProperty, not assignment: a name is never a setter such as `__proto__`.
    if (parsed.success) Object.defineProperty(values, name, { value: parsed.data, enumerable: true, writable: true, configurable: true });
    else issues.push(...zodIssues(parsed.error, ["attributes", name]));
  }
  for (const [name, def] of Object.entries(registry.attributes)) {
    const applies = appliesTo(def, kind);
    const value = Object.hasOwn(given, name) ? given[name] : undefined;
    if (def.required && applies && (value === undefined || value === null)) {
      issues.push({ path: ["attributes", name], message: `Attribute ${name} is required for a ${kind}`, code: "required_attribute" });
    }
  }
  return { values, issues };
}
