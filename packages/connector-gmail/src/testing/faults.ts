/**
 * Failures the fake Google server serves instead of a normal answer, in the shapes Google uses:
 * People's google.rpc error (`status` + `details[]`), Gmail's and Calendar's `errors[].reason`.
 */

/** A failure to serve. */
export type GoogleFault =
  /** HTTP 429 in the API's own format (People: RESOURCE_EXHAUSTED). */
  | "429"
  /** HTTP 403 with `errors[0].reason = rateLimitExceeded` (Gmail, Calendar). */
  | "rateLimitExceeded"
  /** HTTP 403 with `errors[0].reason = userRateLimitExceeded` (Gmail, Calendar). */
  | "userRateLimitExceeded"
  /** HTTP 500 backendError. */
  | "500"
  /** HTTP 503 backendError. */
  | "503"
  /** The connection is destroyed without an answer. */
  | "drop"
  /** The request is carried out, then the connection is destroyed before the answer (the change happened; the client cannot know). */
  | "dropAfter";

/** A queued fault. */
export interface FaultSpec {
  readonly fault: GoogleFault;
  /** Only requests whose path matches. Default: every request. */
  readonly path?: RegExp;
  /** Only this HTTP method. */
  readonly method?: string;
  /** How many matching requests it hits. Default 1. */
  readonly times?: number;
  /** Seconds sent as `Retry-After` with a 429, 403 rate limit or 5xx (Google often sends none). Default: no header. */
  readonly retryAfter?: number;
}

/** A fault to serve now, with the `Retry-After` it carries, if any. */
export interface TakenFault {
  readonly fault: GoogleFault;
  readonly retryAfter?: number;
}

/** Queued faults; each request takes the first that matches it. */
export class FaultQueue {
  private readonly queue: { spec: FaultSpec; left: number }[] = [];
  /** Requests answered with a fault so far. */
  served = 0;
  /** A fault on a share of all requests, drawn from `random` (seeded in property tests). */
  chaos: { rate: number; faults: readonly GoogleFault[]; random: () => number } | undefined;

  /** Queues a fault. */
  add(spec: FaultSpec): void {
    this.queue.push({ spec, left: spec.times ?? 1 });
  }

  /** Drops every queued fault and the chaos setting. */
  clear(): void {
    this.queue.length = 0;
    this.chaos = undefined;
  }

  /** Takes the fault for a request, if any. */
  take(method: string, path: string): GoogleFault | undefined {
    return this.takeWithHeaders(method, path)?.fault;
  }

  /** Takes the fault for a request with its `Retry-After`, if any. */
  takeWithHeaders(method: string, path: string): TakenFault | undefined {
    const index = this.queue.findIndex((f) => (!f.spec.method || f.spec.method === method) && (!f.spec.path || f.spec.path.test(path)));
    if (index >= 0) {
      const entry = this.queue[index]!;
      if (--entry.left <= 0) this.queue.splice(index, 1);
      this.served++;
      return { fault: entry.spec.fault, ...(entry.spec.retryAfter !== undefined ? { retryAfter: entry.spec.retryAfter } : {}) };
    }
    const chaos = this.chaos;
    if (chaos && chaos.random() < chaos.rate) {
      this.served++;
      return { fault: chaos.faults[Math.floor(chaos.random() * chaos.faults.length)]! };
    }
    return undefined;
  }
}
