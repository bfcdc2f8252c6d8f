import { describe, expect, it } from "vitest";
import { expectCrmError, type SuiteContext } from "./harness.js";

/** Timelines: newest first, keyset pages, roll-up of an organisation's people. */
export function timelineSuite(ctx: SuiteContext): void {
  describe("timeline", () => {
    it("pages newest first and returns every interaction exactly once, also with equal timestamps", async () => {
      const w = ctx.world();
      const p = await w.t.relations.create({ kind: "person", name: "P" });
      const times = ["2026-01-03T00:00:00Z", "2026-01-01T00:00:00Z", "2026-01-02T00:00:00Z"];
      const logged: string[] = [];
      for (let i = 0; i < 12; i++) {
        logged.push((await w.t.interactions.log({ kind: "note", occurredAt: times[i % 3]!, relationIds: [p.id], subject: `n${i}` })).interaction.id);
      }
      const seen: string[] = [];
      let cursor: string | undefined;
      let pages = 0;
      do {
        const page = await w.t.interactions.timeline(p.id, { limit: 5, ...(cursor ? { cursor } : {}) });
        seen.push(...page.items.map((i) => i.id));
        cursor = page.nextCursor;
        pages++;
      } while (cursor);
      expect(pages).toBe(3);
      expect([...seen].sort()).toEqual([...logged].sort());
      const all = (await w.t.interactions.timeline(p.id, { limit: 500 })).items;
      expect(all.map((i) => i.id)).toEqual(seen);
      for (let i = 1; i < all.length; i++) {
        const [a, b] = [all[i - 1]!, all[i]!];
        expect(a.occurredAt > b.occurredAt || (a.occurredAt === b.occurredAt && a.id > b.id)).toBe(true);
      }
      await expectCrmError(w.t.interactions.timeline(p.id, { cursor: "garbage" }), "VALIDATION");
      await expectCrmError(w.t.interactions.timeline(p.id, { limit: 0 }), "VALIDATION");
    });

    it("rolls up an organisation with its current people, each interaction once", async () => {
      const w = ctx.world();
      const org = await w.t.relations.create({ kind: "organisation", name: "Org" });
      const [now, former, outsider] = await Promise.all(["Now", "Former", "Outsider"].map((name) => w.t.relations.create({ kind: "person", name })));
      await w.t.links.create({ kind: "employment", personId: now!.id, organisationId: org.id });
      await w.t.links.create({ kind: "employment", personId: former!.id, organisationId: org.id, validTo: "2020-12-31" });
      const at = "2026-02-01T12:00:00Z";
      const onOrg = await w.t.interactions.log({ kind: "meeting", occurredAt: at, relationIds: [org.id] });
      const shared = await w.t.interactions.log({ kind: "call", occurredAt: at, relationIds: [org.id, now!.id] });
      const onNow = await w.t.interactions.log({ kind: "email", occurredAt: at, relationIds: [now!.id] });
      await w.t.interactions.log({ kind: "email", occurredAt: at, relationIds: [former!.id] });
      await w.t.interactions.log({ kind: "email", occurredAt: at, relationIds: [outsider!.id] });
      const plain = (await w.t.interactions.timeline(org.id)).items.map((i) => i.id).sort();
      expect(plain).toEqual([onOrg.interaction.id, shared.interaction.id].sort());
      const rolled = (await w.t.interactions.timeline(org.id, { rollUp: true })).items.map((i) => i.id);
      expect([...rolled].sort()).toEqual([onOrg.interaction.id, shared.interaction.id, onNow.interaction.id].sort());
      const paged = [...(await w.t.interactions.timeline(org.id, { rollUp: true, limit: 2 })).items];
      const next = await w.t.interactions.timeline(org.id, { rollUp: true, limit: 2 });
      paged.push(...(await w.t.interactions.timeline(org.id, { rollUp: true, limit: 2, cursor: next.nextCursor! })).items);
      expect(paged.map((i) => i.id)).toEqual(rolled);
    });
  });
}
