/**
 * `.xlsx` import on exceljs's streaming reader (rows are read one at a time, so a large workbook
 * does not have to fit in memory). exceljs is an optional peer dependency: only hosts that import
 * spreadsheets install it. Cells keep their type: numbers, dates and booleans need no parsing.
 */
import { basename } from "node:path";
import type { Readable } from "node:stream";
import { CrmError, type AttributeRegistry, type TenantCrm } from "@kaartenbak/core";
import type { CsvRecord, TypedValue } from "./csv-reader.js";
import { configError } from "./errors.js";
import type { ImportOptions, ImportResult } from "./options.js";
import { checkOptions, runImport } from "./run.js";

/** Options of an `.xlsx` import. */
export interface XlsxImportOptions extends ImportOptions {
  /** The worksheet: its name, or its position from 1. Default: the first. */
  readonly sheet?: string | number;
}

type Row = { readonly number: number; readonly values: unknown };
type SheetReader = AsyncIterable<Row> & { readonly name?: string };
type WorkbookReader = AsyncIterable<SheetReader>;
/** A worksheet being written: rows are committed one at a time, so they leave memory as they are written. */
export interface SheetWriter {
  addRow(values: readonly unknown[]): { commit(): void };
  commit(): Promise<void> | void;
}
type WorkbookWriter = { addWorksheet(name: string): SheetWriter; commit(): Promise<void> };
type ExcelModule = {
  stream: {
    xlsx: {
      WorkbookReader: new (input: string | Readable, options: Record<string, string>) => WorkbookReader;
      WorkbookWriter: new (options: { filename?: string; stream?: NodeJS.WritableStream; useStyles?: boolean; useSharedStrings?: boolean }) => WorkbookWriter;
    };
  };
};

/** exceljs, or CONFIGURATION telling the host to install it. */
export async function loadExcel(): Promise<ExcelModule> {
  try {
    const module = (await import("exceljs")) as unknown as { default?: ExcelModule } & ExcelModule;
    return module.default ?? module;
  } catch (error) {
    throw new CrmError("CONFIGURATION", "Importing .xlsx needs the exceljs package: npm install exceljs", { reason: "invalid_options", cause: error });
  }
}

/** A cell as text and, when the spreadsheet typed it, as that value. */
function cellValue(value: unknown): { text: string; typed?: TypedValue } {
  if (value === null || value === undefined) return { text: "" };
  if (value instanceof Date) return { text: value.toISOString().slice(0, 10), typed: value };
  if (typeof value === "number" || typeof value === "boolean") return { text: String(value), typed: value };
  if (typeof value === "string") return { text: value };
  const v = value as { result?: unknown; richText?: { text: string }[]; text?: unknown; error?: string };
  if ("result" in v) return cellValue(v.result);
  if (Array.isArray(v.richText)) return { text: v.richText.map((r) => r.text).join("") };
  if (v.text !== undefined) return cellValue(v.text);
  if (typeof v.error === "string") return { text: v.error };
  return { text: String(value) };
}

/** exceljs row values are 1-based, with a hole at 0. */
const cellsOf = (row: Row) => (Array.isArray(row.values) ? (row.values as unknown[]).slice(1) : []);

/**
 * Imports relations from a worksheet of an `.xlsx` workbook: the first row is the header, row
 * numbers are the worksheet's. Everything else is as for {@link importCsv} (mapping, dry run,
 * checkpoints, reject file as CSV).
 *
 * @example
 * const result = await importXlsx(crm.tenant("acme"), { path: "klanten.xlsx" }, { mapping, sheet: "Klanten", attributes: crm.attributes });
 */
export async function importXlsx<R extends AttributeRegistry>(
  tenant: TenantCrm<R>,
  input: { readonly path: string } | { readonly stream: Readable },
  options: XlsxImportOptions,
): Promise<ImportResult> {
  checkOptions(options);
  const source = input && "path" in input ? input.path : input && "stream" in input ? input.stream : undefined;
  if (!source) throw configError("input", "Expected { path } or { stream }");
  const fileName = options.fileName ?? ("path" in input ? basename(input.path) : undefined);
  const excel = await loadExcel();
  const reader = new excel.stream.xlsx.WorkbookReader(source, {
    sharedStrings: "cache",
    styles: "cache",
    hyperlinks: "ignore",
    worksheets: "emit",
    entries: "emit",
  });
  const wanted = options.sheet ?? 1;
  let position = 0;
  let sheet: SheetReader | undefined;
  const sheets = reader[Symbol.asyncIterator]();
  for (;;) {
    const next = await sheets.next();
    if (next.done) break;
    position++;
    if (wanted === position || wanted === next.value.name) {
      sheet = next.value;
      break;
    }
    // Rows of a sheet that is passed over must still be drained for the reader to reach the next.
    for await (const _row of next.value) void _row;
  }
  if (!sheet) throw configError("sheet", `The workbook has no worksheet ${JSON.stringify(wanted)}`, "missing_sheet");
  const rows = sheet[Symbol.asyncIterator]();
  const first = await rows.next();
  const seen = new Map<string, number>();
  const header = first.done
    ? []
    : cellsOf(first.value).map((value) => {
        const name = cellValue(value).text.trim();
        const n = (seen.get(name) ?? 0) + 1;
        seen.set(name, n);
        return n === 1 ? name : `${name} (${n})`;
      });
  async function* records(): AsyncGenerator<CsvRecord> {
    for (;;) {
      const next = await rows.next();
      if (next.done) return;
      const fields: Record<string, string> = {};
      const typed: Record<string, TypedValue> = {};
      cellsOf(next.value).forEach((value, i) => {
        const name = header[i] ?? `column ${i + 1}`;
        const cell = cellValue(value);
        Object.defineProperty(fields, name, { value: cell.text, enumerable: true, writable: true, configurable: true });
        if (cell.typed !== undefined) Object.defineProperty(typed, name, { value: cell.typed, enumerable: true, writable: true, configurable: true });
      });
      yield { row: next.value.number, fields, typed };
    }
  }
  return runImport(tenant, { header, records: records(), fileName }, options);
}
