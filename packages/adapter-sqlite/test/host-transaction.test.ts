import { createCrm, isCrmError, type CrmError } from "@kaartenbak/core";
import { sqliteAdapter } from "@kaartenbak/adapter-sqlite";
import { Kysely, SqliteDialect, sql } from "kysely";
import { beforeAll, describe, expect, it } from "vitest";
import { count, memoryDatabase, relation } from "./fixtures.js";

interface HostDb {
  host_notes: { id: string };
}

describe("host-transaction mode", () => {
  const db = memoryDatabase();
  const kysely = new Kysely<HostDb>({ dialect: new SqliteDialect({ database: db }) });

  beforeAll(async () => {
    await sqliteAdapter({ kysely }).migrate();
    await kysely.schema
      .createTable("host_notes")
      .addColumn("id", "text", (c) => c.primaryKey())
      .execute();
  });

  const notes = () => (db.prepare("select id from host_notes order by id").all() as { id: string }[]).map((r) => r.id);

  it("reports the capability", async () => {
    expect(sqliteAdapter({ kysely }).capabilities.hostTransaction).toBe(false);
    await kysely.transaction().execute(async (trx) => {
      expect(sqliteAdapter({ kysely: trx }).capabilities).toEqual({
        dialect: "sqlite",
        concurrentWriters: false,
        hostTransaction: true,
        rowLevelSecurity: false,
        searchStemming: ["english"],
      });
    });
  });

  it("rolls a failed call back to its savepoint; the host still commits its own writes", async () => {
    await kysely.transaction().execute(async (trx) => {
      await trx.insertInto("host_notes").values({ id: "before" }).execute();
      const storage = sqliteAdapter({ kysely: trx });
      await storage.transaction("host-a", (s) => s.relations.insert(relation("kept")));

      // Fails in the callback after a write: the write must go.
      const thrown = await storage
        .transaction("host-a", async (s) => {
          await s.relations.insert(relation("dropped"));
          throw new Error("command failed");
        })
        .catch((e: unknown) => e);
      // The caller's own error comes back as it was thrown, after the savepoint rolled back.
      expect((thrown as Error).message).toBe("command failed");
      expect(isCrmError(thrown)).toBe(false);

      // Fails in the database (a taken reference): mapped, and rolled back to the savepoint.
      const ref = [{ system: "erp", externalId: "1" }];
      await storage.transaction("host-a", (s) => s.relations.insert(relation("holder", { externalRefs: ref })));
      const duplicate = await storage.transaction("host-a", (s) => s.relations.insert(relation("taker", { externalRefs: ref }))).catch((e: unknown) => e);
      expect(isCrmError(duplicate, "DUPLICATE")).toBe(true);

      await trx.insertInto("host_notes").values({ id: "after" }).execute();
      expect(await storage.transaction("host-a", (s) => s.relations.get("kept"))).toBeDefined();
    });
    expect(notes()).toEqual(["after", "before"]);
    const ids = (db.prepare("select id from kb_relations where tenant_id = 'host-a' order by id").all() as { id: string }[]).map((r) => r.id);
    expect(ids).toEqual(["holder", "kept"]);
  });

  it("loses the CRM writes when the host rolls back", async () => {
    const outcome = await kysely
      .transaction()
      .execute(async (trx) => {
        await trx.insertInto("host_notes").values({ id: "rolled-back" }).execute();
        const storage = sqliteAdapter({ kysely: trx });
        await storage.transaction("host-b", async (s) => {
          await s.relations.insert(relation("r1"));
          await s.journal.appendEvent({
            id: "e1",
            type: "relation.created",
            entityType: "relation",
            entityId: "r1",
            payload: {},
            actor: "a",
            source: "s",
            occurredAt: "2026-01-01T00:00:00.000Z",
          });
        });
        expect(count(db, "kb_relations", "host-b")).toBe(1);
        throw new Error("host gives up");
      })
      .catch((e: unknown) => (e as Error).message);
    expect(outcome).toBe("host gives up");
    expect(notes()).not.toContain("rolled-back");
    expect(count(db, "kb_relations", "host-b")).toBe(0);
    expect(count(db, "kb_outbox", "host-b")).toBe(0);
    expect(count(db, "kb_counters", "host-b")).toBe(0);
  });

  it("runs concurrent calls one at a time so their savepoints never interleave", async () => {
    await kysely.transaction().execute(async (trx) => {
      const storage = sqliteAdapter({ kysely: trx });
      const results = await Promise.allSettled([
        storage.transaction("host-c", async (s) => {
          await s.relations.insert(relation("slow"));
          await new Promise((resolve) => setTimeout(resolve, 20));
          throw new Error("slow fails");
        }),
        storage.transaction("host-c", (s) => s.relations.insert(relation("fast"))),
      ]);
      expect(results.map((r) => r.status)).toEqual(["rejected", "fulfilled"]);
    });
    const ids = (db.prepare("select id from kb_relations where tenant_id = 'host-c'").all() as { id: string }[]).map((r) => r.id);
    expect(ids).toEqual(["fast"]);
  });

  it("leaves the host's transaction and Kysely instance open on close", async () => {
    await kysely.transaction().execute(async (trx) => {
      const storage = sqliteAdapter({ kysely: trx });
      await storage.close();
      await trx.insertInto("host_notes").values({ id: "still-open" }).execute();
    });
    expect(notes()).toContain("still-open");
  });
});

