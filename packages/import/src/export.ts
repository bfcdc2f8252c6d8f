/**
 * Export: relations (all, a segment's members or a filter's matches) to CSV, `.xlsx` or vCard,
 * through a column mapping read backwards, so what is exported imports again through the same
 * mapping. Relations are read a page at a time and written as they come: memory stays bounded.
 * CSV cells that a spreadsheet would run as a formula (starting with `=`, `+`, `-`, `@`, a tab or
 * a CR) are prefixed with `'` (OWASP, "CSV injection"); the importer takes that prefix off again.
 */
import { Readable } from "node:stream";
import { stringify } from "csv-stringify";
import type { AttributeRegistry, TenantCrm } from "@kaartenbak/core";
import type { CsvExportOptions, ExportOutput, ExportResult, VcardExportOptions } from "./export-options.js";
import { exportItems, tableRows, writeTo } from "./export-table.js";
import { vcardOf } from "./vcard-writer.js";

/**
 * Exports relations as CSV (RFC 4180, CRLF line ends).
 *
 * @example
 * await exportCsv(crm.tenant("acme"), { path: "relations.csv" }, { attributes: crm.attributes, delimiter: ";" });
 */
export async function exportCsv<R extends AttributeRegistry>(
  tenant: TenantCrm<R>,
  output: ExportOutput,
  options: CsvExportOptions = {},
): Promise<ExportResult> {
  const counter = { n: 0 };
  const omitted = { emails: 0, phones: 0, addresses: 0, tags: 0 };
  const csv = stringify({
    delimiter: options.delimiter ?? ",",
    bom: options.bom ?? true,
    escape_formulas: options.escapeFormulas ?? true,
    record_delimiter: "windows",
  });
  await writeTo(output, Readable.from(tableRows(tenant, options, counter, omitted)), csv);
  return { relations: counter.n, omitted };
}

/**
 * Exports relations as vCards, one after the other in one file.
 *
 * @example
 * await exportVcard(crm.tenant("acme"), { path: "contacts.vcf" }, { select: { segmentId } });
 */
export async function exportVcard<R extends AttributeRegistry>(
  tenant: TenantCrm<R>,
  output: ExportOutput,
  options: VcardExportOptions = {},
): Promise<ExportResult> {
  const counter = { n: 0 };
  async function* cards(): AsyncGenerator<string> {
    for await (const { relation, employer } of exportItems(tenant, options, true, counter)) yield vcardOf(relation, employer, options.version);
  }
  await writeTo(output, Readable.from(cards()));
  return { relations: counter.n, omitted: { emails: 0, phones: 0, addresses: 0, tags: 0 } };
}
