import type { SqliteDatabase, SqliteStatement } from "kysely";

/** How many prepared statements a connection keeps. Queries differ mostly by `in (…)` list length. */
const CAPACITY = 500;

/**
 * Wraps a database so `prepare` reuses statements by SQL text (least recently used are dropped).
 * Kysely prepares every query it runs; preparing is a large share of a short query's cost in
 * better-sqlite3, and Kysely runs one query at a time per connection, so reuse is safe.
 * `close` is left to `onClose`, so a borrowed database can outlive the adapter.
 */
export function withStatementCache(database: SqliteDatabase, onClose: () => void): SqliteDatabase {
  const cache = new Map<string, SqliteStatement>();
  return {
    prepare(sql: string): SqliteStatement {
      let statement = cache.get(sql);
      if (statement) {
        // Re-insert to mark it as most recently used (a Map keeps insertion order).
        cache.delete(sql);
      } else {
        statement = database.prepare(sql);
        if (cache.size >= CAPACITY) cache.delete(cache.keys().next().value!);
      }
      cache.set(sql, statement);
      return statement;
    },
    close() {
      cache.clear();
      onClose();
    },
  };
}
