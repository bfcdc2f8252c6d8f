/**
 * The contacts of a page, in bulk (see apply-page.ts), with one look-up per question for the
 * whole segment.
 *
 * 1. An item whose change key is the one applied before, of a live relation, is unchanged.
 * 2. The others are matched by our reference, else by an e-mail address to a relation of the
 *    same kind (an existing relation, e.g. from the ERP, gets the remote's fields and our
 *    reference; its item says `matched`), else created — all in one bulk chunk.
 * 3. A person's employment link follows the remote company (item by item: it changes rarely).
 */
import type { Relation, RelationInput } from "../model/relation.js";
import type { SyncChange } from "./connector.js";
import { ensureEmployments } from "./apply-employment.js";
import { draftEmails, keepItem, type PageBatch } from "./page-batch.js";

type RelationChange = Extract<SyncChange, { type: "relation" }>;

/** A validation summary short enough for a skipped item's message. */
export function issuesMessage(issues: ReadonlyArray<{ readonly path: readonly PropertyKey[]; readonly message: string }>): string {
  return issues.map((i) => `${i.path.map(String).join(".") || "(input)"}: ${i.message}`).join("; ");
}

/** Applies the contact changes at `indexes` of `changes`; outcomes go to `batch.outcomes`. */
export async function applyRelations(batch: PageBatch, changes: readonly SyncChange[], indexes: readonly number[]): Promise<void> {
  const { env, store, outcomes } = batch;
  const list = indexes.map((index) => ({ index, change: changes[index] as RelationChange }));

  // 1. Same change key as applied before, and the relation is still there: nothing to do.
  const known = list.filter(({ change }) => {
    const item = batch.items.get(change.externalId);
    return item !== undefined && change.changeKey != null && item.changeKey === change.changeKey;
  });
  const live = known.length ? await store.bulk.liveRelationIds(known.map(({ change }) => batch.items.get(change.externalId)!.entityId)) : new Set<string>();
  const work = list.filter(({ index, change }) => {
    const item = batch.items.get(change.externalId);
    if (!item || change.changeKey == null || item.changeKey !== change.changeKey || !live.has(item.entityId)) return true;
    keepItem(batch, { ...item, pass: env.pass });
    outcomes[index] = "unchanged";
    return false;
  });
  if (work.length === 0) return;

  // 2. Our reference, else an e-mail address of a relation of the same kind, else new.
  const refOf = (change: RelationChange) => ({ system: env.system, externalId: change.externalId });
  const holders = new Map<string, string>();
  for (const r of await store.bulk.relationsByExternalRefs(work.map(({ change }) => refOf(change))))
    for (const ref of r.externalRefs) if (ref.system === env.system) holders.set(ref.externalId, r.id);
  const unheld = work.filter(({ change }) => !holders.has(change.externalId));
  const byEmail = new Map<string, Relation[]>();
  const wanted = [...new Set(unheld.flatMap(({ change }) => draftEmails(change)))];
  for (const relation of wanted.length ? await store.bulk.liveRelationsByEmails(wanted) : []) {
    for (const e of relation.emails) byEmail.set(e.address, [...(byEmail.get(e.address) ?? []), relation]);
  }
  const emailMatch = (change: RelationChange) =>
    draftEmails(change)
      .map((address) => byEmail.get(address)?.find((r) => r.kind === change.relation.input.kind))
      .find(Boolean);
  // Two contacts of one stored relation (a contact matched by e-mail earlier, now holding two of
  // our references) are applied one after the other, as their own pages would be: the rest of
  // the segment from the second one on goes again, with fresh look-ups.
  const seen = new Set<string>();
  const split = work.findIndex(({ change }) => {
    const id = holders.get(change.externalId) ?? emailMatch(change)?.id;
    if (id === undefined) return false;
    if (seen.has(id)) return true;
    seen.add(id);
    return false;
  });
  if (split > 0) {
    await applyRelations(
      batch,
      changes,
      work.slice(0, split).map((w) => w.index),
    );
    return applyRelations(
      batch,
      changes,
      work.slice(split).map((w) => w.index),
    );
  }
  const targets = new Map<number, Relation>();
  const inputs: RelationInput[] = work.map(({ change }, position) => {
    const ref = refOf(change);
    const input = change.relation.input;
    if (!holders.has(change.externalId)) {
      const match = emailMatch(change);
      if (match) {
        targets.set(position, match);
        return { ...input, externalRefs: [...(input.externalRefs ?? []), ref] };
      }
    }
    const refs = input.externalRefs ?? [];
    return { ...input, externalRefs: refs.some((r) => r.system === ref.system && r.externalId === ref.externalId) ? refs : [...refs, ref] };
  });
  const result = await batch.bulk.upsertRelationChunk(store, inputs, 0, { ...env.command, skipInvalid: true }, batch.policy, targets);
  for (const { index: position, issues } of result.invalid) {
    const { index, change } = work[position]!;
    // Kept in this pass, so a temporarily unacceptable contact is not reconciled away.
    const item = batch.items.get(change.externalId);
    if (item) keepItem(batch, { ...item, pass: env.pass });
    outcomes[index] = { skipped: "validation", message: issuesMessage(issues) };
  }

  // 3. Employment follows the remote company; then the item says what the contact is now.
  const persons = result.items.flatMap(({ index: position, id }) => {
    const { index, change } = work[position]!;
    return change.relation.input.kind === "person" ? [{ index, personId: id, organisation: change.relation.organisation }] : [];
  });
  const linked = await ensureEmployments(batch, persons);
  for (const { index: position, id, outcome } of result.items) {
    const { index, change } = work[position]!;
    const item = batch.items.get(change.externalId);
    const applied = outcome === "unchanged" && linked.has(id) ? "updated" : outcome;
    const origin = targets.has(position) ? "matched" : (item?.origin ?? "created");
    keepItem(batch, { externalId: change.externalId, entityType: "relation", entityId: id, changeKey: change.changeKey ?? null, origin, pass: env.pass });
    outcomes[index] = applied;
  }
}
