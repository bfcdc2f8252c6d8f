import { validationError, type ValidationIssue } from "../errors.js";
import { isText } from "../model/common.js";
import { searchTokens } from "../search/text.js";
import type { SearchLanguage, StoredSearchHit, StoredSearchQuery } from "../storage-search.js";
import type { TenantStore } from "../storage.js";
import { runSingleRead, type TenantScope } from "./command.js";

/** Options of a full-text search (`relations.search(text, options)`, `interactions.search`). */
export interface SearchOptions {
  /** Page size, 1 to 100; default 20. */
  readonly limit?: number;
  /** The `nextCursor` of the previous page. */
  readonly cursor?: string;
  /**
   * Stem words as Dutch or English does ("fietsen" finds "fiets", "runs" finds "running"). Without
   * it (the default) every word of the query matches the start of a word of the document. On an
   * engine that cannot stem a language (SQLite has no Dutch stemmer) it is plain prefix matching.
   */
  readonly language?: SearchLanguage;
}

/** One match of a search: the record and its relevance (higher is better, comparable within one result only). */
export interface SearchHit<T> {
  readonly item: T;
  readonly score: number;
}

/** One page of search results, best first. */
export interface SearchPage<T> {
  readonly items: readonly SearchHit<T>[];
  /** Pass as `cursor` for the next page; null on the last page. */
  readonly nextCursor: string | null;
}

/** The longest query accepted, in characters. */
const MAX_QUERY = 200;
/** Terms beyond this are dropped: a query that long is a paste, and every term costs an index probe. */
const MAX_TERMS = 12;
const LANGUAGES: readonly SearchLanguage[] = ["dutch", "english"];

/** Cursors are offsets: ranks shift when documents change, so a keyset on the score would not be stable either. */
function encodeOffset(offset: number): string {
  return Buffer.from(JSON.stringify({ offset }), "utf8").toString("base64url");
}

function decodeOffset(cursor: string, issues: ValidationIssue[]): number {
  try {
    const value: unknown = JSON.parse(Buffer.from(cursor, "base64url").toString("utf8"));
    const offset = (value as { offset?: unknown } | null)?.offset;
    if (typeof offset === "number" && Number.isInteger(offset) && offset >= 0 && offset <= 10_000) return offset;
  } catch {
    // reported below
  }
  issues.push({ path: ["cursor"], message: "Invalid cursor; pass the nextCursor of a previous page", code: "invalid_cursor" });
  return 0;
}

/**
 * Checks a search call and turns it into the storage query, listing every problem in one
 * VALIDATION error: the text (a string of 1–200 characters with at least one letter or digit),
 * the limit, the cursor and the language.
 */
export function parseSearch(text: unknown, options: unknown): StoredSearchQuery {
  const issues: ValidationIssue[] = [];
  let terms: string[] = [];
  if (typeof text !== "string" || !isText(text) || text.length > MAX_QUERY) {
    issues.push({ path: ["query"], message: `Expected text of at most ${MAX_QUERY} characters`, code: "invalid_type" });
  } else {
    terms = [...new Set(searchTokens(text))].slice(0, MAX_TERMS);
    if (terms.length === 0) issues.push({ path: ["query"], message: "Expected at least one letter or digit to search for", code: "too_small" });
  }
  let limit = 20;
  let offset = 0;
  let language: SearchLanguage | undefined;
  if (options !== undefined && (typeof options !== "object" || options === null)) {
    issues.push({ path: ["options"], message: "Expected an options object", code: "invalid_type" });
  } else if (options) {
    const o = options as Record<string, unknown>;
    if (o.limit !== undefined) {
      if (typeof o.limit === "number" && Number.isInteger(o.limit) && o.limit >= 1 && o.limit <= 100) limit = o.limit;
      else issues.push({ path: ["limit"], message: "Expected an integer from 1 to 100", code: "invalid_limit" });
    }
    if (o.cursor !== undefined) {
      if (typeof o.cursor === "string") offset = decodeOffset(o.cursor, issues);
      else issues.push({ path: ["cursor"], message: "Expected the nextCursor of a previous page", code: "invalid_cursor" });
    }
    if (o.language !== undefined) {
      if (LANGUAGES.includes(o.language as SearchLanguage)) language = o.language as SearchLanguage;
      else issues.push({ path: ["language"], message: `Expected one of ${LANGUAGES.join(", ")}`, code: "invalid_value" });
    }
    const unknown = Object.keys(o).filter((k) => !["limit", "cursor", "language"].includes(k));
    for (const key of unknown) issues.push({ path: [key], message: "Unknown option", code: "unrecognized_keys" });
  }
  if (issues.length > 0) throw validationError(issues);
  return { terms, limit, offset, ...(language ? { language } : {}) };
}

/**
 * Runs a parsed search as one read and pages it: one match more than the page is asked for, so the
 * last page is known without a count.
 */
export async function searchPage<R, T>(
  scope: TenantScope,
  query: StoredSearchQuery,
  read: (store: TenantStore, query: StoredSearchQuery) => Promise<StoredSearchHit<R>[]>,
  toItem: (record: R) => T,
): Promise<SearchPage<T>> {
  const hits = await runSingleRead(scope, (store) => read(store, { ...query, limit: query.limit + 1 }));
  const more = hits.length > query.limit;
  return {
    items: hits.slice(0, query.limit).map((h) => ({ item: toItem(h.record), score: h.score })),
    nextCursor: more ? encodeOffset(query.offset + query.limit) : null,
  };
}