describe("storage.bind(trx)", () => {
  const db = memoryDatabase();
  const kysely = new Kysely<HostDb>({ dialect: new SqliteDialect({ database: db }) });
  // The CRM's own adapter on the same database; the host's Kysely opens the transactions.
  const storage = sqliteAdapter({ database: db });
  const crm = createCrm({ storage, defaultRegion: "NL" });

  beforeAll(async () => {
    await storage.migrate();
    await kysely.schema
      .createTable("host_notes")
      .addColumn("id", "text", (c) => c.primaryKey())
      .execute();
  });

  const notes = () => (db.prepare("select id from host_notes order by id").all() as { id: string }[]).map((r) => r.id);
  const names = (tenant: string) =>
    (db.prepare("select name from kb_relations where tenant_id = ? order by name").all(tenant) as { name: string }[]).map((r) => r.name);

  it("keeps the adapter's settings and marks the bound adapter as a host transaction", async () => {
    await kysely.transaction().execute(async (trx) => {
      const bound = storage.bind(trx);
      expect(bound.id).toBe("sqlite");
      expect(bound.capabilities).toEqual({
        dialect: "sqlite",
        concurrentWriters: false,
        hostTransaction: true,
        rowLevelSecurity: false,
        searchStemming: ["english"],
      });
      expect(typeof bound.bind).toBe("function");
    });
    expect(storage.capabilities.hostTransaction).toBe(false);
  });

  it("commits the CRM writes, history and events together with the host's own writes", async () => {
    await kysely.transaction().execute(async (trx) => {
      await trx.insertInto("host_notes").values({ id: "bind-commit" }).execute();
      const t = crm.withTransaction(trx).tenant("bind-commit");
      const org = await t.relations.create({ kind: "organisation", name: "Bound BV" });
      await t.interactions.log({ kind: "note", occurredAt: new Date(), relationIds: [org.id], subject: "In the host's transaction" });
      // Inside the host's transaction, before it commits, the host's own handle sees the CRM rows.
      const inside = await sql<{ name: string }>`select name from kb_relations where tenant_id = 'bind-commit'`.execute(trx);
      expect(inside.rows).toEqual([{ name: "Bound BV" }]);
    });
    expect(notes()).toContain("bind-commit");
    expect(names("bind-commit")).toEqual(["Bound BV"]);
    expect(count(db, "kb_interactions", "bind-commit")).toBe(1);
    expect(count(db, "kb_history", "bind-commit")).toBe(2);
    expect(count(db, "kb_outbox", "bind-commit")).toBe(2);
  });

  it("rolls back the CRM writes with the host's when the host's transaction throws", async () => {
    const outcome = await kysely
      .transaction()
      .execute(async (trx) => {
        await trx.insertInto("host_notes").values({ id: "bind-rollback" }).execute();
        const t = crm.withTransaction(trx).tenant("bind-rollback");
        const org = await t.relations.create({ kind: "organisation", name: "Gone BV" });
        await t.interactions.log({ kind: "note", occurredAt: new Date(), relationIds: [org.id] });
        // The writes went into the host's (still open) transaction on the same connection.
        expect(count(db, "kb_relations", "bind-rollback")).toBe(1);
        throw new Error("host gives up");
      })
      .catch((e: unknown) => (e as Error).message);
    expect(outcome).toBe("host gives up");
    expect(notes()).not.toContain("bind-rollback");
    for (const table of ["kb_relations", "kb_interactions", "kb_history", "kb_outbox", "kb_counters"]) {
      expect(count(db, table, "bind-rollback"), table).toBe(0);
    }
  });

  it("refuses anything but a Kysely transaction, naming what to pass", () => {
    for (const wrong of [kysely, db, undefined, null, {}, { isTransaction: "yes" }]) {
      let error: unknown;
      try {
        storage.bind(wrong as never);
      } catch (e) {
        error = e;
      }
      expect(isCrmError(error, "CONFIGURATION"), String(wrong)).toBe(true);
      expect((error as CrmError).details.reason).toBe("invalid_options");
      expect((error as Error).message).toMatch(/Kysely Transaction/);
      expect((error as Error).message).toMatch(/trx/);
    }
  });

  it("leaves the host's transaction open on the bound adapter's close(), and the adapter usable", async () => {
    await kysely.transaction().execute(async (trx) => {
      const bound = storage.bind(trx);
      await bound.transaction("bind-close", (s) => s.relations.insert(relation("c1")));
      await bound.close();
      await trx.insertInto("host_notes").values({ id: "bind-still-open" }).execute();
    });
    expect(notes()).toContain("bind-still-open");
    expect(count(db, "kb_relations", "bind-close")).toBe(1);
    expect(await storage.transaction("bind-close", (s) => s.relations.get("c1"))).toMatchObject({ id: "c1" });
  });

  it("checks foreign keys on the host's connection, even when the adapter set them on its own", async () => {
    const other = memoryDatabase();
    const own = sqliteAdapter({ database: other });
    await own.migrate();
    const host = new Kysely<HostDb>({ dialect: new SqliteDialect({ database: other }) });
    other.pragma("foreign_keys = OFF");
    const error = await host.transaction().execute((trx) =>
      own
        .bind(trx)
        .transaction("acme", async () => 1)
        .catch((e: unknown) => e),
    );
    expect(isCrmError(error, "CONFIGURATION")).toBe(true);
    expect((error as CrmError).details.reason).toBe("foreign_keys_off");
  });

  it("never migrates from a bound adapter, even in on-first-use mode: an unmigrated database is a CONFIGURATION error", async () => {
    const fresh = memoryDatabase();
    const host = new Kysely<HostDb>({ dialect: new SqliteDialect({ database: fresh }) });
    const lazy = sqliteAdapter({ kysely: host, migrate: "on-first-use" });
    const kbTables = () =>
      (fresh.prepare("select count(*) as n from sqlite_master where type = 'table' and name like 'kb\\_%' escape '\\'").get() as { n: number }).n;

    const error = await host.transaction().execute((trx) =>
      crm
        .withStorage(lazy.bind(trx))
        .tenant("lazy")
        .relations.create({ kind: "organisation", name: "Too early" })
        .catch((e: unknown) => e),
    );
    expect(isCrmError(error, "CONFIGURATION")).toBe(true);
    expect((error as CrmError).details.reason).toBe("not_migrated");
    expect((error as Error).message).toMatch(/migrate\(\)/);
    expect(kbTables()).toBe(0);

    // The adapter itself still migrates on its first transaction; bound adapters then just work.
    await lazy.transaction("lazy", async () => undefined);
    expect(kbTables()).toBeGreaterThan(10);
    await host.transaction().execute((trx) => crm.withStorage(lazy.bind(trx)).tenant("lazy").relations.create({ kind: "organisation", name: "In time" }));
    expect(count(fresh, "kb_relations", "lazy")).toBe(1);
  });
});
