import { isCrmError } from "@kaartenbak/core";
import { sqliteAdapter } from "@kaartenbak/adapter-sqlite";
import { Kysely, SqliteDialect } from "kysely";
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
    await kysely.schema.createTable("host_notes").addColumn("id", "text", (c) => c.primaryKey()).execute();
  });

  const notes = () => (db.prepare("select id from host_notes order by id").all() as { id: string }[]).map((r) => r.id);

  it("reports the capability", async () => {
    expect(sqliteAdapter({ kysely }).capabilities.hostTransaction).toBe(false);
    await kysely.transaction().execute(async (trx) => {
      expect(sqliteAdapter({ kysely: trx }).capabilities).toEqual({ dialect: "sqlite", concurrentWriters: false, hostTransaction: true, rowLevelSecurity: false });
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
          await s.journal.appendEvent({ id: "e1", type: "relation.created", entityType: "relation", entityId: "r1", payload: {}, actor: "a", source: "s", occurredAt: "2026-01-01T00:00:00.000Z" });
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
