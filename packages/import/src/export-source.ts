/**
 * The relations an export writes: every live relation of the tenant, a segment's members or a
 * filter's matches, read a page at a time (bounded memory whatever the tenant's size),
 * each with its current employer when the columns ask for one.
 */
import type { AttributeRegistry, Condition, Filter, Relation, TenantCrm } from "@kaartenbak/core";
import type { Employer } from "./export-row.js";

/** Which relations to export: all of them (default), a segment's members, or a filter's matches. */
export type ExportSelection = { readonly segmentId: string } | { readonly filter: Filter };

/** Relations per page read from storage. */
export const EXPORT_PAGE = 500;

/**
 * The selected relations: organisations first, then households, then persons, each in id order.
 * Organisations lead so that, on import, a person's employer column finds its organisation's own
 * row already imported instead of creating a second organisation of that name.
 */
export async function* selectedRelations<R extends AttributeRegistry>(
  tenant: TenantCrm<R>,
  selection: ExportSelection | undefined,
): AsyncGenerator<Relation<Record<string, unknown>>> {
  const chosen: Condition | undefined = !selection
    ? undefined
    : "segmentId" in selection
      ? { type: "segment", segmentId: selection.segmentId }
      : selection.filter.where;
  for (const kind of ["organisation", "household", "person"] as const) {
    const byKind: Condition = { type: "field", field: "kind", op: "eq", value: kind };
    const filter: Filter = { version: 1, where: chosen ? { type: "and", of: [chosen, byKind] } : byKind };
    let after: string | undefined;
    for (;;) {
      const page = await tenant.segments.query(filter, { limit: EXPORT_PAGE, ...(after === undefined ? {} : { after }) });
      for (const relation of page.items) yield relation as Relation<Record<string, unknown>>;
      if (page.nextCursor === null) break;
      after = page.nextCursor;
    }
  }
}

/**
 * Looks up persons' current employers (the first employment link that holds today, the one with
 * the latest start when there are several), caching organisation names across the export.
 */
export function employerLookup<R extends AttributeRegistry>(tenant: TenantCrm<R>, today: string): (person: Relation<unknown>) => Promise<Employer | undefined> {
  const names = new Map<string, string | undefined>();
  return async (person) => {
    if (person.kind !== "person") return undefined;
    const links = await tenant.links.list(person.id, { activeOn: today });
    const jobs = links.flatMap((l) => (l.kind === "employment" ? [l] : []));
    jobs.sort((a, b) => (b.validFrom ?? "").localeCompare(a.validFrom ?? "") || a.id.localeCompare(b.id));
    const job = jobs[0];
    if (!job) return undefined;
    if (!names.has(job.organisationId)) names.set(job.organisationId, (await tenant.relations.get(job.organisationId))?.name);
    const name = names.get(job.organisationId);
    return name === undefined ? undefined : { name, jobTitle: job.jobTitle };
  };
}
