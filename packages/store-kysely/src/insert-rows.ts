import { CompiledQuery, sql, type Compilable, type InsertQueryBuilder, type InsertResult, type Kysely } from "kysely";
import type { KyselyDatabase } from "./schema.js";
import type { StoreContext } from "./store-context.js";

/**
 * Multi-row inserts whose SQL is compiled by Kysely once per shape (table, columns, row count,
 * conflict clause) and then reused with fresh values. Building a Kysely insert of a few thousand
 * values costs more than the database spends executing it; the SQL text of a full chunk never
 * changes, so only the parameters need to. The text still comes from Kysely, so it is written
 * once for every engine (placeholders, identifier quoting and the schema are the dialect's).
 *
 * Where the engine takes arrays (Postgres, see `DialectProfile.columnTypes`), the rows travel as
 * one array per column, `insert … select * from unnest($1::text[], …)`: the statement has as many
 * parameters as columns whatever the row count, so it is compiled once per column set and the
 * server does not parse and plan a `values` list of thousands of parameters per execution.
 */
type Table = keyof KyselyDatabase & string;
type Compile = (db: Kysely<KyselyDatabase>, table: Table, values: Record<string, unknown>[]) => CompiledQuery;

const cache = new Map<string, string>();
const CAPACITY = 2_000;

/**
 * What the compiled text depends on besides the shape: the dialect's placeholders and quoting and
 * the schema plugin. A tiny probe query shows exactly those (a new executor is made per
 * transaction, so the executor itself cannot be the key).
 */
function dialectKey(db: Kysely<KyselyDatabase>): string {
  return db.selectFrom("kb_counters").select("value").where("tenant_id", "=", "").compile().sql;
}

function compiledSql(db: Kysely<KyselyDatabase>, key: string, table: Table, columns: readonly string[], rows: number, compile: Compile): string {
  const fullKey = `${dialectKey(db)}|${key}`;
  let text = cache.get(fullKey);
  if (text === undefined) {
    const placeholderRow = Object.fromEntries(columns.map((c) => [c, null]));
    text = compile(
      db,
      table,
      Array.from({ length: rows }, () => placeholderRow),
    ).sql;
    if (cache.size >= CAPACITY) cache.clear();
    cache.set(fullKey, text);
  }
  return text;
}

/** Options of {@link insertRows}. */
export interface InsertOptions {
  readonly onConflictDoNothing?: readonly string[];
  /** Upsert: on a conflict on `on`, the columns `set` take the inserted row's values. Keys must be unique within `rows`. */
  readonly onConflictUpdate?: { readonly on: readonly string[]; readonly set: readonly string[] };
  readonly returning?: string;
}

/** Rows per `values` statement: even the widest table stays far below the engines' parameter caps (Postgres: 65,535). */
const VALUES_ROWS = 500;
/** Rows per array statement: the parameter count does not grow with it; this bounds one statement's size. */
const ARRAY_ROWS = 5_000;

/**
 * Inserts `rows` (objects with exactly `columns`), as few statements as the engine allows;
 * returns the driver's rows (for RETURNING).
 */
export async function insertRows(
  context: Pick<StoreContext, "db" | "columnTypes">,
  table: Table,
  columns: readonly string[],
  rows: readonly Record<string, unknown>[],
  options: InsertOptions = {},
): Promise<Record<string, unknown>[]> {
  if (rows.length === 0) return [];
  const { db, columnTypes } = context;
  const out: Record<string, unknown>[] = [];
  if (columnTypes) {
    const types = await columnTypes(db, table);
    for (let i = 0; i < rows.length; i += ARRAY_ROWS) out.push(...(await insertArrays(db, table, columns, types, rows.slice(i, i + ARRAY_ROWS), options)));
  } else {
    for (let i = 0; i < rows.length; i += VALUES_ROWS) out.push(...(await insertValues(db, table, columns, rows.slice(i, i + VALUES_ROWS), options)));
  }
  return out;
}

/** The conflict and returning clauses of an insert, the same for both statement forms. */
function withClauses(query: InsertQueryBuilder<KyselyDatabase, Table, InsertResult>, options: InsertOptions): Compilable {
  const update = options.onConflictUpdate;
  let q = query;
  if (options.onConflictDoNothing) q = q.onConflict((oc) => oc.columns(options.onConflictDoNothing as never).doNothing());
  else if (update) {
    q = q.onConflict((oc) =>
      oc.columns(update.on as never).doUpdateSet((eb) => Object.fromEntries(update.set.map((c) => [c, eb.ref(`excluded.${c}` as never)])) as never),
    );
  }
  return options.returning ? q.returning(options.returning as never) : q;
}

function shapeKey(table: Table, columns: readonly string[], rows: number | "arrays", options: InsertOptions): string {
  const update = options.onConflictUpdate;
  const conflict = options.onConflictDoNothing?.join(",") ?? (update ? `${update.on.join(",")}=>${update.set.join(",")}` : "");
  return `${table}|${columns.join(",")}|${rows}|${conflict}|${options.returning ?? ""}`;
}

async function insertValues(
  db: Kysely<KyselyDatabase>,
  table: Table,
  columns: readonly string[],
  rows: readonly Record<string, unknown>[],
  options: InsertOptions,
): Promise<Record<string, unknown>[]> {
  const text = compiledSql(db, shapeKey(table, columns, rows.length, options), table, columns, rows.length, (d, t, values) =>
    withClauses(d.insertInto(t).values(values as never), options).compile(),
  );
  const parameters: unknown[] = [];
  for (const row of rows) for (const column of columns) parameters.push(row[column]);
  const result = await db.executeQuery(CompiledQuery.raw(text, parameters));
  return result.rows as Record<string, unknown>[];
}

async function insertArrays(
  db: Kysely<KyselyDatabase>,
  table: Table,
  columns: readonly string[],
  types: ReadonlyMap<string, string>,
  rows: readonly Record<string, unknown>[],
  options: InsertOptions,
): Promise<Record<string, unknown>[]> {
  const text = compiledSql(db, shapeKey(table, columns, "arrays", options), table, columns, 0, (d, t) => {
    const arrays = columns.map((c, i) => {
      const type = types.get(c);
      if (!type) throw new Error(`insertRows: ${t} has no column ${c}`);
      // The type comes from the catalog (format_type), never from input.
      return sql`${i}::${sql.raw(type)}[]`;
    });
    const source = sql`select * from unnest(${sql.join(arrays)})`;
    return withClauses(
      d
        .insertInto(t)
        .columns(columns as never)
        .expression(source),
      options,
    ).compile();
  });
  const parameters = columns.map((c) => rows.map((row) => row[c]));
  const result = await db.executeQuery(CompiledQuery.raw(text, parameters));
  return result.rows as Record<string, unknown>[];
}
