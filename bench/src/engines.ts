import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { randomBytes } from "node:crypto";
import Database from "better-sqlite3";
import pg from "pg";
import type { StorageAdapter } from "@kaartenbak/core";
import { sqliteAdapter } from "@kaartenbak/adapter-sqlite";
import { postgresAdapter } from "@kaartenbak/adapter-postgres";
import type { RawDriver } from "./raw-driver.js";
import { rawSqlite } from "./raw-sqlite.js";
import { rawPostgres } from "./raw-postgres.js";

/** One engine under test: the SDK's storage and the raw baseline on the same database. */
export interface Engine {
  readonly name: "sqlite" | "postgres";
  readonly version: string;
  readonly storage: StorageAdapter;
  readonly raw: RawDriver;
  /**
   * Statements sent to the database so far (every SQL statement, BEGIN and COMMIT included),
   * counted at the driver, so a workload can report queries per item as a difference.
   */
  queries(): number;
  /**
   * Brings the planner's statistics up to date after a bulk load, as autovacuum would between
   * loading and reading on a server that runs it (Postgres: `analyze` of the bench schema's
   * tables; SQLite plans without statistics here and does nothing).
   */
  analyze(): Promise<void>;
  close(): Promise<void>;
}

/** A SQLite file in a temporary folder (WAL, as the adapter sets it); SDK and raw share one connection. */
export async function openSqlite(): Promise<Engine> {
  const dir = mkdtempSync(join(tmpdir(), "kaartenbak-bench-"));
  const db = new Database(join(dir, "bench.db"));
  // Statements are counted when they run, not when prepared: the store keeps its hot statements
  // prepared and runs them many times.
  let queries = 0;
  const prepare = db.prepare.bind(db);
  db.prepare = ((sql: string) => {
    const statement = prepare(sql);
    const counted = statement as unknown as Record<"run" | "get" | "all" | "iterate", (...args: unknown[]) => unknown>;
    for (const method of ["run", "get", "all", "iterate"] as const) {
      const original = counted[method].bind(statement);
      counted[method] = (...args: unknown[]) => (queries++, original(...args));
    }
    return statement;
  }) as typeof db.prepare;
  const storage = sqliteAdapter({ database: db });
  await storage.migrate();
  const version = (db.prepare("select sqlite_version() as v").get() as { v: string }).v;
  return {
    name: "sqlite",
    version: `SQLite ${version} (better-sqlite3)`,
    storage,
    raw: rawSqlite(db),
    queries: () => queries,
    async analyze() {},
    async close() {
      await storage.close();
      db.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** A fresh schema on the server at `url`, dropped on close. */
export async function openPostgres(url: string): Promise<Engine> {
  const pool = new pg.Pool({ connectionString: url, max: 4 });
  // Every client the pool opens counts the statements sent through it.
  let queries = 0;
  pool.on("connect", (client) => {
    const query = client.query.bind(client) as (...args: unknown[]) => unknown;
    (client as unknown as { query: (...args: unknown[]) => unknown }).query = (...args: unknown[]) => (queries++, query(...args));
  });
  const schema = `kb_bench_${randomBytes(4).toString("hex")}`;
  const storage = postgresAdapter({ pool, schema });
  await storage.migrate();
  const { rows } = await pool.query("show server_version");
  return {
    name: "postgres",
    version: `PostgreSQL ${rows[0].server_version} (pg)`,
    storage,
    raw: rawPostgres(pool, schema),
    queries: () => queries,
    async analyze() {
      const { rows: tables } = await pool.query<{ tablename: string }>("select tablename from pg_tables where schemaname = $1", [schema]);
      for (const { tablename } of tables) await pool.query(`analyze ${schema}.${tablename}`);
    },
    async close() {
      await storage.close();
      await pool.query(`drop schema if exists ${schema} cascade`);
      await pool.end();
    },
  };
}
