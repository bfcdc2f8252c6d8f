import { createKyselyStorage, migrations } from "@kaartenbak/store-kysely";
import { describe, expect, it } from "vitest";
import { postgresLikeProfile, recordingPostgres } from "./pg-dummy.js";

const at = "2026-01-01T00:00:00.000Z";

/** SQL only SQLite understands; none of it may appear in the shared queries. */
const SQLITE_ONLY = [/\bpragma\b/i, /\bglob\b/i, /\bifnull\b/i, /\bjson_extract\b/i, /\bdatetime\(/i, /\browid\b/i, /\bbegin immediate\b/i];

describe("the shared SQL compiled for Postgres", () => {
  it("migrates with the profile's column types, binary-collated keys and the schema", async () => {
    const { db, statements } = recordingPostgres();
    const all = await migrations(postgresLikeProfile()).getMigrations();
    await all["001-foundation"]!.up(db.withSchema("crm"));
    const ddl = statements.map((s) => s.sql).join("\n");
    expect(ddl).toContain('create table "crm"."kb_relations" ("tenant_id" text collate "C" not null, "id" text collate "C" not null');
    expect(ddl).toContain('"attributes" jsonb not null');
    expect(ddl).toContain('"created_at" timestamptz not null');
    expect(ddl).toContain('"sequence" bigint not null');
    expect(ddl).toContain('constraint "kb_interactions_external_key_uq" unique ("tenant_id", "external_key")');
    expect(ddl).toContain('references "crm"."kb_relations" ("tenant_id", "id") on delete cascade');
    for (const pattern of SQLITE_ONLY) expect(ddl).not.toMatch(pattern);
  });

  it("runs every repository method with parameters only, schema-qualified, after the tenant hook", async () => {
    const { db, statements } = recordingPostgres();
    const hookCalls: string[] = [];
    const storage = createKyselyStorage({ db, profile: postgresLikeProfile(hookCalls), schema: "crm" });
    const tenant = "tenant-secret-marker";
    await storage.transaction(tenant, async (s) => {
      await s.relations.get("r1");
      await s.relations.getMany(["r1", "r2"]);
      await s.relations.findByEmail("a@x.nl");
      await s.relations.findByPhone("+31201234567");
      await s.relations.findByNamePrefix("ab%", 5);
      await s.relations.findByExternalRef("erp", "1");
      await s.relations.update(
        {
          id: "r1",
          kind: "person",
          name: "N",
          givenName: null,
          familyName: null,
          lifecycle: "lead",
          ownerId: null,
          emails: [],
          phones: [],
          addresses: [],
          tags: [],
          attributes: {},
          attributesVersion: 1,
          externalRefs: [],
          version: 2,
          createdAt: at,
          updatedAt: at,
          deletedAt: null,
        },
        1,
      );
      await s.links.listForRelation("r1");
      await s.links.ancestorsOf("o1");
      await s.interactions.timeline({ relationIds: ["a", "b"], after: { occurredAt: at, id: "i1" }, limit: 5 });
      await s.interactions.getByExternalKey("k");
      await s.journal.listHistory("relation", "r1");
      await s.journal.readEvents(0, 10);
      await s.journal.getCheckpoint("c");
      await s.journal.setCheckpoint("c", 1, at);
      await s.attributeModels.latest();
      // The dummy driver returns no counter row, so this one fails after compiling.
      await s.journal
        .appendEvent({ id: "e", type: "t", entityType: "relation", entityId: "r1", payload: {}, actor: "a", source: "s", occurredAt: at })
        .catch(() => undefined);
    });
    expect(hookCalls).toEqual([tenant]);
    expect(statements[0]?.sql).toContain("set_config('kaartenbak.tenant_id'");
    for (const { sql } of statements.slice(1)) {
      expect(sql).not.toContain(tenant);
      expect(sql).toMatch(/"crm"\."kb_|^with recursive/);
      for (const pattern of SQLITE_ONLY) expect(sql).not.toMatch(pattern);
    }
    const joined = statements.map((s) => s.sql).join("\n");
    expect(joined).toContain('on conflict ("tenant_id", "name") do update set "value" = "crm"."kb_counters"."value" + $4 returning "value"');
    expect(joined).toContain('select distinct "ir"."interaction_id", "ir"."occurred_at"');
    expect(joined).toContain('with recursive "kb_ancestors"("id") as (select "to_id" as "id" from "crm"."kb_links"');
  });

  it("wraps each host-transaction call in a savepoint and runs the hook inside it", async () => {
    const { db, statements } = recordingPostgres();
    const hookCalls: string[] = [];
    await db.transaction().execute(async (trx) => {
      const storage = createKyselyStorage({ db: trx, profile: postgresLikeProfile(hookCalls) });
      expect(storage.capabilities.hostTransaction).toBe(true);
      await storage.transaction("acme", (s) => s.relations.get("r1"));
      await expect(storage.transaction("acme", async () => Promise.reject(new Error("boom")))).rejects.toThrow("boom");
    });
    expect(hookCalls).toEqual(["acme", "acme"]);
    const flow = statements.map((s) => s.sql.split(" ").slice(0, 3).join(" "));
    expect(flow).toEqual([
      "savepoint kb_sp_1",
      "select set_config('kaartenbak.tenant_id', $1,",
      'select "r".*, (select', // the relation with its child rows, in one statement
      "release savepoint kb_sp_1",
      "savepoint kb_sp_2",
      "select set_config('kaartenbak.tenant_id', $1,",
      "rollback to savepoint",
      "release savepoint kb_sp_2",
    ]);
  });
});
