/**
 * Google failures → the sync error taxonomy. Only the status, the documented error reasons
 * (`details[].reason` of People's google.rpc errors, `errors[].reason` of Gmail and Calendar) and
 * Google's message are kept: never the GaxiosError itself, whose `config` holds the request
 * headers and so the access token.
 */
import { SyncError } from "@kaartenbak/core/sync";

/** Reasons Google sends when a caller is throttled (403 or 429). */
const RATE_REASONS = new Set(["rateLimitExceeded", "userRateLimitExceeded", "RATE_LIMIT_EXCEEDED", "RESOURCE_EXHAUSTED", "quotaExceeded"]);

/** What the connector reads of a failed Google call. */
export interface GoogleFailure {
  readonly status: number | undefined;
  /** The google.rpc status (`FAILED_PRECONDITION`, ...), when the body has one. */
  readonly rpcStatus: string | undefined;
  readonly reasons: readonly string[];
  readonly message: string;
  readonly retryAfterMs: number | undefined;
}

/** Milliseconds from a Retry-After header (seconds or an HTTP date). */
export function retryAfterMs(value: string | null | undefined): number | undefined {
  if (!value) return undefined;
  const seconds = Number(value);
  if (Number.isFinite(seconds)) return Math.max(0, Math.round(seconds * 1000));
  const at = Date.parse(value);
  return Number.isNaN(at) ? undefined : Math.max(0, at - Date.now());
}

const o = (v: unknown): Record<string, unknown> => (v !== null && typeof v === "object" ? (v as Record<string, unknown>) : {});

/** Reads the facts of anything a `@googleapis/*` client threw. */
export function googleFailure(error: unknown): GoogleFailure {
  const e = o(error);
  const response = o(e.response);
  const status = typeof e.status === "number" ? e.status : typeof response.status === "number" ? response.status : undefined;
  const body = o(o(response.data).error);
  const reasons = [
    ...(Array.isArray(body.details) ? body.details.map((d) => o(d).reason) : []),
    ...(Array.isArray(body.errors) ? body.errors.map((d) => o(d).reason) : []),
  ].filter((r): r is string => typeof r === "string");
  const headers = response.headers as { get?: (name: string) => string | null } | Record<string, string> | undefined;
  const retryAfter = typeof headers?.get === "function" ? headers.get("retry-after") : (headers as Record<string, string> | undefined)?.["retry-after"];
  const message = typeof body.message === "string" ? body.message : status === undefined && typeof e.code === "string" ? e.code : "";
  return {
    status,
    rpcStatus: typeof body.status === "string" ? body.status : undefined,
    reasons,
    message: message.slice(0, 300),
    retryAfterMs: retryAfterMs(retryAfter as string | undefined),
  };
}

/** Maps a Google failure to a {@link SyncError}; `what` names the call for the message. */
export function toSyncError(error: unknown, what: string): SyncError {
  if (error instanceof SyncError) return error;
  const f = googleFailure(error);
  const message = `Google ${what} failed: ${f.status ?? "no response"}${f.reasons.length ? ` ${f.reasons.join(",")}` : ""}${f.message ? `: ${f.message}` : ""}`;
  const options = { ...(f.status ? { status: f.status } : {}), ...(f.retryAfterMs !== undefined ? { retryAfterMs: f.retryAfterMs } : {}) };
  const status = f.status;
  if (status === undefined) return new SyncError("TRANSIENT", message, options);
  if (f.reasons.includes("EXPIRED_SYNC_TOKEN") || f.reasons.includes("fullSyncRequired") || status === 410)
    return new SyncError("CURSOR_EXPIRED", message, options);
  if (status === 401) return new SyncError("AUTH", message, options);
  if (status === 429 || ((status === 403 || status === 400) && f.reasons.some((r) => RATE_REASONS.has(r))))
    return new SyncError("RATE_LIMITED", message, options);
  if (status === 403) return new SyncError("PERMISSION", message, options);
  if (status === 404) return new SyncError("NOT_FOUND", message, options);
  if (status === 412 || status === 409 || (status === 400 && (f.rpcStatus === "FAILED_PRECONDITION" || f.reasons.includes("failedPrecondition")))) {
    return new SyncError("CONFLICT", message, options);
  }
  if (status >= 500 || status === 408) return new SyncError("TRANSIENT", message, options);
  return new SyncError("INVALID", message, options);
}
