/**
 * The run queue behind the notification handler: targeted sync runs, outside the HTTP response
 * path, coalesced per resource. A resource asked for while a run is on its way (or while another
 * runner holds the account's lease) is run once more afterwards, however many notifications asked:
 * a burst of N notifications costs at most one extra run, not N.
 *
 * A run that answers `busy` (the lease is held, e.g. by the host's poll in another worker) keeps its
 * resources pending and is tried again every `busyRetryMs` until the lease is free, so a
 * notification that arrives during a poll is never lost; after `maxBusyWaitMs` the queue gives up
 * and says so (the next poll picks the changes up anyway).
 */
import type { SyncError, SyncRunOptions, SyncRunReport } from "@kaartenbak/core/sync";
import { toSyncError } from "./errors.js";

/** The part of a core sync engine the queue uses (`createSyncEngine` returns one). */
export interface RunnableEngine {
  /** Runs a sync of the given resources under the account's lease. */
  run(options?: SyncRunOptions): Promise<SyncRunReport>;
}

/** What the queue reports. */
export type RunQueueEvent =
  /** A targeted run ended (`ok` or `failed`; failures are in the engine's states and events too). */
  | { readonly type: "run-finished"; readonly resources: readonly string[]; readonly status: "ok" | "failed" }
  /** The account's lease was held; the resources stay pending and are tried again after `retryInMs`. */
  | { readonly type: "run-busy"; readonly resources: readonly string[]; readonly retryInMs: number }
  /** The lease stayed held longer than `maxBusyWaitMs`; the resources are left to the next poll. */
  | { readonly type: "run-abandoned"; readonly resources: readonly string[] }
  /** A run or a background task failed. Carries no token. */
  | { readonly type: "error"; readonly resource?: string; readonly error: SyncError };

/** Options of {@link RunQueue}. */
export interface RunQueueOptions {
  readonly engine: RunnableEngine;
  readonly emit: (event: RunQueueEvent) => void;
  /** Wait between tries while the lease is held. Default 1000 ms. */
  readonly busyRetryMs?: number;
  /** Give up on a held lease after this long. Default 10 minutes. */
  readonly maxBusyWaitMs?: number;
}

/** Coalescing, lease-aware queue of targeted sync runs. */
export class RunQueue {
  private readonly wanted = new Set<string>();
  private loop: Promise<void> | undefined;
  private readonly tasks = new Set<Promise<void>>();
  private closed = false;
  private wake: (() => void) | undefined;
  private timer: NodeJS.Timeout | undefined;

  constructor(private readonly options: RunQueueOptions) {}

  /** Resources waiting for a run (not yet started). */
  get pending(): readonly string[] {
    return [...this.wanted];
  }

  /** Asks for a run of `resource`; coalesced with every other request until that run starts. */
  request(resource: string): void {
    if (this.closed) return;
    this.wanted.add(resource);
    this.start();
  }

  /** Runs `work` in the background (after the caller returned); `drain()` waits for it. Failures are emitted. */
  task(work: () => Promise<void>): void {
    if (this.closed) return;
    const done: Promise<void> = new Promise<void>((resolve) => setImmediate(resolve))
      .then(work)
      .catch((error: unknown) => this.options.emit({ type: "error", error: toSyncError(error, "notification task") }))
      .finally(() => this.tasks.delete(done));
    this.tasks.add(done);
  }

  /** Resolves when no task is running and no run is pending or running. */
  async drain(): Promise<void> {
    while (this.loop || this.tasks.size > 0) await Promise.all([this.loop, ...this.tasks]);
  }

  /** Stops: pending resources are dropped, a wait for the lease ends. A running run finishes. */
  close(): void {
    this.closed = true;
    this.wanted.clear();
    if (this.timer) clearTimeout(this.timer);
    this.wake?.();
  }

  private start(): void {
    if (this.loop || this.closed) return;
    // Never inside the caller's stack (the HTTP response path): the run starts on the next turn.
    this.loop = new Promise<void>((resolve) => setImmediate(resolve))
      .then(() => this.work())
      .finally(() => {
        this.loop = undefined;
        if (this.wanted.size > 0) this.start();
      });
  }

  private sleep(ms: number): Promise<void> {
    return new Promise<void>((resolve) => {
      this.wake = resolve;
      this.timer = setTimeout(resolve, ms);
    }).finally(() => {
      this.wake = undefined;
      this.timer = undefined;
    });
  }

  private async work(): Promise<void> {
    const retryMs = this.options.busyRetryMs ?? 1000;
    const maxWait = this.options.maxBusyWaitMs ?? 600_000;
    let busySince: number | undefined;
    while (this.wanted.size > 0 && !this.closed) {
      const resources = [...this.wanted];
      this.wanted.clear();
      let report: SyncRunReport;
      try {
        report = await this.options.engine.run({ resources });
      } catch (error) {
        this.options.emit({ type: "error", resource: resources.join(","), error: toSyncError(error, "targeted sync run") });
        continue;
      }
      if (report.status === "busy") {
        for (const r of resources) this.wanted.add(r);
        busySince ??= Date.now();
        if (Date.now() - busySince >= maxWait) {
          const abandoned = [...this.wanted];
          this.wanted.clear();
          this.options.emit({ type: "run-abandoned", resources: abandoned });
          return;
        }
        this.options.emit({ type: "run-busy", resources, retryInMs: retryMs });
        await this.sleep(retryMs);
        continue;
      }
      busySince = undefined;
      this.options.emit({ type: "run-finished", resources, status: report.status });
    }
  }
}
