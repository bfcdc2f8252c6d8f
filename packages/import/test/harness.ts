import { randomBytes } from "node:crypto";
import { afterAll, beforeAll } from "vitest";
import Database from "better-sqlite3";
import pg from "pg";
import { createCrm, type AttributeRegistry, type Crm, type Relation, type TenantCrm } from "@kaartenbak/core";
import type { StorageAdapter } from "@kaartenbak/core/storage";
import { sqliteAdapter } from "@kaartenbak/adapter-sqlite";
import { postgresAdapter } from "@kaartenbak/adapter-postgres";
import { dropSchema, freshSchemaName, testDatabaseUrl } from "@kaartenbak/adapter-postgres/testing";
import { KB_TABLES } from "@kaartenbak/conformance";

/** The server the Postgres tests use. They fail (never skip) when it is down: openDb throws. */
export const DATABASE_URL = testDatabaseUrl();

/** Both engines, always. */
export const ENGINES = ["sqlite", "postgres"] as const;
export type Engine = (typeof ENGINES)[number];

/** A migrated database of one engine with a raw row counter that bypasses the store. */
export interface TestDb {
  readonly engine: Engine;
  readonly storage: StorageAdapter;
  crm<R extends AttributeRegistry = AttributeRegistry>(attributes?: R): Crm<R>;
  /** Rows per kb_* table of a tenant, read with the driver itself. */
  counts(tenantId: string): Promise<Record<string, number>>;
  /** Raw rows of a table for a tenant. */
  rows(table: string, tenantId: string): Promise<Record<string, unknown>[]>;
  close(): Promise<void>;
}

/** Opens a fresh database: in-memory (or file) SQLite, or a fresh Postgres schema. */
export async function openDb(engine: Engine, options: { filename?: string; schema?: string } = {}): Promise<TestDb> {
  if (engine === "sqlite") {
    const db = new Database(options.filename ?? ":memory:");
    const storage = sqliteAdapter({ database: db });
    await storage.migrate();
    return {
      engine,
      storage,
      crm: <R extends AttributeRegistry>(attributes?: R) => createCrm({ storage, defaultRegion: "NL", ...(attributes ? { attributes } : {}) }) as Crm<R>,
      async counts(tenantId) {
        return Object.fromEntries(
          KB_TABLES.map((t) => [t, (db.prepare(`select count(*) as n from ${t} where tenant_id = ?`).get(tenantId) as { n: number }).n]),
        );
      },
      async rows(table, tenantId) {
        return db.prepare(`select * from ${table} where tenant_id = ?`).all(tenantId) as Record<string, unknown>[];
      },
      async close() {
        await storage.close();
        db.close();
      },
    };
  }
  const pool = new pg.Pool({ connectionString: DATABASE_URL, max: 4, connectionTimeoutMillis: 5000 });
  const schema = options.schema ?? freshSchemaName("kb_import");
  const storage = postgresAdapter({ pool, schema });
  await storage.migrate();
  return {
    engine,
    storage,
    crm: <R extends AttributeRegistry>(attributes?: R) => createCrm({ storage, defaultRegion: "NL", ...(attributes ? { attributes } : {}) }) as Crm<R>,
    async counts(tenantId) {
      const out: Record<string, number> = {};
      for (const t of KB_TABLES) out[t] = Number((await pool.query(`select count(*) as n from ${schema}.${t} where tenant_id = $1`, [tenantId])).rows[0].n);
      return out;
    },
    async rows(table, tenantId) {
      return (await pool.query(`select * from ${schema}.${table} where tenant_id = $1`, [tenantId])).rows as Record<string, unknown>[];
    },
    async close() {
      await storage.close();
      if (!options.schema) await dropSchema(pool, schema);
      await pool.end();
    },
  };
}

/** A fresh tenant id. */
export const freshTenant = () => `t-${randomBytes(6).toString("hex")}`;

/** A fixture file's path. */
export const fixture = (name: string) => new URL(`./fixtures/${name}`, import.meta.url).pathname;

/**
 * Opens the engine's database before the tests of a `describe` and closes it after. When it cannot
 * be opened (Postgres down), every test fails with the reason, instead of being reported as skipped.
 */
export function databaseFor(engine: Engine, options: { filename?: string; schema?: string } = {}): () => TestDb {
  let db: TestDb | undefined;
  let failure: unknown;
  beforeAll(async () => {
    try {
      db = await openDb(engine, options);
    } catch (error) {
      failure = error;
    }
  });
  afterAll(async () => db?.close());
  return () => {
    if (!db) throw new Error(`The ${engine} test database could not be opened (${engine === "postgres" ? DATABASE_URL : "SQLite"})`, { cause: failure });
    return db;
  };
}

/** Every live relation of the tenant, by name, with its employer names. */
export async function snapshot<R extends AttributeRegistry>(t: TenantCrm<R>, db: TestDb, tenantId: string) {
  const ids = (await db.rows("kb_relations", tenantId)).map((r) => String(r.id));
  const relations = (await Promise.all(ids.map((id) => t.relations.get(id)))).filter((r): r is Relation<never> => !!r) as Relation[];
  const byId = new Map(relations.map((r) => [r.id, r]));
  const out: Record<string, unknown> = {};
  for (const r of relations) {
    const links = await t.links.list(r.id);
    const employers = links.flatMap((l) => (l.kind === "employment" && l.personId === r.id ? [`${byId.get(l.organisationId)?.name}|${l.jobTitle ?? ""}`] : []));
    out[r.name] = {
      kind: r.kind,
      givenName: r.givenName,
      familyName: r.familyName,
      emails: r.emails.map((e) => `${e.address}${e.label ? `|${e.label}` : ""}`),
      phones: r.phones.map((p) => `${p.number}${p.label ? `|${p.label}` : ""}`),
      addresses: r.addresses,
      tags: r.tags,
      attributes: r.attributes,
      employers,
    };
  }
  return out;
}
