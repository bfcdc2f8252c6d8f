/**
 * THE connector contract: what the sync engine needs from a remote system (Outlook, Google, ...).
 *
 * A connector knows the remote API and how its items map to CRM drafts; the engine knows the CRM:
 * it applies drafts idempotently, matches people by e-mail, commits each page together with its
 * cursor, retries, reconciles and pushes local changes. A connector never writes to the CRM.
 */
import type { Relation, RelationInput } from "../model/relation.js";
import type { Direction, ParticipantRole } from "../model/interaction.js";

/** Why a remote call failed, as a closed union the engine branches on. */
export type SyncErrorReason =
  /** The token was missing, expired or rejected (HTTP 401). The host must re-authenticate; not retried. */
  | "AUTH"
  /** The account may not do this (HTTP 403, a disabled mailbox). Not retried. */
  | "PERMISSION"
  /** Throttled (HTTP 429, or 503 with Retry-After). Retried after `retryAfterMs`. */
  | "RATE_LIMITED"
  /** The cursor is no longer valid (Graph 410 / syncStateNotFound). The engine starts a full resync. */
  | "CURSOR_EXPIRED"
  /** The item or collection does not exist (HTTP 404). */
  | "NOT_FOUND"
  /** A network failure, a dropped connection or a 5xx. Retried with backoff. */
  | "TRANSIENT"
  /** A write was based on a stale version (HTTP 412): the remote item changed since it was read. */
  | "CONFLICT"
  /** The remote answered with something the connector cannot understand. Not retried. */
  | "INVALID";

/** Options of {@link SyncError}. */
export interface SyncErrorOptions {
  /** How long the remote asked us to wait (Retry-After), in milliseconds. */
  readonly retryAfterMs?: number;
  /** The HTTP status, when there was one. */
  readonly status?: number;
  /** The underlying error. Connectors must make sure it carries no token. */
  readonly cause?: unknown;
}

/** The brand every {@link SyncError} carries, shared by every copy of core in a process. */
const SYNC_ERROR = Symbol.for("kaartenbak.SyncError");

/**
 * The error every connector throws: a {@link SyncErrorReason} plus the facts needed to react.
 * Recognised by a `Symbol.for` brand, so a connector built against another copy of core is still
 * understood by the engine (retry classification, cursor expiry).
 */
export class SyncError extends Error {
  /** What kind of failure this is. */
  readonly reason: SyncErrorReason;
  /** The wait the remote asked for, in milliseconds, when it said so. */
  readonly retryAfterMs: number | undefined;
  /** The HTTP status, when known. */
  readonly status: number | undefined;

  /** Creates a sync error. */
  constructor(reason: SyncErrorReason, message: string, options: SyncErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = "SyncError";
    this.reason = reason;
    this.retryAfterMs = options.retryAfterMs;
    this.status = options.status;
    Object.defineProperty(this, SYNC_ERROR, { value: true });
  }

  /** `instanceof SyncError` is true for errors made by any copy of core. */
  static override [Symbol.hasInstance](value: unknown): boolean {
    return typeof value === "object" && value !== null && (value as Record<symbol, unknown>)[SYNC_ERROR] === true;
  }
}

/** True when `error` is a {@link SyncError}, optionally with the given reason. */
export function isSyncError(error: unknown, reason?: SyncErrorReason): error is SyncError {
  // `instanceof` checks the brand (see Symbol.hasInstance above), not the class identity.
  return error instanceof SyncError && (reason === undefined || error.reason === reason);
}

/** A relation as the remote system describes it; the engine adds the external reference. */
export interface RelationDraft {
  /** The relation fields the remote owns (others stay as the CRM has them). */
  readonly input: RelationInput;
  /** An organisation to link the person to with an employment link (e.g. Outlook's companyName). */
  readonly organisation?: { readonly name: string; readonly jobTitle?: string | null };
}

/** A participant of a remote message or meeting, by address. */
export interface ParticipantDraft {
  readonly role: ParticipantRole;
  /** The e-mail address (any case). */
  readonly address: string;
  readonly name?: string | null;
  /** True for the account's own mailbox: never turned into a relation. */
  readonly own?: boolean;
}

/** A contact moment as the remote system describes it. */
export interface InteractionDraft {
  readonly kind: string;
  readonly direction?: Direction | null;
  readonly channel?: string | null;
  readonly occurredAt: string;
  readonly subject?: string | null;
  readonly body?: string | null;
  readonly outcome?: string | null;
  readonly participants: readonly ParticipantDraft[];
  /** Newsletters and list mail: skipped, never imported and never creating people. */
  readonly bulk?: boolean;
}

/** One remote change in a page. `externalId` is the item's id in the remote resource. */
export type SyncChange =
  /** A contact was created or changed remotely. */
  | { readonly type: "relation"; readonly externalId: string; readonly changeKey?: string | null; readonly relation: RelationDraft }
  /** A message or event was created or changed; `key` identifies it across folders and mailboxes. */
  | { readonly type: "interaction"; readonly externalId: string; readonly key: string; readonly interaction: InteractionDraft }
  /** The item left the resource (deleted, moved away, or out of the window). */
  | { readonly type: "removed"; readonly externalId: string }
  /** The item could not be mapped; the engine records it as skipped with this reason. */
  | { readonly type: "invalid"; readonly externalId: string; readonly reason: string };

/** One page of changes. */
export interface SyncPage {
  readonly changes: readonly SyncChange[];
  /** The cursor to resume from after this page (committed with the page's changes). */
  readonly nextCursor: string;
  /** True on the last page of a round: `nextCursor` then pulls future changes. */
  readonly done: boolean;
}

/** What a resource holds, so the engine knows which entity its items become. */
export interface SyncResource {
  /** Unique within the connector, e.g. `contacts`, `mail:inbox`, `calendar`. */
  readonly id: string;
  readonly entity: "relation" | "interaction";
  /** True when local changes to its relations are pushed back (two-way contacts). */
  readonly writable?: boolean;
}

/** A local change to push to the remote system. */
export type PushChange =
  | { readonly op: "create"; readonly resource: string; readonly relation: Relation }
  | { readonly op: "update"; readonly resource: string; readonly externalId: string; readonly changeKey: string | null; readonly relation: Relation }
  | { readonly op: "delete"; readonly resource: string; readonly externalId: string; readonly changeKey: string | null };

/** The remote item after a push. */
export interface PushResult {
  readonly externalId: string;
  readonly changeKey: string | null;
}

/**
 * A remote system the engine can sync. Implementations map remote failures to {@link SyncError}
 * and must never put an access token into an error, a cursor or a draft.
 */
export interface Connector {
  /** The connector id, e.g. `outlook`; also the external-reference system of its relations. */
  readonly id: string;
  /** The resources to sync, in order (contacts first, so mail can match the people they bring). */
  readonly resources: readonly SyncResource[];
  /**
   * Pulls the next page of `resource` after `cursor` (null: start a full pass from the beginning).
   * Throws SyncError; CURSOR_EXPIRED makes the engine restart with null.
   */
  pull(resource: string, cursor: string | null, signal?: AbortSignal): Promise<SyncPage>;
  /** Pushes a local change of a writable resource. Throws SyncError CONFLICT on a stale `changeKey`. */
  push?(change: PushChange, signal?: AbortSignal): Promise<PushResult>;
  /** Reads one item as it is now (for conflict resolution); undefined when it is gone. */
  fetch?(resource: string, externalId: string, signal?: AbortSignal): Promise<SyncChange | undefined>;
}
