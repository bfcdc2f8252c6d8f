import { randomBytes } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import pg from "pg";
import { Kysely, PostgresDialect } from "kysely";
import { createCrm } from "@kaartenbak/core";
import { enableRowLevelSecurity, grantApplicationRole, postgresAdapter, rowLevelSecurityStatements } from "../src/index.js";
import { DATABASE_URL, dropSchema, freshSchema, postgresAvailable, testPool } from "./pg-harness.js";

/**
 * Row-level security as a second wall behind the SDK's own scoping. Superusers bypass RLS, so the
 * application side runs as an ordinary role created for this test.
 */
describe.skipIf(!postgresAvailable)("postgres: row-level security", () => {
  const admin = testPool(2);
  const schema = freshSchema("kb_rls");
  const role = `kb_app_${randomBytes(4).toString("hex")}`;
  let app: pg.Pool;

  beforeAll(async () => {
    const storage = postgresAdapter({ pool: admin, schema });
    await storage.migrate();
    const kysely = new Kysely<unknown>({ dialect: new PostgresDialect({ pool: admin }) });
    await enableRowLevelSecurity(kysely, schema);
    await enableRowLevelSecurity(kysely, schema); // idempotent
    await admin.query(`create role ${role} nologin`);
    await grantApplicationRole(kysely, role, schema);
    app = new pg.Pool({ connectionString: DATABASE_URL, max: 4 });
    // Every connection of the application pool acts as the unprivileged role.
    app.on("connect", (client) => void client.query(`set role ${role}`));
  });
  afterAll(async () => {
    await app.end();
    await dropSchema(admin, schema);
    await admin.query(`drop role if exists ${role}`);
    await admin.end();
  });

  it("lets the SDK work as the application role, each tenant seeing only its own rows", async () => {
    const crm = createCrm({ storage: postgresAdapter({ pool: app, schema, rowLevelSecurity: true }) });
    const a = await crm.tenant("rls-a").relations.create({ kind: "organisation", name: "A BV", emails: ["a@a.nl"] });
    await crm.tenant("rls-b").relations.create({ kind: "organisation", name: "B BV" });
    expect((await crm.tenant("rls-a").relations.findByEmail("a@a.nl")).map((r) => r.id)).toEqual([a.id]);
    expect(await crm.tenant("rls-b").relations.get(a.id)).toBeUndefined();
  });

  it("returns nothing to a raw query in the wrong tenant context, or in none", async () => {
    const client = await app.connect();
    try {
      await client.query(`set role ${role}`);
      await client.query("begin");
      await client.query(`select set_config('kaartenbak.tenant_id', 'rls-b', true)`);
      const wrong = await client.query(`select name from ${schema}.kb_relations where name = 'A BV'`);
      expect(wrong.rows).toEqual([]);
      const own = await client.query(`select name from ${schema}.kb_relations`);
      expect(own.rows.map((r) => r.name)).toEqual(["B BV"]);
      await client.query("commit");
      const none = await client.query(`select count(*) from ${schema}.kb_relations`);
      expect(Number(none.rows[0].count)).toBe(0);
      const all = await admin.query(`select count(*) from ${schema}.kb_relations`);
      expect(Number(all.rows[0].count)).toBe(2);
    } finally {
      await client.query("rollback").catch(() => undefined);
      client.release();
    }
  });

  it("refuses a raw write into another tenant", async () => {
    const client = await app.connect();
    try {
      await client.query(`set role ${role}`);
      await client.query("begin");
      await client.query(`select set_config('kaartenbak.tenant_id', 'rls-b', true)`);
      const error = await client.query(`insert into ${schema}.kb_counters (tenant_id, name, value) values ('rls-a', 'x', 1)`).then(
        () => undefined,
        (e: { code?: string }) => e,
      );
      expect(error?.code).toBe("42501");
    } finally {
      await client.query("rollback").catch(() => undefined);
      client.release();
    }
  });

  it("checks its identifiers", () => {
    expect(() => rowLevelSecurityStatements("crm; drop table x")).toThrowError(
      expect.objectContaining({ code: "CONFIGURATION", details: expect.objectContaining({ reason: "invalid_options" }) }),
    );
    expect(rowLevelSecurityStatements("crm").length).toBeGreaterThan(10);
  });
});
