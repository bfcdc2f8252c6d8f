import { createCrm, isCrmError, type CrmError } from "@kaartenbak/core";
import { sqliteAdapter, sqliteProfile } from "@kaartenbak/adapter-sqlite";
import type { StorageAdapter } from "@kaartenbak/core/storage";
import { KB_TABLES, MIGRATION_NAMES, migrateOnFirstUse, migrations } from "@kaartenbak/store-kysely";
import Database from "better-sqlite3";
import { Kysely, SqliteDialect } from "kysely";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { memoryDatabase, relation, scratchDir } from "./fixtures.js";

const names = (db: Database.Database, type: "table" | "index") =>
  (db.prepare("select name from sqlite_master where type = ? order by name").all(type) as { name: string }[]).map((r) => r.name);

describe("migrations", () => {
  const dir = scratchDir();

  it("applies once; a second run applies nothing", async () => {
    const db = memoryDatabase();
    const storage = sqliteAdapter({ database: db });
    expect(await storage.migrate()).toEqual({ applied: [...MIGRATION_NAMES], current: [...MIGRATION_NAMES] });
    expect(await storage.migrate()).toEqual({ applied: [], current: [...MIGRATION_NAMES] });
    // Another adapter on the same database sees the same state.
    expect(await sqliteAdapter({ database: db }).migrate()).toEqual({ applied: [], current: [...MIGRATION_NAMES] });
  });

  it("creates every table, index and tenant-scoped foreign key", async () => {
    const db = memoryDatabase();
    await sqliteAdapter({ database: db }).migrate();
    expect(names(db, "table")).toEqual(expect.arrayContaining([...KB_TABLES, "kb_migration", "kb_migration_lock"]));
    expect(names(db, "index")).toEqual(
      expect.arrayContaining([
        "kb_relations_name_key_idx",
        "kb_relation_emails_email_idx",
        "kb_relation_phones_phone_idx",
        "kb_relation_tags_tag_idx",
        "kb_relation_refs_relation_idx",
        "kb_links_from_idx",
        "kb_links_to_idx",
        "kb_interaction_relations_timeline_idx",
        "kb_history_entity_idx",
      ]),
    );
    const timeline = db.prepare("select name from pragma_index_info('kb_interaction_relations_timeline_idx') order by seqno").all() as { name: string }[];
    expect(timeline.map((c) => c.name)).toEqual(["tenant_id", "relation_id", "occurred_at", "interaction_id"]);
    for (const table of KB_TABLES) {
      const columns = db.prepare(`select name, pk from pragma_table_info('${table}')`).all() as { name: string; pk: number }[];
      expect(columns.find((c) => c.name === "tenant_id")?.pk, table).toBe(1);
      const fks = db.prepare(`select "from" from pragma_foreign_key_list('${table}')`).all() as { from: string }[];
      if (fks.length > 0)
        expect(
          fks.map((f) => f.from),
          table,
        ).toContain("tenant_id");
    }
  });

  it("uses WAL on a file database the adapter opens, and closes it", async () => {
    const file = join(dir, "wal.db");
    const storage = sqliteAdapter({ filename: file });
    expect((await storage.migrate()).applied).toEqual([...MIGRATION_NAMES]);
    await storage.transaction("acme", (s) => s.relations.insert(relation("r1")));
    await storage.close();

    const check = new Database(file);
    try {
      expect(check.pragma("journal_mode", { simple: true })).toBe("wal");
      expect(check.prepare("select id from kb_relations").all()).toEqual([{ id: "r1" }]);
    } finally {
      check.close();
    }
  });

  it("sets the pragmas on a database it is given, and leaves it open on close", async () => {
    const db = new Database(join(dir, "given.db"));
    try {
      const storage = sqliteAdapter({ database: db });
      expect(db.pragma("journal_mode", { simple: true })).toBe("wal");
      expect(db.pragma("foreign_keys", { simple: true })).toBe(1);
      expect(db.pragma("busy_timeout", { simple: true })).toBe(5000);
      expect(db.pragma("synchronous", { simple: true })).toBe(1); // NORMAL
      await storage.migrate();
      await storage.close();
      expect(db.open).toBe(true);
      expect(db.prepare("select count(*) as n from kb_migration").get()).toEqual({ n: MIGRATION_NAMES.length });
    } finally {
      db.close();
    }
  });

  it("migrates before the first transaction in on-first-use mode", async () => {
    const storage = sqliteAdapter({ filename: ":memory:", migrate: "on-first-use" });
    await storage.transaction("acme", (s) => s.relations.insert(relation("r1")));
    expect(await storage.transaction("acme", (s) => s.relations.get("r1"))).toMatchObject({ id: "r1" });
    expect(await storage.migrate()).toEqual({ applied: [], current: [...MIGRATION_NAMES] });
    await storage.close();
  });

  it("fails transactions in explicit mode until the host migrates", async () => {
    const storage = sqliteAdapter({ filename: ":memory:" });
    const error = await storage.transaction("acme", (s) => s.relations.get("r1")).catch((e: unknown) => e);
    expect(isCrmError(error, "CONFIGURATION")).toBe(true);
    expect((error as CrmError).details.reason).toBe("not_migrated");
    expect((error as Error).message).toMatch(/call storage\.migrate\(\)/);
    await storage.migrate();
    expect(await storage.transaction("acme", (s) => s.relations.get("r1"))).toBeUndefined();
    await storage.close();
  });

  it("turns foreign keys on for a host Kysely instance, and leaves the instance to the host", async () => {
    const db = memoryDatabase();
    const kysely = new Kysely<unknown>({ dialect: new SqliteDialect({ database: db }) });
    // better-sqlite3 builds default to ON; a host may have turned it off.
    db.pragma("foreign_keys = OFF");
    const storage = sqliteAdapter({ kysely });
    await storage.migrate();
    expect(db.pragma("foreign_keys", { simple: true })).toBe(1);
    await storage.close();
    expect(db.open).toBe(true);
  });

  it("inside a host transaction, only verifies the schema", async () => {
    const db = memoryDatabase();
    const kysely = new Kysely<unknown>({ dialect: new SqliteDialect({ database: db }) });
    db.pragma("foreign_keys = ON");
    const before = await kysely.transaction().execute((trx) =>
      sqliteAdapter({ kysely: trx })
        .migrate()
        .catch((e: unknown) => e),
    );
    expect(isCrmError(before)).toBe(true);
    expect((before as CrmError).details.reason).toBe("migrate_in_transaction");
    await sqliteAdapter({ kysely }).migrate();
    const after = await kysely.transaction().execute((trx) => sqliteAdapter({ kysely: trx }).migrate());
    expect(after).toEqual({ applied: [], current: [...MIGRATION_NAMES] });
  });

  it("refuses a host transaction whose connection has foreign keys off", async () => {
    const db = memoryDatabase();
    const kysely = new Kysely<unknown>({ dialect: new SqliteDialect({ database: db }) });
    db.pragma("foreign_keys = OFF");
    const error = await kysely.transaction().execute((trx) =>
      sqliteAdapter({ kysely: trx })
        .transaction("acme", async () => 1)
        .catch((e: unknown) => e),
    );
    expect(isCrmError(error, "CONFIGURATION")).toBe(true);
    expect((error as CrmError).details.reason).toBe("foreign_keys_off");
  });

  it("runs the on-first-use migration once for concurrent first transactions", async () => {
    const db = memoryDatabase();
    const storage = sqliteAdapter({ database: db, migrate: "on-first-use" });
    await Promise.all([1, 2, 3].map((i) => storage.transaction("acme", (s) => s.relations.insert(relation(`r${i}`)))));
    expect(db.prepare("select count(*) as n from kb_migration").get()).toEqual({ n: MIGRATION_NAMES.length });
    expect(db.prepare("select count(*) as n from kb_relations").get()).toEqual({ n: 3 });
  });

  it("migrateOnFirstUse: one run shared, a failure retried, an explicit migrate() counted, bound adapters left alone", async () => {
    const calls: string[] = [];
    let failNext = true;
    const fake = (name: string): StorageAdapter<string> => ({
      id: name,
      capabilities: { dialect: "sqlite", concurrentWriters: false, hostTransaction: name !== "root", rowLevelSecurity: false },
      async migrate() {
        calls.push(`${name}.migrate`);
        await new Promise((resolve) => setTimeout(resolve, 5));
        if (failNext) {
          failNext = false;
          throw new Error("first run fails");
        }
        return { applied: [], current: [] };
      },
      async transaction(_tenant, fn) {
        calls.push(`${name}.transaction`);
        return fn(undefined as never);
      },
      bind: (trx) => fake(trx),
      close: async () => undefined,
    });
    const lazy = migrateOnFirstUse(fake("root"));
    await expect(lazy.transaction("t", async () => 1)).rejects.toThrow("first run fails");
    await Promise.all([lazy.transaction("t", async () => 1), lazy.transaction("t", async () => 2)]);
    expect(calls).toEqual(["root.migrate", "root.migrate", "root.transaction", "root.transaction"]);

    calls.length = 0;
    const explicit = migrateOnFirstUse(fake("root"));
    await explicit.migrate();
    await explicit.transaction("t", async () => 1);
    expect(calls).toEqual(["root.migrate", "root.transaction"]);

    calls.length = 0;
    await migrateOnFirstUse(fake("root"))
      .bind("trx")
      .transaction("t", async () => 1);
    expect(calls).toEqual(["trx.transaction"]);
  });

  it("refuses wrong options with CONFIGURATION naming the option", () => {
    const db = memoryDatabase();
    const kysely = new Kysely<unknown>({ dialect: new SqliteDialect({ database: db }) });
    const cases: [unknown, RegExp][] = [
      [{}, /exactly one of the options database, kysely or filename/],
      [{ database: db, filename: ":memory:" }, /got database and filename/],
      [{ kysely, database: db }, /got database and kysely/],
      [{ database: {} }, /option database/],
      [{ kysely: {} }, /option kysely/],
      [{ filename: 42 }, /option filename/],
      [{ filename: ":memory:", migrate: "sometimes" }, /option migrate: "sometimes"/],
      [undefined, /options object/],
    ];
    for (const [options, message] of cases) {
      let error: unknown;
      try {
        sqliteAdapter(options as never);
      } catch (e) {
        error = e;
      }
      expect(isCrmError(error, "CONFIGURATION"), JSON.stringify(options ?? null)).toBe(true);
      expect((error as CrmError).details.reason).toBe("invalid_options");
      expect((error as Error).message).toMatch(message);
    }
  });
});

