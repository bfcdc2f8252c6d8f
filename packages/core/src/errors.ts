/**
 * The one error type of Kaartenbak. Every failure the SDK reports is a {@link CrmError} whose
 * `code` says what kind of failure it is, so callers can branch on data instead of on classes
 * or message text. The original error (a driver error, a zod error) is kept as `cause`.
 */

/** What went wrong, as a closed union a caller can `switch` over. */
export type CrmErrorCode =
  /** Input did not pass validation; `issues` lists every problem with its path. */
  | "VALIDATION"
  /** The entity does not exist in this tenant (or is soft-deleted where that matters). */
  | "NOT_FOUND"
  /** A stale write: the row's `version` moved on, or the database reported a serialization failure or deadlock. */
  | "CONFLICT"
  /** A uniqueness rule was broken (an external reference or key that already exists). */
  | "DUPLICATE"
  /** A referential or structural rule was broken (a link to a missing relation, a cycle in the organisation tree). */
  | "INTEGRITY"
  /** No tenant, an invalid tenant id, or an attempt to reach another tenant's data. */
  | "TENANT"
  /** The storage adapter cannot do what was asked (a missing capability). */
  | "UNSUPPORTED"
  /** The storage layer failed for a reason that is none of the above (connection lost, disk full). */
  | "STORAGE";

/** One problem found while validating input. */
export interface ValidationIssue {
  /** Where in the input the problem is, e.g. `["emails", 1, "address"]`. Empty for the whole input. */
  readonly path: ReadonlyArray<string | number>;
  /** A human-readable description of the problem. */
  readonly message: string;
  /** A machine-readable kind of problem (zod's issue code, or a Kaartenbak code such as `invalid_phone`). */
  readonly code: string;
}

/** Extra, code-specific facts an error carries. All optional; present where they are known. */
export interface CrmErrorDetails {
  /** For VALIDATION: every problem found, not only the first. */
  readonly issues?: readonly ValidationIssue[];
  /** The kind of entity concerned, e.g. `relation`. */
  readonly entity?: string;
  /** The id of the entity concerned. */
  readonly id?: string;
  /** For CONFLICT: the version the caller expected. */
  readonly expectedVersion?: number;
  /** For CONFLICT: the version found in storage, when known. */
  readonly actualVersion?: number;
  /** For DUPLICATE / INTEGRITY raised by the database: the constraint or index name, when known. */
  readonly constraint?: string;
  /** A finer-grained reason, e.g. `serialization_failure`, `deadlock`, `cycle`, `unique_violation`. */
  readonly reason?: string;
  /** True when simply retrying the same command may succeed (serialization failures, deadlocks). */
  readonly retryable?: boolean;
}

/** Options accepted by the {@link CrmError} constructor. */
export interface CrmErrorOptions extends CrmErrorDetails {
  /** The underlying error, kept for debugging. */
  readonly cause?: unknown;
}

/**
 * The error thrown by every Kaartenbak API.
 *
 * @example
 * try { await crm.tenant("acme").relations.update(id, { expectedVersion: 3, set: { name: "X" } }) }
 * catch (e) { if (isCrmError(e, "CONFLICT")) reloadAndRetry() }
 */
export class CrmError extends Error {
  /** What kind of failure this is. */
  readonly code: CrmErrorCode;
  /** Every validation problem (always an array; empty unless `code` is VALIDATION). */
  readonly issues: readonly ValidationIssue[];
  /** Code-specific details (entity, id, versions, constraint, reason). */
  readonly details: CrmErrorDetails;

  /** Creates an error; prefer the helpers in this module for the common cases. */
  constructor(code: CrmErrorCode, message: string, options: CrmErrorOptions = {}) {
    const { cause, ...details } = options;
    super(message, cause === undefined ? undefined : { cause });
    this.name = "CrmError";
    this.code = code;
    this.issues = details.issues ?? [];
    this.details = details;
  }
}

/** True when `error` is a {@link CrmError}, optionally of the given code. */
export function isCrmError(error: unknown, code?: CrmErrorCode): error is CrmError {
  return error instanceof CrmError && (code === undefined || error.code === code);
}

/** A VALIDATION error listing every issue; the message names each path so logs are useful on their own. */
export function validationError(issues: readonly ValidationIssue[], cause?: unknown): CrmError {
  const summary = issues
    .map((i) => `${i.path.length ? i.path.join(".") : "(input)"}: ${i.message}`)
    .join("; ");
  return new CrmError("VALIDATION", `Invalid input: ${summary}`, { issues, cause });
}

/** A NOT_FOUND error for an entity id. */
export function notFound(entity: string, id: string): CrmError {
  return new CrmError("NOT_FOUND", `${entity} ${id} not found`, { entity, id });
}

/** A CONFLICT error for a stale optimistic-concurrency write. */
export function staleVersion(entity: string, id: string, expectedVersion: number, actualVersion?: number): CrmError {
  const found = actualVersion === undefined ? "" : `, found ${actualVersion}`;
  return new CrmError("CONFLICT", `${entity} ${id} changed since version ${expectedVersion}${found}`, {
    entity,
    id,
    expectedVersion,
    ...(actualVersion === undefined ? {} : { actualVersion }),
    reason: "stale_version",
  });
}
