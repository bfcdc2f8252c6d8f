import type { HistoryEntry } from "../model/journal.js";
import type { InteractionMatched } from "../model/events.js";
import type { Interaction } from "../model/interaction.js";
import type { Relation } from "../model/relation.js";
import type { NewOutboxEvent, TenantStore } from "../storage.js";
import type { ClaimedInteraction } from "../storage-unmatched.js";
import { isSettled } from "./participants.js";

/**
 * The one place where relation writes claim unmatched participants. Every write that gives a live
 * relation e-mail addresses — create, update, upsert by external reference, restore, a bulk
 * import, a merge (the survivor takes the loser's addresses), an unmerge, sync — appends an
 * outbox event carrying the relation as it now is (integrity rule 2). Wrapping the journal's
 * event appends therefore sees every such write, in its transaction, with its actor, source and
 * instant, without any caller knowing about claims: the participants without a relation that
 * carry one of those addresses are claimed (see `UnmatchedStore.claimAddresses`).
 *
 * The same holds for contact moments written with participants left unmatched although a live
 * relation holds their address (e.g. by a sync engine writing through `bulk.insertInteractions`):
 * the `interaction.logged` event makes the store claim them at once, so the interaction ends at
 * version 2 with an `interaction.matched` event after its `interaction.logged`.
 * (`interactions.log` and `bulk.logInteractions` match such participants before they insert, so
 * what they return and journal is already complete and nothing is left to claim; their records are
 * marked settled and cost no claim query.) A restore needs
 * no claim: deleted interactions are claimed like live ones, so a restored one has nothing a live
 * relation could still take, and the version `restore` returns stays current.
 *
 * Journal decision: a claim changes the interaction (its `relationIds` grow, participants gain a
 * relation), so, like every change, it steps the interaction's `version`, sets `updated_at`, and
 * writes one history entry (action `update`, `changes.relationIds` and `changes.participants` for
 * the claimed positions) per interaction and one `interaction.matched` event per (interaction,
 * claiming relation), with the actor, source and instant of the write that caused it. The store
 * only moves rows and returns what it claimed; core writes the journal. When nothing is claimed
 * (the common case) nothing is written, and a bulk chunk costs one index probe.
 */
export function withUnmatchedClaims(store: TenantStore, newId: () => string): TenantStore {
  const claimAfter = async (events: readonly NewOutboxEvent[]) => {
    // Grouped by who wrote them and when (one group in practice), so each claim is journaled alike.
    const groups = new Map<string, { first: NewOutboxEvent; addresses: Set<string>; interactions: Set<string> }>();
    for (const event of events) {
      const addresses = addressesOf(event);
      const interaction = unmatchedIn(event);
      if (addresses.length === 0 && !interaction) continue;
      const key = `${event.actor}\u0000${event.source}\u0000${event.occurredAt}`;
      let group = groups.get(key);
      if (!group) groups.set(key, (group = { first: event, addresses: new Set(), interactions: new Set() }));
      for (const a of addresses) group.addresses.add(a);
      if (interaction) group.interactions.add(interaction);
    }
    for (const { first, addresses, interactions } of groups.values()) {
      const at = first.occurredAt;
      const claims = [
        ...(addresses.size > 0 ? await store.unmatched.claimAddresses([...addresses], at) : []),
        ...(interactions.size > 0 ? await store.unmatched.claimInteractions([...interactions], at) : []),
      ];
      if (claims.length > 0) await journal(claims, first);
    }
  };

  async function journal(claims: readonly ClaimedInteraction[], cause: NewOutboxEvent): Promise<void> {
    const { actor, source, occurredAt: at } = cause;
    const history: HistoryEntry[] = [];
    const events: NewOutboxEvent[] = [];
    for (const claim of claims) {
      history.push({
        id: newId(),
        entityType: "interaction",
        entityId: claim.interactionId,
        action: "update",
        version: claim.version,
        changes: {
          relationIds: { from: claim.relationIdsBefore, to: claim.relationIds },
          participants: {
            from: claim.participants.map((p) => ({ position: p.position, address: p.address, relationId: null })),
            to: claim.participants.map((p) => ({ position: p.position, address: p.address, relationId: p.relationId })),
          },
        },
        actor,
        source,
        at,
      });
      for (const relationId of [...new Set(claim.participants.map((p) => p.relationId))]) {
        const payload: InteractionMatched = {
          interactionId: claim.interactionId,
          relationId,
          version: claim.version,
          relationIds: claim.relationIds,
          participants: claim.participants.filter((p) => p.relationId === relationId).map((p) => ({ position: p.position, address: p.address })),
        };
        events.push({
          id: newId(),
          type: "interaction.matched",
          entityType: "interaction",
          entityId: claim.interactionId,
          payload,
          actor,
          source,
          occurredAt: at,
        });
      }
    }
    await store.bulk.appendHistory(history);
    await store.bulk.appendEvents(events);
  }

  const journalStore = new Proxy(store.journal, {
    get(target, key, receiver) {
      if (key !== "appendEvent") return Reflect.get(target, key, receiver) as unknown;
      return async (event: NewOutboxEvent) => {
        const sequence = await target.appendEvent(event);
        await claimAfter([event]);
        return sequence;
      };
    },
  });
  const bulk = new Proxy(store.bulk, {
    get(target, key, receiver) {
      if (key !== "appendEvents") return Reflect.get(target, key, receiver) as unknown;
      return async (events: readonly NewOutboxEvent[]) => {
        const first = await target.appendEvents(events);
        await claimAfter(events);
        return first;
      };
    },
  });
  return { ...store, journal: journalStore, bulk };
}

const live = (r: Relation | undefined): r is Relation => r !== undefined && r !== null && r.deletedAt === null && Array.isArray(r.emails);

/** The e-mail addresses of the live relations an event reports as they now are. */
function addressesOf(event: NewOutboxEvent): string[] {
  const payload = event.payload as Record<string, unknown> | null;
  if (payload === null || typeof payload !== "object") return [];
  let relations: (Relation | undefined)[];
  switch (event.type) {
    case "relation.created":
    case "relation.updated":
    case "relation.restored":
      relations = [payload as unknown as Relation];
      break;
    case "relation.merged":
      relations = [payload.survivor as Relation | undefined];
      break;
    case "relation.unmerged":
      relations = [payload.survivor as Relation | undefined, payload.loser as Relation | undefined];
      break;
    default:
      return [];
  }
  return relations.filter(live).flatMap((r) => r.emails.map((e) => e.address));
}

/** The id of a live contact moment an event reports with participants that have an e-mail address but no relation. */
function unmatchedIn(event: NewOutboxEvent): string | undefined {
  // Logged by interactions.log or bulk.logInteractions: matched before the insert, nothing to claim.
  if (event.type !== "interaction.logged" || isSettled(event.payload)) return undefined;
  const interaction = event.payload as Interaction | null;
  if (!interaction || interaction.deletedAt !== null || !Array.isArray(interaction.participants)) return undefined;
  return interaction.participants.some((p) => !p.relationId && typeof p.address === "string" && p.address.includes("@")) ? interaction.id : undefined;
}
