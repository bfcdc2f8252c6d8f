import type { Kysely } from "kysely";
import type { KyselyDatabase } from "./schema.js";

/** What every repository of a tenant store is built from: the open transaction and the bound tenant. */
export interface StoreContext {
  /** The transaction (or savepoint-wrapped host transaction) every query runs in. */
  readonly db: Kysely<KyselyDatabase>;
  /** The tenant every query is scoped to; no repository method takes a tenant argument. */
  readonly tenantId: string;
  /**
   * The SQL type of each column of a table, where the engine inserts rows as one array per column
   * (see `DialectProfile.columnTypes`); absent where inserts are `values` lists.
   */
  readonly columnTypes?: ColumnTypes;
}

/** The SQL types of a table's columns, by column name (read once per table and storage). */
export type ColumnTypes = (db: Kysely<KyselyDatabase>, table: string) => Promise<ReadonlyMap<string, string>>;

/**
 * Postgres caps a statement at 65,535 parameters and old SQLite builds at 999; `in (...)` lists
 * are split into chunks well below both so a large `getMany` still works.
 */
const CHUNK = 500;

/** Splits `items` into slices of at most {@link CHUNK}. */
export function chunks<T>(items: readonly T[]): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += CHUNK) out.push(items.slice(i, i + CHUNK));
  return out;
}

/** Runs a query per chunk of `ids` and concatenates the rows. */
export async function inChunks<T>(ids: readonly string[], query: (chunk: string[]) => Promise<T[]>): Promise<T[]> {
  const unique = [...new Set(ids)];
  const out: T[] = [];
  for (const chunk of chunks(unique)) out.push(...(await query(chunk)));
  return out;
}

/** Groups rows by a key, keeping their order within each group. */
export function groupBy<T>(rows: readonly T[], key: (row: T) => string): Map<string, T[]> {
  const groups = new Map<string, T[]>();
  for (const row of rows) {
    const k = key(row);
    const group = groups.get(k);
    if (group) group.push(row);
    else groups.set(k, [row]);
  }
  return groups;
}

/** The number of rows an update or delete touched, across drivers (bigint on some). */
export function affected(result: { numUpdatedRows?: bigint; numDeletedRows?: bigint } | undefined): number {
  return Number(result?.numUpdatedRows ?? result?.numDeletedRows ?? 0n);
}
