/**
 * The mail and meetings of a page, in bulk (see apply-page.ts), with one look-up per question for
 * the whole segment.
 *
 * - List and bulk mail is skipped (and forgotten, when it was known).
 * - An interaction already holding the key (from another folder or mailbox, or an earlier pass)
 *   keeps in step only in the fields that read the same from every mailbox: time, subject, body
 *   and outcome. Those rarely change, so such writes stay one by one, and only when a field differs.
 * - New ones get their participants matched by address (one look-up for every address of the
 *   segment; the unknown-address policy for the rest) and are logged in one bulk chunk.
 */
import { CrmError } from "../errors.js";
import type { InteractionInput } from "../model/interaction.js";
import { normaliseEmail } from "../normalise.js";
import type { InteractionRecord } from "../storage.js";
import type { ApplyOutcome } from "./apply.js";
import { removeItem } from "./apply.js";
import type { InteractionDraft, SyncChange } from "./connector.js";
import { resolve, type MatchedParticipant } from "./matching.js";
import { keepItem, refusing, type PageBatch } from "./page-batch.js";
import { issuesMessage } from "./apply-relations.js";

type InteractionChange = Extract<SyncChange, { type: "interaction" }>;

const sameInstant = (a: string, b: string) => a === b || Date.parse(a) === Date.parse(b);

/** True when the stored interaction already reads as the draft in every field kept in step. */
function inStep(current: InteractionRecord, draft: InteractionDraft, body: string | null): boolean {
  return (
    !current.deletedAt &&
    sameInstant(current.occurredAt, draft.occurredAt) &&
    current.subject === (draft.subject ?? null) &&
    current.body === body &&
    current.outcome === (draft.outcome ?? null)
  );
}

/** Applies the interaction changes at `indexes` of `changes`; outcomes go to `batch.outcomes`. */
export async function applyInteractions(batch: PageBatch, changes: readonly SyncChange[], indexes: readonly number[]): Promise<void> {
  const { env, store, outcomes } = batch;
  const { tx, command } = env;
  const list: { index: number; change: InteractionChange }[] = [];
  for (const index of indexes) {
    const change = changes[index] as InteractionChange;
    if (!change.interaction.bulk) {
      list.push({ index, change });
      continue;
    }
    const item = batch.items.get(change.externalId);
    if (item) {
      batch.items.delete(change.externalId);
      await refusing(index, () => removeItem(env, item));
    }
    outcomes[index] = { skipped: "bulk_mail", message: "List or bulk mail is not imported" };
  }
  if (list.length === 0) return;

  const existing = new Map((await store.bulk.interactionsByExternalKeys([...new Set(list.map(({ change }) => change.key))])).map((r) => [r.externalKey, r]));
  const keep = (change: InteractionChange, entityId: string) => {
    const item = batch.items.get(change.externalId);
    keepItem(batch, {
      externalId: change.externalId,
      entityType: "interaction",
      entityId,
      changeKey: item?.changeKey ?? null,
      origin: item?.origin ?? "created",
      pass: env.pass,
    });
  };

  const fresh: { index: number; change: InteractionChange }[] = [];
  for (const entry of list) {
    const { index, change } = entry;
    const stored = existing.get(change.key);
    if (!stored) {
      fresh.push(entry);
      continue;
    }
    // An interaction still unmatched keeps its metadata only, unless bodies of unmatched ones are kept.
    const body = stored.relationIds.length === 0 && !env.match.unmatchedBodies ? null : (change.interaction.body ?? null);
    outcomes[index] = inStep(stored, change.interaction, body)
      ? "unchanged"
      : await refusing(index, () => bringInStep(batch, stored, change.interaction, body));
    keep(change, stored.id);
  }
  if (fresh.length === 0) return;

  // Participants: every address of the segment in one look-up, the oldest relation holding it first.
  const relationOf = new Map<string, string | null>();
  const addresses = [...new Set(fresh.flatMap(({ change }) => change.interaction.participants.flatMap((p) => normaliseEmail(p.address) || [])))];
  for (const { email, relationId } of addresses.length ? await store.bulk.relationIdsByEmails(addresses) : []) {
    if (!relationOf.has(email)) relationOf.set(email, relationId);
  }
  const inputs: InteractionInput[] = [];
  const logged: { index: number; change: InteractionChange }[] = [];
  for (const entry of fresh) {
    const { index, change } = entry;
    const draft = change.interaction;
    const participants: MatchedParticipant[] = [];
    for (const p of draft.participants) {
      const address = normaliseEmail(p.address);
      if (!address) continue;
      if (!relationOf.has(address)) {
        // Unknown: the policy decides, once per address (it may create a person).
        const found = env.match.unknownAddresses === "ignore" ? null : await refusing(index, () => resolve(tx, address, p, env.match, env.system, command));
        // An own address or a room stays unresolved for the next participant too; that is what resolve says each time.
        if (found !== null || env.match.unknownAddresses === "ignore") relationOf.set(address, found);
      }
      participants.push({ role: p.role, relationId: relationOf.get(address) ?? null, address, name: p.name?.trim() || null });
    }
    const unmatched = !participants.some((p) => p.relationId);
    // Someone to match later: an address that is neither the account's own nor a room.
    const correspondent = draft.participants.some((p) => !p.own && p.role !== "resource" && normaliseEmail(p.address));
    if (unmatched && (env.match.unmatched === "skip" || !correspondent)) {
      const item = batch.items.get(change.externalId);
      if (item) {
        batch.items.delete(change.externalId);
        await refusing(index, () => removeItem(env, item));
      }
      outcomes[index] = { skipped: "no_relation", message: "No participant is a known relation (unknown-address policy left them out)" };
      continue;
    }
    logged.push(entry);
    inputs.push({
      kind: draft.kind,
      direction: draft.direction ?? null,
      channel: draft.channel ?? null,
      occurredAt: draft.occurredAt,
      subject: draft.subject ?? null,
      body: unmatched && !env.match.unmatchedBodies ? null : (draft.body ?? null),
      outcome: draft.outcome ?? null,
      participants,
      externalKey: change.key,
    });
  }
  if (inputs.length === 0) return;
  const result = await batch.bulk.logInteractionChunk(store, inputs, 0, { ...command, skipInvalid: true });
  for (const { index: position, issues } of result.invalid) {
    const { index, change } = logged[position]!;
    const item = batch.items.get(change.externalId);
    if (item) keepItem(batch, { ...item, pass: env.pass });
    outcomes[index] = { skipped: "validation", message: issuesMessage(issues) };
  }
  for (const { index: position, id, outcome } of result.items) {
    const { index, change } = logged[position]!;
    if (!id)
      throw new CrmError("BUSY", `The interaction keyed ${change.key} was taken by another writer and cannot be read`, { reason: "serialization_failure" });
    keep(change, id);
    outcomes[index] = outcome;
  }
}

/** Restores a deleted interaction and brings the fields kept in step up to date. */
async function bringInStep(batch: PageBatch, stored: InteractionRecord, draft: InteractionDraft, body: string | null): Promise<ApplyOutcome> {
  const { tx, command } = batch.env;
  let current = stored;
  if (current.deletedAt) current = await tx.interactions.restore(current.id, { ...command, expectedVersion: current.version });
  const updated = await tx.interactions.update(
    current.id,
    { occurredAt: draft.occurredAt, subject: draft.subject ?? null, body, outcome: draft.outcome ?? null },
    { ...command, expectedVersion: current.version },
  );
  return updated.version === stored.version ? "unchanged" : "updated";
}
