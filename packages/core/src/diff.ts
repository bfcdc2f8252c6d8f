import type { FieldChange } from "./model/journal.js";

/** Structural equality for JSON-like values (what records are made of). */
export function deepEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (a === null || b === null || typeof a !== "object" || typeof b !== "object") return false;
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  if (Array.isArray(a)) {
    const bb = b as unknown[];
    return a.length === bb.length && a.every((v, i) => deepEqual(v, bb[i]));
  }
  const ka = Object.keys(a as object).filter((k) => (a as Record<string, unknown>)[k] !== undefined);
  const kb = Object.keys(b as object).filter((k) => (b as Record<string, unknown>)[k] !== undefined);
  return ka.length === kb.length && ka.every((k) => deepEqual((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k]));
}

/**
 * The field-level difference between two versions of a record, limited to `fields`.
 * `before` undefined means creation: every non-empty field appears with `from: null`.
 */
export function diffFields<T extends object>(before: T | undefined, after: T, fields: readonly (keyof T & string)[]): Record<string, FieldChange> {
  const changes: Record<string, FieldChange> = {};
  for (const field of fields) {
    const from = before ? before[field] : null;
    const to = after[field];
    if (before === undefined && (to === null || to === undefined || (Array.isArray(to) && to.length === 0))) continue;
    if (!deepEqual(from, to)) changes[field] = { from: from ?? null, to: to ?? null };
  }
  return changes;
}
