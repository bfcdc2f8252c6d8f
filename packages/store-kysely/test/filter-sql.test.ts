import type { ResolvedCondition } from "@kaartenbak/core/storage";
import { createKyselyStorage } from "@kaartenbak/store-kysely";
import { describe, expect, it } from "vitest";
import { postgresLikeProfile, recordingPostgres } from "./pg-dummy.js";

const HOSTILE = ["x' OR '1'='1", "100%_", "back\\slash", "'; DROP TABLE kb_relations; --"];

/** A condition that touches every construct of the compiler, with hostile values everywhere. */
const everything: ResolvedCondition = {
  t: "and",
  of: [
    { t: "compare", operand: { kind: "column", column: "name" }, op: "eq", value: HOSTILE[0]! },
    { t: "contains", operand: { kind: "attrText", path: ["label"] }, value: HOSTILE[1]! },
    { t: "startsWith", operand: { kind: "column", column: "name_key" }, value: HOSTILE[2]! },
    { t: "not", of: { t: "in", operand: { kind: "attrNumber", path: ["score"] }, values: [1, 2.5] } },
    { t: "present", operand: { kind: "attrBoolean", path: ["vip"] } },
    { t: "email", match: { op: "contains", value: "@x" } },
    { t: "tags", values: [HOSTILE[3]!] },
    { t: "link", kind: "employment", self: "from", role: "owner", activeOn: "2026-06-15", where: { t: "members", segmentId: "s1" } },
    {
      t: "interactions",
      kinds: ["meeting"],
      directions: null,
      channels: null,
      from: "2026-03-01T00:00:00.000Z",
      to: "2026-06-01T00:00:00.000Z",
      compare: { op: "gte", value: 3 },
    },
    {
      t: "deals",
      statuses: ["open"],
      pipelineIds: null,
      currency: "EUR",
      amount: { op: "gte", value: 1_000_000 },
      createdFrom: null,
      createdTo: null,
      closedFrom: null,
      closedTo: null,
      measure: "sum",
      compare: { op: "gt", value: 5 },
    },
    { t: "orders", productCodes: ["BRD-1"], from: "2025-06-15", to: "2026-06-15", currency: null, measure: "count", compare: { op: "eq", value: 0 } },
  ],
};

describe("the segmentation SQL compiled for Postgres", () => {
  it("evaluates a whole filter in ONE parameterised COUNT query, values never in the SQL text, no LIKE", async () => {
    const { db, statements } = recordingPostgres();
    const storage = createKyselyStorage({ db, profile: postgresLikeProfile(), schema: "crm" });
    await storage.transaction("t1", (s) => s.segments.count(everything)).catch(() => undefined); // the dummy driver returns no row
    const queries = statements.slice(1); // after the tenant hook
    expect(queries).toHaveLength(1);
    const [{ sql, parameters }] = queries as [(typeof queries)[0]];
    expect(sql).toMatch(/^select count\(\*\) as "n" from "crm"\."kb_relations" as "r0"/);
    expect(sql).not.toMatch(/\blike\b/i);
    expect(sql).not.toMatch(/from "kb_/);
    for (const value of HOSTILE) {
      expect(sql).not.toContain(value);
      expect(parameters).toContain(value);
    }
    expect(sql).toContain("exists (select 1");
    expect(sql).toMatch(/coalesce\(\(\(select sum\("d\d+"\."amount"\)/);
  });

  it("writes snapshot and campaign members with one insert … select each", async () => {
    const { db, statements } = recordingPostgres();
    const storage = createKyselyStorage({ db, profile: postgresLikeProfile(), schema: "crm" });
    await storage.transaction("t1", async (s) => {
      await s.segments.snapshotMembers("seg", everything, "2026-06-15T00:00:00.000Z");
      await s.campaigns.materialise({ campaignId: "c1", audience: everything, channel: "email", purpose: "newsletter", at: "2026-06-15T00:00:00.000Z" });
    });
    const [snapshot, launch, counts] = statements.slice(1);
    expect(snapshot!.sql).toMatch(/^insert into "crm"\."kb_segment_members" \("tenant_id", "segment_id", "relation_id", "added_at"\) select/);
    expect(launch!.sql).toMatch(/^insert into "crm"\."kb_campaign_members" .* select/);
    expect(launch!.sql).toContain('"crm"."kb_consent_ledger"');
    expect(launch!.sql).toContain('"crm"."kb_suppression_ledger"');
    expect(counts!.sql).toContain("group by");
    expect(statements).toHaveLength(4);
  });
});
