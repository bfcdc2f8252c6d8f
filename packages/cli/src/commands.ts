/**
 * The commands. Each takes its parsed arguments and the open CRM, prints its result (human lines
 * or `--json`) and returns the exit code; errors are turned into exit codes by the program.
 */
import { createWriteStream, readFileSync } from "node:fs";
import { extname, basename } from "node:path";
import cliProgress from "cli-progress";
import type { Crm } from "@kaartenbak/core";
import {
  detectDelimiter,
  detectPreset,
  exportCsv,
  exportVcard,
  exportXlsx,
  importCsv,
  importVcard,
  importXlsx,
  type ImportMapping,
  type ImportProgress,
  type ImportResult,
} from "@kaartenbak/import";
import { mappingOf, PRESETS } from "./mapping-flags.js";
import { EXIT, print, UsageError, type Io } from "./output.js";
import type { GlobalOptions } from "./database.js";

/** Options of `import`. */
export interface ImportFlags {
  readonly preset?: string;
  readonly map: string[];
  readonly dryRun?: boolean;
  readonly allOrNothing?: boolean;
  readonly rejects?: string;
  readonly sheet?: string;
  readonly duplicates?: "report" | "skip";
}

/** Options of `export`. */
export interface ExportFlags {
  readonly preset?: string;
  readonly format?: string;
  readonly segment?: string;
  readonly delimiter?: string;
  readonly countries?: string;
}

type Format = "csv" | "xlsx" | "vcard";
function formatOf(file: string, flag: string | undefined): Format {
  const format = flag ?? { ".xlsx": "xlsx", ".vcf": "vcard", ".vcard": "vcard" }[extname(file).toLowerCase()] ?? "csv";
  if (format !== "csv" && format !== "xlsx" && format !== "vcard")
    throw new UsageError(`Unknown format ${JSON.stringify(format)}: expected csv, xlsx or vcard`);
  return format;
}

/** The preset a CSV's header looks like, else the Kaartenbak layout. */
function guessMapping(file: string): ImportMapping {
  const head = readFileSync(file)
    .subarray(0, 64 * 1024)
    .toString("latin1")
    .replace(/^\u00ef\u00bb\u00bf/, "");
  const line = head.split(/\r?\n/)[0] ?? "";
  const header = line.split(detectDelimiter(line)).map((h) => h.trim().replace(/^"|"$/g, ""));
  return PRESETS[detectPreset(header) ?? "kaartenbak"];
}

/** A progress bar on stderr when it is a terminal and the output is not JSON. */
function progressBar(io: Io, global: GlobalOptions) {
  if (global.json || !io.stderr.isTTY) return { update: (_p: ImportProgress) => {}, stop: () => {} };
  const bar = new cliProgress.SingleBar(
    {
      stream: io.stderr as NodeJS.WriteStream,
      format: "{bar} {value} rows read | {written} written | {invalid} refused",
      hideCursor: true,
      noTTYOutput: false,
    },
    cliProgress.Presets.shades_classic,
  );
  bar.start(0, 0, { written: 0, invalid: 0 });
  return {
    update: (p: ImportProgress) => {
      bar.setTotal(Math.max(p.rowsRead, 1));
      bar.update(p.rowsRead, { written: p.written, invalid: p.invalid });
    },
    stop: () => bar.stop(),
  };
}

/** `import FILE`. Exit 3 when rows were refused (nothing else changes: valid rows are imported unless --all-or-nothing). */
export async function importCommand(crm: Crm, global: GlobalOptions, io: Io, file: string, flags: ImportFlags): Promise<number> {
  const tenant = crm.tenant(global.tenant);
  const format = formatOf(file, undefined);
  const mapping = mappingOf(flags.preset, flags.map) ?? (format === "csv" ? guessMapping(file) : format === "xlsx" ? PRESETS.kaartenbak : undefined);
  const bar = progressBar(io, global);
  const rejects = flags.rejects ? createWriteStream(flags.rejects) : undefined;
  const common = {
    dryRun: flags.dryRun ?? false,
    allOrNothing: flags.allOrNothing ?? false,
    fileName: basename(file),
    onProgress: bar.update,
    ...(rejects ? { rejects } : {}),
    ...(flags.duplicates ? { duplicates: flags.duplicates } : {}),
  };
  let result: ImportResult;
  try {
    if (format === "vcard") result = await importVcard(tenant, { path: file }, { ...common, ...(mapping ? { mapping } : {}) });
    else if (format === "xlsx")
      result = await importXlsx(tenant, { path: file }, { ...common, mapping: mapping!, ...(flags.sheet ? { sheet: flags.sheet } : {}) });
    else result = await importCsv(tenant, { path: file }, { ...common, mapping: mapping! });
  } finally {
    bar.stop();
    if (rejects) await new Promise((resolve) => rejects.end(resolve));
  }
  print(io, global.json, result, () => [
    `${flags.dryRun ? "Dry run (nothing written): would create" : "Created"} ${result.created}, ${flags.dryRun ? "update" : "updated"} ${result.updated}, unchanged ${result.unchanged}, invalid ${result.invalid}, empty ${result.skipped} (${result.rowsRead} rows read)`,
    ...result.problems.slice(0, 100).map((p) => `  row ${p.row}${p.column ? ` ${p.column}` : ""}: ${p.message}`),
    ...(result.problems.length > 100 ? [`  … and ${result.problems.length - 100} more problems`] : []),
  ]);
  return result.invalid > 0 ? EXIT.invalidInput : EXIT.ok;
}

