import { validateAttributes } from "../attributes/validate.js";
import type { CrmContext } from "../context.js";
import { CrmError, isCrmError, type ValidationIssue } from "../errors.js";
import { zodIssues } from "../model/common.js";
import type { EmailAddress, ExternalRef, PhoneNumber, Relation } from "../model/relation.js";
import { RELATION_KINDS, type RelationKind } from "../model/relation-kind.js";
import { nameKey } from "../normalise.js";

/** The parsed, not yet merged, content of a create or update call. */
type Parsed = {
  name?: string | undefined;
  givenName?: string | null | undefined;
  familyName?: string | null | undefined;
  lifecycle?: Relation["lifecycle"] | undefined;
  ownerId?: string | null | undefined;
  emails?: Array<{ address: string; label?: string | undefined; primary?: boolean | undefined }> | undefined;
  phones?: Array<{ number: string; label?: string | undefined; primary?: boolean | undefined }> | undefined;
  addresses?: Relation["addresses"] | undefined;
  tags?: string[] | undefined;
  attributes?: Record<string, unknown> | undefined;
  externalRefs?: ExternalRef[] | undefined;
};

/** The fields that make up a relation's state; history diffs are taken over these. */
export const RELATION_FIELDS = [
  "name",
  "givenName",
  "familyName",
  "lifecycle",
  "ownerId",
  "emails",
  "phones",
  "addresses",
  "tags",
  "attributes",
  "externalRefs",
  "deletedAt",
] as const satisfies readonly (keyof Relation)[];

/**
 * Parses create input (when `current` is undefined) or an update patch merged onto `current`,
 * and returns the complete new relation state, or every problem found. Schema problems and
 * attribute-registry problems are collected together so one error names them all.
 */
export function buildRelation(
  ctx: CrmContext,
  input: unknown,
  current: Relation | undefined,
  meta: { id: string; at: string },
): { relation?: Relation; issues: ValidationIssue[] } {
  const schema = current ? ctx.schemas.relation.update : ctx.schemas.relation.create;
  const result = schema.safeParse(input);
  const issues: ValidationIssue[] = result.success ? [] : zodIssues(result.error);
  const rawKind = current?.kind ?? (input as { kind?: unknown } | null)?.kind;
  const kind = RELATION_KINDS.includes(rawKind as RelationKind) ? (rawKind as RelationKind) : undefined;
  const parsed: Parsed = result.success ? (result.data as Parsed) : {};

  // The raw input, not zod's copy: z.record drops a `__proto__` key, which must be reported as unknown.
  const rawAttributes = (input as { attributes?: unknown } | null)?.attributes;
  const attributes = kind ? validateAttributes(ctx.registry, kind, rawAttributes === undefined ? current?.attributes : rawAttributes) : undefined;
  if (attributes) issues.push(...attributes.issues);
  // Rules across fields run on the raw input too, so one error names them alongside schema problems.
  const raw = input !== null && typeof input === "object" ? (input as Record<string, unknown>) : {};
  const rawOr = (key: "givenName" | "familyName") => (raw[key] !== undefined ? raw[key] : current?.[key]);
  if (kind && kind !== "person") {
    for (const key of ["givenName", "familyName"] as const) {
      if (rawOr(key)) issues.push({ path: [key], message: `Only a person has a given or family name, not a ${kind}`, code: "not_applicable" });
    }
  }
  for (const key of ["emails", "phones"] as const) {
    const list = raw[key];
    if (Array.isArray(list) && list.filter((item) => (item as { primary?: unknown } | null)?.primary === true).length > 1) {
      issues.push({ path: [key], message: `At most one of ${key} can be primary`, code: "multiple_primary" });
    }
  }
  // A present but malformed name is zod's to report; here only its absence counts.
  const hasName = raw.name !== undefined || Boolean(current?.name);
  const hasParts = kind === "person" && Boolean(rawOr("givenName") || rawOr("familyName"));
  if (kind && !hasName && !hasParts) {
    issues.push({
      path: ["name"],
      message: kind === "person" ? "A person needs a name, or a given or family name" : `A ${kind} needs a name`,
      code: "required",
    });
  }
  if (!result.success || !kind || !attributes) return { issues };

  const pick = <K extends keyof Parsed>(key: K, fallback: NonNullable<Parsed[K]> | null): Parsed[K] | null =>
    parsed[key] !== undefined ? parsed[key] : current ? (current[key as keyof Relation] as Parsed[K]) : fallback;

  const givenName = kind === "person" ? (pick("givenName", null) ?? null) : null;
  const familyName = kind === "person" ? (pick("familyName", null) ?? null) : null;
  const derived = [givenName, familyName].filter(Boolean).join(" ");
  let name = parsed.name ?? current?.name;
  // A person's name follows its parts unless it was set to something else on purpose.
  if (kind === "person" && parsed.name === undefined && (parsed.givenName !== undefined || parsed.familyName !== undefined)) {
    const before = current ? [current.givenName, current.familyName].filter(Boolean).join(" ") : "";
    if (!current || current.name === before) name = derived || name;
  }
  if (!name && kind === "person" && derived) name = derived;

  const emails = parsed.emails ? withOnePrimary(dedupe(parsed.emails, (e) => e.address)) : (current?.emails ?? []);
  const phones = parsed.phones ? withOnePrimary(dedupe(parsed.phones, (p) => p.number)) : (current?.phones ?? []);
  const tags = parsed.tags ? [...new Set(parsed.tags)].sort() : (current?.tags ?? []);
  const externalRefs = parsed.externalRefs
    ? dedupe(parsed.externalRefs, (r) => `${r.system}\u0000${r.externalId}`).sort((a, b) =>
        a.system === b.system ? cmp(a.externalId, b.externalId) : cmp(a.system, b.system),
      )
    : (current?.externalRefs ?? []);
  if (issues.length > 0) return { issues };

  const relation: Relation = {
    id: meta.id,
    kind,
    // Present: the raw-input check above refused a missing name, and zod an empty one.
    name: name!,
    givenName,
    familyName,
    lifecycle: pick("lifecycle", "prospect") ?? "prospect",
    ownerId: pick("ownerId", null) ?? null,
    emails: emails.map((e) => ({ address: (e as EmailAddress).address, label: e.label ?? null, primary: e.primary === true })),
    phones: phones.map((p) => ({ number: (p as PhoneNumber).number, label: p.label ?? null, primary: p.primary === true })),
    addresses: parsed.addresses ?? current?.addresses ?? [],
    tags,
    attributes: attributes.values,
    attributesVersion: ctx.registry.version,
    externalRefs,
    version: current ? current.version + 1 : 1,
    createdAt: current?.createdAt ?? meta.at,
    updatedAt: meta.at,
    deletedAt: current?.deletedAt ?? null,
  };
  return { relation, issues };
}

