import { createCrm, CrmError, isCrmError } from "@kaartenbak/core";
import { classifySqliteError, sqliteAdapter } from "@kaartenbak/adapter-sqlite";
import Database from "better-sqlite3";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { link, memoryDatabase, relation, scratchDir } from "./fixtures.js";

/** Runs a statement that must fail, and returns what better-sqlite3 threw. */
function nativeError(db: Database.Database, statement: string): unknown {
  try {
    db.exec(statement);
  } catch (error) {
    return error;
  }
  throw new Error(`expected ${statement} to fail`);
}

describe("classifySqliteError on real SQLite errors", () => {
  const db = memoryDatabase();

  beforeAll(() => {
    db.pragma("foreign_keys = ON");
    db.exec(`
      create table scratch_parent (id text primary key);
      create table scratch (
        a text not null,
        b text not null,
        u text unique,
        n text not null,
        c integer constraint positive check (c > 0),
        p text references scratch_parent (id),
        primary key (a, b)
      );
      insert into scratch_parent values ('p1');
      insert into scratch (a, b, u, n, c, p) values ('a', 'b', 'taken', 'x', 1, 'p1');
    `);
  });

  it("maps a unique violation to DUPLICATE with the columns as constraint", () => {
    const error = nativeError(db, "insert into scratch (a, b, u, n) values ('a2', 'b', 'taken', 'x')");
    expect((error as { code: string }).code).toBe("SQLITE_CONSTRAINT_UNIQUE");
    const mapped = classifySqliteError(error);
    expect(mapped).toBeInstanceOf(CrmError);
    expect(mapped).toMatchObject({ code: "DUPLICATE", details: { reason: "unique_violation", constraint: "scratch.u" } });
    expect(mapped?.cause).toBe(error);
  });

  it("maps a primary-key violation to DUPLICATE", () => {
    const error = nativeError(db, "insert into scratch (a, b, n) values ('a', 'b', 'x')");
    expect((error as { code: string }).code).toBe("SQLITE_CONSTRAINT_PRIMARYKEY");
    expect(classifySqliteError(error)).toMatchObject({ code: "DUPLICATE", details: { reason: "unique_violation", constraint: "scratch.a, scratch.b" } });
  });

  it("maps a foreign-key violation to INTEGRITY", () => {
    const error = nativeError(db, "insert into scratch (a, b, n, p) values ('a3', 'b', 'x', 'ghost')");
    expect((error as { code: string }).code).toBe("SQLITE_CONSTRAINT_FOREIGNKEY");
    expect(classifySqliteError(error)).toMatchObject({ code: "INTEGRITY", details: { reason: "foreign_key_violation" } });
  });

  it("maps a check violation to INTEGRITY naming the check", () => {
    const error = nativeError(db, "insert into scratch (a, b, n, c) values ('a4', 'b', 'x', -1)");
    expect((error as { code: string }).code).toBe("SQLITE_CONSTRAINT_CHECK");
    expect(classifySqliteError(error)).toMatchObject({ code: "INTEGRITY", details: { reason: "check_violation", constraint: "positive" } });
  });

  it("maps a not-null violation to INTEGRITY", () => {
    const error = nativeError(db, "insert into scratch (a, b, n) values ('a5', 'b', null)");
    expect((error as { code: string }).code).toBe("SQLITE_CONSTRAINT_NOTNULL");
    expect(classifySqliteError(error)).toMatchObject({ code: "INTEGRITY", details: { reason: "not_null_violation", constraint: "scratch.n" } });
  });

  it("maps a missing kb_ table to CONFIGURATION not_migrated, naming migrate()", () => {
    const error = nativeError(db, "select * from kb_relations");
    expect((error as { code: string }).code).toBe("SQLITE_ERROR");
    const mapped = classifySqliteError(error);
    expect(mapped).toMatchObject({ code: "CONFIGURATION", retryable: false, details: { reason: "not_migrated" } });
    expect(mapped?.message).toBe("The Kaartenbak tables are missing in the SQLite database: call storage.migrate() (or crm.migrate()) first");
    expect(mapped?.cause).toBe(error);
    expect(classifySqliteError(nativeError(db, "select * from main.kb_outbox"))).toMatchObject({ code: "CONFIGURATION", details: { reason: "not_migrated" } });
  });

  it("leaves other errors to the store", () => {
    // A missing table that is not Kaartenbak's is the host's business, not a missing migration.
    expect(classifySqliteError(nativeError(db, "select * from no_such_table"))).toBeUndefined();
    expect(classifySqliteError(nativeError(db, "select * from my_kb_table"))).toBeUndefined();
    db.exec("attach database ':memory:' as kb_attached");
    expect(classifySqliteError(nativeError(db, "select * from kb_attached.host_table"))).toBeUndefined();
    expect(classifySqliteError(new Error("plain"))).toBeUndefined();
    expect(classifySqliteError("not an error")).toBeUndefined();
  });
});

