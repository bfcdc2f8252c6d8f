/**
 * The storage contract of duplicate detection: the blocking-key index a scan builds, the SQL join
 * that turns shared keys into candidate pairs, and the reviewable list of pairs.
 *
 * Why a key table instead of joining the live child tables: the fuzzy rule's keys (name token ×
 * postcode / city / domain) are computed by core's rules and cannot be expressed in SQL both
 * engines share. The scan writes every relation's keys in batches and lets the database find the
 * keys two relations share, so memory stays flat however large the tenant is.
 */
import type { Instant } from "./model/common.js";
import type { Relation } from "./model/relation.js";

/** The review state of a candidate pair. A dismissed pair is never proposed again. */
export type DuplicatePairStatus = "open" | "merged" | "dismissed";

/** A candidate pair as stored. `firstId` sorts before `secondId` (code-point order). */
export interface DuplicatePairRecord {
  readonly firstId: string;
  readonly secondId: string;
  readonly status: DuplicatePairStatus;
  readonly score: number;
  readonly reasons: readonly string[];
  readonly foundAt: Instant;
  readonly updatedAt: Instant;
}

/** A pair of relation ids that share at least one blocking key, `firstId < secondId`. */
export interface CandidateIdPair {
  readonly firstId: string;
  readonly secondId: string;
}

/** Blocking keys, candidate pairs and their review state, for one tenant. */
export interface DuplicateStore {
  /** Removes every blocking key of the tenant (the start of a fresh scan). */
  clearKeys(): Promise<void>;
  /** Replaces the blocking keys of these relations with `keys` (relations left out keep none). */
  writeKeys(relationIds: readonly string[], keys: readonly { readonly relationId: string; readonly key: string }[]): Promise<void>;
  /** Non-deleted relations with an id greater than `after`, by id, at most `limit`. */
  relationsAfter(after: string | undefined, limit: number): Promise<Relation[]>;
  /**
   * Pairs of relations sharing a key held by at most `maxBlock` relations, after `after` in
   * (firstId, secondId) order, each pair once, at most `limit`.
   */
  candidatePairs(after: CandidateIdPair | undefined, limit: number, maxBlock: number): Promise<CandidateIdPair[]>;
  /** Non-deleted relations whose identifying attribute `name` has a value among `values` (string compare, trimmed). */
  findByAttribute(name: string, values: readonly string[]): Promise<Relation[]>;
  /** Inserts new pairs as given; an existing open pair gets the new score and reasons; merged and dismissed pairs stay as they are. */
  upsertPairs(pairs: readonly DuplicatePairRecord[]): Promise<void>;
  /** One pair. */
  getPair(firstId: string, secondId: string): Promise<DuplicatePairRecord | undefined>;
  /** Sets a pair's status; false when the pair does not exist. */
  setPairStatus(firstId: string, secondId: string, status: DuplicatePairStatus, at: Instant): Promise<boolean>;
  /** Pairs with this status, highest score first, then by ids; keyset-paged after the last pair of the previous page. */
  listPairs(
    status: DuplicatePairStatus,
    after: { readonly score: number; readonly firstId: string; readonly secondId: string } | undefined,
    limit: number,
  ): Promise<DuplicatePairRecord[]>;
}
