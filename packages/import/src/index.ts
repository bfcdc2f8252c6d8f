/**
 * @kaartenbak/import — file import and export for Kaartenbak: CSV (comma or semicolon, UTF-8 or
 * Windows-1252, RFC 4180 quoting) through a column mapping, with presets for Outlook and Google
 * Contacts exports, a dry run that writes nothing, and an idempotent, resumable apply through the
 * bulk seam (`tenant.bulk`).
 *
 * @example
 * const result = await importCsv(crm.tenant("acme"), { path: "outlook.csv" }, { mapping: outlookMapping });
 * for (const p of result.problems) console.log(`row ${p.row} ${p.column ?? ""}: ${p.message}`);
 */
export { importCsv } from "./run.js";
export { importXlsx, type XlsxImportOptions } from "./xlsx.js";
export { importVcard, vcardMapping, VCARD_REF_SYSTEM, type VcardImportOptions } from "./vcard.js";
export { VCARD_HEADER, VCARD_SLOTS } from "./vcard-reader.js";
export type { DuplicatePolicy } from "./chunk.js";
export type { CsvImportOptions, ImportCheckpoint, ImportOptions, ImportProgress, ImportResult, ImportTotals } from "./options.js";
export type { AddressPart, ColumnTarget, ImportMapping, LabelColumn, RelationField, ValueFormat } from "./mapping.js";
export type { RowProblem } from "./map-row.js";
export type { ImportEncoding, ImportInput } from "./source.js";
export { detectPreset, googleMapping, GOOGLE_GROUPS, outlookMapping } from "./presets.js";
export { ORGANISATION_REF_SYSTEM } from "./organisations.js";
export { parseBoolean, parseDate, parseDecimal, parseMoney, type DateOrder, type DecimalSeparator, type Parsed } from "./values.js";
/** Country names and codes to ISO 3166-1 alpha-2: core's rule, re-exported for import hosts. */
export { countryCode } from "@kaartenbak/core/sync";
export { exportCsv, exportVcard } from "./export.js";
export { exportXlsx } from "./export-xlsx.js";
export type {
  CsvExportOptions,
  ExportOptions,
  ExportOutput,
  ExportResult,
  TableExportOptions,
  VcardExportOptions,
  XlsxExportOptions,
} from "./export-options.js";
export type { OmittedValues } from "./export-row.js";
export type { ExportSelection } from "./export-source.js";
export { kaartenbakMapping, KAARTENBAK_SLOTS } from "./standard-mapping.js";
export type { VcardVersion } from "./vcard-writer.js";
export { detectDelimiter, type CsvRecord, type TypedValue } from "./csv-reader.js";
