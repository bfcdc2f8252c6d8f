import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { KB_TABLES, MIGRATION_LOCK_TABLE, MIGRATION_TABLE, MIGRATION_NAMES, migrations, SALES_TABLES, SEGMENT_TABLES } from "@kaartenbak/store-kysely";
import { DummyDriver, Kysely, PostgresAdapter, PostgresIntrospector, PostgresQueryCompiler } from "kysely";
import { postgresProfile } from "../src/postgres-profile.js";

/**
 * The README's Citus snippet must distribute exactly the tables the store creates, in creation
 * order (so each foreign key points at a table distributed before it). `schema-rules.test.ts` ties
 * `KB_TABLES` to the migrated catalog; this test ties the README to `KB_TABLES`.
 */
const readme = readFileSync(new URL("../README.md", import.meta.url), "utf8");

function citusSection(): string {
  const start = readme.indexOf("## Distributing by tenant (Citus)");
  expect(start, "the README has a Citus section").toBeGreaterThanOrEqual(0);
  const end = readme.indexOf("\n## ", start + 1);
  return readme.slice(start, end === -1 ? undefined : end);
}

function snippet(): string {
  const blocks = [...citusSection().matchAll(/```sql\n([\s\S]*?)```/g)].map((m) => m[1]!);
  expect(blocks, "one SQL snippet in the Citus section").toHaveLength(1);
  return blocks[0]!;
}

/** Every `create_distributed_table(...)` call of the snippet: table, column, co-location. */
function calls() {
  const statements = snippet()
    .split("\n")
    .filter((l) => l.trim() !== "" && !l.trim().startsWith("--"));
  return statements.map((statement) => {
    const m = /^select create_distributed_table\('crm\.(\w+)', '(\w+)'(?:, colocate_with => 'crm\.(\w+)')?\);$/.exec(statement.trim());
    expect(m, `a create_distributed_table statement: ${statement}`).not.toBeNull();
    return { table: m![1]!, column: m![2]!, colocateWith: m![3] ?? null };
  });
}

describe("README: distributing on Citus", () => {
  it("distributes exactly the store's tables, in creation order", () => {
    const tables = calls().map((c) => c.table);
    expect(new Set(tables).size, "no table twice").toBe(tables.length);
    expect(tables).toEqual([...KB_TABLES]);
    // The sales and segment lists are part of KB_TABLES: nothing they name is missing from the snippet.
    expect(new Set(tables)).toEqual(new Set([...KB_TABLES, ...SALES_TABLES, ...SEGMENT_TABLES]));
    expect(tables).not.toContain(MIGRATION_TABLE);
    expect(tables).not.toContain(MIGRATION_LOCK_TABLE);
  });

  it("distributes every table by tenant_id, co-located with kb_relations, and says how many", () => {
    const [first, ...rest] = calls();
    expect(first).toEqual({ table: "kb_relations", column: "tenant_id", colocateWith: null });
    for (const c of rest) expect(c, c.table).toEqual({ table: c.table, column: "tenant_id", colocateWith: "kb_relations" });
    const prose = citusSection().replace(/\s+/g, " ");
    expect(prose).toContain(`all ${KB_TABLES.length} tables are distributed by \`tenant_id\` and co-located`);
    expect(prose).toContain("there are no reference tables");
  });

  it("distributes every table the migrations create, in the order they create them (a table added by a later migration is caught here)", async () => {
    // Every migration compiled for Postgres against a driver that runs nothing: the created tables, in order.
    const created: string[] = [];
    const db = new Kysely<unknown>({
      dialect: {
        createAdapter: () => new PostgresAdapter(),
        createDriver: () => new DummyDriver(),
        createIntrospector: (k) => new PostgresIntrospector(k),
        createQueryCompiler: () => new PostgresQueryCompiler(),
      },
      log: (event) => {
        const m = /^create table "?(\w+)"?/.exec(event.query.sql);
        if (m) created.push(m[1]!);
      },
    });
    const all = await migrations(postgresProfile()).getMigrations();
    for (const name of MIGRATION_NAMES) await all[name]!.up(db);
    await db.destroy();
    expect(created.length).toBeGreaterThanOrEqual(34);
    expect(calls().map((c) => c.table)).toEqual(created);
  });
});
