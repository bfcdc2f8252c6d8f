import pg from "pg";
import type { RawAccess } from "@kaartenbak/conformance";
import { dropSchema, freshSchemaName, postgresReachable, testDatabaseUrl } from "../src/testing/index.js";

/** The server the Postgres tests use. */
export const DATABASE_URL = testDatabaseUrl();

/** Whether to run: skipped with a printed notice without a server, a failure with KAARTENBAK_REQUIRE_POSTGRES=1. */
export const postgresAvailable: boolean = await postgresReachable("Postgres adapter tests");

/** A fresh schema name for one test file; dropped by {@link dropSchema}. */
export const freshSchema = freshSchemaName;
export { dropSchema };

/** A pool on the test server. */
export function testPool(max = 10): pg.Pool {
  return new pg.Pool({ connectionString: DATABASE_URL, max });
}

/** The raw side channel for the conformance suite: plain `pool.query`, not the store. */
export function rawAccess(pool: pg.Pool, schema: string): RawAccess {
  return {
    async rows(table, where) {
      const keys = Object.keys(where);
      const clause = keys.length ? ` where ${keys.map((k, i) => `${k} = $${i + 1}`).join(" and ")}` : "";
      const result = await pool.query(
        `select * from ${schema}.${table}${clause}`,
        keys.map((k) => where[k]),
      );
      return result.rows as Record<string, unknown>[];
    },
  };
}
