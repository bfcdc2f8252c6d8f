import { createKyselyStorage, migrations } from "@kaartenbak/store-kysely";
import { describe, expect, it } from "vitest";
import { postgresLikeProfile, recordingPostgres } from "./pg-dummy.js";

/** SQL only SQLite understands; none of it may appear in the shared queries. */
const SQLITE_ONLY = [/\bpragma\b/i, /\bglob\b/i, /\bifnull\b/i, /\bjson_extract\b/i, /\bjulianday\b/i, /\bdatetime\(/i, /\browid\b/i];

describe("the sales SQL compiled for Postgres", () => {
  it("creates the sales tables with tenant-first keys and the profile's types", async () => {
    const { db, statements } = recordingPostgres();
    const all = await migrations(postgresLikeProfile()).getMigrations();
    await all["002-sales"]!.up(db.withSchema("crm"));
    const ddl = statements.map((s) => s.sql).join("\n");
    expect(ddl).toContain('create table "crm"."kb_deals" ("tenant_id" text collate "C" not null');
    expect(ddl).toContain('"amount" bigint not null');
    expect(ddl).toContain('"expected_close_date" text collate "C"');
    expect(ddl).toContain('foreign key ("tenant_id", "pipeline_id", "stage_id") references "crm"."kb_pipeline_stages" ("tenant_id", "pipeline_id", "id")');
    expect(ddl).toContain('constraint "kb_orders_external_ref_uq" unique ("tenant_id", "external_system", "external_id")');
    for (const pattern of SQLITE_ONLY) expect(ddl).not.toMatch(pattern);
  });

  it("runs every report as parameterised, schema-qualified aggregate queries", async () => {
    const { db, statements } = recordingPostgres();
    const storage = createKyselyStorage({ db, profile: postgresLikeProfile(), schema: "crm" });
    const tenant = "tenant-secret-marker";
    const range = { from: "2026-01-01", to: "2026-04-01" };
    await storage.transaction(tenant, async (s) => {
      await s.reports.funnel("p1", range);
      await s.reports.forecast({ pipelineId: "p1", granularity: "quarter", range, committedProbability: 75 });
      await s.reports.ownerResults(null, { from: null, to: null });
      for (const by of ["customer", "tag", "lifecycle", "owner"] as const) await s.reports.orders({ by }, range);
      await s.reports.orders({ by: "attribute", name: "industry" }, range);
      await s.reports.stageVelocity("p1", range);
      await s.interactions.dealTimeline({ dealId: "d1", after: { occurredAt: "2026-01-01T00:00:00.000Z", id: "i1" }, limit: 5 });
    });
    const reports = statements.slice(1); // after the tenant hook
    expect(reports.length).toBeGreaterThanOrEqual(13);
    for (const { sql, parameters } of reports) {
      expect(sql).not.toContain(tenant);
      expect(parameters).toContain(tenant);
      expect(sql).toMatch(/"crm"\."kb_/);
      expect(sql).not.toMatch(/from "kb_/);
      for (const pattern of SQLITE_ONLY) expect(sql).not.toMatch(pattern);
    }
    const joined = reports.map((s) => s.sql).join("\n");
    expect(joined).toContain("cast(sum(");
    expect(joined).toContain("row_number() over (partition by");
    expect(joined).toContain("to_char(\"d\".\"closed_at\" at time zone 'UTC', 'YYYY-MM-DD')");
    expect(joined).toContain("extract(epoch from (");
    expect(joined).toContain('(("r"."attributes") -> cast($');
    // A parameter inside a grouped expression would not match between SELECT and GROUP BY on
    // Postgres, so grouping is by derived-table columns only.
    for (const { sql } of reports.filter((r) => r.sql.includes("group by"))) {
      const groupBy = sql.slice(sql.lastIndexOf("group by"));
      expect(groupBy).not.toMatch(/\$\d/);
    }
  });
});
