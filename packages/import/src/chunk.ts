/**
 * One chunk of mapped rows written inside one transaction: employers first, then the relations
 * through the bulk seam (one set-based upsert), then the employment links. Every step is an
 * upsert keyed by an external reference or an existing link, so a chunk applied twice (a crash
 * after commit, before the checkpoint was stored) changes nothing the second time.
 */
import {
  isCrmError,
  type AttributeRegistry,
  type BulkOptions,
  type BulkResult,
  type RelationInput,
  type TenantCrm,
  type ValidationIssue,
} from "@kaartenbak/core";
import { columnOf, type MappedRow, type RowProblem } from "./map-row.js";
import type { ImportTotals } from "./options.js";
import { organisationKey, resolveOrganisations } from "./organisations.js";

/** What applying a chunk did. */
export interface ChunkOutcome {
  readonly totals: Partial<ImportTotals>;
  readonly problems: RowProblem[];
  /** Rows core refused, by row number (for the reject file). */
  readonly refusedRows: ReadonlySet<number>;
  /** Employer ids this chunk resolved, to reuse once it has committed. */
  readonly organisations: ReadonlyMap<string, string>;
  /** Keys of organisations this chunk created. */
  readonly createdOrganisations: readonly string[];
  /** Rows that look like existing relations (with `duplicates: "report"`); they were imported. */
  readonly warnings: RowProblem[];
}

/** What to do with a row that would create a relation looking like an existing one. */
export type DuplicatePolicy = "ignore" | "report" | "skip";

/**
 * Core's duplicate rules for the rows that would create a relation: several reads per such row,
 * so it is opt-in. A row whose input core refuses is left to the upsert to report.
 */
async function lookalikes<R extends AttributeRegistry>(tx: TenantCrm<R>, rows: readonly MappedRow[]): Promise<Map<number, RowProblem>> {
  const found = new Map<number, RowProblem>();
  for (const row of rows) {
    const ref = row.refs[0]!;
    if (await tx.relations.findByExternalRef(ref.system, ref.externalId)) continue;
    const candidates = await tx.duplicates.check(row.input as Parameters<TenantCrm<R>["duplicates"]["check"]>[0]).catch((error: unknown) => {
      if (isCrmError(error, "VALIDATION")) return [];
      throw error;
    });
    const best = candidates[0];
    if (!best) continue;
    const message = `Looks like ${best.relation.kind} ${JSON.stringify(best.relation.name)} (${best.relation.id}): ${best.reasons.join(", ")}`;
    found.set(row.row, { row: row.row, message, code: "possible_duplicate" });
  }
  return found;
}

const employerKey = (name: string) => organisationKey(name) || name.trim().toLowerCase().slice(0, 300);

/** Applies mapped rows in `tx` (an open transaction of the tenant). Throws only what core throws; row problems are returned. */
export async function applyChunk<R extends AttributeRegistry>(
  tx: TenantCrm<R>,
  rows: readonly MappedRow[],
  known: ReadonlyMap<string, string>,
  command: Pick<BulkOptions, "actor" | "source">,
  duplicates: DuplicatePolicy = "ignore",
): Promise<ChunkOutcome> {
  // Organisation rows go first when persons in the chunk name employers: the employer then matches
  // the organisation's own row instead of being created beside it (an export lists both).
  const organisations = rows.filter((row) => row.input.kind === "organisation");
  if (organisations.length > 0 && organisations.length < rows.length && rows.some((row) => row.employer)) {
    const first = await applyRows(tx, organisations, known, command, duplicates);
    const second = await applyRows(
      tx,
      rows.filter((row) => row.input.kind !== "organisation"),
      known,
      command,
      duplicates,
    );
    const keys = new Set([...Object.keys(first.totals), ...Object.keys(second.totals)]) as Set<keyof ImportTotals>;
    const totals: Partial<Record<keyof ImportTotals, number>> = {};
    for (const k of keys) totals[k] = (first.totals[k] ?? 0) + (second.totals[k] ?? 0);
    return {
      totals,
      problems: [...first.problems, ...second.problems].sort((a, b) => a.row - b.row),
      refusedRows: new Set([...first.refusedRows, ...second.refusedRows]),
      organisations: new Map([...first.organisations, ...second.organisations]),
      createdOrganisations: [...first.createdOrganisations, ...second.createdOrganisations],
      warnings: [...first.warnings, ...second.warnings].sort((a, b) => a.row - b.row),
    };
  }
  return applyRows(tx, rows, known, command, duplicates);
}

