/**
 * `.xlsx` export on exceljs's streaming writer: each row is committed as it is made, so a large
 * export does not build the workbook in memory. Every cell is written as a text cell, never as a
 * formula, so a name such as `=HYPERLINK(…)` stays text in Excel without an escape character.
 */
import { PassThrough } from "node:stream";
import { pipeline } from "node:stream/promises";
import type { AttributeRegistry, TenantCrm } from "@kaartenbak/core";
import type { ExportOutput, ExportResult, XlsxExportOptions } from "./export-options.js";
import { tableRows } from "./export-table.js";
import { loadExcel } from "./xlsx.js";

/**
 * Exports relations as a one-sheet `.xlsx` workbook (exceljs must be installed).
 *
 * @example
 * await exportXlsx(crm.tenant("acme"), { path: "relations.xlsx" }, { mapping: outlookMapping });
 */
export async function exportXlsx<R extends AttributeRegistry>(
  tenant: TenantCrm<R>,
  output: ExportOutput,
  options: XlsxExportOptions = {},
): Promise<ExportResult> {
  const excel = await loadExcel();
  // exceljs ends the stream it writes to: a caller's stream gets the bytes through a pass-through.
  const through = "stream" in output ? new PassThrough() : undefined;
  const piped = through && "stream" in output ? pipeline(through, output.stream, { end: false }) : undefined;
  const workbook = new excel.stream.xlsx.WorkbookWriter({
    ...("path" in output ? { filename: output.path } : { stream: through! }),
    useStyles: false,
    useSharedStrings: false,
  });
  const sheet = workbook.addWorksheet(options.sheet ?? "Relations");
  const counter = { n: 0 };
  const omitted = { emails: 0, phones: 0, addresses: 0, tags: 0 };
  for await (const cells of tableRows(tenant, options, counter, omitted)) sheet.addRow(cells).commit();
  await sheet.commit();
  await workbook.commit();
  await piped;
  return { relations: counter.n, omitted };
}
