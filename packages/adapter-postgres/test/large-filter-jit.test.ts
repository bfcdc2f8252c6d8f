import { afterAll, beforeAll, describe, expect, it } from "vitest";
import pg from "pg";
import { Kysely, PostgresDialect, sql } from "kysely";
import { createCrm, defineAttributes, type Crm } from "@kaartenbak/core";
import { postgresAdapter } from "../src/index.js";
import { DATABASE_URL, dropSchema, freshSchema, postgresAvailable } from "./pg-harness.js";

const attributes = defineAttributes({ version: 1, attributes: { creditLimit: { type: "money", currencies: ["EUR"] } } });

/** `creditLimit` between i and i + 10 euro. */
const money = (i: number) => ({
  type: "attribute" as const,
  name: "creditLimit" as const,
  op: "between" as const,
  value: [
    { amount: i, currency: "EUR" },
    { amount: i + 10, currency: "EUR" },
  ],
});

/** 16 levels of and / or, 62 conditions each: ~1,000 conditions in one expression. */
function deepFilter() {
  let deep: unknown = money(0);
  for (let level = 0; level < 16; level++) deep = { type: level % 2 ? "and" : "or", of: [deep, ...Array.from({ length: 61 }, () => money(0))] };
  return { version: 1, where: deep } as never;
}

/**
 * JIT compilation of a thousand-condition filter expression took minutes on Postgres 15 (LLVM),
 * where evaluating it takes milliseconds; Postgres switches JIT on by plan cost, so it struck once
 * the tables had grown. These sessions force JIT on for every statement (all cost thresholds 0):
 * the store must turn it off for large filters only, and restore it afterwards.
 */
describe.skipIf(!postgresAvailable)("postgres: large filters run without JIT compilation", () => {
  const schema = freshSchema("kb_jit");
  const admin = new pg.Pool({ connectionString: DATABASE_URL, max: 2 });
  const pool = new pg.Pool({ connectionString: DATABASE_URL, max: 2, options: "-c jit_above_cost=0 -c jit_optimize_above_cost=0 -c jit_inline_above_cost=0" });
  const statements: string[] = [];
  let crm: Crm<typeof attributes>;

  beforeAll(async () => {
    // Migrations run on a normal session: with every threshold at 0 even catalog queries compile.
    await postgresAdapter({ pool: admin, schema }).migrate();
    pool.on("connect", (client) => {
      const query = client.query.bind(client) as (...args: unknown[]) => unknown;
      (client as unknown as { query: (...args: unknown[]) => unknown }).query = (...args: unknown[]) => {
        const text = typeof args[0] === "string" ? args[0] : (args[0] as { text?: string }).text;
        if (text) statements.push(text);
        return query(...args);
      };
    });
    crm = createCrm({ storage: postgresAdapter({ pool, schema }), attributes });
  });
  afterAll(async () => {
    await pool.end();
    await dropSchema(admin, schema);
    await admin.end();
  });

  const jitOff = (s: string) => s.includes("set_config('jit', 'off', true)");
  const countOf = (s: string) => s.startsWith('select count(*) as "n" from');

  it("a large filter's statement runs with JIT off, a small filter's as the session has it", async () => {
    const t = crm.tenant("jit");
    await t.relations.create({ kind: "organisation", name: "n7", attributes: { creditLimit: { amount: 5, currency: "EUR" } } });

    statements.length = 0;
    expect(await t.segments.count(deepFilter())).toBe(1);
    const at = statements.findIndex(countOf);
    expect(at).toBeGreaterThan(0);
    expect(jitOff(statements[at - 1]!)).toBe(true);
    // …and the setting is restored right after, inside the same transaction.
    expect(statements[at + 1]).toMatch(/set_config\('jit', \$1, true\)/);

    statements.length = 0;
    expect(await t.segments.count({ version: 1, where: money(0) } as never)).toBe(1);
    expect(statements.some(countOf)).toBe(true);
    expect(statements.some(jitOff)).toBe(false);
  });

  it("inside a host transaction the host's own JIT setting is back after the filter", async () => {
    const db = new Kysely<Record<string, never>>({ dialect: new PostgresDialect({ pool }) });
    const seen = await db.transaction().execute(async (trx) => {
      const t = crm.withStorage(postgresAdapter({ kysely: trx, schema })).tenant("jit");
      const before = await sql<{ jit: string }>`select current_setting('jit') as jit`.execute(trx);
      const n = await t.segments.count(deepFilter());
      const after = await sql<{ jit: string }>`select current_setting('jit') as jit`.execute(trx);
      return { n, before: before.rows[0]?.jit, after: after.rows[0]?.jit };
    });
    expect(seen).toEqual({ n: 1, before: "on", after: "on" });
  });
});
