import { describe, expect, it } from "vitest";
import type { HistoryEntry } from "../src/model/journal.js";
import type { NewOutboxEvent, TenantStore } from "../src/storage.js";
import type { ClaimedInteraction } from "../src/storage-unmatched.js";
import { settledRecord } from "../src/services/participants.js";
import { withUnmatchedClaims } from "../src/services/unmatched-hook.js";

/** A store that records what the hook asks of it; each claim call answers with `answer`. */
function recordingStore(answer: (kind: "addresses" | "interactions", ids: readonly string[]) => ClaimedInteraction[]) {
  const calls: { kind: "addresses" | "interactions"; values: string[]; at: string }[] = [];
  const history: HistoryEntry[] = [];
  const events: NewOutboxEvent[] = [];
  const store = {
    tenantId: "t1",
    journal: {
      appendHistory: (entry: HistoryEntry) => Promise.resolve(void history.push(entry)),
      appendEvent: (event: NewOutboxEvent) => Promise.resolve(events.push(event)),
    },
    bulk: {
      appendHistory: (entries: readonly HistoryEntry[]) => Promise.resolve(void history.push(...entries)),
      appendEvents: (list: readonly NewOutboxEvent[]) => Promise.resolve(events.push(...list) - list.length + 1),
    },
    unmatched: {
      claimAddresses: (addresses: readonly string[], at: string) => {
        calls.push({ kind: "addresses", values: [...addresses], at });
        return Promise.resolve(answer("addresses", addresses));
      },
      claimInteractions: (ids: readonly string[], at: string) => {
        calls.push({ kind: "interactions", values: [...ids], at });
        return Promise.resolve(answer("interactions", ids));
      },
    },
  } as unknown as TenantStore;
  let n = 0;
  return { store: withUnmatchedClaims(store, () => `id-${++n}`), calls, history, events };
}

const relation = (id: string, emails: string[], deletedAt: string | null = null) => ({
  id,
  kind: "person",
  name: id,
  emails: emails.map((address, i) => ({ address, label: null, primary: i === 0 })),
  deletedAt,
});

const event = (type: string, payload: unknown, occurredAt = "2026-05-01T10:00:00.000Z"): NewOutboxEvent => ({
  id: `e-${type}`,
  type: type as NewOutboxEvent["type"],
  entityType: type.split(".")[0] as NewOutboxEvent["entityType"],
  entityId: "x",
  payload,
  actor: "user:ann",
  source: "sync:outlook",
  occurredAt,
});

const claim: ClaimedInteraction = {
  interactionId: "i1",
  version: 2,
  updatedAt: "2026-05-01T10:00:00.000Z",
  relationIdsBefore: [],
  relationIds: ["r1", "r2"],
  participants: [
    { position: 0, address: "a@x.nl", relationId: "r1" },
    { position: 2, address: "b@x.nl", relationId: "r2" },
    { position: 3, address: "c@x.nl", relationId: "r1" },
  ],
};

describe("withUnmatchedClaims", () => {
  it("claims the e-mail addresses of live relations reported by relation events, and journals each claim after the cause", async () => {
    const { store, calls, history, events } = recordingStore((kind) => (kind === "addresses" ? [claim] : []));
    await store.bulk.appendEvents([
      event("relation.created", relation("r1", ["a@x.nl", "c@x.nl"])),
      event("relation.updated", relation("r2", ["b@x.nl"])),
      event("relation.restored", relation("r3", [])),
      event("relation.deleted", relation("r4", ["gone@x.nl"], "2026-05-01T10:00:00.000Z")),
      event("link.created", { id: "l1" }),
    ]);
    expect(calls).toEqual([{ kind: "addresses", values: ["a@x.nl", "c@x.nl", "b@x.nl"], at: "2026-05-01T10:00:00.000Z" }]);
    expect(history).toEqual([
      {
        id: "id-1",
        entityType: "interaction",
        entityId: "i1",
        action: "update",
        version: 2,
        changes: {
          relationIds: { from: [], to: ["r1", "r2"] },
          participants: {
            from: [
              { position: 0, address: "a@x.nl", relationId: null },
              { position: 2, address: "b@x.nl", relationId: null },
              { position: 3, address: "c@x.nl", relationId: null },
            ],
            to: claim.participants,
          },
        },
        actor: "user:ann",
        source: "sync:outlook",
        at: "2026-05-01T10:00:00.000Z",
      },
    ]);
    // The five causes first, then one matched event per claiming relation.
    expect(events.map((e) => e.type)).toEqual([
      "relation.created",
      "relation.updated",
      "relation.restored",
      "relation.deleted",
      "link.created",
      "interaction.matched",
      "interaction.matched",
    ]);
    expect(events.slice(5).map((e) => [e.entityId, e.actor, e.source, e.payload])).toEqual([
      [
        "i1",
        "user:ann",
        "sync:outlook",
        {
          interactionId: "i1",
          relationId: "r1",
          version: 2,
          relationIds: ["r1", "r2"],
          participants: [
            { position: 0, address: "a@x.nl" },
            { position: 3, address: "c@x.nl" },
          ],
        },
      ],
      [
        "i1",
        "user:ann",
        "sync:outlook",
        { interactionId: "i1", relationId: "r2", version: 2, relationIds: ["r1", "r2"], participants: [{ position: 2, address: "b@x.nl" }] },
      ],
    ]);
  });

  it("claims for contact moments logged with participants left unmatched, e.g. through bulk.insertInteractions", async () => {
    const { store, calls, events } = recordingStore(() => []);
    const logged = (id: string, participants: unknown[], deletedAt: string | null = null) => event("interaction.logged", { id, participants, deletedAt });
    await store.journal.appendEvent(logged("i1", [{ role: "from", relationId: null, address: "new@x.nl", name: null }]));
    await store.bulk.appendEvents([
      logged("i2", [{ role: "from", relationId: "r1", address: "known@x.nl", name: null }]),
      logged("i3", [{ role: "to", relationId: null, address: "+31201234567", name: null }]),
      logged("i4", [{ role: "to", relationId: null, address: "cc@x.nl", name: null }]),
      logged("i5", [{ role: "to", relationId: null, address: "cc@x.nl", name: null }], "2026-05-01T10:00:00.000Z"),
    ]);
    // Settled by interactions.log / bulk.logInteractions before the insert: no claim query.
    await store.journal.appendEvent(
      event(
        "interaction.logged",
        settledRecord({ id: "i6", participants: [{ role: "to", relationId: null, address: "cc@x.nl", name: null }], deletedAt: null }),
      ),
    );
    expect(calls.map((c) => [c.kind, c.values])).toEqual([
      ["interactions", ["i1"]],
      ["interactions", ["i4"]],
    ]);
    // Nothing claimed: nothing journaled.
    expect(events).toHaveLength(6);
  });

  it("takes the survivor of a merge and both relations of an unmerge", async () => {
    const { store, calls } = recordingStore(() => []);
    await store.journal.appendEvent(event("relation.merged", { survivor: relation("r1", ["a@x.nl", "b@x.nl"]) }));
    await store.journal.appendEvent(event("relation.unmerged", { survivor: relation("r1", ["a@x.nl"]), loser: relation("r2", ["b@x.nl"]) }));
    await store.journal.appendEvent(event("relation.erased", { relationId: "r1" }));
    expect(calls.map((c) => c.values)).toEqual([
      ["a@x.nl", "b@x.nl"],
      ["a@x.nl", "b@x.nl"],
    ]);
  });
});
