/**
 * @kaartenbak/adapter-postgres/testing — helpers for tests that need a Postgres server: find it,
 * make a throw-away schema, drop it. Used by Kaartenbak's own tests and available to hosts.
 */
import { randomBytes } from "node:crypto";
import pg from "pg";

/** The server tests use: `DATABASE_URL`, or the local default `postgres://postgres@127.0.0.1:5432/test`. */
export function testDatabaseUrl(): string {
  return process.env.DATABASE_URL ?? "postgres://postgres@127.0.0.1:5432/test";
}

/**
 * Whether a Postgres server answers at {@link testDatabaseUrl}. When none does, prints a notice
 * naming what will not run and returns false, so the caller can skip visibly; with
 * `KAARTENBAK_REQUIRE_POSTGRES=1` (CI) it throws instead, so a missing server fails the run.
 */
export async function postgresReachable(what: string): Promise<boolean> {
  const url = testDatabaseUrl();
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 3000 });
  try {
    await client.connect();
    await client.query("select 1");
    return true;
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    if (process.env.KAARTENBAK_REQUIRE_POSTGRES === "1") {
      throw new Error(`KAARTENBAK_REQUIRE_POSTGRES=1 but Postgres at ${url} is unreachable (${reason}); ${what} cannot run`, { cause: error });
    }
    console.warn(
      `\n[kaartenbak] ${what} NOT RUN: no Postgres at ${url} (${reason}).\n[kaartenbak] Start one, or set DATABASE_URL=postgres://user@host:port/db.\n`,
    );
    return false;
  } finally {
    await client.end().catch(() => undefined);
  }
}

/** A fresh, unused schema name such as `kb_test_1a2b3c4d5e6f`. */
export function freshSchemaName(prefix = "kb_test"): string {
  if (!/^[a-z_][a-z0-9_]{0,40}$/.test(prefix)) throw new TypeError(`Invalid schema prefix ${JSON.stringify(prefix)}`);
  return `${prefix}_${randomBytes(6).toString("hex")}`;
}

/** Drops a schema and everything in it (for test teardown). */
export async function dropSchema(pool: pg.Pool, schema: string): Promise<void> {
  if (!/^[a-z_][a-z0-9_]{0,62}$/.test(schema)) throw new TypeError(`Invalid schema name ${JSON.stringify(schema)}`);
  await pool.query(`drop schema if exists ${schema} cascade`);
}
