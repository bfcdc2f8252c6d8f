import { randomBytes } from "node:crypto";
import Database from "better-sqlite3";
import pg from "pg";
import { createCrm, type Crm } from "@kaartenbak/core";
import { type StorageAdapter } from "@kaartenbak/core/storage";
import { sqliteAdapter } from "@kaartenbak/adapter-sqlite";
import { postgresAdapter } from "@kaartenbak/adapter-postgres";
import { dropSchema, freshSchemaName, postgresReachable, testDatabaseUrl } from "@kaartenbak/adapter-postgres/testing";

/** Both engines for the connector's end-to-end tests; each test file makes and drops its own schema. */
export const DATABASE_URL = testDatabaseUrl();

/** Skipped with a printed notice without a server; a failure with KAARTENBAK_REQUIRE_POSTGRES=1. */
export const postgresAvailable: boolean = await postgresReachable("Outlook connector Postgres tests");

/** A migrated database of one engine, with a raw row counter that bypasses the store. */
export interface TestDb {
  readonly engine: "sqlite" | "postgres";
  readonly storage: StorageAdapter;
  readonly crm: Crm;
  /** Rows per kb_* table for a tenant, read with the driver itself. */
  counts(tenantId: string): Promise<Record<string, number>>;
  /** Raw SQL with the driver itself: `?` placeholders, bare `kb_*` table names. */
  query(sql: string, params?: readonly unknown[]): Promise<Record<string, unknown>[]>;
  close(): Promise<void>;
}

const TABLES = [
  "kb_relations",
  "kb_relation_emails",
  "kb_relation_phones",
  "kb_relation_refs",
  "kb_links",
  "kb_interactions",
  "kb_interaction_relations",
  "kb_interaction_participants",
  "kb_history",
  "kb_outbox",
  "kb_sync_items",
] as const;

/** Opens a fresh database: an in-memory (or file) SQLite, or a fresh Postgres schema. */
export async function openDb(engine: "sqlite" | "postgres", options: { filename?: string; schema?: string } = {}): Promise<TestDb> {
  if (engine === "sqlite") {
    const db = new Database(options.filename ?? ":memory:");
    const storage = sqliteAdapter({ database: db });
    await storage.migrate();
    return {
      engine,
      storage,
      crm: createCrm({ storage, defaultRegion: "NL" }),
      async counts(tenantId) {
        return Object.fromEntries(TABLES.map((t) => [t, (db.prepare(`select count(*) as n from ${t} where tenant_id = ?`).get(tenantId) as { n: number }).n]));
      },
      async query(sql, params = []) {
        return db.prepare(sql).all(...params) as Record<string, unknown>[];
      },
      async close() {
        await storage.close();
        db.close();
      },
    };
  }
  const pool = new pg.Pool({ connectionString: DATABASE_URL, max: 6 });
  const schema = options.schema ?? freshSchemaName("kb_outlook");
  const storage = postgresAdapter({ pool, schema });
  await storage.migrate();
  return {
    engine,
    storage,
    crm: createCrm({ storage, defaultRegion: "NL" }),
    async counts(tenantId) {
      const out: Record<string, number> = {};
      for (const t of TABLES) out[t] = Number((await pool.query(`select count(*) as n from ${schema}.${t} where tenant_id = $1`, [tenantId])).rows[0].n);
      return out;
    },
    async query(sql, params = []) {
      let n = 0;
      const text = sql.replace(/\bkb_/g, `${schema}.kb_`).replace(/\?/g, () => `$${++n}`);
      return (await pool.query(text, [...params])).rows as Record<string, unknown>[];
    },
    async close() {
      await storage.close();
      if (!options.schema) await dropSchema(pool, schema);
      await pool.end();
    },
  };
}

/** The engines to run: SQLite always, Postgres when a server answers. */
export const ENGINES: readonly ("sqlite" | "postgres")[] = postgresAvailable ? ["sqlite", "postgres"] : ["sqlite"];

/** A fresh tenant id. */
export const freshTenant = () => `t-${randomBytes(6).toString("hex")}`;
