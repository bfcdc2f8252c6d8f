import { describe, expect, it } from "vitest";
import { createSyncEngine, type InteractionDraft, type SyncEngineOptions, type SyncResource } from "@kaartenbak/core/sync";
import type { SuiteContext, SuiteWorld } from "./harness.js";
import { MemoryRemote } from "./sync-fake.js";

const RESOURCES: readonly SyncResource[] = [
  { id: "contacts", entity: "relation", writable: true },
  { id: "mail", entity: "interaction" },
];
const ACCOUNT = "own@example.com";

function mail(from: string, subject: string, extra: Partial<InteractionDraft> = {}): InteractionDraft {
  return {
    kind: "email",
    direction: "inbound",
    channel: "email",
    occurredAt: "2026-03-01T10:00:00.000Z",
    subject,
    body: "The quote you asked for.",
    participants: [
      { role: "from", address: from, name: "Someone New" },
      { role: "to", address: ACCOUNT, own: true },
    ],
    ...extra,
  };
}

function setup(ctx: SuiteContext, options: Partial<SyncEngineOptions> = {}) {
  const w = ctx.world();
  const remote = new MemoryRemote(RESOURCES);
  const engine = () => createSyncEngine({ tenant: w.t, connector: remote.connector(), account: ACCOUNT, push: false, ...options });
  return { w, remote, engine };
}

const counts = async (w: SuiteWorld) => {
  const { kb_sync_states: _s, kb_sync_leases: _l, ...rest } = await w.counts();
  return rest;
};

/** Mail and meetings with nobody known: kept unmatched (metadata only) and claimed later, or skipped by choice. */
export function syncUnmatchedSuite(ctx: SuiteContext): void {
  describe("sync: unmatched correspondence", () => {
    it("keeps mail from unknown people as unmatched metadata that joins a relation's timeline once the relation exists, without a refetch", async () => {
      const { w, remote, engine } = setup(ctx);
      remote.putInteraction("mail", "<m1@x>", mail("new.customer@bakkerij.example", "Quote"));
      remote.putInteraction("mail", "<m2@x>", mail("New.Customer@Bakkerij.example", "Re: Quote", { occurredAt: "2026-03-02T10:00:00.000Z" }));
      const first = await engine().run();
      expect(first.status).toBe("ok");
      expect(first.resources.find((r) => r.resource === "mail")?.counts).toMatchObject({ created: 2, skipped: 0 });
      const { items } = await w.t.interactions.unmatched();
      expect(items.map((i) => [i.subject, i.body, i.relationIds])).toEqual([
        ["Re: Quote", null, []],
        ["Quote", null, []],
      ]);
      expect(items[0]!.participants.map((p) => [p.role, p.address, p.relationId])).toEqual([
        ["from", "new.customer@bakkerij.example", null],
        ["to", ACCOUNT, null],
      ]);

      // Nothing new remotely: nothing written.
      const before = await counts(w);
      expect((await engine().run()).status).toBe("ok");
      expect(await counts(w)).toEqual(before);

      // Created by hand: both mails are on the new person's timeline at once; the remote is not read again.
      let pulls = 0;
      remote.beforePull = async () => void pulls++;
      const person = await w.t.relations.create({ kind: "person", name: "New Customer", emails: ["new.customer@bakkerij.example"] });
      const timeline = await w.t.interactions.timeline(person.id);
      expect(timeline.items.map((i) => i.subject)).toEqual(["Re: Quote", "Quote"]);
      expect((await w.t.interactions.unmatched()).items).toEqual([]);
      expect(pulls).toBe(0);

      // A later sync with no remote change still writes nothing, and a remote edit keeps the body out.
      const settled = await counts(w);
      expect((await engine().run()).status).toBe("ok");
      expect(await counts(w)).toEqual(settled);
    });

    it("an unmatched moment edited remotely stays metadata only until a relation claims it", async () => {
      const { w, remote, engine } = setup(ctx);
      const id = remote.putInteraction("mail", "<m1@x>", mail("someone@elsewhere.example", "Draft"));
      await engine().run();
      remote.putInteraction("mail", "<m1@x>", mail("someone@elsewhere.example", "Final", { body: "Changed body" }), id);
      const report = await engine().run();
      expect(report.resources.find((r) => r.resource === "mail")?.counts.updated).toBe(1);
      const [moment] = (await w.t.interactions.unmatched()).items;
      expect([moment?.subject, moment?.body]).toEqual(["Final", null]);
    });

    it("keeps the body with unmatchedBodies", async () => {
      const { w, remote, engine } = setup(ctx, { unmatchedBodies: true });
      remote.putInteraction("mail", "<m1@x>", mail("someone@elsewhere.example", "Quote"));
      await engine().run();
      expect((await w.t.interactions.unmatched()).items.map((i) => i.body)).toEqual(["The quote you asked for."]);
    });

    it("skips them with unmatched: skip, and always skips mail whose only addresses are the account's own and rooms", async () => {
      const skipping = setup(ctx, { unmatched: "skip" });
      skipping.remote.putInteraction("mail", "<m1@x>", mail("someone@elsewhere.example", "Quote"));
      const report = await skipping.engine().run();
      expect(report.resources.find((r) => r.resource === "mail")?.counts).toMatchObject({ created: 0, skipped: 1 });
      expect((await skipping.engine().states()).find((s) => s.resource === "mail")?.skipped.map((s) => s.reason)).toEqual(["no_relation"]);
      expect(await skipping.w.rows("kb_interactions")).toHaveLength(0);

      const keeping = setup(ctx);
      keeping.remote.putInteraction("mail", "<m2@x>", {
        kind: "meeting",
        occurredAt: "2026-03-01T10:00:00.000Z",
        subject: "Room booking",
        participants: [
          { role: "organizer", address: ACCOUNT, own: true },
          { role: "resource", address: "room.3@example.com" },
        ],
      });
      const kept = await keeping.engine().run();
      expect(kept.resources.find((r) => r.resource === "mail")?.counts).toMatchObject({ created: 0, skipped: 1 });
      expect(await keeping.w.rows("kb_interactions")).toHaveLength(0);
    });
  });
}
