import type { CrmErrorReason } from "@kaartenbak/core";
import { CrmError } from "@kaartenbak/core/storage";
import { notMigratedError, type DialectFunctions, type DialectProfile, type FilterFunctions, type KyselyDatabase } from "@kaartenbak/store-kysely";
import type { Expression, Kysely, RawBuilder } from "kysely";
import { sql } from "kysely";
import { postgresSearch } from "./postgres-search.js";

/** The session setting row-level security policies read the tenant from. */
export const TENANT_SETTING = "kaartenbak.tenant_id";

type MappedCode = "DUPLICATE" | "INTEGRITY" | "BUSY";
/** A code with one of its own reasons. */
type Mapped = { [C in MappedCode]: { readonly code: C; readonly reason: CrmErrorReason<C> } }[MappedCode];

/** The SQLSTATE codes Kaartenbak maps, and what they become (BUSY is retryable by definition). */
const MAPPING: Record<string, Mapped> = {
  "23505": { code: "DUPLICATE", reason: "unique_violation" },
  "23503": { code: "INTEGRITY", reason: "foreign_key_violation" },
  "23514": { code: "INTEGRITY", reason: "check_violation" },
  "23502": { code: "INTEGRITY", reason: "not_null_violation" },
  "40001": { code: "BUSY", reason: "serialization_failure" },
  "40P01": { code: "BUSY", reason: "deadlock" },
  "55P03": { code: "BUSY", reason: "lock_not_available" },
};

