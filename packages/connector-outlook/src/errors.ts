/**
 * Graph failures → the sync error taxonomy. Only the status, Graph's error code and its message
 * are kept: never the request (which carries the Authorization header) or the raw error object.
 */
import { SyncError } from "@kaartenbak/core/sync";

interface GraphErrorLike {
  readonly statusCode?: unknown;
  readonly code?: unknown;
  readonly message?: unknown;
  readonly headers?: { get?(name: string): string | null };
}

/** Milliseconds from a Retry-After header: seconds (decimals allowed) or an HTTP date. */
export function retryAfterMs(value: string | null | undefined): number | undefined {
  if (!value) return undefined;
  const seconds = Number(value);
  if (Number.isFinite(seconds)) return Math.max(0, Math.round(seconds * 1000));
  const at = Date.parse(value);
  return Number.isNaN(at) ? undefined : Math.max(0, at - Date.now());
}

/** Maps anything the Graph client threw to a {@link SyncError}; `what` names the call for the message. */
export function toSyncError(error: unknown, what: string): SyncError {
  if (error instanceof SyncError) return error;
  const e = (error ?? {}) as GraphErrorLike;
  const status = typeof e.statusCode === "number" && e.statusCode > 0 ? e.statusCode : undefined;
  const code = typeof e.code === "string" ? e.code : "";
  const detail = typeof e.message === "string" ? e.message.slice(0, 300) : "";
  const retryAfter = retryAfterMs(e.headers?.get?.("Retry-After"));
  const message = `Graph ${what} failed: ${status ?? "no response"}${code ? ` ${code}` : ""}${detail ? `: ${detail}` : ""}`;
  const options = { ...(status ? { status } : {}), ...(retryAfter !== undefined ? { retryAfterMs: retryAfter } : {}) };
  if (status === undefined) return new SyncError("TRANSIENT", message, options);
  if (status === 410 || /syncStateNotFound|resyncRequired|syncStateInvalid/i.test(code)) return new SyncError("CURSOR_EXPIRED", message, options);
  if (status === 401) return new SyncError("AUTH", message, options);
  if (status === 403) return new SyncError("PERMISSION", message, options);
  if (status === 404) return new SyncError("NOT_FOUND", message, options);
  if (status === 409 || status === 412) return new SyncError("CONFLICT", message, options);
  if (status === 429 || (status === 503 && retryAfter !== undefined)) return new SyncError("RATE_LIMITED", message, options);
  if (status >= 500 || status === 408) return new SyncError("TRANSIENT", message, options);
  return new SyncError("INVALID", message, options);
}
