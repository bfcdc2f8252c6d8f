import { CrmError } from "@kaartenbak/core";
import type { DialectProfile } from "@kaartenbak/store-kysely";
import { DummyDriver, Kysely, PostgresAdapter, PostgresIntrospector, PostgresQueryCompiler, sql } from "kysely";

/** A Postgres-shaped profile, as the Postgres adapter will define it (for compile-only tests). */
export function postgresLikeProfile(hookCalls: string[] = []): DialectProfile {
  return {
    name: "postgres",
    types: { json: "jsonb", timestamp: "timestamptz", bigint: "bigint", key: sql`text collate "C"` },
    functions: {
      utcDate: (instant) => sql<string>`to_char(${instant} at time zone 'UTC', 'YYYY-MM-DD')`,
      millisBetween: (from, to) => sql<number>`cast(round(extract(epoch from (${to} - ${from})) * 1000) as bigint)`,
      jsonMember: (json, name) => sql<string | null>`((${json}) -> cast(${name} as text))::text`,
      jsonRows: (values) => sql<unknown>`coalesce(json_agg(json_build_array(${sql.join(values)})), '[]'::json)`,
    },
    // Compile-only stand-ins of the Postgres filter expressions (segment SQL is tested on a real server).
    filters: {
      jsonText: (json, path) => sql<string | null>`(${json} #>> ${path})`,
      jsonNumber: (json, path) => sql<number | null>`(${json} #>> ${path})::numeric`,
      jsonBoolean: (json, path) => sql<number | null>`(${json} #>> ${path})::boolean::int`,
      jsonArrayLength: (json) => sql<number>`jsonb_array_length(${json})`,
      contains: (haystack, needle) => sql<boolean>`(strpos(${haystack}, ${needle}) > 0)`,
      jsonElements: (json, alias) => sql`jsonb_array_elements(${json}) as ${sql.id(alias)}(value)`,
    },
    // Compile-only stand-in of the Postgres search (search SQL is tested on a real server).
    search: {
      stemming: [],
      createIndex: async () => {},
      dropIndex: async () => {},
      queryText: (terms) => terms.join(" & "),
      matches: (db, r) =>
        db
          .selectFrom("kb_search_documents as d")
          .select(["d.entity_id", sql<number>`1`.as("score")])
          .where("d.tenant_id", "=", r.tenantId)
          .as("m"),
    },
    classifyError: (error) =>
      (error as { code?: string }).code === "23505" ? new CrmError("DUPLICATE", "dup", { reason: "unique_violation", cause: error }) : undefined,
    async onTransactionStart(trx, tenantId) {
      hookCalls.push(tenantId);
      await sql`select set_config('kaartenbak.tenant_id', ${tenantId}, true)`.execute(trx);
    },
    capabilities: { dialect: "postgres", concurrentWriters: true, hostTransaction: false, rowLevelSecurity: true },
  };
}

/** A Kysely instance that compiles for Postgres, returns no rows, and records every statement. */
export function recordingPostgres(): { db: Kysely<unknown>; statements: { sql: string; parameters: readonly unknown[] }[] } {
  const statements: { sql: string; parameters: readonly unknown[] }[] = [];
  const db = new Kysely<unknown>({
    dialect: {
      createAdapter: () => new PostgresAdapter(),
      createDriver: () => new DummyDriver(),
      createIntrospector: (k) => new PostgresIntrospector(k),
      createQueryCompiler: () => new PostgresQueryCompiler(),
    },
    log: (e) => {
      if (e.level === "query") statements.push({ sql: e.query.sql, parameters: e.query.parameters });
    },
  });
  return { db, statements };
}
