import { mkdirSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { scaleOf } from "./data.js";
import { openPostgres, openSqlite, type Engine } from "./engines.js";
import type { Figure } from "./measure.js";
import { report, table } from "./report.js";
import { w1Bulk } from "./workloads/w1-bulk.js";
import { w2w3Reads } from "./workloads/w2-w3-reads.js";
import { w4Segments } from "./workloads/w4-segments.js";
import { w5Reports } from "./workloads/w5-reports.js";
import { w6Sync } from "./workloads/w6-sync.js";
import { w6Google } from "./workloads/w6-google.js";
import { w7Duplicates } from "./workloads/w7-duplicates.js";
import { w8Import } from "./workloads/w8-import.js";
import { w9Search } from "./workloads/w9-search.js";

/** The workloads, by the name their figures start with. */
export const WORKLOADS = ["W1", "W2", "W3", "W4", "W5", "W6", "W6g", "W7", "W8", "W9"] as const;
/** A workload name. */
export type Workload = (typeof WORKLOADS)[number];
const DATA_WORKLOADS: readonly Workload[] = ["W1", "W2", "W3", "W4", "W5", "W9"];

/** Options of a bench run. */
export interface BenchOptions {
  /** 1 = 100k relations, 1M interactions; 0.001 for a smoke run; 10 for the large run. */
  readonly scale: number;
  /** Scale of the W6 sync workload (1 = 10k contacts + 50k messages); defaults to `scale`. */
  readonly syncScale?: number;
  readonly reps: number;
  readonly engines: ReadonlyArray<"sqlite" | "postgres">;
  readonly databaseUrl: string;
  /** Only these workloads (`--only W6,W6g`); all by default. W2–W5 and W9 also run W1, whose data they read. */
  readonly only?: readonly Workload[];
  /** Where to write the Markdown report; nothing is written when absent. */
  readonly out?: string;
  readonly log?: (line: string) => void;
}

/** Runs every workload on every engine and returns the figures. */
export async function runBench(options: BenchOptions): Promise<{ figures: Figure[]; markdown: string }> {
  const log = options.log ?? console.log;
  const scale = scaleOf(options.scale);
  const started = Date.now();
  const figures: Figure[] = [];
  const versions: string[] = [];
  for (const name of options.engines) {
    const engine: Engine = name === "sqlite" ? await openSqlite() : await openPostgres(options.databaseUrl);
    versions.push(engine.version);
    // Each figure is printed as soon as it exists, so a long run shows progress and an interrupted one keeps what it measured.
    const add = (more: Figure[]) => {
      figures.push(...more);
      for (const line of table(more).split("\n").slice(2)) log(line);
    };
    try {
      const wants = (w: Workload) => !options.only || options.only.includes(w);
      // The read, report, search and segment workloads read the data W1 loads.
      if (DATA_WORKLOADS.some(wants)) {
        log(`[${name}] W1 bulk writes …`);
        const { figures: w1, loaded } = await w1Bulk(engine, scale, options.reps);
        if (wants("W1")) add(w1);
        // The reads are planned on the loaded tables' statistics, not on the empty tables'.
        await engine.analyze();
        if (wants("W2") || wants("W3")) {
          log(`[${name}] W2/W3 reads …`);
          add(await w2w3Reads(engine, scale, loaded, options.reps));
        }
        if (wants("W5")) {
          log(`[${name}] W5 reports …`);
          add(await w5Reports(engine, scale, loaded, options.reps));
        }
        if (wants("W9")) {
          log(`[${name}] W9 search …`);
          add(await w9Search(engine, scale, loaded, options.reps));
        }
        if (wants("W4")) {
          log(`[${name}] W4 segments …`);
          add(await w4Segments(engine, loaded, options.reps));
        }
      }
      const syncFactor = options.syncScale ?? options.scale;
      const syncSizes = { contacts: Math.max(20, Math.round(10_000 * syncFactor)), messages: Math.max(50, Math.round(50_000 * syncFactor)) };
      if (wants("W6")) {
        log(`[${name}] W6 sync …`);
        add(await w6Sync(engine, syncSizes));
      }
      if (wants("W6g")) {
        log(`[${name}] W6 Google sync …`);
        add(await w6Google(engine, syncSizes));
      }
      if (wants("W8")) {
        log(`[${name}] W8 CSV import …`);
        add(await w8Import(engine, scale.relations));
      }
      if (wants("W7")) {
        log(`[${name}] W7 duplicate scan …`);
        add(await w7Duplicates(engine, scale.relations));
      }
    } finally {
      await engine.close();
    }
  }
  const markdown = report(figures, {
    scaleFactor: options.scale,
    scale,
    reps: options.reps,
    engines: versions,
    startedAt: new Date(started).toISOString(),
    seconds: (Date.now() - started) / 1000,
  });
  if (options.out) {
    mkdirSync(dirname(options.out), { recursive: true });
    writeFileSync(options.out, markdown);
  }
  return { figures, markdown };
}

function onlyFlag(value: string): Workload[] {
  const names = value.split(",").map((w) => w.trim());
  const unknown = names.filter((w) => !(WORKLOADS as readonly string[]).includes(w));
  if (unknown.length > 0) throw new Error(`--only: unknown workload(s) ${unknown.join(", ")}; expected some of ${WORKLOADS.join(", ")}`);
  return names as Workload[];
}

function flag(name: string): string | undefined {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? process.argv[i + 1] : undefined;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const smoke = process.argv.includes("--smoke");
  const here = dirname(fileURLToPath(import.meta.url));
  const { figures } = await runBench({
    scale: Number(flag("scale") ?? (smoke ? 0.001 : 1)),
    reps: Number(flag("reps") ?? 5),
    ...(flag("sync-scale") ? { syncScale: Number(flag("sync-scale")) } : {}),
    ...(flag("only") ? { only: onlyFlag(flag("only")!) } : {}),
    engines: (flag("engines") ?? "sqlite,postgres").split(",") as Array<"sqlite" | "postgres">,
    databaseUrl: process.env.DATABASE_URL ?? "postgres://postgres@127.0.0.1:5432/test",
    ...(smoke ? {} : { out: flag("out") ?? join(here, "..", "results", "latest.md") }),
  });
  console.log(`\n${table(figures)}`);
}
