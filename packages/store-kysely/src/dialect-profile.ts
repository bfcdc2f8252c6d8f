import type { CrmError } from "@kaartenbak/core";
import type { SearchLanguage, StorageCapabilities } from "@kaartenbak/core/storage";
import type { AliasedExpression, ColumnDataType, Expression, Kysely, RawBuilder } from "kysely";
import type { KyselyDatabase } from "./schema.js";

/**
 * A column type as a migration writes it: a Kysely data type name, or a raw SQL expression for
 * types Kysely cannot spell (e.g. `text collate "C"` on Postgres).
 */
export type ColumnTypeSpec = ColumnDataType | Expression<unknown>;

/** The column types that differ between engines; everything else is plain `text` or `integer`. */
export interface DialectColumnTypes {
  /** JSON documents: `text` on SQLite, `jsonb` on Postgres. */
  readonly json: ColumnTypeSpec;
  /** Instants: `text` (ISO-8601, which sorts correctly as text) on SQLite, `timestamptz` on Postgres. */
  readonly timestamp: ColumnTypeSpec;
  /** 64-bit counters (outbox sequence, checkpoints): `integer` on SQLite, `bigint` on Postgres. */
  readonly bigint: ColumnTypeSpec;
  /**
   * Ids and search keys that are compared, range-scanned and sorted. Must order by code point, the
   * way JavaScript sorts strings, so paging and prefix search agree across engines: `text` on
   * SQLite (binary collation), `text collate "C"` on Postgres (a locale collation would both
   * reorder ids and break the `name_key` range scan).
   */
  readonly key: ColumnTypeSpec;
}

/**
 * The few SQL expressions the report queries need that engines spell differently. Each hook returns
 * one expression; everything around it (joins, grouping, window functions) is shared. Dates in the
 * sales tables are `YYYY-MM-DD` text, so month and quarter come from `substr` on every engine and
 * need no hook; only instants (timestamps) and JSON do.
 */
export interface DialectFunctions {
  /**
   * The UTC calendar day of an instant column as `YYYY-MM-DD` text. SQLite stores ISO-8601 UTC text
   * (`substr(x, 1, 10)`); Postgres a `timestamptz` (`to_char(x at time zone 'UTC', 'YYYY-MM-DD')`).
   */
  utcDate(instant: Expression<unknown>): RawBuilder<string>;
  /**
   * Whole milliseconds from instant `from` to instant `to` (`to − from`) as an integer, exact for
   * millisecond instants. SQLite: `julianday` difference; Postgres: `extract(epoch from to - from)`.
   */
  millisBetween(from: Expression<unknown>, to: Expression<unknown>): RawBuilder<number>;
  /**
   * One top-level member of a JSON object column as JSON text (`"retail"` with its quotes, `42`,
   * `true`), or null when absent, so values of every type group and compare alike on both engines.
   * `name` is an attribute name (`^[a-z][a-zA-Z0-9_]*$`) and is passed as a parameter.
   */
  jsonMember(json: Expression<unknown>, name: string): RawBuilder<string | null>;
  /**
   * An aggregate for a subquery in the select list: one JSON array holding, per row, a JSON array
   * of `values` (`[[v1, v2], [v1, v2]]`), and `[]` when there are no rows, so a record and its
   * child rows come back in ONE statement. The row order is unspecified (callers sort). The driver
   * may hand it out as JSON text (SQLite) or parsed (pg). SQLite:
   * `json_group_array(json_array(…))`; Postgres: `coalesce(json_agg(json_build_array(…)), '[]')`.
   */
  jsonRows(values: readonly Expression<unknown>[]): RawBuilder<unknown>;
}

/**
 * The few SQL expressions the filter compiler needs that engines spell differently (see
 * filter-compiler.ts). Each returns one expression over its arguments; every value is a bound
 * parameter. Typed JSON extraction returns NULL for a member of another JSON type, so a filter on
 * a number attribute never matches a string that an older data model left behind, on any engine.
 */
export interface FilterFunctions {
  /**
   * The member at `path` of a JSON object column when it is a JSON string, as text that compares by
   * code point (so date and text ranges order alike on every engine); otherwise NULL. SQLite:
   * `json_type`/`json_extract`; Postgres: `jsonb_typeof` / `#>>` with `collate "C"`.
   */
  jsonText(json: Expression<unknown>, path: readonly string[]): RawBuilder<string | null>;
  /** The member at `path` when it is a JSON number, as an SQL number; otherwise NULL. */
  jsonNumber(json: Expression<unknown>, path: readonly string[]): RawBuilder<number | null>;
  /** The member at `path` when it is a JSON boolean, as 1 or 0; otherwise NULL. */
  jsonBoolean(json: Expression<unknown>, path: readonly string[]): RawBuilder<number | null>;
  /** The number of elements of a JSON array column. */
  jsonArrayLength(json: Expression<unknown>): RawBuilder<number>;
  /**
   * Whether `needle` (a bound parameter) occurs in `haystack`, literally and case-sensitively:
   * `instr(h, n) > 0` on SQLite, `strpos(h, n) > 0` on Postgres. No LIKE, so `%`, `_` and `\`
   * need no escaping. NULL when `haystack` is NULL (the compiler guards that).
   */
  contains(haystack: Expression<unknown>, needle: string): RawBuilder<boolean>;
  /**
   * A FROM item over the elements of a JSON array column, aliased `alias`, whose `alias.value`
   * column is each element as JSON (read with `jsonText`). SQLite: `json_each(json) as alias`;
   * Postgres: `jsonb_array_elements(json) as alias(value)`. Used for address conditions.
   */
  jsonElements(json: Expression<unknown>, alias: string): RawBuilder<unknown>;
}

