/**
 * The one error type of Kaartenbak. Every failure the SDK reports is a {@link CrmError} whose
 * `code` says what the caller can do about it, so callers branch on data instead of on classes or
 * message text. The original error (a driver error, a zod error) is kept as `cause`.
 *
 * Errors are recognised by a `Symbol.for` brand, not by class identity: an app that ends up with two
 * copies of `@kaartenbak/core` (normal with npm when versions differ) still gets `true` from
 * {@link isCrmError} and `instanceof CrmError` for errors made by the other copy.
 */

/**
 * What went wrong, as a closed union a caller can `switch` over. Each code implies one thing to do:
 * fix the input, reload and retry, give up in this state, try again later, fix the set-up.
 */
export type CrmErrorCode =
  /** Input did not pass validation; `issues` lists every problem with its path. Fix the input. */
  | "VALIDATION"
  /** The entity does not exist in this tenant (or is soft-deleted where that matters). */
  | "NOT_FOUND"
  /** The row's `version` moved on since the caller read it. Reload, re-apply, retry. */
  | "STALE_VERSION"
  /** The command is not allowed in the entity's current state (a refused transition). Retrying will not help. */
  | "INVALID_STATE"
  /** The database or another worker is busy (lock, serialization failure, deadlock, lease). Retry the same command later. */
  | "BUSY"
  /** A command inside `tenant.transaction()` failed, so the whole unit was rolled back; `cause` is that failure. */
  | "ROLLED_BACK"
  /** A uniqueness rule was broken (an external reference, key or code that already exists). */
  | "DUPLICATE"
  /** A referential or structural rule was broken (a link to a missing relation, a cycle in the organisation tree). */
  | "INTEGRITY"
  /** No tenant, an invalid tenant id, or an attempt to reach another tenant's data. */
  | "TENANT"
  /** The SDK is set up wrongly: bad options, a database that was never migrated, a closed adapter. */
  | "CONFIGURATION"
  /** The storage adapter or the SDK cannot do what was asked (a missing capability, a value out of range). */
  | "UNSUPPORTED"
  /** The storage layer failed for a reason that is none of the above (connection lost, disk full). */
  | "STORAGE";

/** Every error code, in the order of {@link CrmErrorCode}. */
export const CRM_ERROR_CODES = [
  "VALIDATION",
  "NOT_FOUND",
  "STALE_VERSION",
  "INVALID_STATE",
  "BUSY",
  "ROLLED_BACK",
  "DUPLICATE",
  "INTEGRITY",
  "TENANT",
  "CONFIGURATION",
  "UNSUPPORTED",
  "STORAGE",
] as const satisfies readonly CrmErrorCode[];

/**
 * The finer-grained reasons each code can carry in `details.reason`. Every reason the SDK sets is
 * listed here, so a `switch` over `error.details.reason` after narrowing the code is exhaustive.
 */
export interface CrmErrorReasons {
  VALIDATION: "invalid_input" | "attribute_model_outdated" | "attribute_model_changed" | "unknown_change" | "erased_identity";
  NOT_FOUND: "not_found";
  STALE_VERSION: "stale_version";
  INVALID_STATE:
    | "invalid_transition"
    | "not_deleted"
    | "not_dynamic"
    | "not_static"
    | "not_launched"
    | "already_launched"
    | "quote_expired"
    | "merge_undone"
    | "changed_since_merge";
  BUSY: "busy" | "serialization_failure" | "deadlock" | "lock_not_available" | "lease_lost" | "external_key_race";
  ROLLED_BACK: "unit_rolled_back";
  DUPLICATE: "unique_violation" | "external_ref_taken" | "code_taken" | "quote_has_order" | "likely_duplicate";
  INTEGRITY:
    | "foreign_key_violation"
    | "check_violation"
    | "not_null_violation"
    | "missing_relation"
    | "missing_deal"
    | "missing_pipeline"
    | "missing_filter"
    | "unknown_lost_reason"
    | "last_stage_of_kind"
    | "missing_stage"
    | "retired_stage"
    | "stage_not_in_pipeline"
    | "cycle"
    | "wrong_kind";
  TENANT: "invalid_tenant_id" | "cross_tenant";
  CONFIGURATION: "invalid_options" | "not_migrated" | "closed" | "migrate_in_transaction" | "foreign_keys_off" | "not_a_tenant_handle";
  UNSUPPORTED: "amount_overflow";
  STORAGE: "driver_error" | "migration_failed" | "rollback_failed";
}

/** The reasons of one code, or of every code when `C` is the whole union. */
export type CrmErrorReason<C extends CrmErrorCode = CrmErrorCode> = CrmErrorReasons[C];

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
export interface CrmErrorDetails<C extends CrmErrorCode = CrmErrorCode> {
  /**
   * For VALIDATION: every problem found, not only the first; for INVALID_STATE `changed_since_merge`:
   * every row that changed; for DUPLICATE `likely_duplicate`: every candidate (path `["candidates", id]`).
   */
  readonly issues?: readonly ValidationIssue[];
  /** The kind of entity concerned, e.g. `relation`. */
  readonly entity?: string;
  /** The id of the entity concerned. */
  readonly id?: string;
  /** For STALE_VERSION: the version the caller expected. */
  readonly expectedVersion?: number;
  /** For STALE_VERSION: the version found in storage, when known. */
  readonly actualVersion?: number;
  /** For DUPLICATE / INTEGRITY raised by the database: the constraint or index name, when known. */
  readonly constraint?: string;
  /** For INVALID_STATE: the state the entity is in. */
  readonly state?: string;
  /** A finer-grained reason; see {@link CrmErrorReasons}. */
  readonly reason?: CrmErrorReason<C>;
  /** True when retrying the same command may succeed: always for BUSY, never for the other codes. */
  readonly retryable?: boolean;
}

