import { CompiledQuery, type Kysely } from "kysely";
import type { KyselyDatabase } from "./schema.js";

/**
 * Multi-row inserts whose SQL is compiled by Kysely once per shape (table, columns, row count,
 * conflict clause) and then reused with fresh values. Building a Kysely insert of a few thousand
 * values costs more than the database spends executing it; the SQL text of a full chunk never
 * changes, so only the parameters need to. The text still comes from Kysely, so it is written
 * once for every engine (placeholders, identifier quoting and the schema are the dialect's).
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

/** Inserts `rows` (objects with exactly `columns`) in one statement; returns the driver's rows (for RETURNING). */
export async function insertRows(
  db: Kysely<KyselyDatabase>,
  table: Table,
  columns: readonly string[],
  rows: readonly Record<string, unknown>[],
  options: {
    onConflictDoNothing?: readonly string[];
    /** Upsert: on a conflict on `on`, the columns `set` take the inserted row's values. Keys must be unique within `rows`. */
    onConflictUpdate?: { readonly on: readonly string[]; readonly set: readonly string[] };
    returning?: string;
  } = {},
): Promise<Record<string, unknown>[]> {
  if (rows.length === 0) return [];
  const update = options.onConflictUpdate;
  const conflict = options.onConflictDoNothing?.join(",") ?? (update ? `${update.on.join(",")}=>${update.set.join(",")}` : "");
  const key = `${table}|${columns.join(",")}|${rows.length}|${conflict}|${options.returning ?? ""}`;
  const text = compiledSql(db, key, table, columns, rows.length, (d, t, values) => {
    let query = d.insertInto(t).values(values as never);
    if (options.onConflictDoNothing) query = query.onConflict((oc) => oc.columns(options.onConflictDoNothing as never).doNothing());
    else if (update) {
      query = query.onConflict((oc) =>
        oc.columns(update.on as never).doUpdateSet((eb) => Object.fromEntries(update.set.map((c) => [c, eb.ref(`excluded.${c}` as never)])) as never),
      );
    }
    return (options.returning ? query.returning(options.returning as never) : query).compile();
  });
  const parameters: unknown[] = [];
  for (const row of rows) for (const column of columns) parameters.push(row[column]);
  const result = await db.executeQuery(CompiledQuery.raw(text, parameters));
  return result.rows as Record<string, unknown>[];
}
