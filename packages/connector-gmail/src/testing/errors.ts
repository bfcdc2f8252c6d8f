/** Error bodies in Google's two documented formats. */

/** An answer with a non-2xx status. */
export class GoogleHttpError extends Error {
  constructor(
    readonly status: number,
    readonly body: unknown,
  ) {
    super(`HTTP ${status}`);
  }
}

const STATUS_NAMES: Record<number, string> = {
  400: "INVALID_ARGUMENT",
  401: "UNAUTHENTICATED",
  403: "PERMISSION_DENIED",
  404: "NOT_FOUND",
  410: "GONE",
  429: "RESOURCE_EXHAUSTED",
  500: "INTERNAL",
  503: "UNAVAILABLE",
};

/** The google.rpc format People uses: `{ error: { code, message, status, details[] } }`. */
export function rpcError(code: number, message: string, options: { status?: string; reason?: string; domain?: string } = {}): GoogleHttpError {
  const details = options.reason
    ? [{ "@type": "type.googleapis.com/google.rpc.ErrorInfo", reason: options.reason, domain: options.domain ?? "people.googleapis.com" }]
    : [];
  return new GoogleHttpError(code, {
    error: { code, message, status: options.status ?? STATUS_NAMES[code] ?? "UNKNOWN", ...(details.length ? { details } : {}) },
  });
}

/** The format Gmail and Calendar use: `{ error: { code, message, errors: [{ domain, reason, message }], status? } }`. */
export function legacyError(code: number, reason: string, message: string, domain = "global"): GoogleHttpError {
  return new GoogleHttpError(code, {
    error: { code, message, errors: [{ domain, reason, message }], ...(STATUS_NAMES[code] ? { status: STATUS_NAMES[code] } : {}) },
  });
}
