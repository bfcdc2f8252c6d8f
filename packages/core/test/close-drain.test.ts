import Database from "better-sqlite3";
import { Kysely, SqliteDialect } from "kysely";
import pg from "pg";
import { afterAll, describe, expect, it } from "vitest";
import { sqliteAdapter } from "@kaartenbak/adapter-sqlite";
import { postgresAdapter } from "@kaartenbak/adapter-postgres";
import { dropSchema, freshSchemaName, postgresReachable, testDatabaseUrl } from "@kaartenbak/adapter-postgres/testing";
import type { StorageAdapter } from "../src/storage.js";
import { createCrm } from "../src/crm.js";
import { isCrmError } from "../src/errors.js";

/**
 * `close()` drains on every adapter and engine: what was started finishes (also calls still queued
 * for SQLite's one connection, a small pool, the first migration or the foreign-key check), then
 * the adapter closes; every call after it is refused with CONFIGURATION `closed`.
 */

const postgres = await postgresReachable("close() drain tests on Postgres");

/** The outcome of a promise as a short string, for comparing many at once. */
const settle = (promise: Promise<unknown>) =>
  promise.then(
    () => "ok",
    (e: unknown) => (isCrmError(e) ? `${e.code}:${String(e.details.reason)}` : String(e)),
  );

/** Starts 25 commands (one of them invalid, one a unit of work), closes at once, and checks the drain. */
async function drains(storage: StorageAdapter<unknown>, count: () => Promise<number>, migrated = true): Promise<void> {
  const crm = createCrm({ storage, defaultRegion: "NL" });
  if (migrated) await crm.migrate();
  const t = crm.tenant("drain", { actor: "user:test" });
  const started = [
    ...Array.from({ length: 22 }, (_, i) => t.relations.create({ kind: "organisation", name: `Org ${i}` })),
    t.relations.create({ kind: "robot" } as never),
    t.transaction(async (unit) => {
      await unit.relations.create({ kind: "person", name: "In a unit" });
      await unit.relations.create({ kind: "person", name: "Also in it" });
    }),
  ].map(settle);
  const closing = crm.close();
  const late = settle(t.relations.create({ kind: "organisation", name: "Too late" }));
  expect(await Promise.all(started)).toEqual([...Array.from({ length: 22 }, () => "ok"), "VALIDATION:invalid_input", "ok"]);
  await closing;
  expect(await late).toBe("CONFIGURATION:closed");
  // Every later call is refused alike; close() again is the same (resolved) promise.
  expect(await settle(t.relations.get("x"))).toBe("CONFIGURATION:closed");
  expect(await settle(storage.migrate())).toBe("CONFIGURATION:closed");
  expect(await settle(storage.transaction("drain", async () => 1))).toBe("CONFIGURATION:closed");
  expect(await settle(Promise.resolve().then(() => storage.bind({ isTransaction: true } as never)))).toBe("CONFIGURATION:closed");
  await expect(crm.close()).resolves.toBeUndefined();
  expect(await count()).toBe(24);
}

describe("close() drains on SQLite", () => {
  it("with a database the host passed: started commands finish, the database stays open for the host", async () => {
    const db = new Database(":memory:");
    await drains(sqliteAdapter({ database: db }), async () => (db.prepare("select count(*) as n from kb_relations").get() as { n: number }).n);
    expect(db.open).toBe(true);
    db.close();
  });

  it("with a file the adapter opened (and closes), and with migrate: on-first-use", async () => {
    const dir = await import("node:fs/promises").then((fs) => fs.mkdtemp(`${(process.env.TMPDIR ?? "/tmp").replace(/\/$/, "")}/kb-close-`));
    const file = `${dir}/crm.db`;
    const count = async () => {
      const db = new Database(file, { readonly: true });
      try {
        return (db.prepare("select count(*) as n from kb_relations").get() as { n: number }).n;
      } finally {
        db.close();
      }
    };
    await drains(sqliteAdapter({ filename: file }), count);
    const again = `${dir}/again.db`;
    await drains(
      sqliteAdapter({ filename: again, migrate: "on-first-use" }),
      async () => {
        const db = new Database(again, { readonly: true });
        const n = (db.prepare("select count(*) as n from kb_relations").get() as { n: number }).n;
        db.close();
        return n;
      },
      false,
    );
    await import("node:fs/promises").then((fs) => fs.rm(dir, { recursive: true, force: true }));
  });

  it("with the host's Kysely instance: calls waiting for the foreign-key check still finish", async () => {
    const db = new Database(":memory:");
    const kysely = new Kysely<unknown>({ dialect: new SqliteDialect({ database: db }) });
    await drains(sqliteAdapter({ kysely }), async () => (db.prepare("select count(*) as n from kb_relations").get() as { n: number }).n);
    // The host's Kysely is the host's: still usable.
    expect(db.open).toBe(true);
    await kysely.destroy();
  });
});

describe.skipIf(!postgres)("close() drains on Postgres", () => {
  const pool = new pg.Pool({ connectionString: testDatabaseUrl(), max: 4 });
  const schemas: string[] = [];
  const fresh = () => {
    const schema = freshSchemaName("kb_close");
    schemas.push(schema);
    return schema;
  };
  const counted = (schema: string) => async () => Number((await pool.query(`select count(*) as n from ${schema}.kb_relations`)).rows[0].n);
  afterAll(async () => {
    for (const schema of schemas) await dropSchema(pool, schema);
    await pool.end();
  });

  it("with a pool the host owns (two connections for 25 commands): started commands finish, the pool stays open", async () => {
    const small = new pg.Pool({ connectionString: testDatabaseUrl(), max: 2 });
    const schema = fresh();
    await drains(postgresAdapter({ pool: small, schema }), counted(schema));
    expect((await small.query("select 1 as one")).rows[0].one).toBe(1);
    await small.end();
  });

  it("with a pool the adapter opened from a connection string (and ends), and with migrate: on-first-use", async () => {
    const schema = fresh();
    await drains(postgresAdapter({ connectionString: testDatabaseUrl(), poolSize: 2, schema }), counted(schema));
    const other = fresh();
    await drains(postgresAdapter({ connectionString: testDatabaseUrl(), poolSize: 2, schema: other, migrate: "on-first-use" }), counted(other), false);
  });
});
