import { afterAll, beforeAll, describe, expect, it } from "vitest";
import pg from "pg";
import { Kysely, PostgresDialect, sql } from "kysely";
import { createCrm, type InteractionInput } from "@kaartenbak/core";
import { postgresAdapter } from "../src/index.js";
import { DATABASE_URL, dropSchema, freshSchema, postgresAvailable } from "./pg-harness.js";

/** `count` contact moments of `relationId`, each with one participant (whose row checks a foreign key to its interaction). */
const moments = (from: number, count: number, relationId: string): InteractionInput[] =>
  Array.from({ length: count }, (_, i) => ({
    kind: "email",
    occurredAt: new Date(Date.UTC(2026, 0, 1) + (from + i) * 60_000),
    subject: `Moment ${from + i}`,
    relationIds: [relationId],
    participants: [{ role: "from", address: `sender${from + i}@plans.example` }],
    externalKey: `<m${from + i}@plans.example>`,
  }));

/**
 * Postgres caches the plan of each foreign-key check per connection. A plan cached while the
 * referenced table was one page stays a sequential scan of that table per checked row as the table
 * grows, which turned a sync's participant inserts from milliseconds into seconds. A bulk write
 * must plan its checks against the tables as they are. Observed through the statistics of the
 * host transaction the write runs in: sequential scans of kb_interactions during the write.
 */
describe.skipIf(!postgresAvailable)("postgres: bulk writes plan their foreign-key checks against the tables as they are", () => {
  const schema = freshSchema("kb_plans");
  // One connection: the plans cached by the first writes are the ones the large write would reuse.
  const pool = new pg.Pool({ connectionString: DATABASE_URL, max: 1 });
  const host = new Kysely<Record<string, never>>({ dialect: new PostgresDialect({ pool }) });
  const storage = postgresAdapter({ pool, schema });
  const crm = createCrm({ storage });
  const statements: string[] = [];
  pool.on("connect", (client) => {
    const query = client.query.bind(client) as (...args: unknown[]) => unknown;
    (client as unknown as { query: (...args: unknown[]) => unknown }).query = (...args: unknown[]) => {
      const text = typeof args[0] === "string" ? args[0] : (args[0] as { text?: string }).text;
      if (text) statements.push(text);
      return query(...args);
    };
  });

  beforeAll(async () => {
    await storage.migrate();
  });
  afterAll(async () => {
    await storage.close();
    await host.destroy(); // ends the pool
    const admin = new pg.Pool({ connectionString: DATABASE_URL, max: 1 });
    await dropSchema(admin, schema);
    await admin.end();
  });

  it("a large import after small ones does not scan the interactions table per participant", async () => {
    const t = crm.tenant("plans");
    const org = await t.relations.create({ kind: "organisation", name: "Plans BV" });
    // Small writes into a small table, its statistics taken while small (as autovacuum would):
    // Postgres settles on a generic plan for each check after five executions.
    await t.bulk.logInteractions(moments(0, 20, org.id));
    await sql`analyze ${sql.table(`${schema}.kb_interactions`)}`.execute(host);
    for (let round = 0; round < 8; round++) await t.bulk.logInteractions(moments(20 + round * 10, 10, org.id));

    const scans = await host.transaction().execute(async (trx) => {
      const seqScans = async () =>
        Number(
          (
            await sql<{
              n: string;
            }>`select coalesce(sum(seq_scan), 0) as n from pg_stat_xact_user_tables where schemaname = ${schema} and relname = 'kb_interactions'`.execute(trx)
          ).rows[0]!.n,
        );
      const before = await seqScans();
      const report = await crm
        .withTransaction(trx)
        .tenant("plans")
        .bulk.logInteractions(moments(1_000, 2_000, org.id), { chunkSize: 1_000 });
      expect(report.created).toBe(2_000);
      return (await seqScans()) - before;
    });
    // Planned afresh, each check is an index probe. With the plan cached on the one-page table
    // this counts one scan per participant row (2,000).
    expect(scans).toBeLessThan(20);
    const { rows } = await sql<{ n: string }>`select count(*) as n from ${sql.table(`${schema}.kb_interaction_participants`)}`.execute(host);
    expect(Number(rows[0]!.n)).toBe(2_100);
  });

  it("reads a table's column types once, not again in every host transaction the CRM is bound to", async () => {
    const catalogReads = () => statements.filter((s) => s.includes("pg_catalog.pg_attribute")).length;
    const write = (name: string) =>
      host.transaction().execute((trx) =>
        crm
          .withTransaction(trx)
          .tenant("plans")
          .relations.create({ kind: "person", name, emails: [`${name}@plans.example`] }),
      );
    await write("first");
    const afterFirst = catalogReads();
    for (const name of ["second", "third", "fourth"]) await write(name);
    expect(catalogReads()).toBe(afterFirst);
  });
});
