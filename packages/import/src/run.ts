/**
 * The import loop: read records, map them, and write them chunk by chunk, each chunk in one
 * transaction followed by a checkpoint. A dry run runs exactly the same chunks and rolls each one
 * back, so what it reports is what core's own validation and matching would decide.
 */
import { createHash, type Hash } from "node:crypto";
import type { AttributeRegistry, TenantCrm } from "@kaartenbak/core";
import { applyChunk, type ChunkOutcome } from "./chunk.js";
import { readCsv, type CsvRecord } from "./csv-reader.js";
import { configError, invalidOptions } from "./errors.js";
import { mapRecord, type MapContext, type MappedRow, type RowProblem } from "./map-row.js";
import { mappingIssues } from "./mapping.js";
import { addTotals, ZERO, type CsvImportOptions, type ImportCheckpoint, type ImportOptions, type ImportResult, type ImportTotals } from "./options.js";
import { rejectWriter } from "./rejects.js";
import { openText, type ImportInput } from "./source.js";

/** Thrown inside a transaction to roll it back on purpose (dry run, allOrNothing with invalid rows). */
class RollBack extends Error {
  constructor(readonly outcome: unknown) {
    super("rolled back on purpose");
  }
}

/** Known organisation ids are reused across chunks; the cache is bounded, a miss only costs a look-up. */
const MAX_KNOWN_ORGANISATIONS = 10_000;

function checkpointOf(records: number, hash: Hash, totals: ImportTotals): ImportCheckpoint {
  return { format: "kaartenbak.import-checkpoint", formatVersion: 1, records, digest: hash.copy().digest("base64url"), totals };
}

function validCheckpoint(value: unknown): value is ImportCheckpoint {
  const c = value as ImportCheckpoint | null;
  return (
    !!c &&
    c.format === "kaartenbak.import-checkpoint" &&
    c.formatVersion === 1 &&
    Number.isInteger(c.records) &&
    c.records >= 0 &&
    typeof c.digest === "string" &&
    !!c.totals &&
    Object.keys(ZERO).every((k) => Number.isInteger((c.totals as unknown as Record<string, unknown>)[k]))
  );
}

/** A table opened by a reader (CSV, XLSX, vCard): its header, its records and what was detected. */
export interface OpenedTable {
  readonly header: readonly string[];
  readonly records: AsyncIterable<CsvRecord>;
  /** The delimiter of a CSV file; also the reject file's. */
  readonly delimiter?: string;
  readonly encoding?: "utf-8" | "windows-1252";
  readonly fileName: string | undefined;
}

/** Checks the options every reader shares; throws VALIDATION naming the option. */
export function checkOptions(options: ImportOptions): void {
  if (options === null || typeof options !== "object") throw configError("options", "Expected an options object");
  const chunkSize = options.chunkSize ?? 500;
  if (!Number.isInteger(chunkSize) || chunkSize < 1 || chunkSize > 5000) throw configError("chunkSize", "Expected an integer from 1 to 5000", "invalid_limit");
  if (options.resumeFrom !== undefined && !validCheckpoint(options.resumeFrom))
    throw configError("resumeFrom", "Expected a checkpoint given by onCheckpoint", "invalid_checkpoint");
  if (options.duplicates !== undefined && !["ignore", "report", "skip"].includes(options.duplicates)) {
    throw configError("duplicates", 'Expected "ignore", "report" or "skip"');
  }
}

/**
 * Imports relations from a CSV file into a tenant. See the package README for the mapping, the
 * presets, idempotency and resuming.
 *
 * @example
 * const result = await importCsv(crm.tenant("acme"), { path: "contacts.csv" }, { mapping: outlookMapping, dryRun: true });
 * console.log(result.created, result.problems);
 */
