import { afterAll, describe, expect, it } from "vitest";
import { MIGRATION_NAMES } from "@kaartenbak/store-kysely";
import { postgresAdapter } from "../src/index.js";
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

  it("refuses an unsafe schema name", () => {
    expect(() => postgresAdapter({ pool, schema: 'crm"; drop schema public; --' })).toThrow(TypeError);
  });
});
