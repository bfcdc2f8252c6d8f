/**
 * Employers named in a file: matched to existing organisations, or created. An organisation the
 * import creates carries an external reference keyed by its normalised name, so a re-import (or a
 * resumed one) finds it again even after it was renamed in the CRM; others are matched by name.
 */
import { isCrmError, type AttributeRegistry, type TenantCrm, type ValidationIssue } from "@kaartenbak/core";

/** The external-reference system of organisations an import creates. */
export const ORGANISATION_REF_SYSTEM = "import.organisation";

/** How an organisation name is compared: case, accents, punctuation and spacing ignored. */
export function organisationKey(name: string): string {
  return name
    .normalize("NFKD")
    .replace(/\p{M}/gu, "")
    .toLowerCase()
    .replace(/[^\p{L}\p{N}]+/gu, " ")
    .trim()
    .slice(0, 300);
}

/** What resolving a chunk's employers found. */
export interface ResolvedOrganisations {
  /** Organisation id by key. */
  readonly ids: ReadonlyMap<string, string>;
  /** Keys of organisations created in this chunk (not those restored from deletion). */
  readonly created: readonly string[];
  /** Problems by key (an organisation name core refused). */
  readonly problems: ReadonlyMap<string, readonly ValidationIssue[]>;
}

/**
 * Resolves names inside the chunk's transaction `tx`: the import's own reference first, then an
 * exact (normalised) name match among live organisations, the oldest first; the rest are created
 * through the bulk seam in one call. `known` holds ids resolved by earlier committed chunks.
 */
export async function resolveOrganisations<R extends AttributeRegistry>(
  tx: TenantCrm<R>,
  names: ReadonlyMap<string, string>,
  known: ReadonlyMap<string, string>,
): Promise<ResolvedOrganisations> {
  const ids = new Map<string, string>();
  const missing = new Map<string, string>();
  const restored = new Set<string>();
  for (const [key, name] of names) {
    const cached = known.get(key);
    if (cached) {
      ids.set(key, cached);
      continue;
    }
    const own = await tx.relations.findByExternalRef(ORGANISATION_REF_SYSTEM, key);
    if (own && own.kind === "organisation" && !own.deletedAt) {
      ids.set(key, own.id);
      continue;
    }
    // Deleted since an earlier import made it: the upsert below restores it (with its links), it is not new.
    if (own) restored.add(key);
    // A name with nothing to search by (only punctuation) is refused by search: then there is no match.
    const similar = await tx.relations.search({ namePrefix: name.slice(0, 300), limit: 200 }).catch((error: unknown) => {
      if (isCrmError(error, "VALIDATION")) return [];
      throw error;
    });
    const found = similar
      .filter((r) => r.kind === "organisation" && !r.deletedAt && organisationKey(r.name) === key)
      .sort((a, b) => (a.createdAt < b.createdAt ? -1 : a.createdAt > b.createdAt ? 1 : a.id < b.id ? -1 : 1));
    if (found[0]) ids.set(key, found[0].id);
    else missing.set(key, name);
  }
  const problems = new Map<string, readonly ValidationIssue[]>();
  const created: string[] = [];
  if (missing.size > 0) {
    const entries = [...missing];
    const items = entries.map(([key, name]) => ({ kind: "organisation" as const, name, externalRefs: [{ system: ORGANISATION_REF_SYSTEM, externalId: key }] }));
    const result = await tx.bulk.upsertRelations(items as Parameters<TenantCrm<R>["bulk"]["upsertRelations"]>[0], {
      skipInvalid: true,
      chunkSize: Math.min(5000, items.length),
    });
    for (const { index, issues } of result.rejected) problems.set(entries[index]![0], issues);
    for (const [key] of entries) {
      if (problems.has(key)) continue;
      const org = await tx.relations.findByExternalRef(ORGANISATION_REF_SYSTEM, key);
      if (org) {
        ids.set(key, org.id);
        if (!restored.has(key)) created.push(key);
      }
    }
  }
  return { ids, created, problems };
}
