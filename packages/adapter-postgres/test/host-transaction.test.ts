import { randomBytes } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import pg from "pg";
import { Kysely, PostgresDialect, sql, type Transaction } from "kysely";
import { createCrm, isCrmError, type Crm, type CrmError } from "@kaartenbak/core";
import { enableRowLevelSecurity, grantApplicationRole, postgresAdapter } from "../src/index.js";
import { DATABASE_URL, dropSchema, freshSchema, postgresAvailable, testPool } from "./pg-harness.js";

interface HostDb {
  invoices: { id: number; customer: string; amount_cents: number };
}

/** The host opens a transaction, writes its own rows and CRM rows in it, and decides alone. */
describe.skipIf(!postgresAvailable)("postgres: CRM commands inside the host's transaction", () => {
  const pool = testPool(4);
  const schema = freshSchema("kb_host");
  const db = new Kysely<HostDb>({ dialect: new PostgresDialect({ pool }) }).withSchema(schema);
  let crm: Crm<any, Transaction<any>>;

  beforeAll(async () => {
    const storage = postgresAdapter({ pool, schema });
    await storage.migrate();
    crm = createCrm({ storage, defaultRegion: "NL" });
    await db.schema
      .createTable("invoices")
      .addColumn("id", "integer", (c) => c.primaryKey())
      .addColumn("customer", "text")
      .addColumn("amount_cents", "integer")
      .execute();
  });
  afterAll(async () => {
    await dropSchema(pool, schema);
    await pool.end();
  });

  async function crmCounts(tenant: string) {
    const count = async (table: string) => Number((await pool.query(`select count(*) from ${schema}.${table} where tenant_id = $1`, [tenant])).rows[0].count);
    return {
      relations: await count("kb_relations"),
      interactions: await count("kb_interactions"),
      history: await count("kb_history"),
      outbox: await count("kb_outbox"),
    };
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
      const failed = await t.relations
        .create({ kind: "organisation", name: "B" })
        .then(async (b) =>
          postgresAdapter({ kysely: trx, schema }).transaction("host-savepoint", (store) =>
            store.relations.insert({ ...b, id: "dup", externalRefs: a.externalRefs }),
          ),
        )
        .then(
          () => undefined,
          (e: unknown) => e,
        );
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
    const error = await db
      .transaction()
      .execute((trx) => postgresAdapter({ kysely: trx, schema: other }).migrate())
      .then(
        () => undefined,
        (e: unknown) => e,
      );
    expect(isCrmError(error)).toBe(true);
    expect((error as CrmError).details.reason).toBe("migrate_in_transaction");
    await dropSchema(pool, other);
  });
});

/**
 * `storage.bind(trx)`: the adapter is configured once (custom schema, row-level security) and bound
 * to each host transaction. The application side runs as an ordinary role, because superusers
 * bypass row-level security: a bound adapter that lost `rowLevelSecurity` could not write at all,
 * and one that lost `schema` would look for tables the role cannot reach.
 */
