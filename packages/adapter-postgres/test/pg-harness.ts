import { randomBytes } from "node:crypto";
import pg from "pg";
import type { RawAccess } from "@kaartenbak/core/testing";

/** The server the Postgres tests use: DATABASE_URL, or the local default. */
export const DATABASE_URL = process.env.DATABASE_URL ?? "postgres://postgres@127.0.0.1:5432/test";

/**
 * Whether a server answers. When none does, the Postgres tests are skipped with a printed notice,
 * unless KAARTENBAK_REQUIRE_POSTGRES=1 (set by CI), where an unreachable server fails the run.
 */
export const postgresAvailable: boolean = await (async () => {
  const client = new pg.Client({ connectionString: DATABASE_URL, connectionTimeoutMillis: 3000 });
  try {
    await client.connect();
    await client.query("select 1");
    return true;
  } catch (error) {
    if (process.env.KAARTENBAK_REQUIRE_POSTGRES === "1") {
      throw new Error(`KAARTENBAK_REQUIRE_POSTGRES=1 but Postgres at ${DATABASE_URL} is unreachable: ${(error as Error).message}`);
    }
    console.warn(
      `\n[kaartenbak] Postgres tests NOT RUN: no server at ${DATABASE_URL} (${(error as Error).message}).\n` +
        `[kaartenbak] Start one, or set DATABASE_URL=postgres://user@host:port/db, and run npm test again.\n`,
    );
    return false;
  } finally {
    await client.end().catch(() => undefined);
  }
})();

/** A fresh schema name for one test file; dropped by {@link dropSchema}. */
export function freshSchema(prefix = "kb_test"): string {
  return `${prefix}_${randomBytes(6).toString("hex")}`;
}

/** A pool on the test server. */
export function testPool(max = 10): pg.Pool {
  return new pg.Pool({ connectionString: DATABASE_URL, max });
}

/** Drops a test schema and everything in it. */
export async function dropSchema(pool: pg.Pool, schema: string): Promise<void> {
  await pool.query(`drop schema if exists ${schema} cascade`);
}

/** The raw side channel for the conformance suite: plain `pool.query`, not the store. */
export function rawAccess(pool: pg.Pool, schema: string): RawAccess {
  return {
    async rows(table, where) {
      const keys = Object.keys(where);
      const clause = keys.length ? ` where ${keys.map((k, i) => `${k} = $${i + 1}`).join(" and ")}` : "";
      const result = await pool.query(`select * from ${schema}.${table}${clause}`, keys.map((k) => where[k]));
      return result.rows as Record<string, unknown>[];
    },
  };
}
