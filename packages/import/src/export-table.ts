/**
 * What the three export formats share: the selected relations with their employers, progress
 * every page, and for CSV and `.xlsx` the rows of cells through the mapping's plan.
 */
import { createWriteStream } from "node:fs";
import type { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import type { AttributeRegistry, Relation, TenantCrm } from "@kaartenbak/core";
import type { ExportOptions, ExportOutput, TableExportOptions } from "./export-options.js";
import { exportPlan, exportRow, type Employer } from "./export-row.js";
import { employerLookup, EXPORT_PAGE, selectedRelations } from "./export-source.js";
import { kaartenbakMapping } from "./standard-mapping.js";

/** One relation and its employer, as every format needs them. */
export interface ExportItem {
  readonly relation: Relation<Record<string, unknown>>;
  readonly employer: Employer | undefined;
}

/** The selected relations, each with its employer when `withEmployer`; counts into `counter`. */
export async function* exportItems<R extends AttributeRegistry>(
  tenant: TenantCrm<R>,
  options: ExportOptions,
  withEmployer: boolean,
  counter: { n: number },
): AsyncGenerator<ExportItem> {
  const employer = withEmployer ? employerLookup(tenant, options.asOf ?? new Date().toISOString().slice(0, 10)) : undefined;
  for await (const relation of selectedRelations(tenant, options.select)) {
    yield { relation, employer: employer ? await employer(relation) : undefined };
    if (++counter.n % EXPORT_PAGE === 0) options.onProgress?.({ relations: counter.n });
  }
  options.onProgress?.({ relations: counter.n });
}

function countryNames(countries: string | undefined): ((code: string) => string) | undefined {
  if (countries === undefined || countries === "code") return undefined;
  const names = new Intl.DisplayNames([countries], { type: "region", fallback: "code" });
  return (code) => names.of(code) ?? code;
}

/** Rows of cells for a table export, header first. */
export async function* tableRows<R extends AttributeRegistry>(
  tenant: TenantCrm<R>,
  options: TableExportOptions,
  counter: { n: number },
  omitted: { emails: number; phones: number; addresses: number; tags: number },
): AsyncGenerator<string[]> {
  const plan = exportPlan(options.mapping ?? kaartenbakMapping(options.attributes));
  const country = countryNames(options.countries);
  yield [...plan.header];
  for await (const { relation, employer } of exportItems(tenant, options, plan.needsEmployer, counter)) {
    const row = exportRow(plan, relation, employer, options.attributes, country);
    omitted.emails += row.omitted.emails;
    omitted.phones += row.omitted.phones;
    omitted.addresses += row.omitted.addresses;
    omitted.tags += row.omitted.tags;
    yield plan.header.map((h) => row.cells[h] ?? "");
  }
}

/** Pipes `source` (through `transforms`) to the output; a caller's stream is not ended. */
export async function writeTo(output: ExportOutput, source: Readable, ...transforms: NodeJS.ReadWriteStream[]): Promise<void> {
  if ("path" in output) await pipeline([source, ...transforms, createWriteStream(output.path)]);
  else await pipeline([source, ...transforms, output.stream], { end: false });
}
