import { describe, expect, it } from "vitest";
import { expectCrmError, num, type SuiteContext } from "./harness.js";

/** Contact moments: logging, participants, external keys, updates. */
export function interactionsSuite(ctx: SuiteContext): void {
  describe("interactions", () => {
    it("logs a contact moment with relations and participants", async () => {
      const w = ctx.world();
      const org = await w.t.relations.create({ kind: "organisation", name: "Org" });
      const anna = await w.t.relations.create({ kind: "person", name: "Anna" });
      const { interaction: i, created } = await w.t.interactions.log({
        kind: "email",
        direction: "inbound",
        channel: "email",
        occurredAt: "2026-03-01T10:15:00+01:00",
        subject: "Quote request",
        body: "Hello",
        relationIds: [org.id],
        participants: [
          { role: "from", relationId: anna.id, address: "Anna@Org.NL", name: "Anna" },
          { role: "to", address: "sales@us.example" },
        ],
        externalKey: "<abc@mail.example>",
      });
      expect(created).toBe(true);
      expect(i).toMatchObject({
        kind: "email",
        occurredAt: "2026-03-01T09:15:00.000Z",
        relationIds: [org.id, anna.id],
        externalKey: "<abc@mail.example>",
        version: 1,
      });
      expect(i.participants).toEqual([
        { role: "from", relationId: anna.id, address: "anna@org.nl", name: "Anna" },
        { role: "to", relationId: null, address: "sales@us.example", name: null },
      ]);
      const [row] = await w.rows("kb_interactions", { id: i.id });
      expect(row).toMatchObject({ kind: "email", direction: "inbound", subject: "Quote request", external_key: "<abc@mail.example>" });
      expect((await w.rows("kb_interaction_relations", { interaction_id: i.id })).map((r) => r.relation_id).sort()).toEqual([org.id, anna.id].sort());
      const parts = await w.rows("kb_interaction_participants", { interaction_id: i.id });
      expect(parts.map((p) => [num(p.position), p.role, p.address]).sort()).toEqual([
        [0, "from", "anna@org.nl"],
        [1, "to", "sales@us.example"],
      ]);
      expect(await w.t.interactions.get(i.id)).toEqual(i);
    });

    it("imports the same external key once: the second log changes nothing", async () => {
      const w = ctx.world();
      const p = await w.t.relations.create({ kind: "person", name: "P" });
      const input = { kind: "email", occurredAt: new Date("2026-01-01T00:00:00Z"), relationIds: [p.id], externalKey: "<once@x>" } as const;
      const first = await w.t.interactions.log(input);
      const before = await w.counts();
      const second = await w.t.interactions.log({ ...input, subject: "different subject, same message" });
      expect(second).toEqual({ interaction: first.interaction, created: false });
      expect(await w.counts()).toEqual(before);
      expect((await w.t.interactions.findByExternalKey("<once@x>"))?.id).toBe(first.interaction.id);
      const parallel = await Promise.all([1, 2, 3].map(() => w.t.interactions.log({ ...input, externalKey: "<race@x>" })));
      expect(parallel.filter((r) => r.created)).toHaveLength(1);
      expect(new Set(parallel.map((r) => r.interaction.id)).size).toBe(1);
    });

    it("validates kind, relations and participants", async () => {
      const w = ctx.world();
      const p = await w.t.relations.create({ kind: "person", name: "P" });
      await expectCrmError(w.t.interactions.log({ kind: "telepathy", occurredAt: "2026-01-01T00:00:00Z", relationIds: [p.id] }), "VALIDATION");
      const webinar = await w.t.interactions.log({ kind: "webinar", occurredAt: "2026-01-01T00:00:00Z", relationIds: [p.id] });
      expect(webinar.interaction.kind).toBe("webinar");
      const none = await expectCrmError(w.t.interactions.log({ kind: "note", occurredAt: "2026-01-01T00:00:00Z" }), "VALIDATION");
      expect(none.issues[0]?.path).toEqual(["relationIds"]);
      await expectCrmError(w.t.interactions.log({ kind: "note", occurredAt: "yesterday", relationIds: [p.id], participants: [{ role: "to" }] }), "VALIDATION");
      await expectCrmError(w.t.interactions.log({ kind: "note", occurredAt: "2026-01-01T00:00:00Z", relationIds: [p.id, "ghost"] }), "INTEGRITY");
      expect((await w.rows("kb_interactions")).length).toBe(1);
    });

    it("updates and soft-deletes with optimistic concurrency", async () => {
      const w = ctx.world();
      const p = await w.t.relations.create({ kind: "person", name: "P" });
      const { interaction } = await w.t.interactions.log({ kind: "call", occurredAt: "2026-01-01T09:00:00Z", relationIds: [p.id] });
      const updated = await w.t.interactions.update(interaction.id, { outcome: "callback", occurredAt: "2026-01-02T09:00:00Z" }, { expectedVersion: 1 });
      expect(updated).toMatchObject({ outcome: "callback", occurredAt: "2026-01-02T09:00:00.000Z", version: 2 });
      const [link] = await w.rows("kb_interaction_relations", { interaction_id: interaction.id });
      expect(new Date(link!.occurred_at as string).toISOString()).toBe("2026-01-02T09:00:00.000Z");
      await expectCrmError(w.t.interactions.update(interaction.id, { outcome: "x" }, { expectedVersion: 1 }), "STALE_VERSION");
      await w.t.interactions.delete(interaction.id, { expectedVersion: 2 });
      expect(await w.t.interactions.get(interaction.id)).toBeUndefined();
      expect((await w.t.interactions.timeline(p.id)).items).toEqual([]);
      expect((await w.t.history.list("interaction", interaction.id)).map((h) => h.action)).toEqual(["create", "update", "delete"]);
    });
  });
}