describe("SQLITE_BUSY", () => {
  const dir = scratchDir();

  it("maps a held write lock to BUSY (retryable), natively and through the adapter", async () => {
    const file = join(dir, "busy.db");
    const holder = new Database(file);
    const waiter = new Database(file);
    try {
      holder.pragma("journal_mode = WAL");
      holder.exec("create table t (x integer)");
      const storage = sqliteAdapter({ database: waiter });
      await storage.migrate();
      // The adapter sets a 5 s busy timeout; zero makes the lock conflict immediate.
      waiter.pragma("busy_timeout = 0");
      holder.exec("begin immediate; insert into t values (1);");

      const native = nativeError(waiter, "insert into t values (2)");
      expect((native as { code: string }).code).toBe("SQLITE_BUSY");
      expect(classifySqliteError(native)).toMatchObject({ code: "BUSY", retryable: true, details: { reason: "busy", retryable: true } });

      // Write transactions begin immediately, so the conflict surfaces at BEGIN, before any work.
      let ran = false;
      const error = await storage
        .transaction("acme", async () => {
          ran = true;
        })
        .catch((e: unknown) => e);
      expect(isCrmError(error, "BUSY")).toBe(true);
      expect((error as CrmError).details).toMatchObject({ reason: "busy", retryable: true });
      expect(ran).toBe(false);

      holder.exec("commit");
      await expect(storage.transaction("acme", async (store) => store.relations.insert(relation("r1")))).resolves.toBeUndefined();
      await storage.close();
    } finally {
      holder.close();
      waiter.close();
    }
  });
});

describe("errors raised through the store", () => {
  const db = memoryDatabase();
  const storage = sqliteAdapter({ database: db });
  beforeAll(() => storage.migrate());

  it("reports a taken external reference as DUPLICATE and rolls the transaction back", async () => {
    const ref = { system: "erp", externalId: "42" };
    await storage.transaction("acme", (s) => s.relations.insert(relation("r1", { externalRefs: [ref] })));
    const error = await storage.transaction("acme", (s) => s.relations.insert(relation("r2", { externalRefs: [ref] }))).catch((e: unknown) => e);
    expect(isCrmError(error, "DUPLICATE")).toBe(true);
    expect(await storage.transaction("acme", (s) => s.relations.get("r2"))).toBeUndefined();
  });

  it("maps the error at the failing call, not only at the transaction boundary", async () => {
    const code = await storage.transaction("acme", (s) =>
      s.links.insert(link("l0", "r1", "ghost")).then(
        () => "none",
        (e: unknown) => (isCrmError(e) ? e.code : "raw"),
      ),
    );
    expect(code).toBe("INTEGRITY");
  });

  it("reports a link to a relation of another tenant as INTEGRITY", async () => {
    await storage.transaction("other", (s) => s.relations.insert(relation("foreign")));
    const error = await storage.transaction("acme", (s) => s.links.insert(link("l1", "r1", "foreign"))).catch((e: unknown) => e);
    expect(isCrmError(error, "INTEGRITY")).toBe(true);
  });

  it("reports an unrecognised database error as STORAGE with the cause kept", async () => {
    const db = memoryDatabase();
    const broken = sqliteAdapter({ database: db });
    await broken.migrate();
    // The table is there but not as the store knows it: not a missing migration, a driver error.
    db.exec("drop table kb_attribute_models; create table kb_attribute_models (tenant_id text)");
    const error = await broken.transaction("acme", (s) => s.attributeModels.latest()).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: "STORAGE", details: { reason: "driver_error" } });
    expect((error as CrmError).cause).toBeInstanceOf(Error);
  });

  it("reports an unmigrated database as CONFIGURATION not_migrated, naming migrate()", async () => {
    const db = memoryDatabase();
    const unmigrated = sqliteAdapter({ database: db });
    const error = await unmigrated.transaction("acme", (s) => s.attributeModels.latest()).catch((e: unknown) => e);
    expect(isCrmError(error, "CONFIGURATION")).toBe(true);
    expect(error).toMatchObject({ retryable: false, details: { reason: "not_migrated" } });
    expect((error as Error).message).toBe("The Kaartenbak tables are missing in the SQLite database: call storage.migrate() (or crm.migrate()) first");
    expect(((error as CrmError).cause as Error).message).toMatch(/no such table: kb_attribute_models/);
    // Through the CRM the same error reaches the app.
    const viaCrm = await createCrm({ storage: unmigrated })
      .tenant("acme")
      .relations.create({ kind: "organisation", name: "A" })
      .catch((e: unknown) => e);
    expect(viaCrm).toMatchObject({ code: "CONFIGURATION", details: { reason: "not_migrated" } });
    await unmigrated.migrate();
    expect(await unmigrated.transaction("acme", (s) => s.attributeModels.latest())).toBeUndefined();
  });

  it("passes the caller's own errors through unchanged", async () => {
    const mine = new Error("host logic failed");
    const error = await storage
      .transaction("acme", async () => {
        throw mine;
      })
      .catch((e: unknown) => e);
    expect(error).toBe(mine);
  });

  it("refuses a missing or malformed tenant id with TENANT", async () => {
    for (const tenant of ["", " ", undefined as unknown as string]) {
      const error = await storage.transaction(tenant, async () => 1).catch((e: unknown) => e);
      expect(isCrmError(error, "TENANT")).toBe(true);
    }
  });
});