/**
 * One page of ranked matches, as {@link SearchFunctions.matches} selects them. The store compiles
 * the statement once per entity and language and reuses it, so `tenantId`, `text`, `limit` and
 * `offset` may be placeholders: use them as values only, never inspect them.
 */
export interface SearchMatchRequest {
  readonly tenantId: string;
  readonly entity: "relation" | "interaction";
  /** The engine's query text, made by {@link SearchFunctions.queryText}. */
  readonly text: string;
  /** Stem with this language's rules; plain prefix matching when absent (only stemmed languages are passed). */
  readonly language?: SearchLanguage;
  readonly limit: Expression<number>;
  readonly offset: Expression<number>;
}

/** A matching search document: the relation's or contact moment's id and its score (higher is better). */
export interface SearchMatch {
  readonly entity_id: string;
  readonly score: number;
}

/**
 * The engine's full-text index over `kb_search_documents` (see the 013-search migration). The
 * store writes the documents (the same folded tokens on every engine) and the queries around a
 * match; the profile contributes only the index and the match itself.
 */
export interface SearchFunctions {
  /** Languages the engine stems; the rest match as plain prefixes. Reported as the `searchStemming` capability. */
  readonly stemming: readonly SearchLanguage[];
  /** Creates the index over the documents table, right after the table (inside the migration). */
  createIndex(db: Kysely<unknown>): Promise<void>;
  /** Drops what {@link createIndex} made. */
  dropIndex(db: Kysely<unknown>): Promise<void>;
  /**
   * The query text for folded terms (letters and digits only, see `searchTokens` in core; at least
   * one) that requires every term as a prefix: `"anna"* "de"*` for FTS5, `anna:* & de:*` for tsquery.
   */
  queryText(terms: readonly string[]): string;
  /**
   * The page of the tenant's documents of `entity` that match the query text, best first (ties by
   * id), as a derived table aliased `m`. Every table it reads is filtered on `tenant_id`. SQLite:
   * an FTS5 `match` ranked by `bm25`; Postgres: `@@` on a generated tsvector ranked by `ts_rank`.
   */
  matches(db: Kysely<KyselyDatabase>, request: SearchMatchRequest): AliasedExpression<SearchMatch, "m">;
}

/**
 * Everything that differs between SQL engines, kept out of the shared queries. The store writes
 * each query once with Kysely builders that run on every supported engine; an adapter contributes
 * only this profile.
 */
export interface DialectProfile {
  /**
   * The engine's name, e.g. `sqlite`, `postgres`, or a third engine's own (`libsql`, `pglite`, ...).
   * It is the default adapter id; the store never branches on it — every difference between
   * engines is a member of this profile.
   */
  readonly name: string;
  /** Column types for the migrations. */
  readonly types: DialectColumnTypes;
  /** Engine-specific expressions of the report queries. */
  readonly functions: DialectFunctions;
  /** Engine-specific expressions of the filter compiler. */
  readonly filters: FilterFunctions;
  /** The engine's full-text index and match (search). */
  readonly search: SearchFunctions;
  /**
   * Maps a native driver error to a {@link CrmError} (DUPLICATE, INTEGRITY, BUSY for locks and
   * serialization failures, CONFIGURATION `not_migrated` for missing kb_ tables), or returns
   * undefined when the error is none of those, so the store reports it as STORAGE.
   */
  classifyError(error: unknown): CrmError | undefined;
  /**
   * Runs first inside every transaction (or savepoint) the store opens for a tenant. Postgres uses
   * it to `set_config('kaartenbak.tenant_id', tenantId, true)` so row-level security policies see
   * the tenant.
   */
  onTransactionStart?(trx: Kysely<KyselyDatabase>, tenantId: string): Promise<void>;
  /**
   * Runs the statements of a read whose filter is large (hundreds of conditions in one
   * expression). Postgres turns JIT compilation off for them, inside the transaction only, and
   * restores the setting after: compiling such an expression takes minutes, evaluating it
   * milliseconds. Engines without such a cost leave it out.
   */
  largeExpression?<T>(db: Kysely<KyselyDatabase>, run: () => Promise<T>): Promise<T>;
  /**
   * Runs the multi-row inserts of a bulk write (imports, sync pages). Postgres checks foreign keys
   * row by row with a plan it caches per connection, and a plan cached while a table was small
   * (the first import into fresh tables) stays a sequential scan per checked row as the table
   * grows: measured, 600 participant rows took 170 ms instead of 7 ms. Postgres therefore drops
   * the connection's cached plans at the start of each bulk write (`discard plans`), so the checks
   * are planned once per write against the tables as they are. Planning every check afresh
   * (`plan_cache_mode = force_custom_plan`) also avoids the stale plans, but costs a plan per row:
   * the 1M-interaction load ran 18 % slower that way. Engines without the issue leave it out.
   */
  bulkWrite?<T>(db: Kysely<KyselyDatabase>, run: () => Promise<T>): Promise<T>;
  /**
   * The SQL type of each column of `table` (in `schema`, or the first schema of the search path),
   * for engines that take arrays as parameters. With it, a multi-row insert is
   * `insert … select * from unnest($1::text[], $2::timestamptz[], …)`: one parameter per column
   * however many rows, instead of a `values` list the server parses and plans anew with thousands
   * of parameters (Postgres: 18 ms against 12 ms per 1,000 rows of eight columns). The store calls
   * it once per table and storage. Engines without arrays leave it out.
   */
  columnTypes?(db: Kysely<KyselyDatabase>, schema: string | undefined, table: string): Promise<ReadonlyMap<string, string>>;
  /**
   * What the engine can do. `hostTransaction` is decided per adapter instance (by whether it was
   * given a transaction), so the store overrides that one field.
   */
  readonly capabilities: StorageCapabilities;
}