/**
 * How many times an upsert (one call, or one chunk of a bulk import) reads again and re-applies
 * its input after another writer of the same reference or relation committed first. Each lost
 * round means another writer committed in between, so only a hot spot runs out of rounds.
 */
export const UPSERT_ROUNDS = 64;

/**
 * What a DUPLICATE from inserting new relations means for the transaction it happened in:
 * - `lost`: the store found an external reference taken (reason `external_ref_taken`) and removed
 *   what the insert had written, without a failed statement: read again in the same transaction.
 * - `failed`: the database refused the statement (`unique_violation`); on Postgres the transaction
 *   is aborted now, so only a fresh transaction can read the winner.
 * Anything else is not an insert conflict (undefined).
 */
export function insertConflict(error: unknown): "lost" | "failed" | undefined {
  if (!isCrmError(error, "DUPLICATE")) return undefined;
  return error.details.reason === "external_ref_taken" ? "lost" : "failed";
}

/**
 * Errors of a lost race that a fresh transaction can settle (see {@link insertConflict}); the
 * services retry these once outside a unit of work.
 */
export const settledByFreshTransaction = new WeakSet<object>();

/** BUSY `external_key_race`: concurrent writers of the same external reference kept winning; retry later. */
export function externalRefRace(what: string, cause?: unknown, fresh = false): CrmError<"BUSY"> {
  const error = new CrmError("BUSY", `${what} could not be written because concurrent writers of the same external reference won; try again`, {
    entity: "relation",
    reason: "external_key_race",
    ...(cause === undefined ? {} : { cause }),
  });
  if (fresh) settledByFreshTransaction.add(error);
  return error;
}

/** The name key stored for prefix search. */
export function relationNameKey(relation: Relation): string {
  return nameKey(relation.name);
}

function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** Keeps the first of each key; a later duplicate's `primary` flag carries over to the kept one. */
function dedupe<T extends object & { primary?: boolean | null | undefined }>(items: readonly T[], key: (item: T) => string): T[] {
  const kept = new Map<string, T>();
  for (const item of items) {
    const k = key(item);
    const existing = kept.get(k);
    if (!existing) kept.set(k, { ...item });
    else if (item.primary) kept.set(k, { ...existing, primary: true } as T);
  }
  return [...kept.values()];
}

/** Marks the first entry primary when none is (more than one primary was already reported as an issue). */
function withOnePrimary<T extends { primary?: boolean | null | undefined }>(items: T[]): T[] {
  const hasPrimary = items.some((i) => i.primary === true);
  return items.map((item, index) => ({ ...item, primary: hasPrimary ? item.primary === true : index === 0 }));
}
