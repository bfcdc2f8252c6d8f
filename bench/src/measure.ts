/** Timing and memory helpers. Wall-clock figures; every reported figure is a median of repetitions. */

/** Median of a non-empty list. */
export function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

/** Runs `fn` and returns its duration in milliseconds. */
export async function time(fn: () => Promise<unknown> | unknown): Promise<number> {
  const start = performance.now();
  await fn();
  return performance.now() - start;
}

/** Samples the resident set size every 20 ms while `fn` runs; returns the peak in MB. */
export async function peakRss(fn: () => Promise<unknown>): Promise<{ ms: number; peakMb: number }> {
  let peak = process.memoryUsage().rss;
  const timer = setInterval(() => {
    peak = Math.max(peak, process.memoryUsage().rss);
  }, 20);
  try {
    const ms = await time(fn);
    peak = Math.max(peak, process.memoryUsage().rss);
    return { ms, peakMb: peak / 1_048_576 };
  } finally {
    clearInterval(timer);
  }
}

/** One row of the results table: the SDK figure, the raw figure, and their ratio. */
export interface Figure {
  readonly engine: string;
  readonly workload: string;
  readonly unit: string;
  readonly sdk: number;
  /** The raw driver's figure; absent where the work has no raw counterpart (sync). */
  readonly raw?: number;
  /**
   * `throughput`: sdk/raw, higher is better (target ≥ 0.7); `latency`: sdk/raw, lower is better
   * (target ≤ 1.3); `absolute`: the SDK figure itself (target: at most `target`).
   */
  readonly kind: "throughput" | "latency" | "absolute";
  /**
   * The one-query floor's figure (throughput only): the single hand-written statement answering
   * the same read. When present, the target holds for SDK/floor as well as for SDK/raw.
   */
  readonly floor?: number;
  readonly target?: number;
  readonly note?: string;
}

/** The ratio the targets speak of: SDK over raw (undefined without a raw figure). */
export const ratio = (f: Figure) => (f.raw === undefined ? undefined : f.sdk / f.raw);

/** SDK over the one-query floor (undefined without a floor figure). */
export const floorRatio = (f: Figure) => (f.floor === undefined ? undefined : f.sdk / f.floor);

/** Whether a figure meets its target (against the raw side, and against the floor where there is one). */
export function meets(f: Figure): boolean | undefined {
  if (f.target === undefined) return undefined;
  if (f.kind === "absolute") return f.sdk <= f.target;
  const r = ratio(f)!;
  if (f.kind === "latency") return r <= f.target;
  const floor = floorRatio(f);
  return r >= f.target && (floor === undefined || floor >= f.target);
}
