/**
 * Retrying remote calls: RATE_LIMITED waits what the remote asked for (Retry-After), TRANSIENT
 * backs off exponentially with jitter; both within a bounded number of attempts. Anything else
 * fails at once.
 */
import { type SyncError, isSyncError } from "./connector.js";

/** Retry settings. */
export interface RetryOptions {
  /** Attempts in all, the first included. Default 5. */
  readonly maxAttempts: number;
  /** First backoff for TRANSIENT without Retry-After, doubled per attempt. Default 500 ms. */
  readonly baseDelayMs: number;
  /** Longest single wait, also for Retry-After. Default 60 s. */
  readonly maxDelayMs: number;
  /** How to wait; tests pass a recorder. */
  readonly sleep: (ms: number, signal?: AbortSignal) => Promise<void>;
}

/** Waits `ms`, or rejects when `signal` aborts. */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason);
    const timer = setTimeout(() => {
      signal?.removeEventListener("abort", onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal?.reason);
    };
    signal?.addEventListener("abort", onAbort, { once: true });
  });
}

/** Whether a failure may pass by waiting. */
export function isRetryable(error: unknown): error is SyncError {
  return isSyncError(error) && (error.reason === "RATE_LIMITED" || error.reason === "TRANSIENT");
}

/** The wait before attempt `attempt + 1`. */
export function delayFor(error: SyncError, attempt: number, options: RetryOptions): number {
  if (error.retryAfterMs !== undefined) return Math.min(Math.max(0, error.retryAfterMs), options.maxDelayMs);
  const exponential = options.baseDelayMs * 2 ** (attempt - 1);
  return Math.min(options.maxDelayMs, Math.round(exponential * (0.5 + Math.random() / 2)));
}

/** Runs `call`, retrying retryable failures; `onRetry` hears each wait. Rethrows the last error. */
export async function withRetry<T>(
  call: () => Promise<T>,
  options: RetryOptions,
  onRetry: (error: SyncError, attempt: number, waitMs: number) => void,
  signal?: AbortSignal,
): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await call();
    } catch (error) {
      if (!isRetryable(error) || attempt >= options.maxAttempts || signal?.aborted) throw error;
      const waitMs = delayFor(error, attempt, options);
      onRetry(error, attempt, waitMs);
      await options.sleep(waitMs, signal);
    }
  }
}
