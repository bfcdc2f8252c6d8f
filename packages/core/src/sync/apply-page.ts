/**
 * Applies a page of remote changes with a bounded number of statements per kind of change, not
 * per item: the page's sync items, the relations holding its references and e-mail addresses and
 * the interactions holding its keys are each read in one look-up, new and changed entities are
 * written through the bulk seam's chunk steps (the same validation, history and events as the
 * one-by-one API), and the item mappings are written in one multi-row upsert. Only what is rare
 * (a restore, a changed interaction, a removal, an employment link that changes) is still done
 * item by item. The result is the one applying each change on its own page would give (the
 * conformance suite's syncBatch property holds it so): changes that could depend on each other
 * (the same remote id or interaction key twice, two contacts sharing an e-mail address) are
 * applied in consecutive segments.
 */
import { CrmError } from "../errors.js";
import { bulkOperations } from "../services/bulk.js";
import { ensureAttributeModel } from "../services/command.js";
import { duplicatePolicy } from "../services/duplicates.js";
import { scopeOf } from "../tenant-scope.js";
import { removeItem, type ApplyEnv, type ApplyOutcome } from "./apply.js";
import type { SyncChange } from "./connector.js";
import { applyInteractions } from "./apply-interactions.js";
import { applyRelations } from "./apply-relations.js";
import { draftEmails, keepItem, refusing, type PageBatch } from "./page-batch.js";

/**
 * Splits a page into runs of changes that do not depend on each other: a run ends before a
 * change whose remote id, interaction key or (for a contact) one of whose e-mail addresses the
 * run already has. A run also ends before a removal when it holds contacts or contact moments:
 * a removal is applied at once, those at the end of their run, and the entity a removal deletes
 * (known only from its stored item) may be the one an earlier change of the run updates (two
 * remote items of one contact moment). (Two contacts of one stored relation are split later,
 * once their look-ups show it: see apply-relations.ts.)
 */
function segments(changes: readonly SyncChange[]): number[][] {
  const out: number[][] = [];
  let current: number[] = [];
  let seen = new Set<string>();
  let deferred = false;
  changes.forEach((change, index) => {
    const own = [
      `id:${change.externalId}`,
      ...(change.type === "relation" ? draftEmails(change).map((e) => `email:${e}`) : []),
      ...(change.type === "interaction" ? [`key:${change.key}`] : []),
    ];
    if (own.some((k) => seen.has(k)) || (change.type === "removed" && deferred)) {
      out.push(current);
      current = [];
      seen = new Set();
      deferred = false;
    }
    current.push(index);
    for (const k of own) seen.add(k);
    if (change.type === "relation" || change.type === "interaction") deferred = true;
  });
  if (current.length > 0) out.push(current);
  return out;
}

/**
 * Applies a page's changes (see the module comment) and returns an outcome per change, in order.
 * `refused` holds changes refused in an earlier attempt of this page: they are applied as
 * `invalid`, so they are recorded as skipped and keep their item in this pass.
 */
export async function applyPageChanges(env: ApplyEnv, changes: readonly SyncChange[], refused: ReadonlyMap<number, CrmError>): Promise<ApplyOutcome[]> {
  const scope = scopeOf(env.tx);
  const store = scope.unit!.store;
  await ensureAttributeModel(scope.ctx, store);
  const outcomes: ApplyOutcome[] = [];
  const effective = changes.map((original, index): SyncChange => {
    const error = refused.get(index);
    return error ? { type: "invalid", externalId: original.externalId, reason: `${error.code}: ${error.message}` } : original;
  });
  const bulk = bulkOperations(scope);
  const policy = duplicatePolicy(undefined, scope.ctx.duplicates);
  for (const indexes of segments(effective)) {
    const ids = indexes.map((i) => effective[i]!.externalId);
    const stored = await env.sync.getItems(env.account, env.resource, ids);
    const batch: PageBatch = { env, store, bulk, policy, items: new Map(stored.map((s) => [s.externalId, s])), writes: [], outcomes };
    const relations: number[] = [];
    const interactions: number[] = [];
    for (const index of indexes) {
      const change = effective[index]!;
      if (change.type === "relation") relations.push(index);
      else if (change.type === "interaction") interactions.push(index);
      else if (change.type === "removed") {
        const item = batch.items.get(change.externalId);
        batch.items.delete(change.externalId);
        outcomes[index] = item ? await refusing(index, () => removeItem(env, item)) : "unchanged";
      } else if (change.type === "invalid") {
        // A known item stays in this pass, so a temporarily unreadable item is not reconciled away.
        const item = batch.items.get(change.externalId);
        if (item) keepItem(batch, { ...item, pass: env.pass });
        outcomes[index] = { skipped: "invalid_payload", message: change.reason };
      } else {
        throw new CrmError("VALIDATION", `Unknown sync change type ${(change as { type: unknown }).type}`, { reason: "unknown_change" });
      }
    }
    if (relations.length > 0) await applyRelations(batch, effective, relations);
    if (interactions.length > 0) await applyInteractions(batch, effective, interactions);
    if (batch.writes.length > 0) await env.sync.putItems(batch.writes);
  }
  return outcomes;
}
