import { afterAll, beforeAll, describe, expect, it } from "vitest";
import pg from "pg";
import { CrmError, createCrm, isCrmError } from "@kaartenbak/core";
import { classifyPostgresError, postgresAdapter } from "../src/index.js";
import { DATABASE_URL, dropSchema, freshSchema, postgresAvailable, testPool } from "./pg-harness.js";

/** Provokes each native error on a real server and checks what it maps to. */
describe.skipIf(!postgresAvailable)("postgres: native error mapping", () => {
  const pool = testPool(4);
  const schema = freshSchema("kb_err");

  beforeAll(async () => {
    await pool.query(`create schema ${schema}`);
    await pool.query(`create table ${schema}.parent (id int primary key)`);
    await pool.query(
      `create table ${schema}.child (id int primary key, parent_id int references ${schema}.parent (id), qty int check (qty > 0), name text not null default 'x')`,
    );
    await pool.query(`insert into ${schema}.parent values (1), (2)`);
  });
  afterAll(async () => {
    await dropSchema(pool, schema);
    await pool.end();
  });

  async function failure(run: () => Promise<unknown>): Promise<CrmError> {
    const error = await run().then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error, "the statement should have failed").toBeDefined();
    const mapped = classifyPostgresError(error);
    expect(mapped, `unmapped: ${(error as Error).message}`).toBeInstanceOf(CrmError);
    return mapped!;
  }

  it("23505 unique violation → DUPLICATE with the constraint", async () => {
    const e = await failure(() => pool.query(`insert into ${schema}.parent values (1)`));
    expect(e).toMatchObject({ code: "DUPLICATE", details: { reason: "unique_violation", constraint: "parent_pkey" } });
  });

  it("23503 foreign key → INTEGRITY", async () => {
    const e = await failure(() => pool.query(`insert into ${schema}.child (id, parent_id, qty) values (1, 99, 1)`));
    expect(e).toMatchObject({ code: "INTEGRITY", details: { reason: "foreign_key_violation" } });
  });

  it("23514 check → INTEGRITY", async () => {
    const e = await failure(() => pool.query(`insert into ${schema}.child (id, parent_id, qty) values (2, 1, 0)`));
    expect(e).toMatchObject({ code: "INTEGRITY", details: { reason: "check_violation" } });
  });

  it("23502 not null → INTEGRITY", async () => {
    const e = await failure(() => pool.query(`insert into ${schema}.child (id, parent_id, qty, name) values (3, 1, 1, null)`));
    expect(e).toMatchObject({ code: "INTEGRITY", details: { reason: "not_null_violation" } });
  });

  it("40001 serialization failure → BUSY, retryable", async () => {
    const [a, b] = [new pg.Client(DATABASE_URL), new pg.Client(DATABASE_URL)];
    await Promise.all([a.connect(), b.connect()]);
    try {
      await a.query("begin isolation level serializable");
      await b.query("begin isolation level serializable");
      await a.query(`select * from ${schema}.parent where id = 1`);
      await b.query(`select * from ${schema}.parent where id = 1`);
      await a.query(`update ${schema}.parent set id = 11 where id = 1`);
      const blocked = b.query(`update ${schema}.parent set id = 12 where id = 1`);
      await a.query("commit");
      const e = await failure(() => blocked);
      expect(e).toMatchObject({ code: "BUSY", retryable: true, details: { reason: "serialization_failure", retryable: true } });
    } finally {
      await b.query("rollback").catch(() => undefined);
      await pool.query(`update ${schema}.parent set id = 1 where id = 11`);
      await Promise.all([a.end(), b.end()]);
    }
  });

  it("40P01 deadlock → BUSY, retryable", async () => {
    const [a, b] = [new pg.Client(DATABASE_URL), new pg.Client(DATABASE_URL)];
    await Promise.all([a.connect(), b.connect()]);
    try {
      await a.query("begin");
      await b.query("begin");
      await a.query(`update ${schema}.parent set id = id where id = 1`);
      await b.query(`update ${schema}.parent set id = id where id = 2`);
      const first = a.query(`update ${schema}.parent set id = id where id = 2`).then(
        () => undefined,
        (e: unknown) => e,
      );
      const second = b.query(`update ${schema}.parent set id = id where id = 1`).then(
        () => undefined,
        (e: unknown) => e,
      );
      const errors = (await Promise.all([first, second])).filter(Boolean);
      expect(errors).toHaveLength(1);
      expect(classifyPostgresError(errors[0])).toMatchObject({ code: "BUSY", retryable: true, details: { reason: "deadlock", retryable: true } });
    } finally {
      await a.query("rollback").catch(() => undefined);
      await b.query("rollback").catch(() => undefined);
      await Promise.all([a.end(), b.end()]);
    }
  });

  it("55P03 lock not available → BUSY, retryable", async () => {
    const [a, b] = [new pg.Client(DATABASE_URL), new pg.Client(DATABASE_URL)];
    await Promise.all([a.connect(), b.connect()]);
    try {
      await a.query("begin");
      await a.query(`select * from ${schema}.parent where id = 2 for update`);
      const e = await failure(() => b.query(`select * from ${schema}.parent where id = 2 for update nowait`));
      expect(e).toMatchObject({ code: "BUSY", retryable: true, details: { reason: "lock_not_available", retryable: true } });
    } finally {
      await a.query("rollback").catch(() => undefined);
      await Promise.all([a.end(), b.end()]);
    }
  });

  it("42P01 on a kb_ table → CONFIGURATION not_migrated, naming the schema and migrate()", async () => {
    const e = await failure(() => pool.query(`select * from ${schema}.kb_relations`));
    expect(e).toMatchObject({ code: "CONFIGURATION", retryable: false, details: { reason: "not_migrated" } });
    expect(e.message).toBe(`The Kaartenbak tables are missing in schema "${schema}": call storage.migrate() (or crm.migrate()) first`);
    expect((e.cause as { code?: string }).code).toBe("42P01");
  });

  it("an unmigrated schema through the adapter and the CRM → CONFIGURATION not_migrated", async () => {
    const empty = freshSchema("kb_err_empty");
    const storage = postgresAdapter({ pool, schema: empty });
    const direct = await storage
      .transaction("acme", (s) => s.attributeModels.latest())
      .then(
        () => undefined,
        (e: unknown) => e,
      );
    expect(isCrmError(direct, "CONFIGURATION")).toBe(true);
    expect(direct).toMatchObject({ details: { reason: "not_migrated" } });
    expect((direct as Error).message).toMatch(new RegExp(`missing in schema "${empty}": call storage\\.migrate\\(\\) \\(or crm\\.migrate\\(\\)\\) first`));
    const viaCrm = await createCrm({ storage })
      .tenant("acme")
      .relations.create({ kind: "organisation", name: "A" })
      .then(
        () => undefined,
        (e: unknown) => e,
      );
    expect(viaCrm).toMatchObject({ code: "CONFIGURATION", details: { reason: "not_migrated" } });
  });

  it("leaves other errors to the store (STORAGE)", async () => {
    // A missing table that is not Kaartenbak's is not a missing migration.
    const hostTable = await pool.query(`select * from ${schema}.no_such_table`).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect((hostTable as { code?: string }).code).toBe("42P01");
    expect(classifyPostgresError(hostTable)).toBeUndefined();
    expect(classifyPostgresError({ code: "42P01", message: "relation does not exist" })).toBeUndefined();
    expect(classifyPostgresError(new Error("boom"))).toBeUndefined();
    expect(classifyPostgresError(null)).toBeUndefined();
  });
});
