import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createCrm, type Crm } from "@kaartenbak/core";
import { postgresAdapter } from "../src/index.js";
import { dropSchema, freshSchema, postgresAvailable, testPool } from "./pg-harness.js";

const ROUNDS = 8;
const WRITERS = 4;

/**
 * Relations gaining the same address at once, on real connections: exactly one claims each
 * unmatched participant, the interaction steps its version once per claiming command, gets one
 * link and one `interaction.matched` event per claimant, and no writer fails or deadlocks. (The
 * claim runs after the command's event append, whose counter row lock queues the tenant's writers;
 * a claim that waited re-reads the participants and finds them taken.)
 */
describe.skipIf(!postgresAvailable)("postgres: concurrent claims of one unmatched participant", () => {
  const pool = testPool(WRITERS + 2);
  const schema = freshSchema();
  let crm: Crm;

  beforeAll(async () => {
    const storage = postgresAdapter({ pool, schema });
    await storage.migrate();
    crm = createCrm({ storage });
  });
  afterAll(async () => {
    await dropSchema(pool, schema);
    await pool.end();
  });

  it("one writer claims each address, the others find it taken", async () => {
    for (let round = 0; round < ROUNDS; round++) {
      const tenantId = `race-${round}-${Date.now()}`;
      const t = crm.tenant(tenantId);
      const { interaction } = await t.interactions.log({
        kind: "email",
        occurredAt: "2026-03-01T10:00:00Z",
        participants: [
          { role: "from", address: "race@claim.example" },
          { role: "cc", address: "other@claim.example" },
        ],
      });
      // Writers 0 and 2 race for the sender, 1 and 3 for the cc.
      const people = await Promise.all(
        Array.from({ length: WRITERS }, (_, i) =>
          t.relations.create({ kind: "person", givenName: "Race", familyName: `${i}`, emails: [i % 2 ? "other@claim.example" : "race@claim.example"] }),
        ),
      );
      const after = (await t.interactions.get(interaction.id))!;
      const [from, cc] = after.participants.map((p) => p.relationId);
      expect([people[0]!.id, people[2]!.id]).toContain(from);
      expect([people[1]!.id, people[3]!.id]).toContain(cc);
      expect([...after.relationIds].sort()).toEqual([from, cc].sort());
      // Two claiming commands: two version steps, two entries, two events, two links.
      expect(after.version).toBe(3);
      expect((await t.history.list("interaction", interaction.id)).map((h) => h.action)).toEqual(["create", "update", "update"]);
      const matched = (await t.outbox.read({ after: 0, limit: 100 })).filter((e) => e.type === "interaction.matched");
      expect(matched.map((e) => e.payload.relationId).sort()).toEqual([from, cc].sort());
      const links = await pool.query(`select relation_id from ${schema}.kb_interaction_relations where tenant_id = $1 and interaction_id = $2`, [
        tenantId,
        interaction.id,
      ]);
      expect(links.rows.map((r: { relation_id: string }) => r.relation_id).sort()).toEqual([from, cc].sort());
    }
  });
});
