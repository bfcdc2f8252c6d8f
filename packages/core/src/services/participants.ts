import type { z } from "zod";
import type { interactionSchemas, Participant } from "../model/interaction.js";
import type { InteractionRecord, TenantStore } from "../storage.js";
import { erasureKey } from "./erasure-keys.js";

/**
 * Settles the participants of contact moments about to be logged, for everything logged in one
 * go (one or two queries, none when every participant already has a relation):
 *
 * - a participant without a relation whose e-mail address a live relation holds gets that
 *   relation (the smallest id when several hold it), so a contact moment is logged the way a
 *   later claim would leave it, and its `interaction.logged` entry already says so;
 * - one whose e-mail address belongs to an erased person (an erasure key) loses the address and
 *   the name, as the erasure left that person's other contact moments: a sync page or an import
 *   cannot bring the address back through an unmatched contact moment.
 *
 * Returns the function that settles one list of participants.
 */
export async function participantSettler(
  store: TenantStore,
  lists: readonly (readonly Participant[])[],
): Promise<(list: readonly Participant[]) => Participant[]> {
  const open = [...new Set(lists.flatMap((list) => list.flatMap((p) => (!p.relationId && p.address?.includes("@") ? [p.address] : []))))];
  if (open.length === 0) return (list) => [...list];
  const holders = await store.unmatched.holders(open);
  const keys = open.filter((a) => !holders.has(a)).map((address) => ({ address, key: erasureKey(store.tenantId, "email", address) }));
  const erasedKeys = keys.length > 0 ? await store.privacy.erasedKeys(keys.map((k) => k.key)) : new Set<string>();
  const erased = new Set(keys.filter((k) => erasedKeys.has(k.key)).map((k) => k.address));
  return (list) =>
    list.map((p) => {
      if (p.relationId || !p.address) return p;
      const holder = holders.get(p.address);
      if (holder) return { ...p, relationId: holder };
      return erased.has(p.address) ? { ...p, address: null, name: null } : p;
    });
}

/**
 * Contact moments whose participants were settled (see {@link participantSettler}) in the
 * transaction that logs them: their `interaction.logged` event needs no claim, as nothing a live
 * relation holds was left unmatched. Held weakly, by the record object the event carries.
 */
const settled = new WeakSet<object>();

/** Marks a record as settled before it is logged; returns it. */
export function settledRecord<T extends object>(record: T): T {
  settled.add(record);
  return record;
}

/** Whether the payload of an `interaction.logged` event is a record whose participants were settled. */
export function isSettled(payload: unknown): boolean {
  return typeof payload === "object" && payload !== null && settled.has(payload);
}

/** The relations a contact moment is linked to: the explicit ones, then its participants' relations, each once. */
export function linkedRelations(relationIds: readonly string[], participants: readonly Participant[]): string[] {
  return [...new Set([...relationIds, ...participants.flatMap((p) => (p.relationId ? [p.relationId] : []))])];
}

/** A contact moment's input as the create schema parsed it. */
export type ParsedInteraction = z.output<ReturnType<typeof interactionSchemas>["create"]>;

/** The fields a new contact moment's history entry lists (empty ones are left out by `diffFields`). */
export const NEW_INTERACTION_FIELDS = [
  "kind",
  "direction",
  "channel",
  "occurredAt",
  "subject",
  "body",
  "outcome",
  "relationIds",
  "participants",
  "dealIds",
  "externalKey",
] as const satisfies readonly (keyof InteractionRecord)[];

/**
 * The stored record of a new contact moment: version 1 at `at`, linked to its explicit relations
 * and to its participants' (which the caller has settled, see {@link participantSettler}), each
 * deal once. What `interactions.log` and `bulk.logInteractions` both write.
 */
export function newInteractionRecord(id: string, input: ParsedInteraction, participants: readonly Participant[], at: string): InteractionRecord {
  return {
    id,
    kind: input.kind,
    direction: input.direction ?? null,
    channel: input.channel ?? null,
    occurredAt: input.occurredAt,
    subject: input.subject ?? null,
    body: input.body ?? null,
    outcome: input.outcome ?? null,
    relationIds: linkedRelations(input.relationIds, participants),
    participants: [...participants],
    dealIds: [...new Set(input.dealIds)],
    externalKey: input.externalKey ?? null,
    version: 1,
    createdAt: at,
    updatedAt: at,
    deletedAt: null,
  };
}

/** The participants of a parsed input as stored, before settling: every field present, null when absent. */
export function participantsOf(input: ParsedInteraction): Participant[] {
  return input.participants.map((p) => ({ role: p.role, relationId: p.relationId ?? null, address: p.address ?? null, name: p.name ?? null }));
}