/** Options accepted by the {@link CrmError} constructor. */
export interface CrmErrorOptions<C extends CrmErrorCode = CrmErrorCode> extends CrmErrorDetails<C> {
  /** The underlying error, kept for debugging. */
  readonly cause?: unknown;
}

/** The brand every {@link CrmError} carries, shared by every copy of this package in a process. */
const CRM_ERROR = Symbol.for("kaartenbak.CrmError");

function hasBrand(value: unknown, brand: symbol): boolean {
  return typeof value === "object" && value !== null && (value as Record<symbol, unknown>)[brand] === true;
}

/**
 * The error thrown by every Kaartenbak API.
 *
 * @example
 * try {
 *   await acme.relations.update(id, { name: "Acme Holding" }, { expectedVersion: 3 });
 * } catch (e) {
 *   if (isCrmError(e, "STALE_VERSION")) console.log("changed by someone else; reload and retry");
 *   else throw e;
 * }
 */
export class CrmError<C extends CrmErrorCode = CrmErrorCode> extends Error {
  /** What kind of failure this is. */
  readonly code: C;
  /** Every validation problem (always an array; empty unless `code` is VALIDATION). */
  readonly issues: readonly ValidationIssue[];
  /** Code-specific details (entity, id, versions, constraint, reason). */
  readonly details: CrmErrorDetails<C>;
  /** True when retrying the same command may succeed (the code is BUSY). */
  readonly retryable: boolean;

  /** Creates an error; prefer the helpers in `@kaartenbak/core/storage` for the common cases. */
  constructor(code: C, message: string, options: CrmErrorOptions<C> = {}) {
    const { cause, ...details } = options;
    super(message, cause === undefined ? undefined : { cause });
    this.name = "CrmError";
    this.code = code;
    this.issues = details.issues ?? [];
    this.retryable = code === "BUSY";
    this.details = { ...details, retryable: this.retryable };
    Object.defineProperty(this, CRM_ERROR, { value: true });
  }

  /** `instanceof CrmError` is true for errors made by any copy of this package. */
  static override [Symbol.hasInstance](value: unknown): boolean {
    return hasBrand(value, CRM_ERROR);
  }
}

/** True when `error` is a {@link CrmError} (from any copy of this package), optionally of the given code. */
export function isCrmError<C extends CrmErrorCode = CrmErrorCode>(error: unknown, code?: C): error is CrmError<C> {
  return hasBrand(error, CRM_ERROR) && (code === undefined || (error as CrmError).code === code);
}

/** A VALIDATION error listing every issue; the message names each path so logs are useful on their own. */
export function validationError(
  issues: readonly ValidationIssue[],
  cause?: unknown,
  reason: CrmErrorReason<"VALIDATION"> = "invalid_input",
): CrmError<"VALIDATION"> {
  const summary = issues.map((i) => `${i.path.length ? i.path.join(".") : "(input)"}: ${i.message}`).join("; ");
  return new CrmError("VALIDATION", `Invalid input: ${summary}`, { issues, cause, reason });
}

/** A NOT_FOUND error for an entity id. */
export function notFound(entity: string, id: string): CrmError<"NOT_FOUND"> {
  return new CrmError("NOT_FOUND", `${entity} ${id} not found`, { entity, id, reason: "not_found" });
}

/** A STALE_VERSION error for an optimistic-concurrency write that found another version. */
export function staleVersion(entity: string, id: string, expectedVersion: number, actualVersion?: number): CrmError<"STALE_VERSION"> {
  const found = actualVersion === undefined ? "" : `, found ${actualVersion}`;
  return new CrmError("STALE_VERSION", `${entity} ${id} changed since version ${expectedVersion}${found}; reload it and try again`, {
    entity,
    id,
    expectedVersion,
    ...(actualVersion === undefined ? {} : { actualVersion }),
    reason: "stale_version",
  });
}

/** An INVALID_STATE error: the command is refused in the entity's current state. */
export function invalidState(entity: string, id: string, state: string, reason: CrmErrorReason<"INVALID_STATE">, message: string): CrmError<"INVALID_STATE"> {
  return new CrmError("INVALID_STATE", message, { entity, id, state, reason });
}

/** A CONFIGURATION error: the SDK was set up wrongly (the message says how to fix it). */
export function configurationError(message: string, reason: CrmErrorReason<"CONFIGURATION"> = "invalid_options", cause?: unknown): CrmError<"CONFIGURATION"> {
  return new CrmError("CONFIGURATION", message, { reason, cause });
}