/** `export FILE`. */
export async function exportCommand(crm: Crm, global: GlobalOptions, io: Io, file: string, flags: ExportFlags): Promise<number> {
  const tenant = crm.tenant(global.tenant);
  const format = formatOf(file, flags.format);
  const select = flags.segment ? { select: { segmentId: flags.segment } } : {};
  const mapping = mappingOf(flags.preset, []);
  const table = { ...select, ...(mapping ? { mapping } : {}), ...(flags.countries ? { countries: flags.countries } : {}) };
  const result =
    format === "vcard"
      ? await exportVcard(tenant, { path: file }, select)
      : format === "xlsx"
        ? await exportXlsx(tenant, { path: file }, table)
        : await exportCsv(tenant, { path: file }, { ...table, ...(flags.delimiter ? { delimiter: flags.delimiter } : {}) });
  const o = result.omitted;
  print(io, global.json, result, () => [
    `Exported ${result.relations} relations to ${file}`,
    ...(o.emails + o.phones + o.addresses + o.tags > 0
      ? [`  no column for ${o.emails} e-mails, ${o.phones} phones, ${o.addresses} addresses, ${o.tags} tags (use the kaartenbak layout to keep everything)`]
      : []),
  ]);
  return EXIT.ok;
}

/** `dedupe scan`: runs a full duplicate scan, committed batch by batch. */
export async function dedupeScan(crm: Crm, global: GlobalOptions, io: Io): Promise<number> {
  let found = 0;
  let batches = 0;
  for await (const batch of crm.tenant(global.tenant).duplicates.scan()) {
    batches++;
    found += batch.found.length;
  }
  print(io, global.json, { batches, found }, () => [`Duplicate scan done: ${found} likely duplicate pairs found (review them in the CRM)`]);
  return EXIT.ok;
}

/** `report funnel|forecast`. */
export async function reportCommand(
  crm: Crm,
  global: GlobalOptions,
  io: Io,
  kind: string,
  flags: { pipeline?: string; from?: string; to?: string },
): Promise<number> {
  const reports = crm.tenant(global.tenant).reports;
  const period = { ...(flags.from ? { from: flags.from } : {}), ...(flags.to ? { to: flags.to } : {}) };
  if (kind === "funnel") {
    if (!flags.pipeline) throw new UsageError("report funnel needs --pipeline <id>");
    const report = await reports.funnel({ pipelineId: flags.pipeline, ...period });
    print(io, global.json, report, () => JSON.stringify(report, null, 2).split("\n"));
    return EXIT.ok;
  }
  if (kind === "forecast") {
    if (!flags.from || !flags.to) throw new UsageError("report forecast needs --from and --to (yyyy-mm-dd)");
    const report = await reports.forecast({ from: flags.from, to: flags.to, ...(flags.pipeline ? { pipelineId: flags.pipeline } : {}) });
    print(io, global.json, report, () => JSON.stringify(report, null, 2).split("\n"));
    return EXIT.ok;
  }
  throw new UsageError(`Unknown report ${JSON.stringify(kind)}: expected funnel or forecast`);
}

/** `erase RELATION`: GDPR art. 17 erasure. */
export async function eraseCommand(crm: Crm, global: GlobalOptions, io: Io, relationId: string, flags: { note?: string }): Promise<number> {
  const result = await crm.tenant(global.tenant).privacy.erase(relationId, flags.note ? { note: flags.note } : {});
  print(io, global.json, result, () => [`Erased relation ${relationId}`]);
  return EXIT.ok;
}

/** `access-export RELATION`: GDPR art. 15/20, the JSON document to stdout or `--out`. */
export async function accessExportCommand(crm: Crm, global: GlobalOptions, io: Io, relationId: string, flags: { out?: string }): Promise<number> {
  const document = await crm.tenant(global.tenant).privacy.accessExport(relationId);
  const text = `${JSON.stringify(document, null, 2)}\n`;
  if (flags.out) {
    await new Promise<void>((resolve, reject) => createWriteStream(flags.out!).on("error", reject).end(text, resolve));
    print(io, global.json, { written: flags.out }, () => [`Wrote everything held about ${relationId} to ${flags.out}`]);
  } else io.stdout.write(text);
  return EXIT.ok;
}
