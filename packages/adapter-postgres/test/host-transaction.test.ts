import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Kysely, PostgresDialect, sql } from "kysely";
import { createCrm, isCrmError, type Crm } from "@kaartenbak/core";
import { postgresAdapter } from "../src/index.js";
import { dropSchema, freshSchema, postgresAvailable, testPool } from "./pg-harness.js";

interface HostDb {
  invoices: { id: number; customer: string; amount_cents: number };
}

/** The host opens a transaction, writes its own rows and CRM rows in it, and decides alone. */
describe.skipIf(!postgresAvailable)("postgres: CRM commands inside the host's transaction", () => {
  const pool = testPool(4);
  const schema = freshSchema("kb_host");
  const db = new Kysely<HostDb>({ dialect: new PostgresDialect({ pool }) }).withSchema(schema);
  let crm: Crm;

  beforeAll(async () => {
    const storage = postgresAdapter({ pool, schema });
    await storage.migrate();
    crm = createCrm({ storage, defaultRegion: "NL" });
    await db.schema.createTable("invoices").addColumn("id", "integer", (c) => c.primaryKey()).addColumn("customer", "text").addColumn("amount_cents", "integer").execute();
  });
  afterAll(async () => {
    await dropSchema(pool, schema);
    await pool.end();
  });

  async function crmCounts(tenant: string) {
    const count = async (table: string) => Number((await pool.query(`select count(*) from ${schema}.${table} where tenant_id = $1`, [tenant])).rows[0].count);
    return { relations: await count("kb_relations"), interactions: await count("kb_interactions"), history: await count("kb_history"), outbox: await count("kb_outbox") };
  }

  it("host rollback removes the CRM rows, history and outbox events with the host's own rows", async () => {
    await expect(
      db.transaction().execute(async (trx) => {
        await trx.insertInto("invoices").values({ id: 1, customer: "C-1", amount_cents: 1000 }).execute();
        const t = crm.withStorage(postgresAdapter({ kysely: trx, schema })).tenant("host-rollback");
        const customer = await t.relations.create({ kind: "organisation", name: "Customer 1", externalRefs: [{ system: "erp", externalId: "C-1" }] });
        await t.interactions.log({ kind: "purchase", occurredAt: new Date(), relationIds: [customer.id], subject: "Invoice 1" });
        throw new Error("host decides to roll back");
      }),
    ).rejects.toThrow("host decides to roll back");
    expect(await db.selectFrom("invoices").selectAll().where("id", "=", 1).execute()).toEqual([]);
    expect(await crmCounts("host-rollback")).toEqual({ relations: 0, interactions: 0, history: 0, outbox: 0 });
  });

  it("host commit keeps everything, atomically", async () => {
    await db.transaction().execute(async (trx) => {
      await trx.insertInto("invoices").values({ id: 2, customer: "C-2", amount_cents: 2500 }).execute();
      const t = crm.withStorage(postgresAdapter({ kysely: trx, schema })).tenant("host-commit");
      const customer = await t.relations.create({ kind: "organisation", name: "Customer 2" });
      await t.interactions.log({ kind: "purchase", occurredAt: new Date(), relationIds: [customer.id], subject: "Invoice 2" });
    });
    expect(await db.selectFrom("invoices").select("id").where("id", "=", 2).execute()).toEqual([{ id: 2 }]);
    expect(await crmCounts("host-commit")).toEqual({ relations: 1, interactions: 1, history: 2, outbox: 2 });
    expect((await crm.tenant("host-commit").outbox.read()).map((e) => e.sequence)).toEqual([1, 2]);
  });

  it("a failed CRM command rolls back to its savepoint; the host's transaction carries on and commits", async () => {
    await db.transaction().execute(async (trx) => {
      await trx.insertInto("invoices").values({ id: 3, customer: "C-3", amount_cents: 300 }).execute();
      const t = crm.withStorage(postgresAdapter({ kysely: trx, schema })).tenant("host-savepoint");
      const a = await t.relations.create({ kind: "organisation", name: "A", externalRefs: [{ system: "erp", externalId: "X" }] });
      // Bypass the service's pre-check so the database itself refuses (a real statement error).
      const failed = await t.relations.create({ kind: "organisation", name: "B" }).then(async (b) =>
        postgresAdapter({ kysely: trx, schema }).transaction("host-savepoint", (store) => store.relations.insert({ ...b, id: "dup", externalRefs: a.externalRefs })),
      ).then(() => undefined, (e: unknown) => e);
      expect(isCrmError(failed, "DUPLICATE")).toBe(true);
      // The transaction is still usable: without the savepoint Postgres would refuse every further statement.
      await t.interactions.log({ kind: "note", occurredAt: new Date(), relationIds: [a.id] });
      await sql`select 1`.execute(trx);
    });
    expect(await db.selectFrom("invoices").select("id").where("id", "=", 3).execute()).toEqual([{ id: 3 }]);
    expect(await crmCounts("host-savepoint")).toEqual({ relations: 2, interactions: 1, history: 3, outbox: 3 });
  });

  it("refuses to migrate inside a host transaction when the schema is behind", async () => {
    const other = freshSchema("kb_host_empty");
    const error = await db.transaction().execute((trx) => postgresAdapter({ kysely: trx, schema: other }).migrate()).then(() => undefined, (e: unknown) => e);
    expect(isCrmError(error, "UNSUPPORTED")).toBe(true);
    await dropSchema(pool, other);
  });
});
