/**
 * The search seam of the storage contract. Core folds and splits the query into terms (see
 * `search/text.ts`), so every adapter matches the same tokens; the adapter keeps one search
 * document per live relation and contact moment in step with every write, in the same
 * transaction, and answers ranked queries over them.
 */
import type { InteractionRecord, RelationRecord } from "./storage.js";

/**
 * A stemming configuration: `dutch` or `english`. Without one (the default) nothing is stemmed
 * and every term matches as a prefix of a token.
 */
export type SearchLanguage = "dutch" | "english";

/** A search as core hands it to storage: validated, folded and paged. */
export interface StoredSearchQuery {
  /**
   * Folded tokens (letters and digits only), at least one. A document matches when every term
   * matches one of its tokens: as a prefix when `language` is absent; with `language`, as a
   * prefix of a stemmed token after stemming the term the same way (so "runs" finds "running").
   */
  readonly terms: readonly string[];
  /** The stemming configuration; absent for plain prefix matching. */
  readonly language?: SearchLanguage;
  /** Page size. */
  readonly limit: number;
  /** Matches to skip (the position of the page). */
  readonly offset: number;
}

/** One match: the record and its relevance (higher is better; comparable within one result list only). */
export interface StoredSearchHit<T> {
  readonly record: T;
  readonly score: number;
}

/** Ranked full-text search over the tenant's search documents. */
export interface SearchStore {
  /**
   * Non-deleted relations matching the query, best first (ties by id). Names weigh more than
   * e-mail addresses, phone numbers, organisations, cities and tags.
   */
  relations(query: StoredSearchQuery): Promise<StoredSearchHit<RelationRecord>[]>;
  /** Non-deleted contact moments matching the query, best first (ties by id); the subject weighs more than the body. */
  interactions(query: StoredSearchQuery): Promise<StoredSearchHit<InteractionRecord>[]>;
}