export async function importCsv<R extends AttributeRegistry>(tenant: TenantCrm<R>, input: ImportInput, options: CsvImportOptions): Promise<ImportResult> {
  checkOptions(options);
  if (options.delimiter !== undefined && (typeof options.delimiter !== "string" || options.delimiter.length !== 1 || /["\r\n]/.test(options.delimiter))) {
    throw configError("delimiter", "Expected one character other than a quote or a line break");
  }
  const text = await openText(input, options.encoding ?? "auto", options.fileName);
  const table = await readCsv(text.chunks, options.delimiter);
  return runImport(tenant, { ...table, encoding: text.encoding, fileName: text.fileName }, options);
}

/** Maps and writes an opened table: the part every reader shares. Options are checked by the caller. */
export async function runImport<R extends AttributeRegistry>(tenant: TenantCrm<R>, table: OpenedTable, options: ImportOptions): Promise<ImportResult> {
  const chunkSize = options.chunkSize ?? 500;
  const dryRun = options.dryRun === true;
  const command = { source: options.source ?? "import", ...(options.actor === undefined ? {} : { actor: options.actor }) };
  const issues = mappingIssues(options.mapping, table.header, options.attributes);
  if (issues.length > 0) throw invalidOptions(issues);
  const ctx: MapContext = { mapping: options.mapping, registry: options.attributes, fileName: table.fileName, rowKeySystem: options.rowKeySystem ?? "import" };

  const hash = createHash("sha256").update(JSON.stringify(table.header));
  const resume = options.resumeFrom;
  let totals: ImportTotals = resume ? resume.totals : ZERO;
  let consumed = 0;
  const problems: RowProblem[] = [];
  const warnings: RowProblem[] = [];
  const known = new Map<string, string>();
  const rejects = options.rejects ? rejectWriter(options.rejects, table.header, table.delimiter ?? ",") : undefined;
  let checkpoint: ImportCheckpoint | undefined = resume;
  let anyInvalid = false;
  // A dry run rolls every chunk back, so an employer named in two chunks would be "created" twice.
  const wouldCreate = new Set<string>();

  /** Maps and applies one chunk of records in `tx`; returns what to count and report. */
  async function runChunk(tx: TenantCrm<R>, records: CsvRecord[]): Promise<{ outcome: ChunkOutcome; local: RowProblem[]; empty: number }> {
    const mapped: MappedRow[] = [];
    const local: RowProblem[] = [];
    let empty = 0;
    for (const record of records) {
      const result = mapRecord(record, ctx);
      if (result.kind === "empty") empty++;
      else if (result.kind === "invalid") local.push(...result.problems);
      else mapped.push(result.row);
    }
    const outcome = await applyChunk(tx, mapped, known, command, options.duplicates);
    return { outcome, local, empty };
  }

  /** Runs a chunk in its own transaction (or in `outer`), rolled back in a dry run. */
  async function chunk(records: CsvRecord[], outer: TenantCrm<R> | undefined): Promise<void> {
    let done: Awaited<ReturnType<typeof runChunk>>;
    if (outer) done = await runChunk(outer, records);
    else {
      try {
        done = await tenant.transaction(async (tx) => {
          const result = await runChunk(tx, records);
          if (dryRun) throw new RollBack(result);
          return result;
        });
      } catch (error) {
        if (!(error instanceof RollBack)) throw error;
        done = error.outcome as typeof done;
      }
    }
    const { outcome, local, empty } = done;
    const chunkProblems = [...local, ...outcome.problems].sort((a, b) => a.row - b.row);
    problems.push(...chunkProblems);
    warnings.push(...outcome.warnings);
    const invalidRows = new Set([...local.map((p) => p.row), ...outcome.refusedRows]);
    anyInvalid ||= invalidRows.size > 0;
    let organisationsCreated = outcome.totals.organisationsCreated ?? 0;
    if (dryRun) {
      organisationsCreated = outcome.createdOrganisations.filter((key) => !wouldCreate.has(key)).length;
      if (wouldCreate.size < MAX_KNOWN_ORGANISATIONS) for (const key of outcome.createdOrganisations) wouldCreate.add(key);
    }
    totals = addTotals(totals, { ...outcome.totals, organisationsCreated, rowsRead: records.length, skipped: empty, invalid: invalidRows.size });
    if (!dryRun && !outer) {
      if (known.size > MAX_KNOWN_ORGANISATIONS) known.clear();
      for (const [key, id] of outcome.organisations) known.set(key, id);
    }
    if (rejects)
      for (const record of records.filter((r) => invalidRows.has(r.row)))
        await rejects.write(
          record,
          chunkProblems.filter((p) => p.row === record.row),
        );
    options.onProgress?.({ ...totals, written: totals.created + totals.updated, dryRun });
    if (!dryRun && !outer) {
      checkpoint = checkpointOf(consumed, hash, totals);
      await options.onCheckpoint?.(checkpoint);
    }
  }

  async function all(outer: TenantCrm<R> | undefined): Promise<void> {
    if (resume && resume.records === 0 && hash.copy().digest("base64url") !== resume.digest) {
      throw configError("resumeFrom", "The checkpoint belongs to a file with another header", "checkpoint_mismatch");
    }
    let batch: CsvRecord[] = [];
    for await (const record of table.records) {
      hash.update(JSON.stringify([record.row, record.fields]));
      consumed++;
      if (resume && consumed <= resume.records) {
        if (consumed === resume.records && hash.copy().digest("base64url") !== resume.digest) {
          throw configError("resumeFrom", "The checkpoint belongs to another file, or the file changed since it was made", "checkpoint_mismatch");
        }
        continue;
      }
      batch.push(record);
      if (batch.length === chunkSize) {
        await chunk(batch, outer);
        batch = [];
      }
    }
    if (resume && consumed < resume.records) throw configError("resumeFrom", "The file is shorter than the checkpoint says", "checkpoint_mismatch");
    if (batch.length > 0) await chunk(batch, outer);
  }

  let committed = !dryRun;
  try {
    if (options.allOrNothing) {
      try {
        await tenant.transaction(async (tx) => {
          await all(tx);
          if (dryRun || anyInvalid) throw new RollBack(undefined);
        });
      } catch (error) {
        if (!(error instanceof RollBack)) throw error;
        committed = false;
      }
      if (committed) {
        checkpoint = checkpointOf(consumed, hash, totals);
        await options.onCheckpoint?.(checkpoint);
      }
    } else await all(undefined);
  } finally {
    // Rows refused before a failure are in the reject file too.
    await rejects?.close();
  }
  if (!committed) checkpoint = resume;
  return {
    ...totals,
    dryRun,
    committed,
    problems,
    warnings,
    ...(table.delimiter === undefined ? {} : { delimiter: table.delimiter }),
    ...(table.encoding === undefined ? {} : { encoding: table.encoding }),
    checkpoint,
  };
}
