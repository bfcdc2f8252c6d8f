/**
 * The options and results of an import. The checkpoint is plain JSON so a host can keep it
 * anywhere (a job row, a file, a queue message) and hand it back to resume.
 */
import type { Writable } from "node:stream";
import type { AttributeRegistry, BulkOptions } from "@kaartenbak/core";
import type { ImportEncoding } from "./source.js";
import type { ImportMapping } from "./mapping.js";
import type { RowProblem } from "./map-row.js";
import type { DuplicatePolicy } from "./chunk.js";

/** What an import counted; the same shape in progress events, checkpoints and the result. */
export interface ImportTotals {
  /** Data rows read from the file (the header and rows passed over on resume not counted). */
  readonly rowsRead: number;
  /** Empty rows, passed over. */
  readonly skipped: number;
  /** Rows refused (by the import or by core's validation), each reported in `problems`. */
  readonly invalid: number;
  /** Relations created (several rows for one relation make one). */
  readonly created: number;
  /** Relations changed. */
  readonly updated: number;
  /** Relations that matched and already held what the rows say: nothing written. */
  readonly unchanged: number;
  /** Organisations created as employers. */
  readonly organisationsCreated: number;
  /** Employment links created. */
  readonly linksCreated: number;
  /** Employment links whose job title changed. */
  readonly linksUpdated: number;
}

/** A committed position in a file: pass it back as `resumeFrom` to go on after it. */
export interface ImportCheckpoint {
  /** Marks the JSON as an import checkpoint. */
  readonly format: "kaartenbak.import-checkpoint";
  /** The checkpoint format's version; a later package reads this one or refuses it. */
  readonly formatVersion: 1;
  /** Data records consumed (committed, refused or empty), counted from the first after the header. */
  readonly records: number;
  /** SHA-256 over the header and those records: a resume on another or a changed file is refused. */
  readonly digest: string;
  /** What was done up to here. */
  readonly totals: ImportTotals;
}

/** A progress report, after each chunk. */
export interface ImportProgress extends ImportTotals {
  /** Relations written so far: `created + updated`. */
  readonly written: number;
  /** True in a dry run: nothing of this was written. */
  readonly dryRun: boolean;
}

/** Options of an import. */
export interface ImportOptions {
  /** What each column means; see the presets `outlookMapping` and `googleMapping`. */
  readonly mapping: ImportMapping;
  /** The CRM's registry (`crm.attributes`); needed when the mapping has attribute columns. */
  readonly attributes?: AttributeRegistry;
  /** Parse and validate everything, report what would happen, and write nothing. */
  readonly dryRun?: boolean;
  /** Write nothing unless every row is valid: the whole file in one transaction. Default false. */
  readonly allOrNothing?: boolean;
  /** Rows per transaction, 1–5000. Default 500. */
  readonly chunkSize?: number;
  /**
   * The name rows are keyed by when the file has no id column. Defaults to the base name of a
   * `path` input; required for stream and text input without an `externalRef` column. Keep it
   * stable across re-imports of the same data ("contacts (1).csv" would key new rows).
   */
  readonly fileName?: string;
  /** The external-reference system of derived row keys. Default `import`. */
  readonly rowKeySystem?: string;
  /** Called after each committed chunk; resolve it once the checkpoint is stored. */
  readonly onCheckpoint?: (checkpoint: ImportCheckpoint) => void | Promise<void>;
  /** Resume after this checkpoint of an earlier run of the same file. */
  readonly resumeFrom?: ImportCheckpoint;
  /** Called after each chunk (committed, or rolled back in a dry run). */
  readonly onProgress?: (progress: ImportProgress) => void;
  /** Receives the refused rows as CSV: the file's columns plus a `Reason` column. Not ended by the import. */
  readonly rejects?: Writable;
  /**
   * Core's duplicate rules (same e-mail, phone, identifying attribute, or a similar name with a shared
   * postcode, city or company domain) for rows that would create a relation: `report` imports them and
   * lists them in `warnings`; `skip` refuses them (code `possible_duplicate`). Default `ignore`; the
   * check costs several reads per new row.
   */
  readonly duplicates?: DuplicatePolicy;
  /** Who acts, recorded in history and events; default the tenant handle's actor. */
  readonly actor?: BulkOptions["actor"];
  /** Where the changes come from, recorded in history, events and field verification; default `import`. */
  readonly source?: BulkOptions["source"];
}

/** Options of a CSV import. */
export interface CsvImportOptions extends ImportOptions {
  /** The field delimiter; detected from the header line (`,` `;` tab `|`) when omitted. */
  readonly delimiter?: string;
  /** Default `auto`: UTF-8 (with or without BOM) unless the bytes are not valid UTF-8, then Windows-1252. */
  readonly encoding?: ImportEncoding;
}

/** What an import did (or, in a dry run, would do). */
export interface ImportResult extends ImportTotals {
  /** True for a dry run. */
  readonly dryRun: boolean;
  /** False when nothing was written: a dry run, or `allOrNothing` with invalid rows. */
  readonly committed: boolean;
  /** Every problem, by row (as the file shows it, header = 1) and column. */
  readonly problems: readonly RowProblem[];
  /** Imported rows that look like existing relations (with `duplicates: "report"`). */
  readonly warnings: readonly RowProblem[];
  /** The delimiter a CSV file was read with (also the reject file's). */
  readonly delimiter?: string;
  /** The encoding a CSV or vCard file was read in. */
  readonly encoding?: "utf-8" | "windows-1252";
  /** The final checkpoint (also given to `onCheckpoint`); resuming from it reads nothing new. */
  readonly checkpoint: ImportCheckpoint | undefined;
}

/** Totals of nothing. */
export const ZERO: ImportTotals = {
  rowsRead: 0,
  skipped: 0,
  invalid: 0,
  created: 0,
  updated: 0,
  unchanged: 0,
  organisationsCreated: 0,
  linksCreated: 0,
  linksUpdated: 0,
};

/** Adds totals field by field. */
export function addTotals(a: ImportTotals, b: Partial<ImportTotals>): ImportTotals {
  const out: Record<string, number> = { ...a };
  for (const [k, v] of Object.entries(b)) out[k] = (out[k] ?? 0) + (v ?? 0);
  return out as unknown as ImportTotals;
}