async function applyRows<R extends AttributeRegistry>(
  tx: TenantCrm<R>,
  rows: readonly MappedRow[],
  known: ReadonlyMap<string, string>,
  command: Pick<BulkOptions, "actor" | "source">,
  duplicates: DuplicatePolicy,
): Promise<ChunkOutcome> {
  const problems: RowProblem[] = [];
  const refused = new Set<number>();
  const refuse = (row: MappedRow, issues: readonly ValidationIssue[], column?: string) => {
    refused.add(row.row);
    for (const issue of issues) {
      const col = column ?? columnOf(row, issue.path);
      problems.push({ row: row.row, ...(col === undefined ? {} : { column: col }), message: issue.message, code: issue.code });
    }
  };

  const names = new Map<string, string>();
  for (const row of rows) if (row.employer) names.set(employerKey(row.employer.name), row.employer.name);
  const orgs = names.size ? await resolveOrganisations(tx, names, known) : { ids: new Map<string, string>(), created: [], problems: new Map() };
  const employed = rows.filter((row) => {
    const issues = row.employer ? orgs.problems.get(employerKey(row.employer.name)) : undefined;
    if (issues) refuse(row, issues, row.employer!.column);
    return !issues;
  });
  const similar = duplicates === "ignore" ? new Map<number, RowProblem>() : await lookalikes(tx, employed);
  const warnings = duplicates === "report" ? [...similar.values()] : [];
  const people = employed.filter((row) => {
    const lookalike = duplicates === "skip" ? similar.get(row.row) : undefined;
    if (lookalike) {
      refused.add(row.row);
      problems.push(lookalike);
    }
    return !lookalike;
  });

  let result: BulkResult = { processed: 0, created: 0, updated: 0, unchanged: 0, rejected: [] };
  if (people.length > 0) {
    const items = people.map((row) => row.input) as RelationInput[];
    result = await tx.bulk.upsertRelations(items as Parameters<TenantCrm<R>["bulk"]["upsertRelations"]>[0], {
      ...command,
      skipInvalid: true,
      chunkSize: Math.min(5000, items.length),
    });
  }
  const rejected = new Set<number>();
  for (const { index, issues } of result.rejected) {
    rejected.add(index);
    refuse(people[index]!, issues);
  }

  let linksCreated = 0;
  let linksUpdated = 0;
  // An organisation created in this chunk has no links but those the chunk makes: no need to list them.
  const fresh = new Set(orgs.created.map((key) => orgs.ids.get(key)));
  const made = new Set<string>();
  for (const [index, row] of people.entries()) {
    if (!row.employer || rejected.has(index)) continue;
    const organisationId = orgs.ids.get(employerKey(row.employer.name));
    const ref = row.refs[0]!;
    const person = await tx.relations.findByExternalRef(ref.system, ref.externalId);
    if (!organisationId || !person) continue;
    const pair = `${person.id}\u0000${organisationId}`;
    const listed = fresh.has(organisationId) && !made.has(pair) ? [] : await tx.links.list(person.id);
    const existing = listed.find((l) => l.kind === "employment" && l.organisationId === organisationId);
    const jobTitle = row.employer.jobTitle;
    if (!existing) {
      await tx.links.create({ kind: "employment", personId: person.id, organisationId, ...(jobTitle ? { jobTitle } : {}) }, command);
      made.add(pair);
      linksCreated++;
    } else if (existing.kind === "employment" && jobTitle && existing.jobTitle !== jobTitle) {
      await tx.links.update(existing.id, { jobTitle }, { ...command, expectedVersion: existing.version });
      linksUpdated++;
    }
  }

  return {
    totals: {
      invalid: refused.size,
      created: result.created,
      updated: result.updated,
      unchanged: result.unchanged,
      organisationsCreated: orgs.created.length,
      linksCreated,
      linksUpdated,
    },
    problems,
    refusedRows: refused,
    organisations: orgs.ids,
    createdOrganisations: orgs.created,
    warnings,
  };
}
