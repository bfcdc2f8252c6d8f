/** A failure the fake serves instead of a normal answer. */
export interface FaultSpec {
  /** HTTP status to answer with (429, 500, 503, 504, 401, ...). Ignored when `drop` is set. */
  readonly status?: number;
  /** Retry-After in seconds for 429/503 (decimals allowed). Default 0, so tests stay fast. */
  readonly retryAfter?: number;
  /** Destroy the connection without answering (a dropped connection). */
  readonly drop?: boolean;
  /** Only requests whose path (after /v1.0) matches. Default: every request. */
  readonly path?: RegExp;
  /** Only this HTTP method. */
  readonly method?: string;
  /** How many matching requests it hits. Default 1. */
  readonly times?: number;
}

/** Queued faults; each request takes the first fault that matches it. */
export class FaultQueue {
  private readonly queue: { spec: FaultSpec; left: number }[] = [];
  /** Requests that were answered with a fault, for assertions. */
  served = 0;

  /** Queues a fault. */
  add(spec: FaultSpec): void {
    this.queue.push({ spec, left: spec.times ?? 1 });
  }

  /** Drops every queued fault. */
  clear(): void {
    this.queue.length = 0;
  }

  /** The number of fault hits still queued. */
  get pending(): number {
    return this.queue.reduce((n, f) => n + f.left, 0);
  }

  /** Takes the fault for a request, if any. */
  take(method: string, path: string): FaultSpec | undefined {
    const index = this.queue.findIndex((f) => (!f.spec.method || f.spec.method === method) && (!f.spec.path || f.spec.path.test(path)));
    if (index < 0) return undefined;
    const fault = this.queue[index]!;
    if (--fault.left <= 0) this.queue.splice(index, 1);
    this.served++;
    return fault.spec;
  }
}
