import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { KB_TABLES } from "@kaartenbak/store-kysely";
import { postgresAdapter } from "../src/index.js";
import { dropSchema, freshSchema, postgresAvailable, testPool } from "./pg-harness.js";

/**
 * The distribution rule (Citus distributes by `tenant_id`): every primary key, foreign key (both
 * sides), unique constraint and unique index includes `tenant_id`. Read from the catalog, so a new
 * migration that breaks the rule fails here.
 */
describe.skipIf(!postgresAvailable)("postgres: schema is distributable by tenant", () => {
  const pool = testPool(2);
  const schema = freshSchema();

  beforeAll(async () => {
    await postgresAdapter({ pool, schema }).migrate();
  });
  afterAll(async () => {
    await dropSchema(pool, schema);
    await pool.end();
  });

  it("has every Kaartenbak table, each with a tenant_id column", async () => {
    const { rows } = await pool.query(
      `select table_name from information_schema.columns where table_schema = $1 and column_name = 'tenant_id' and is_nullable = 'NO'`,
      [schema],
    );
    expect(rows.map((r) => r.table_name).sort()).toEqual([...KB_TABLES].sort());
  });

  it("includes tenant_id in every primary key, foreign key and unique constraint", async () => {
    const { rows } = await pool.query(
      `select c.conname, c.contype, t.relname as table,
              array(select a.attname from unnest(c.conkey) k join pg_attribute a on a.attrelid = c.conrelid and a.attnum = k) as columns,
              array(select a.attname from unnest(c.confkey) k join pg_attribute a on a.attrelid = c.confrelid and a.attnum = k) as ref_columns
         from pg_constraint c join pg_class t on t.oid = c.conrelid join pg_namespace n on n.oid = t.relnamespace
        where n.nspname = $1 and c.contype in ('p', 'f', 'u') and t.relname like 'kb\\_%' and t.relname not like 'kb\\_migration%'`,
      [schema],
    );
    const broken = rows.filter((r) => !r.columns.includes("tenant_id") || (r.contype === "f" && !r.ref_columns.includes("tenant_id")));
    expect(broken.map((r) => `${r.table}.${r.conname}`)).toEqual([]);
    const primaryKeys = rows.filter((r) => r.contype === "p").map((r) => r.table);
    expect(primaryKeys.sort()).toEqual([...KB_TABLES].sort());
    expect(rows.filter((r) => r.contype === "f").length).toBeGreaterThanOrEqual(8);
  });

  it("includes tenant_id in every unique index", async () => {
    const { rows } = await pool.query(
      `select i.relname as index, array(select a.attname from unnest(x.indkey) k join pg_attribute a on a.attrelid = x.indrelid and a.attnum = k) as columns
         from pg_index x join pg_class i on i.oid = x.indexrelid join pg_class t on t.oid = x.indrelid join pg_namespace n on n.oid = t.relnamespace
        where n.nspname = $1 and x.indisunique and t.relname like 'kb\\_%' and t.relname not like 'kb\\_migration%'`,
      [schema],
    );
    expect(rows.length).toBeGreaterThanOrEqual(KB_TABLES.length);
    expect(rows.filter((r) => !r.columns.includes("tenant_id")).map((r) => r.index)).toEqual([]);
  });
});
