/**
 * The storage contract of the sync engine: per-(account, resource) sync state, a per-account
 * lease, and the map from remote items to CRM entities. It is a repository of {@link TenantStore}
 * (`store.sync`), so everything here runs inside the same tenant transaction as the CRM writes of a
 * sync page: a page's changes, its item mappings and its new cursor commit together or not at all.
 *
 * Instants are ISO-8601 UTC strings. Leases compare against an explicit `now` the engine passes,
 * so the store needs no clock of its own and tests can move time.
 */
import type { Instant } from "./model/common.js";

/** Which kind of round a resource is in. Failures do not change it: see `failureCount` and `lastError`. */
export type SyncStage =
  /** Never synced, or reset (e.g. after an expired cursor): the next run starts a full pass. */
  | "new"
  /** A full pass (first sync or resync) is under way; a crash resumes it from its cursor. */
  | "full"
  /** Caught up as of `lastSuccessAt`; the next run pulls the changes since the cursor. */
  | "incremental";

/** The last failure of a resource, without secrets: a reason from the taxonomy and a message. */
export interface SyncFailure {
  /** The error reason, e.g. `RATE_LIMITED`, `AUTH`, or `STORAGE` for a CRM-side failure. */
  readonly reason: string;
  /** A human-readable message (never contains tokens). */
  readonly message: string;
  readonly at: Instant;
}

/** A remote item the engine could not apply, kept so that nothing is dropped silently. */
export interface SkippedItem {
  readonly externalId: string;
  /** Why: `invalid_payload`, `validation`, `no_relation`, `bulk_mail`, ... */
  readonly reason: string;
  readonly message: string;
  readonly at: Instant;
}

/** Totals of the current pass (reset when a full pass starts). */
export interface SyncTotals {
  readonly pages: number;
  readonly items: number;
  readonly created: number;
  readonly updated: number;
  readonly deleted: number;
  readonly unchanged: number;
  readonly skipped: number;
}

/** The sync state of one (account, resource). */
export interface SyncStateRecord {
  readonly account: string;
  readonly resource: string;
  readonly stage: SyncStage;
  /** The connector's opaque cursor (e.g. a Graph delta link); null before the first page. */
  readonly cursor: string | null;
  /** Number of the current or last full pass; items seen in it carry this number. */
  readonly pass: number;
  readonly lastSuccessAt: Instant | null;
  readonly lastAttemptAt: Instant | null;
  readonly lastError: SyncFailure | null;
  /** Consecutive failed runs; reset to 0 by a success. */
  readonly failureCount: number;
  readonly totals: SyncTotals;
  /** The most recent skipped items (at most 50). */
  readonly skipped: readonly SkippedItem[];
  /** Optimistic-concurrency version, 1 on insert. */
  readonly version: number;
  readonly updatedAt: Instant;
}

/** The lease on an account: exactly one runner may work on an account while it holds it. */
export interface SyncLeaseRecord {
  readonly account: string;
  /** An id of the runner, unique per run. */
  readonly holder: string;
  readonly acquiredAt: Instant;
  readonly expiresAt: Instant;
}

/** What a remote item became in the CRM. */
export type SyncEntityType = "relation" | "interaction";

/** One remote item of a resource and the CRM entity it maps to. */
export interface SyncItemRecord {
  readonly account: string;
  readonly resource: string;
  /** The id of the item in the remote system. */
  readonly externalId: string;
  readonly entityType: SyncEntityType;
  readonly entityId: string;
  /** The remote version marker last seen or written (Graph `changeKey`), for pushes and skips. */
  readonly changeKey: string | null;
  /** `created` when sync created the entity, `matched` when it linked an existing one. */
  readonly origin: "created" | "matched";
  /** The full pass that last saw the item; items of older passes are gone remotely. */
  readonly pass: number;
  readonly updatedAt: Instant;
}

/** Sync bookkeeping of one tenant. */
export interface SyncStore {
  /** The state of a resource, or undefined when it never synced. */
  getState(account: string, resource: string): Promise<SyncStateRecord | undefined>;
  /** States of every resource, of one account when given, ordered by account and resource. */
  listStates(account?: string): Promise<SyncStateRecord[]>;
  /**
   * Writes a state. With `expectedVersion` null it inserts and returns false when the row exists;
   * otherwise it replaces the row whose version equals `expectedVersion` and returns false,
   * changing nothing, when the version moved on.
   */
  putState(record: SyncStateRecord, expectedVersion: number | null): Promise<boolean>;
  /**
   * Takes the account's lease for `holder` when it is free, expired at `now`, or already held by
   * `holder` (then it is extended). Returns whether `holder` holds it now. Atomic across processes.
   */
  acquireLease(account: string, holder: string, now: Instant, expiresAt: Instant): Promise<boolean>;
  /** Extends the lease when `holder` still holds it and it has not expired at `now`; false otherwise. */
  renewLease(account: string, holder: string, now: Instant, expiresAt: Instant): Promise<boolean>;
  /** Gives the lease up when `holder` holds it; does nothing otherwise. */
  releaseLease(account: string, holder: string): Promise<void>;
  /** The account's lease row, current or expired. */
  getLease(account: string): Promise<SyncLeaseRecord | undefined>;
  /** One item by its remote id. */
  getItem(account: string, resource: string, externalId: string): Promise<SyncItemRecord | undefined>;
  /** The items among `externalIds` of one resource that exist (a page's look-up in one statement). */
  getItems(account: string, resource: string, externalIds: readonly string[]): Promise<SyncItemRecord[]>;
  /** Every item (of any account and resource) that maps to an entity. */
  findItemsByEntity(entityType: SyncEntityType, entityId: string): Promise<SyncItemRecord[]>;
  /** Every item (of any account and resource) that maps to one of these entities. */
  findItemsByEntities(entityType: SyncEntityType, entityIds: readonly string[]): Promise<SyncItemRecord[]>;
  /** Inserts or replaces an item. */
  putItem(item: SyncItemRecord): Promise<void>;
  /** Inserts or replaces items (all of one tenant), in a few multi-row statements. */
  putItems(items: readonly SyncItemRecord[]): Promise<void>;
  /** Removes an item; nothing when it is absent. */
  deleteItem(account: string, resource: string, externalId: string): Promise<void>;
  /** Items of a resource last seen in a pass before `pass`, by external id, at most `limit`. */
  listItemsBefore(account: string, resource: string, pass: number, limit: number): Promise<SyncItemRecord[]>;
  /** The number of items of a resource. */
  countItems(account: string, resource: string): Promise<number>;
}
