import { afterAll, describe, expect, it } from "vitest";
import { createCrm, isCrmError, type CrmError } from "@kaartenbak/core";
import { MIGRATION_NAMES, migrations } from "@kaartenbak/store-kysely";
import { Kysely, PostgresDialect } from "kysely";
import { postgresAdapter, postgresProfile } from "../src/index.js";
import { dropSchema, freshSchema, postgresAvailable, testPool } from "./pg-harness.js";

describe.skipIf(!postgresAvailable)("postgres: migrations", () => {
  const pool = testPool(6);
  const schemas: string[] = [];
  afterAll(async () => {
    for (const s of schemas) await dropSchema(pool, s);
    await pool.end();
  });

  it("creates its schema, applies every migration once, and a second run is a no-op", async () => {
    const schema = freshSchema("kb_mig");
    schemas.push(schema);
    const storage = postgresAdapter({ pool, schema });
    const first = await storage.migrate();
    expect(first.applied).toEqual([...MIGRATION_NAMES]);
    const second = await storage.migrate();
    expect(second).toEqual({ applied: [], current: [...MIGRATION_NAMES] });
    const { rows } = await pool.query(`select count(*) from information_schema.tables where table_schema = $1`, [schema]);
    expect(Number(rows[0].count)).toBeGreaterThanOrEqual(16);
  });

  it("is safe when several processes migrate at once", async () => {
    const schema = freshSchema("kb_mig");
    schemas.push(schema);
    const reports = await Promise.all([0, 1, 2].map(() => postgresAdapter({ pool, schema }).migrate()));
    expect(reports.flatMap((r) => r.applied).sort()).toEqual([...MIGRATION_NAMES].sort());
    for (const r of reports) expect(r.current).toEqual([...MIGRATION_NAMES]);
  });

  it("leaves the host's default schema untouched", async () => {
    const schema = freshSchema("kb_mig");
    schemas.push(schema);
    await postgresAdapter({ pool, schema }).migrate();
    const { rows } = await pool.query(`select count(*) from information_schema.tables where table_schema = 'public' and table_name like 'kb\\_%'`);
    expect(Number(rows[0].count)).toBe(0);
  });

  it("migrates once before the first transaction in on-first-use mode", async () => {
    const schema = freshSchema("kb_mig_lazy");
    schemas.push(schema);
    const tables = async () => Number((await pool.query(`select count(*) from information_schema.tables where table_schema = $1`, [schema])).rows[0].count);
    const storage = postgresAdapter({ pool, schema, migrate: "on-first-use" });
    expect(await tables()).toBe(0); // nothing happens before the first use
    const crm = createCrm({ storage });
    // Concurrent first commands share one migration run.
    const created = await Promise.all([1, 2, 3].map((i) => crm.tenant("lazy").relations.create({ kind: "organisation", name: `Lazy ${i}` })));
    expect(created).toHaveLength(3);
    expect(await tables()).toBeGreaterThanOrEqual(16);
    const { rows } = await pool.query(`select name from ${schema}.kb_migration order by name`);
    expect(rows.map((r) => r.name)).toEqual([...MIGRATION_NAMES].sort());
    expect(Number((await pool.query(`select count(*) from ${schema}.kb_relations where tenant_id = 'lazy'`)).rows[0].count)).toBe(3);
    expect(await storage.migrate()).toEqual({ applied: [], current: [...MIGRATION_NAMES] });
  });

  it("fails transactions in explicit mode (the default) until the host migrates", async () => {
    const schema = freshSchema("kb_mig_explicit");
    schemas.push(schema);
    const storage = postgresAdapter({ pool, schema });
    const error = await storage
      .transaction("acme", (s) => s.relations.get("r1"))
      .then(
        () => undefined,
        (e: unknown) => e,
      );
    expect(isCrmError(error, "CONFIGURATION")).toBe(true);
    expect((error as CrmError).details.reason).toBe("not_migrated");
    expect((error as Error).message).toContain(`schema "${schema}": call storage.migrate()`);
    await storage.migrate();
    expect(await storage.transaction("acme", (s) => s.relations.get("r1"))).toBeUndefined();
  });

  it("refuses wrong options with CONFIGURATION naming the option", () => {
    const cases: [unknown, RegExp][] = [
      [{ pool, schema: 'crm"; drop schema public; --' }, /option schema/],
      [{ pool, schema: "Crm" }, /option schema/],
      [{ pool, schema: "" }, /option schema/],
      [{ pool, migrate: "sometimes" }, /option migrate: "sometimes"/],
      [{ pool, rowLevelSecurity: "yes" }, /option rowLevelSecurity/],
      [{ schema: "crm" }, /exactly one of the options pool, kysely or connectionString/],
      [{ pool, connectionString: "postgres://x" }, /got pool and connectionString/],
      [{ pool: {} }, /option pool/],
      [{ kysely: {} }, /option kysely/],
      [{ connectionString: "" }, /option connectionString/],
      [{ connectionString: "postgres://x", poolSize: 0 }, /option poolSize/],
      [null, /options object/],
    ];
    for (const [options, message] of cases) {
      let error: unknown;
      try {
        postgresAdapter(options as never);
      } catch (e) {
        error = e;
      }
      expect(
        isCrmError(error, "CONFIGURATION"),
        JSON.stringify(options, (k, v) => (k === "pool" ? "<pool>" : v)),
      ).toBe(true);
      expect((error as CrmError).details.reason).toBe("invalid_options");
      expect((error as Error).message).toMatch(message);
    }
  });

  it("016-meeting-keys rewrites connector-prefixed meeting keys in the host's schema, unless the new key is taken", async () => {
    const schema = freshSchema("kb_mig_keys");
    schemas.push(schema);
    const storage = postgresAdapter({ pool, schema });
    await storage.migrate();
    const t = createCrm({ storage }).tenant("a");
    const person = await t.relations.create({ kind: "person", name: "P" });
    for (const externalKey of ["outlook-event:UID1", "google-event:UID2:2026-03-10T09:00:00.000Z", "meeting:UID3", "outlook-event:UID3", "<m1@example.com>"]) {
      await t.interactions.log({ kind: "meeting", occurredAt: "2026-03-01T10:00:00Z", relationIds: [person.id], externalKey });
    }
    const up = (await migrations(postgresProfile()).getMigrations())["016-meeting-keys"]!.up;
    await up(new Kysely<unknown>({ dialect: new PostgresDialect({ pool }) }).withSchema(schema));
    const { rows } = await pool.query(`select external_key from "${schema}".kb_interactions order by external_key`);
    expect(rows.map((r: { external_key: string }) => r.external_key)).toEqual([
      "<m1@example.com>",
      "meeting:UID1",
      "meeting:UID2:2026-03-10T09:00:00.000Z",
      "meeting:UID3",
      "outlook-event:UID3",
    ]);
  });
});
