/**
 * The options and results of an export: where it goes, which relations, and in which columns.
 */
import type { Writable } from "node:stream";
import type { AttributeRegistry } from "@kaartenbak/core";
import type { OmittedValues } from "./export-row.js";
import type { ExportSelection } from "./export-source.js";
import type { ImportMapping } from "./mapping.js";
import type { VcardVersion } from "./vcard-writer.js";

/** Where an export goes: a file (created or replaced), or a stream the caller owns (it is not ended). */
export type ExportOutput = { readonly path: string } | { readonly stream: Writable };

/** Options every export takes. */
export interface ExportOptions {
  /** Which relations; default every live relation of the tenant. */
  readonly select?: ExportSelection;
  /** The CRM's registry (`crm.attributes`): attribute columns, and the default mapping's attribute columns. */
  readonly attributes?: AttributeRegistry;
  /** Called after each page of relations written. */
  readonly onProgress?: (progress: { readonly relations: number }) => void;
  /** The day whose employment links give a person's employer; default today (UTC). */
  readonly asOf?: string;
}

/** Options of a CSV or `.xlsx` export. */
export interface TableExportOptions extends ExportOptions {
  /** The columns; default `kaartenbakMapping` (with the registry's attributes). Presets work too: `outlookMapping`, `googleMapping`. */
  readonly mapping?: ImportMapping;
  /** Countries as ISO codes (default, what the importer reads best) or as names in a language (`"nl"`, `"en"`). */
  readonly countries?: "code" | string;
}

/** Options of a CSV export. */
export interface CsvExportOptions extends TableExportOptions {
  /** Default `,`; `;` is what Excel expects in Dutch and most European locales. */
  readonly delimiter?: string;
  /** Start with a UTF-8 byte-order mark so Excel reads accents right; default true. */
  readonly bom?: boolean;
  /** Prefix formula-like cells with `'`; default true. Turn off only for a consumer that is not a spreadsheet. */
  readonly escapeFormulas?: boolean;
}

/** Options of an `.xlsx` export. */
export interface XlsxExportOptions extends TableExportOptions {
  /** The worksheet's name; default `Relations`. */
  readonly sheet?: string;
}

/** Options of a vCard export. */
export interface VcardExportOptions extends ExportOptions {
  /** Default `3.0`, read by Outlook, Google Contacts and Apple Contacts. */
  readonly version?: VcardVersion;
}

/** What an export wrote. */
export interface ExportResult {
  /** Relations written (rows or cards). */
  readonly relations: number;
  /** Values the mapping had no column for (a fourth e-mail in a three-e-mail layout); always 0 for vCard. */
  readonly omitted: OmittedValues;
}
