/**
 * The merge seam of the storage contract. Core decides what a merge does to the two relations
 * (which e-mails, phones, addresses and attributes the survivor ends up with); the adapter knows
 * which of its tables refer to a relation and moves those references, and can read and write back
 * every such row exactly, so a merge can be undone row for row.
 */
import type { Instant } from "./model/common.js";
import type { Merge, MergeSummary } from "./model/merge.js";

/** A stored row as the adapter reads it, with JSON-safe values (instants as ISO text, JSON columns as JSON text). */
export type StoredRow = Readonly<Record<string, string | number | null>>;

/** One row of a table a merge may touch, with its primary key (without `tenant_id`). */
export interface CapturedRow {
  readonly table: string;
  readonly key: Readonly<Record<string, string | number>>;
  readonly row: StoredRow;
}

/**
 * One row a merge changed: as it was before (null when the merge created it) and after (null
 * when the merge removed it). Undo writes `before` back wherever `after` is still in place.
 */
export interface RowChange {
  readonly table: string;
  readonly before: CapturedRow["key"] | null;
  readonly beforeRow: StoredRow | null;
  readonly after: CapturedRow["key"] | null;
  readonly afterRow: StoredRow | null;
}

/** A merge as stored: who merged which relation into which, and every row it changed. */
export interface MergeRecord extends Omit<Merge, keyof MergeSummary> {
  readonly summary: MergeSummary;
  readonly changes: readonly RowChange[];
}

/** Rows moved to the survivor and rows dropped (the survivor already had the same one), per table. */
export type RepointCounts = Readonly<Record<string, { readonly moved: number; readonly dropped: number }>>;

/** Merges of one tenant (see `tenant.relations.merge`). */
export interface MergeStore {
  /**
   * Every row, in every table a merge touches, that refers to one of the relations (their own
   * `kb_relations` rows included), read inside the caller's transaction.
   */
  capture(relationIds: readonly string[]): Promise<CapturedRow[]>;
  /**
   * Points every reference to `from` outside the relation's own rows (links, contact moments and
   * their participants, deals and deal contacts, quotes, orders, activities, segment and campaign
   * memberships, consent and suppression ledgers, field confirmations, sync mappings) at `to`. A
   * row that would then duplicate one `to` already has (same key) is dropped instead; a link
   * between the two relations is dropped; duplicate blocking keys and review pairs of `from` are
   * removed, except the pair of the two, which becomes `merged`.
   */
  repoint(from: string, to: string, at: Instant): Promise<RepointCounts>;
  /** Writes rows back: removes what the merge created, restores what it changed or removed. */
  restore(changes: readonly RowChange[]): Promise<void>;
  insert(record: MergeRecord): Promise<void>;
  get(id: string): Promise<MergeRecord | undefined>;
  /** Marks an applied merge undone; false when it was not applied. */
  markUndone(id: string, at: Instant): Promise<boolean>;
  /** The relation an applied merge moved `loserId` into, if any. */
  survivorOf(loserId: string): Promise<string | undefined>;
  /** Merges with the relation as survivor or loser, newest first (without their row changes). */
  listFor(relationId: string): Promise<Omit<MergeRecord, "changes">[]>;
}
