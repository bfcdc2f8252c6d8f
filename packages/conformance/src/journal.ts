import { describe, expect, it } from "vitest";
import { expectCrmError, json, num, type SuiteContext } from "./harness.js";

/** History and outbox: one entry and one event per change, gap-free sequences, checkpoints. */
export function journalSuite(ctx: SuiteContext): void {
  describe("history and outbox", () => {
    it("writes one history entry and one outbox event per change, with actor, source and field diff", async () => {
      const w = ctx.world();
      const t = w.crm.tenant(w.tenantId, { actor: "user:anna", source: "ui" });
      const p = await t.relations.create({ kind: "person", name: "P", emails: ["p@x.nl"] });
      await t.relations.update(p.id, { name: "Q" }, { expectedVersion: 1, actor: "user:bob", source: "import" });
      await t.relations.delete(p.id, { expectedVersion: 2 });
      const history = await t.history.list("relation", p.id);
      expect(history.map((h) => [h.action, h.version, h.actor, h.source])).toEqual([
        ["create", 1, "user:anna", "ui"],
        ["update", 2, "user:bob", "import"],
        ["delete", 3, "user:anna", "ui"],
      ]);
      expect(history[0]!.changes.name).toEqual({ from: null, to: "P" });
      expect(history[1]!.changes).toEqual({ name: { from: "P", to: "Q" } });
      expect(Object.keys(history[2]!.changes)).toEqual(["deletedAt"]);
      const rows = await w.rows("kb_history", { entity_id: p.id });
      expect(rows).toHaveLength(3);
      expect(json(rows.find((r) => r.action === "update")!.changes)).toEqual({ name: { from: "P", to: "Q" } });

      const events = await t.outbox.read();
      expect(events.map((e) => [e.sequence, e.type, e.actor])).toEqual([
        [1, "relation.created", "user:anna"],
        [2, "relation.updated", "user:bob"],
        [3, "relation.deleted", "user:anna"],
      ]);
      expect(events[1]!.payload).toMatchObject({ id: p.id, name: "Q", version: 2 });
      const raw = await w.rows("kb_outbox");
      expect(raw.map((r) => num(r.sequence)).sort((a, b) => a - b)).toEqual([1, 2, 3]);
      expect(json(raw.find((r) => num(r.sequence) === 1)!.payload)).toMatchObject({ id: p.id, name: "P" });
    });

    it("keeps the sequence gap-free across entity types and failed commands", async () => {
      const w = ctx.world();
      const a = await w.t.relations.create({ kind: "organisation", name: "A" });
      await expectCrmError(w.t.relations.create({ kind: "organisation", name: "" }), "VALIDATION");
      const b = await w.t.relations.create({ kind: "person", name: "B" });
      await expectCrmError(w.t.relations.update(a.id, { name: "x" }, { expectedVersion: 9 }), "STALE_VERSION");
      await w.t.links.create({ kind: "employment", personId: b.id, organisationId: a.id });
      await w.t.interactions.log({ kind: "note", occurredAt: "2026-01-01T00:00:00Z", relationIds: [a.id] });
      const events = await w.t.outbox.read({ limit: 1000 });
      expect(events.map((e) => e.sequence)).toEqual([1, 2, 3, 4]);
      expect(events.map((e) => e.type)).toEqual(["relation.created", "relation.created", "link.created", "interaction.logged"]);
      expect((await w.t.outbox.read({ after: 2, limit: 1 })).map((e) => e.sequence)).toEqual([3]);
    });

    it("tracks consumer checkpoints; acknowledgements never move back", async () => {
      const w = ctx.world();
      for (const name of ["A", "B", "C"]) await w.t.relations.create({ kind: "organisation", name });
      expect(await w.t.outbox.checkpoint("mailer")).toBe(0);
      expect((await w.t.outbox.poll("mailer")).map((e) => e.sequence)).toEqual([1, 2, 3]);
      await w.t.outbox.acknowledge("mailer", 2);
      expect((await w.t.outbox.poll("mailer")).map((e) => e.sequence)).toEqual([3]);
      await w.t.outbox.acknowledge("mailer", 1);
      expect(await w.t.outbox.checkpoint("mailer")).toBe(2);
      expect((await w.t.outbox.poll("erp")).length).toBe(3);
      await expectCrmError(w.t.outbox.acknowledge("mailer", 99), "VALIDATION");
      await expectCrmError(w.t.outbox.acknowledge("bad name!", 1), "VALIDATION");
      const [row] = await w.rows("kb_outbox_checkpoints", { consumer: "mailer" });
      expect(num(row!.position)).toBe(2);
      expect(await w.rows("kb_history")).toHaveLength(3);
    });
  });
}