/** SQLSTATE 42P01 on a Kaartenbak table: `relation "crm.kb_relations" does not exist`. */
const UNDEFINED_TABLE = "42P01";
const MISSING_KB_RELATION = /relation "(?:([^".]+)\.)?kb_[^".]*" does not exist/;

/** The fields of a `pg` DatabaseError this mapping reads. */
interface PgErrorLike {
  readonly code?: unknown;
  readonly constraint?: unknown;
  readonly message?: unknown;
}

/**
 * Maps a `pg` error to a CrmError by its SQLSTATE: unique 23505 → DUPLICATE, foreign key 23503 /
 * check 23514 / not null 23502 → INTEGRITY, serialization 40001 / deadlock 40P01 / lock timeout
 * 55P03 → BUSY (retryable), and undefined table 42P01 on a `kb_` relation → CONFIGURATION
 * (`not_migrated`, naming the schema). Anything else is left to the store (STORAGE).
 */
export function classifyPostgresError(error: unknown): CrmError | undefined {
  if (!error || typeof error !== "object") return undefined;
  const { code, constraint, message } = error as PgErrorLike;
  if (code === UNDEFINED_TABLE && typeof message === "string") {
    const missing = MISSING_KB_RELATION.exec(message);
    if (missing) return notMigratedError(missing[1] ? `schema "${missing[1]}"` : "the connection's search_path", error);
    return undefined;
  }
  const mapped = typeof code === "string" ? MAPPING[code] : undefined;
  if (!mapped) return undefined;
  return new CrmError(mapped.code, `Database refused the write (${mapped.reason}): ${String(message)}`, {
    cause: error,
    reason: mapped.reason,
    ...(typeof constraint === "string" ? { constraint } : {}),
  });
}

/**
 * Postgres spellings of the report expressions: the UTC day of a `timestamptz`, exact milliseconds
 * from an interval (`extract(epoch ...)` is numeric since Postgres 14), and a `jsonb` member as JSON
 * text (the parameter is cast so `->` picks the text-key operator).
 */
export const postgresFunctions: DialectFunctions = {
  utcDate: (instant) => sql<string>`to_char(${instant} at time zone 'UTC', 'YYYY-MM-DD')`,
  millisBetween: (from, to) => sql<number>`cast(round(extract(epoch from (${to} - ${from})) * 1000) as bigint)`,
  jsonMember: (json, name) => sql<string | null>`((${json}) -> cast(${name} as text))::text`,
  // json_agg is NULL over no rows; pg parses the json result, so the store gets arrays either way.
  jsonRows: (values) => sql<unknown>`coalesce(json_agg(json_build_array(${sql.join(values)})), '[]'::json)`,
};

/** The member at `path` of a jsonb value; each key is a bound parameter cast to text (the key operator). */
function member(json: Expression<unknown>, path: readonly string[]): RawBuilder<unknown> {
  return path.reduce<RawBuilder<unknown>>((at, key) => sql`(${at} -> cast(${key} as text))`, sql`${json}`);
}

/**
 * Postgres spellings of the filter expressions: `jsonb_typeof` types the member, `#>> '{}'` takes
 * a scalar's text, and `collate "C"` makes extracted text compare by code point like SQLite's
 * BINARY collation (the database default collation may be a locale's). `strpos` finds a substring
 * literally.
 */
export const postgresFilters: FilterFunctions = {
  jsonText: (json, path) =>
    sql<string | null>`((case when jsonb_typeof(${member(json, path)}) = 'string' then ${member(json, path)} #>> '{}' end) collate "C")`,
  jsonNumber: (json, path) => sql<number | null>`(case when jsonb_typeof(${member(json, path)}) = 'number' then (${member(json, path)} #>> '{}')::numeric end)`,
  jsonBoolean: (json, path) =>
    sql<
      number | null
    >`(case when jsonb_typeof(${member(json, path)}) = 'boolean' then (case when (${member(json, path)} #>> '{}') = 'true' then 1 else 0 end) end)`,
  jsonArrayLength: (json) => sql<number>`jsonb_array_length(${json})`,
  contains: (haystack, needle) => sql<boolean>`(strpos(${haystack}, cast(${needle} as text)) > 0)`,
  jsonElements: (json, alias) => sql`jsonb_array_elements(${json}) as ${sql.id(alias)}(value)`,
};

/**
 * The Postgres profile. Ids and keys use the "C" collation so they sort by code point like
 * JavaScript strings and SQLite do (a locale collation would reorder keyset pages and break the
 * prefix range scan of name search).
 */
export function postgresProfile(options: { rowLevelSecurity?: boolean } = {}): DialectProfile {
  const rls = options.rowLevelSecurity === true;
  return {
    name: "postgres",
    types: { json: "jsonb", timestamp: "timestamptz", bigint: "bigint", key: sql`text collate "C"` },
    functions: postgresFunctions,
    filters: postgresFilters,
    search: postgresSearch,
    classifyError: classifyPostgresError,
    ...(rls
      ? {
          // Transaction-local (the `true`): the setting ends with the transaction, so a pooled
          // connection never carries one tenant's context into the next checkout.
          async onTransactionStart(trx, tenantId) {
            await sql`select set_config(${TENANT_SETTING}, ${tenantId}, true)`.execute(trx);
          },
        }
      : {}),
    largeExpression: withoutJit,
    bulkWrite: withFreshPlans,
    columnTypes,
    capabilities: { dialect: "postgres", concurrentWriters: true, hostTransaction: false, rowLevelSecurity: rls, searchStemming: postgresSearch.stemming },
  };
}

/**
 * Runs `run` with a setting changed for the transaction only, and restores the setting afterwards,
 * so a host transaction the store runs in keeps its own setting for its own statements. Outside a
 * transaction there is no local setting to make, and the statements run as they are.
 */
async function withLocalSetting<T>(db: Kysely<KyselyDatabase>, name: string, value: string, run: () => Promise<T>): Promise<T> {
  if (!db.isTransaction) return run();
  // Name and value are this module's constants, written into the text (a statement log shows which setting).
  const { rows } = await sql<{
    previous: string;
  }>`select current_setting(${sql.lit(name)}) as previous, set_config(${sql.lit(name)}, ${sql.lit(value)}, true) as now`.execute(db);
  const previous = rows[0]?.previous;
  let failed = false;
  try {
    return await run();
  } catch (error) {
    failed = true;
    throw error;
  } finally {
    // After a failed statement the transaction is aborted and will roll back, setting and all.
    if (!failed && previous !== undefined) await sql`select set_config(${sql.lit(name)}, ${previous}, true)`.execute(db);
  }
}

/** A large filter's statements with JIT compilation off (see `LARGE_FILTER_NODES` in store-kysely). */
const withoutJit = <T>(db: Kysely<KyselyDatabase>, run: () => Promise<T>): Promise<T> => withLocalSetting(db, "jit", "off", run);

/**
 * A bulk write's inserts with the connection's cached plans dropped first (see
 * `DialectProfile.bulkWrite`), so each foreign-key check is planned once for the write against
 * the tables as they are now, then reused for every row of it. `discard plans` is not
 * transactional and drops every cached plan of the session, the host's prepared statements
 * included: they are planned again on their next use (a cost, never a change of result).
 * Outside a transaction the next statement may run on another pooled connection, so there is
 * nothing to discard.
 */
async function withFreshPlans<T>(db: Kysely<KyselyDatabase>, run: () => Promise<T>): Promise<T> {
  if (db.isTransaction) await sql`discard plans`.execute(db);
  return run();
}

/**
 * The type of each column of a table, as `format_type` spells it (`text`, `bigint`,
 * `timestamp with time zone`, `jsonb`), for the store's array inserts (see
 * `DialectProfile.columnTypes`). Without a schema, the first schema of the search path.
 */
async function columnTypes(db: Kysely<KyselyDatabase>, schema: string | undefined, table: string): Promise<ReadonlyMap<string, string>> {
  const { rows } = await sql<{ name: string; type: string }>`
    select a.attname as name, format_type(a.atttypid, a.atttypmod) as type
    from pg_catalog.pg_attribute a
    join pg_catalog.pg_class c on c.oid = a.attrelid
    join pg_catalog.pg_namespace n on n.oid = c.relnamespace
    where n.nspname = coalesce(${schema ?? null}, current_schema()) and c.relname = ${table} and a.attnum > 0 and not a.attisdropped`.execute(db);
  if (rows.length === 0) throw new Error(`Table ${table} not found in schema ${schema ?? "(search path)"}: has the storage been migrated?`);
  return new Map(rows.map((r) => [r.name, r.type]));
}
