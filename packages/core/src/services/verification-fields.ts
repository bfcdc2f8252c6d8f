import type { FieldChange, HistoryEntry } from "../model/journal.js";
import type { Relation } from "../model/relation.js";
import { kindOfKey, type DueField, type FieldVerification, type VerificationPolicy, type VerifiedFieldKey } from "../model/verification.js";

/**
 * Pure rules of per-field verification, shared by the service, the write hook and the reference
 * evaluator of the data-quality report: which fields a relation has, which fields a write
 * confirms, and which are due.
 */

const DAY = 86_400_000;

/** The verifiable fields a relation holds a value for, with that value. `jobTitle` is the person's current job title, if any. */
export function currentFields(relation: Relation, jobTitle: string | null): Map<VerifiedFieldKey, unknown> {
  const fields = new Map<VerifiedFieldKey, unknown>([["name", relation.name]]);
  for (const e of relation.emails) fields.set(`email:${e.address}`, e.address);
  for (const p of relation.phones) fields.set(`phone:${p.number}`, p.number);
  if (relation.addresses.length > 0) fields.set("address", relation.addresses);
  if (jobTitle !== null) fields.set("jobTitle", jobTitle);
  for (const [name, value] of Object.entries(relation.attributes ?? {})) {
    if (value !== null && value !== undefined) fields.set(`attribute:${name}`, value);
  }
  return fields;
}

/** What a relation write confirms and which confirmations it makes obsolete (values it removed). */
export interface Confirmation {
  readonly confirm: readonly VerifiedFieldKey[];
  readonly forget: readonly VerifiedFieldKey[];
}

function listKeys(change: FieldChange | undefined, prefix: "email" | "phone", prop: "address" | "number"): [VerifiedFieldKey[], VerifiedFieldKey[]] {
  if (!change) return [[], []];
  const keys = (v: unknown) => (Array.isArray(v) ? v.map((item) => `${prefix}:${String((item as Record<string, unknown>)[prop])}` as VerifiedFieldKey) : []);
  const to = keys(change.to);
  const kept = new Set(to);
  return [to, keys(change.from).filter((k) => !kept.has(k))];
}

/**
 * The fields a relation's history entry confirms: every field the write set (a write is the
 * writer saying "this is the value", whether a user, an import or a sync wrote it), and the keys of
 * values it removed, whose confirmations are dropped. Deletes confirm nothing. A write that changed
 * nothing has no history entry and confirms nothing, so a replayed sync page stays a no-op.
 */
export function confirmationOf(entry: HistoryEntry): Confirmation {
  if (entry.entityType !== "relation" || entry.action === "delete" || entry.action === "verify") return { confirm: [], forget: [] };
  const c = entry.changes;
  // A merge and its undo move values between two relations (their confirmations move with them); they confirm nothing.
  if (c.merged || c.mergedInto) return { confirm: [], forget: [] };
  const confirm: VerifiedFieldKey[] = [];
  const forget: VerifiedFieldKey[] = [];
  if (c.name || c.givenName || c.familyName) confirm.push("name");
  for (const [to, gone] of [listKeys(c.emails, "email", "address"), listKeys(c.phones, "phone", "number")]) {
    confirm.push(...to);
    forget.push(...gone);
  }
  if (c.addresses) (Array.isArray(c.addresses.to) && c.addresses.to.length > 0 ? confirm : forget).push("address");
  if (c.attributes) {
    const from = (c.attributes.from ?? {}) as Record<string, unknown>;
    const to = (c.attributes.to ?? {}) as Record<string, unknown>;
    for (const name of new Set([...Object.keys(from), ...Object.keys(to)])) {
      const value = to[name];
      if (value === null || value === undefined) {
        if (from[name] !== null && from[name] !== undefined) forget.push(`attribute:${name}`);
      } else if (JSON.stringify(value) !== JSON.stringify(from[name])) confirm.push(`attribute:${name}`);
    }
  }
  return { confirm, forget };
}

/** The maximum age in days the policy sets for a field, or undefined when it is never due. */
export function maxAgeOf(policy: VerificationPolicy, field: VerifiedFieldKey): number | undefined {
  const kind = kindOfKey(field);
  if (!kind) return undefined;
  if (kind === "attribute") return policy.attributes?.[field.slice("attribute:".length)];
  return policy.maxAgeDays[kind];
}

/** The instant before which a confirmation of `days` maximum age is stale. */
export function staleBefore(now: string, days: number): string {
  return new Date(Date.parse(now) - days * DAY).toISOString();
}

/**
 * The fields of a relation due for verification at `now`: it holds a value, the policy sets an age
 * for the kind, and the last confirmation is older than that age or missing. In field order.
 */
export function dueFields(
  fields: ReadonlyMap<VerifiedFieldKey, unknown>,
  verifications: readonly FieldVerification[],
  policy: VerificationPolicy,
  now: string,
): DueField[] {
  const byField = new Map(verifications.map((v) => [v.field, v]));
  const due: DueField[] = [];
  for (const [field, value] of fields) {
    const age = maxAgeOf(policy, field);
    if (age === undefined) continue;
    const last = byField.get(field);
    if (last && last.verifiedAt >= staleBefore(now, age)) continue;
    due.push({
      field,
      kind: kindOfKey(field)!,
      value,
      lastVerifiedAt: last?.verifiedAt ?? null,
      verifiedBy: last?.verifiedBy ?? null,
      source: last?.source ?? null,
    });
  }
  return due;
}
