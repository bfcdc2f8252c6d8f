/**
 * The bulk seam of the storage contract: set-based reads and writes for imports. Each method
 * writes exactly the rows the one-by-one repository methods would, in a few multi-row statements,
 * inside the caller's transaction. Core keeps every rule (validation, history, events); these
 * methods only move rows.
 */
import type { HistoryEntry } from "./model/journal.js";
import type { ExternalRef } from "./model/relation.js";
import type { InteractionRecord, LinkRecord, NewOutboxEvent, RelationRecord } from "./storage.js";

/** Batch operations of one tenant, used by `tenant.bulk`. */
export interface BulkStore {
  /** Relations (deleted or not) holding any of these external references; each once. */
  relationsByExternalRefs(refs: readonly ExternalRef[]): Promise<RelationRecord[]>;
  /**
   * Live (not deleted) relations holding any of these normalised e-mail addresses, each once,
   * oldest first (`createdAt`, then id) — the order `findByEmail` answers in.
   */
  liveRelationsByEmails(emails: readonly string[]): Promise<RelationRecord[]>;
  /**
   * For each of these normalised e-mail addresses held by live relations, the holders' ids, oldest
   * relation first (`createdAt`, then id): the lean form of {@link liveRelationsByEmails} for matching
   * participants, which needs no relation's fields.
   */
  relationIdsByEmails(emails: readonly string[]): Promise<Array<{ readonly email: string; readonly relationId: string }>>;
  /** Live relations of `kind` whose name key (`nameKey(name)`) is one of `keys`, oldest first. */
  liveRelationsByNameKeys(kind: RelationRecord["kind"], keys: readonly string[]): Promise<RelationRecord[]>;
  /** Ids among `ids` of relations that exist and are not deleted. */
  liveRelationIds(ids: readonly string[]): Promise<ReadonlySet<string>>;
  /** Inserts new relations with their child rows. Throws DUPLICATE when an external reference is taken. */
  insertRelations(records: readonly RelationRecord[]): Promise<void>;
  /** Interactions (deleted or not) holding any of these external keys, with their child rows. */
  interactionsByExternalKeys(keys: readonly string[]): Promise<InteractionRecord[]>;
  /** Those of `keys` already held by an interaction (deleted or not). */
  takenExternalKeys(keys: readonly string[]): Promise<ReadonlySet<string>>;
  /**
   * Inserts interactions with their relation links, participants and deal links, and returns the ids actually
   * inserted: a record whose external key is already taken is skipped, with its children.
   */
  insertInteractions(records: readonly InteractionRecord[]): Promise<ReadonlySet<string>>;
  /** Every link with one of these relations at either end, oldest first, each once. */
  linksOfRelations(ids: readonly string[]): Promise<LinkRecord[]>;
  /** Inserts links (ends checked by the caller; a missing end still fails as INTEGRITY), refreshing what they change. */
  insertLinks(records: readonly LinkRecord[]): Promise<void>;
  /** Appends history entries. */
  appendHistory(entries: readonly HistoryEntry[]): Promise<void>;
  /**
   * Appends events numbered consecutively after the tenant's last sequence, with one counter
   * update for the whole batch (same gap-free, commit-ordered guarantee as `appendEvent`).
   * Returns the sequence of the first event.
   */
  appendEvents(events: readonly NewOutboxEvent[]): Promise<number>;
}
