import { CrmError } from "@kaartenbak/core/storage";
import { notMigratedError, type DialectFunctions, type DialectProfile, type FilterFunctions } from "@kaartenbak/store-kysely";
import { sql } from "kysely";
import { sqliteSearch } from "./sqlite-search.js";

/** The part of better-sqlite3's `SqliteError` this mapping reads. */
interface NativeSqliteError {
  readonly code: string;
  readonly message: string;
}

function isNativeSqliteError(error: unknown): error is NativeSqliteError {
  const code: unknown = error instanceof Error ? (error as Error & { code?: unknown }).code : undefined;
  return typeof code === "string" && code.startsWith("SQLITE_");
}

/**
 * What SQLite names in a constraint message: `UNIQUE constraint failed: kb_relation_refs.tenant_id,
 * kb_relation_refs.system, ...` gives the columns, `CHECK constraint failed: positive` the check's
 * name. Foreign-key messages name nothing.
 */
function constraintOf(message: string): string | undefined {
  const match = /constraint failed: (.+)$/.exec(message);
  return match?.[1]?.trim() || undefined;
}

/** `no such table: kb_relations` (or `main.kb_relations`): a Kaartenbak table, so an unmigrated database. */
const MISSING_KB_TABLE = /no such table: (?:[A-Za-z0-9_]+\.)?kb_[A-Za-z0-9_]*$/;

/**
 * Maps better-sqlite3 errors (by their extended result code) to CrmError:
 * unique and primary-key violations are DUPLICATE, foreign-key, check and not-null violations
 * INTEGRITY, a busy or locked database BUSY (retryable), and a missing `kb_` table CONFIGURATION
 * (`not_migrated`). Anything else is left to the store, which reports it as STORAGE.
 */
export function classifySqliteError(error: unknown): CrmError | undefined {
  if (!isNativeSqliteError(error)) return undefined;
  const { code, message } = error;
  const constraint = constraintOf(message);
  const where = constraint ? { constraint } : {};
  switch (code) {
    case "SQLITE_CONSTRAINT_UNIQUE":
    case "SQLITE_CONSTRAINT_PRIMARYKEY":
      return new CrmError("DUPLICATE", `Duplicate value: ${message}`, { ...where, reason: "unique_violation", cause: error });
    case "SQLITE_CONSTRAINT_FOREIGNKEY":
      return new CrmError("INTEGRITY", "A referenced record does not exist in this tenant", { reason: "foreign_key_violation", cause: error });
    case "SQLITE_CONSTRAINT_CHECK":
      return new CrmError("INTEGRITY", `Check failed: ${message}`, { ...where, reason: "check_violation", cause: error });
    case "SQLITE_CONSTRAINT_NOTNULL":
      return new CrmError("INTEGRITY", `Missing value: ${message}`, { ...where, reason: "not_null_violation", cause: error });
  }
  // SQLITE_BUSY_SNAPSHOT, SQLITE_LOCKED_SHAREDCACHE and friends: another connection holds the lock.
  if (code.startsWith("SQLITE_BUSY") || code.startsWith("SQLITE_LOCKED")) {
    return new CrmError("BUSY", `The database is busy: ${message}`, {
      reason: code.startsWith("SQLITE_BUSY") ? "busy" : "lock_not_available",
      cause: error,
    });
  }
  if (code === "SQLITE_ERROR" && MISSING_KB_TABLE.test(message)) return notMigratedError("the SQLite database", error);
  return undefined;
}

/**
 * SQLite spellings of the report expressions. Instants are ISO-8601 UTC text, so the day is a
 * prefix; `julianday` parses them (with milliseconds and the `Z`) into fractional days, whose
 * difference times 86,400,000 rounds back to the exact milliseconds (a double holds a day count to
 * about 0.04 ms). `->` (SQLite 3.38+) returns a JSON member as JSON text.
 */
export const sqliteFunctions: DialectFunctions = {
  utcDate: (instant) => sql<string>`substr(${instant}, 1, 10)`,
  millisBetween: (from, to) => sql<number>`cast(round((julianday(${to}) - julianday(${from})) * 86400000) as integer)`,
  jsonMember: (json, name) => sql<string | null>`(${json} -> ${`$.${name}`})`,
  // json_group_array gives '[]' over no rows, so no coalesce is needed.
  jsonRows: (values) => sql<unknown>`json_group_array(json_array(${sql.join(values)}))`,
};

/** A JSON path with every key quoted (`$."creditLimit"."amount"`); bound as a parameter, never spliced. */
const jsonPath = (path: readonly string[]) => `$${path.map((key) => `."${key}"`).join("")}`;

/**
 * SQLite spellings of the filter expressions: `json_type` tells a JSON string (`text`) from a
 * number (`integer` / `real`) or boolean (`true` / `false`), so extraction is typed exactly as on
 * Postgres; `instr` finds a substring literally (LIKE would read `%` and `_` as wildcards).
 */
export const sqliteFilters: FilterFunctions = {
  jsonText: (json, path) => sql<string | null>`(case when json_type(${json}, ${jsonPath(path)}) = 'text' then json_extract(${json}, ${jsonPath(path)}) end)`,
  jsonNumber: (json, path) =>
    sql<number | null>`(case when json_type(${json}, ${jsonPath(path)}) in ('integer', 'real') then json_extract(${json}, ${jsonPath(path)}) end)`,
  jsonBoolean: (json, path) => sql<number | null>`(case json_type(${json}, ${jsonPath(path)}) when 'true' then 1 when 'false' then 0 end)`,
  jsonArrayLength: (json) => sql<number>`json_array_length(${json})`,
  contains: (haystack, needle) => sql<boolean>`(instr(${haystack}, ${needle}) > 0)`,
  jsonElements: (json, alias) => sql`json_each(${json}) as ${sql.id(alias)}`,
};

/**
 * The SQLite profile of the Kysely store: text for JSON and instants (ISO-8601 sorts correctly as
 * text), `integer` (64-bit in SQLite) for counters, binary-collated text keys, and better-sqlite3's
 * error codes. SQLite serialises writers, so `concurrentWriters` is false.
 */
export const sqliteProfile: DialectProfile = {
  name: "sqlite",
  types: { json: "text", timestamp: "text", bigint: "integer", key: "text" },
  functions: sqliteFunctions,
  filters: sqliteFilters,
  search: sqliteSearch,
  classifyError: classifySqliteError,
  capabilities: { dialect: "sqlite", concurrentWriters: false, hostTransaction: false, rowLevelSecurity: false, searchStemming: sqliteSearch.stemming },
};