describe.skipIf(!postgresAvailable)("postgres: storage.bind(trx) keeps schema and row-level security", () => {
  const admin = testPool(4);
  const schema = freshSchema("kb_bind");
  const hostSchema = freshSchema("kb_bind_host");
  const run = randomBytes(4).toString("hex");
  const role = `kb_app_${run}`;
  const tenant = (name: string) => `${name}-${run}`;
  let app: pg.Pool;
  let host: Kysely<HostDb>;
  let storage: ReturnType<typeof postgresAdapter>;
  let crm: Crm<any, Transaction<any>>;

  beforeAll(async () => {
    const kysely = new Kysely<unknown>({ dialect: new PostgresDialect({ pool: admin }) });
    await postgresAdapter({ pool: admin, schema }).migrate();
    await enableRowLevelSecurity(kysely, schema);
    await admin.query(`create role ${role} nologin`);
    await grantApplicationRole(kysely, role, schema);
    await admin.query(`create schema ${hostSchema}`);
    await admin.query(`create table ${hostSchema}.invoices (id integer primary key, customer text, amount_cents integer)`);
    await admin.query(`grant usage on schema ${hostSchema} to ${role}`);
    await admin.query(`grant select, insert, update, delete on all tables in schema ${hostSchema} to ${role}`);
    app = new pg.Pool({ connectionString: DATABASE_URL, max: 4 });
    // Every connection of the application pool acts as the unprivileged role.
    app.on("connect", (client) => void client.query(`set role ${role}`));
    host = new Kysely<HostDb>({ dialect: new PostgresDialect({ pool: app }) }).withSchema(hostSchema);
    storage = postgresAdapter({ pool: app, schema, rowLevelSecurity: true });
    crm = createCrm({ storage, defaultRegion: "NL" });
    // Another tenant's row, committed, which row-level security must hide inside the bound transaction.
    await crm.tenant(tenant("other")).relations.create({ kind: "organisation", name: "Other BV" });
  });
  afterAll(async () => {
    await host?.destroy(); // ends `app`
    await dropSchema(admin, schema);
    await dropSchema(admin, hostSchema);
    await admin.query(`drop role if exists ${role}`);
    await admin.end();
  });

  /** Per schema, the kb_relations rows of `tenantId`, read by the superuser (no RLS) in every schema that has the table. */
  async function relationsBySchema(tenantId: string): Promise<Record<string, number>> {
    const { rows } = await admin.query<{ table_schema: string }>(`select table_schema from information_schema.tables where table_name = 'kb_relations'`);
    const found: Record<string, number> = {};
    for (const { table_schema } of rows) {
      // Other test files create and drop their schemas concurrently: a vanished one holds nothing.
      const n = await admin.query(`select count(*) from "${table_schema}".kb_relations where tenant_id = $1`, [tenantId]).then(
        (r) => Number(r.rows[0].count),
        (e: { code?: string }) => (e.code === "42P01" || e.code === "3F000" ? 0 : Promise.reject(e)),
      );
      if (n > 0) found[table_schema] = n;
    }
    return found;
  }
  async function counts(tenantId: string) {
    const count = async (table: string) =>
      Number((await admin.query(`select count(*) from ${schema}.${table} where tenant_id = $1`, [tenantId])).rows[0].count);
    return {
      relations: await count("kb_relations"),
      interactions: await count("kb_interactions"),
      history: await count("kb_history"),
      outbox: await count("kb_outbox"),
    };
  }
  const invoice = async (id: number) => (await admin.query(`select id from ${hostSchema}.invoices where id = $1`, [id])).rows;

  it("commits the CRM writes in the configured schema together with the host's, with row-level security on", async () => {
    const mine = tenant("commit");
    await host.transaction().execute(async (trx) => {
      await trx.insertInto("invoices").values({ id: 1, customer: "C-1", amount_cents: 1000 }).execute();
      const bound = storage.bind(trx);
      expect(bound.capabilities).toMatchObject({ dialect: "postgres", hostTransaction: true, rowLevelSecurity: true });
      // The one call a host makes: the CRM bound to its transaction, the adapter's settings kept.
      const t = crm.withTransaction(trx).tenant(mine);
      const org = await t.relations.create({ kind: "organisation", name: "Bound BV", externalRefs: [{ system: "erp", externalId: "C-1" }] });
      await t.interactions.log({ kind: "purchase", occurredAt: new Date(), relationIds: [org.id], subject: "Invoice 1" });

      // Still inside the host's transaction, on its connection, as the application role:
      const inside = await sql<{
        who: string;
        tenant: string | null;
      }>`select current_user as who, current_setting('kaartenbak.tenant_id', true) as tenant`.execute(trx);
      expect(inside.rows).toEqual([{ who: role, tenant: mine }]);
      // The policies apply: the other tenant's committed row is invisible, this tenant's uncommitted one is there.
      const visible = await sql<{ tenant_id: string; name: string }>`select tenant_id, name from ${sql.table(`${schema}.kb_relations`)}`.execute(trx);
      expect(visible.rows).toEqual([{ tenant_id: mine, name: "Bound BV" }]);
      // Not committed yet: another connection sees nothing.
      expect(await counts(mine)).toEqual({ relations: 0, interactions: 0, history: 0, outbox: 0 });
    });
    expect(await invoice(1)).toEqual([{ id: 1 }]);
    expect(await relationsBySchema(mine)).toEqual({ [schema]: 1 });
    expect(await counts(mine)).toEqual({ relations: 1, interactions: 1, history: 2, outbox: 2 });
    expect((await crm.tenant(mine).outbox.read()).map((e) => e.sequence)).toEqual([1, 2]);
  });

  it("rolls the CRM writes back with the host's when the host throws after them", async () => {
    const mine = tenant("rollback");
    await expect(
      host.transaction().execute(async (trx) => {
        await trx.insertInto("invoices").values({ id: 2, customer: "C-2", amount_cents: 2000 }).execute();
        const t = crm.withTransaction(trx).tenant(mine);
        const org = await t.relations.create({ kind: "organisation", name: "Gone BV" });
        await t.interactions.log({ kind: "purchase", occurredAt: new Date(), relationIds: [org.id], subject: "Invoice 2" });
        throw new Error("host decides to roll back");
      }),
    ).rejects.toThrow("host decides to roll back");
    expect(await invoice(2)).toEqual([]);
    expect(await relationsBySchema(mine)).toEqual({});
    expect(await counts(mine)).toEqual({ relations: 0, interactions: 0, history: 0, outbox: 0 });
    expect(Number((await admin.query(`select count(*) from ${schema}.kb_counters where tenant_id = $1`, [mine])).rows[0].count)).toBe(0);
  });

  it("needs the settings it keeps: without rowLevelSecurity the application role cannot write", async () => {
    // The control for the tests above: a bound adapter that dropped `rowLevelSecurity` fails here.
    const error = await host
      .transaction()
      .execute((trx) =>
        crm
          .withStorage(postgresAdapter({ pool: app, schema }).bind(trx))
          .tenant(tenant("plain"))
          .relations.create({ kind: "organisation", name: "No context" }),
      )
      .then(
        () => undefined,
        (e: unknown) => e,
      );
    expect(isCrmError(error)).toBe(true);
    expect(((error as CrmError).cause as { code?: string }).code).toBe("42501");
  });

  it("refuses anything but a Kysely transaction, naming what to pass", () => {
    for (const wrong of [host, app, undefined, {}]) {
      let error: unknown;
      try {
        storage.bind(wrong as never);
      } catch (e) {
        error = e;
      }
      expect(isCrmError(error, "CONFIGURATION")).toBe(true);
      expect((error as CrmError).details.reason).toBe("invalid_options");
      expect((error as Error).message).toMatch(/Kysely Transaction.*trx/);
    }
  });

  it("leaves the host's transaction and the adapter open when the bound adapter is closed", async () => {
    const mine = tenant("close");
    const org = await host.transaction().execute(async (trx) => {
      const bound = storage.bind(trx);
      const created = await crm.withStorage(bound).tenant(mine).relations.create({ kind: "organisation", name: "Kept BV" });
      await bound.close();
      await trx.insertInto("invoices").values({ id: 3, customer: "C-3", amount_cents: 300 }).execute();
      return created;
    });
    expect(await invoice(3)).toEqual([{ id: 3 }]);
    expect(await relationsBySchema(mine)).toEqual({ [schema]: 1 });
    // The adapter it was bound from still works (its own pool, its own transactions).
    expect(await crm.tenant(mine).relations.get(org.id)).toMatchObject({ name: "Kept BV" });
  });

  it("never migrates from a bound adapter, even in on-first-use mode: an unmigrated schema is a CONFIGURATION error", async () => {
    const empty = freshSchema("kb_bind_empty");
    try {
      const lazy = postgresAdapter({ pool: admin, schema: empty, migrate: "on-first-use" });
      const adminDb = new Kysely<unknown>({ dialect: new PostgresDialect({ pool: admin }) });
      const error = await adminDb
        .transaction()
        .execute((trx) => crm.withStorage(lazy.bind(trx)).tenant(tenant("lazy")).relations.create({ kind: "organisation", name: "Too early" }))
        .then(
          () => undefined,
          (e: unknown) => e,
        );
      expect(isCrmError(error, "CONFIGURATION")).toBe(true);
      expect((error as CrmError).details.reason).toBe("not_migrated");
      expect((error as Error).message).toBe(`The Kaartenbak tables are missing in schema "${empty}": call storage.migrate() (or crm.migrate()) first`);
      const { rows } = await admin.query(`select count(*) from information_schema.tables where table_schema = $1`, [empty]);
      expect(Number(rows[0].count)).toBe(0);
    } finally {
      await dropSchema(admin, empty);
    }
  });
});