describe("migration 016-meeting-keys", () => {
  it("rewrites connector-prefixed meeting keys to core's neutral key unless the new key is taken", async () => {
    const db = memoryDatabase();
    const storage = sqliteAdapter({ database: db });
    await storage.migrate();
    const crm = createCrm({ storage });
    const log = async (tenant: string, externalKey: string) => {
      const t = crm.tenant(tenant);
      const person = await t.relations.create({ kind: "person", name: "P" });
      await t.interactions.log({ kind: "meeting", occurredAt: "2026-03-01T10:00:00Z", relationIds: [person.id], externalKey });
    };
    await log("a", "outlook-event:UID1");
    await log("a", "google-event:UID2:2026-03-10T09:00:00.000Z");
    await log("a", "meeting:UID3");
    await log("a", "outlook-event:UID3"); // the new key is taken: stays as it is
    await log("a", "outlook-event:UID4");
    await log("a", "google-event:UID4"); // the first prefix wins UID4; this one stays
    await log("b", "google-event:UID1"); // another tenant: its own key space
    await log("a", "<m1@example.com>"); // mail keys are untouched
    const up = (await migrations(sqliteProfile).getMigrations())["016-meeting-keys"]!.up;
    await up(new Kysely<unknown>({ dialect: new SqliteDialect({ database: db }) }));
    const keys = (tenant: string) =>
      (db.prepare("select external_key from kb_interactions where tenant_id = ? order by external_key").all(tenant) as { external_key: string }[]).map(
        (r) => r.external_key,
      );
    expect(keys("a")).toEqual([
      "<m1@example.com>",
      "google-event:UID4",
      "meeting:UID1",
      "meeting:UID2:2026-03-10T09:00:00.000Z",
      "meeting:UID3",
      "meeting:UID4",
      "outlook-event:UID3",
    ]);
    expect(keys("b")).toEqual(["meeting:UID1"]);
    await storage.close();
  });
});
