import os from "node:os";
import { floorRatio, meets, ratio, type Figure } from "./measure.js";

/** What the report header says about the run. */
export interface RunInfo {
  readonly scaleFactor: number;
  readonly scale: { relations: number; interactions: number; deals: number };
  readonly reps: number;
  readonly engines: readonly string[];
  readonly startedAt: string;
  readonly seconds: number;
}

const fmt = (n: number) => (n >= 100 ? Math.round(n).toLocaleString("en") : n.toFixed(1));

/** The results as a Markdown table, SDK vs raw per workload and engine. */
export function table(figures: readonly Figure[]): string {
  const rows = figures.map((f) => {
    const r = ratio(f);
    const ok = meets(f);
    const target = f.target === undefined ? "" : f.kind === "absolute" ? `≤ ${f.target}` : `${f.kind === "throughput" ? "≥" : "≤"} ${f.target}×`;
    const shown = f.kind === "absolute" && f.sdk === 0 ? "0" : fmt(f.sdk);
    const floor = floorRatio(f);
    const floorCells = `${f.floor === undefined ? "–" : fmt(f.floor)} | ${floor === undefined ? "–" : `**${floor.toFixed(2)}×**`}`;
    return `| ${f.engine} | ${f.workload} | ${shown} | ${f.raw === undefined ? "–" : fmt(f.raw)} | ${f.unit} | ${r === undefined ? "–" : `**${r.toFixed(2)}×**`} | ${floorCells} | ${target} ${ok === undefined ? "" : ok ? "met" : "MISSED"} | ${f.note ?? ""} |`;
  });
  return [
    "| engine | workload | SDK | raw driver | unit | SDK/raw | one-query floor | SDK/floor | target | notes |",
    "|---|---|---:|---:|---|---:|---:|---:|---|---|",
    ...rows,
  ].join("\n");
}

/** The full report: machine, versions, scale, and the table. */
export function report(figures: readonly Figure[], info: RunInfo): string {
  const cpu = os.cpus();
  return [
    "# Kaartenbak benchmark results",
    "",
    `Run ${info.startedAt}, ${info.seconds.toFixed(0)} s. Machine: ${cpu[0]?.model ?? "unknown CPU"} × ${cpu.length}, ${(os.totalmem() / 2 ** 30).toFixed(0)} GiB RAM, ${os.type()} ${os.release()}. Node ${process.version}.`,
    `Engines: ${info.engines.join("; ")}.`,
    `Scale ×${info.scaleFactor}: ${info.scale.relations.toLocaleString("en")} relations, ${info.scale.interactions.toLocaleString("en")} interactions. Each figure is the median of ${info.reps} repetitions unless it says "1 run".`,
    "",
    "The SDK and the raw driver do the same work on the same database in the same process: the raw side writes the very rows the SDK writes",
    "(relation, child rows, history entry, outbox event, counter) with prepared statements (better-sqlite3) or `unnest` batches (pg),",
    "and reads answer the same question with the same data. The SDK additionally validates and normalises every input.",
    "For the hot reads (W2, W3) the one-query floor is the single hand-written statement answering the same read (child rows aggregated",
    "as JSON in the same statement, see bench/src/raw-floor.ts); their target holds against the raw side and against that floor.",
    "",
    table(figures),
    "",
  ].join("\n");
}
