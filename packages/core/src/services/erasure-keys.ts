import { createHash } from "node:crypto";
import { validationError, type ValidationIssue } from "../errors.js";
import type { Relation } from "../model/relation.js";
import type { TenantStore } from "../storage.js";
import type { ErasureKeyRecord } from "../storage-privacy.js";

/**
 * Erasure keys: what stops a sync page or an import from bringing an erased person back. A key is
 * a SHA-256 digest of the tenant, the kind and the normalised identifier, so the table that holds
 * them says nothing readable about who was erased; an identifier that comes in again hashes to the
 * same key and is recognised. (A digest of a known e-mail address can be confirmed by whoever
 * guesses it: that is what recognising it means. It is pseudonymous, not anonymous.)
 */

const VERSION = "kaartenbak-erasure-v1";
/** The erasure key of one identifier (hex SHA-256). Values must already be normalised. */
export function erasureKey(tenantId: string, kind: ErasureKeyRecord["kind"], value: string): string {
  return createHash("sha256").update(`${VERSION}\u0000${tenantId}\u0000${kind}\u0000${value}`).digest("hex");
}

/** The value hashed for an external reference: system and id, separated by a character neither may hold. */
export function refValue(system: string, externalId: string): string {
  return `${system}\u0000${externalId}`;
}

/** One identifier of a relation with its key and where it sits in the input (for error paths). */
export interface IdentityKey {
  readonly key: string;
  readonly kind: "email" | "phone" | "ref";
  readonly path: readonly (string | number)[];
}

type Identities = Pick<Relation, "emails" | "phones" | "externalRefs">;

/** The keys of a relation's e-mails, phones and external references, leaving out those `current` already has. */
export function identityKeys(tenantId: string, next: Identities, current?: Identities): IdentityKey[] {
  const out: IdentityKey[] = [];
  const known = new Set([
    ...(current?.emails ?? []).map((e) => `e:${e.address}`),
    ...(current?.phones ?? []).map((p) => `p:${p.number}`),
    ...(current?.externalRefs ?? []).map((r) => `r:${refValue(r.system, r.externalId)}`),
  ]);
  next.emails.forEach((e, i) => {
    if (!known.has(`e:${e.address}`)) out.push({ key: erasureKey(tenantId, "email", e.address), kind: "email", path: ["emails", i] });
  });
  next.phones.forEach((p, i) => {
    if (!known.has(`p:${p.number}`)) out.push({ key: erasureKey(tenantId, "phone", p.number), kind: "phone", path: ["phones", i] });
  });
  next.externalRefs.forEach((r, i) => {
    const value = refValue(r.system, r.externalId);
    if (!known.has(`r:${value}`)) out.push({ key: erasureKey(tenantId, "ref", value), kind: "ref", path: ["externalRefs", i] });
  });
  return out;
}

const WHAT: Record<IdentityKey["kind"], string> = {
  email: "This e-mail address belongs to a person whose data was erased",
  phone: "This phone number belongs to a person whose data was erased",
  ref: "This external reference belonged to a person whose data was erased",
};

/** Validation issues for the identifiers among `keys` whose key is in `erased`. */
export function issuesFor(keys: readonly IdentityKey[], erased: ReadonlySet<string>): ValidationIssue[] {
  return keys
    .filter((k) => erased.has(k.key))
    .map((k) => ({ path: [...k.path], message: `${WHAT[k.kind]}; re-admit it with privacy.readmit first`, code: "erased_identity" }));
}

/** Validation issues for the identifiers among `keys` that are erased in the tenant (one query; none without keys). */
export async function erasedIssues(store: TenantStore, keys: readonly IdentityKey[]): Promise<ValidationIssue[]> {
  if (keys.length === 0) return [];
  return issuesFor(keys, await store.privacy.erasedKeys(keys.map((k) => k.key)));
}

/**
 * Refuses a relation write that would bring back an erased identifier (VALIDATION, reason
 * `erased_identity`, one issue per identifier). Only identifiers `current` does not hold already
 * are checked, so an ordinary update costs nothing extra.
 */
export async function assertNotErased(store: TenantStore, next: Identities, current?: Identities): Promise<void> {
  const issues = await erasedIssues(store, identityKeys(store.tenantId, next, current));
  if (issues.length > 0) throw validationError(issues, undefined, "erased_identity");
}
