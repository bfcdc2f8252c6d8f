import { deepEqual } from "../diff.js";
import type { MergeFieldConflict } from "../model/merge.js";
import type { PostalAddress, Relation } from "../model/relation.js";
import type { FieldVerification } from "../model/verification.js";

/**
 * The pure rules of a merge: what the survivor holds afterwards. Lists are united (the survivor's
 * entries first, in their order, then the loser's that it lacks; the survivor's primary e-mail and
 * phone stay primary); a single-valued field keeps the survivor's value unless the survivor has
 * none; an attribute both have with different values follows the caller's rule. Every field both
 * have with different values is reported as a conflict with the value kept.
 */

/** The patch that brings the survivor to its merged state, with what was decided. */
export interface MergedFields {
  /** A `relations.update`-shaped patch (validated like any update before it is written). */
  readonly patch: Readonly<Record<string, unknown>>;
  readonly conflicts: MergeFieldConflict[];
  readonly filledFromLoser: string[];
}

const empty = (v: unknown) => v === null || v === undefined || v === "" || (Array.isArray(v) && v.length === 0);

/** An address reduced to what makes it the same place: postcode without spaces, case folded. */
function placeKey(a: PostalAddress): string {
  const fold = (s: string | undefined) => (s ?? "").normalize("NFKC").replace(/\s+/g, " ").trim().toLowerCase();
  return JSON.stringify([fold(a.street), fold(a.houseNumber), fold(a.postalCode).replace(/ /g, ""), fold(a.city), fold(a.country)]);
}

function unite<T>(first: readonly T[], second: readonly T[], key: (t: T) => string): T[] {
  const seen = new Set(first.map(key));
  return [...first, ...second.filter((t) => !seen.has(key(t)))];
}

/** When the field was last confirmed on the relation, or -Infinity. */
function verifiedAt(verifications: readonly FieldVerification[], relationId: string, field: string): number {
  const v = verifications.find((x) => x.relationId === relationId && x.field === field);
  return v ? Date.parse(v.verifiedAt) : Number.NEGATIVE_INFINITY;
}

/** The merged fields of `survivor` after taking in `loser`. */
export function mergeFields(
  survivor: Relation,
  loser: Relation,
  rule: "survivor" | "recentlyVerified",
  verifications: readonly FieldVerification[],
): MergedFields {
  const conflicts: MergeFieldConflict[] = [];
  const filledFromLoser: string[] = [];
  const patch: Record<string, unknown> = {};

  const primary = survivor.emails.some((e) => e.primary);
  patch.emails = unite(survivor.emails, loser.emails, (e) => e.address).map((e) => ({
    address: e.address,
    ...(e.label ? { label: e.label } : {}),
    primary: survivor.emails.includes(e) ? e.primary : !primary && e.primary,
  }));
  const primaryPhone = survivor.phones.some((p) => p.primary);
  patch.phones = unite(survivor.phones, loser.phones, (p) => p.number).map((p) => ({
    number: p.number,
    ...(p.label ? { label: p.label } : {}),
    primary: survivor.phones.includes(p) ? p.primary : !primaryPhone && p.primary,
  }));
  patch.addresses = unite(survivor.addresses, loser.addresses, placeKey);
  patch.tags = unite(survivor.tags, loser.tags, (t) => t);
  patch.externalRefs = unite(survivor.externalRefs, loser.externalRefs, (r) => `${r.system}\u0000${r.externalId}`);

  for (const field of ["name", "givenName", "familyName", "lifecycle", "ownerId"] as const) {
    const s = survivor[field];
    const l = loser[field];
    if (empty(l) || deepEqual(s, l)) continue;
    if (empty(s)) {
      patch[field] = l;
      filledFromLoser.push(field);
    } else conflicts.push({ field, survivor: s, loser: l, kept: "survivor" });
  }

  const attributes: Record<string, unknown> = { ...(survivor.attributes as Record<string, unknown>) };
  for (const [name, l] of Object.entries(loser.attributes as Record<string, unknown>)) {
    const s = attributes[name];
    if (empty(l) || deepEqual(s, l)) continue;
    if (empty(s)) {
      attributes[name] = l;
      filledFromLoser.push(`attributes.${name}`);
      continue;
    }
    const field = `attribute:${name}`;
    const loserNewer = rule === "recentlyVerified" && verifiedAt(verifications, loser.id, field) > verifiedAt(verifications, survivor.id, field);
    if (loserNewer) attributes[name] = l;
    conflicts.push({ field: `attributes.${name}`, survivor: s, loser: l, kept: loserNewer ? "loser" : "survivor" });
  }
  patch.attributes = attributes;
  return { patch, conflicts, filledFromLoser };
}
