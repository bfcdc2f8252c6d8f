/**
 * What applying a remote change means, shared by the page apply (apply-page.ts) and the push
 * phase: its environment and outcome, and removing a remote item. Applying is idempotent:
 * applying the same change twice writes nothing the second time. Everything runs inside the
 * page's transaction (`tx` is a unit-bound tenant).
 */
import type { TenantCrm } from "../crm.js";
import type { CommandOptions } from "../services/command.js";
import type { SyncItemRecord, SyncStore } from "../storage-sync.js";
import type { MatchOptions } from "./matching.js";

/** What applying one change did. */
export type ApplyOutcome = "created" | "updated" | "unchanged" | "deleted" | { readonly skipped: string; readonly message: string };

/** Everything applying a change needs, bound to one page transaction. */
export interface ApplyEnv {
  readonly tx: TenantCrm;
  readonly sync: SyncStore;
  /** The connector id: the external-reference system of its relations. */
  readonly system: string;
  readonly account: string;
  readonly resource: string;
  /** The pass that items touched now belong to. */
  readonly pass: number;
  readonly now: string;
  /** Actor and source of every write, e.g. `sync:outlook`; the push phase ignores events from it. */
  readonly command: CommandOptions;
  readonly match: MatchOptions;
}

/**
 * Forgets a remote item and removes what it stood for, unless another item (another folder,
 * mailbox or resource) still maps to the same entity. A relation that sync created is
 * soft-deleted; one it matched (it existed before) only loses the reference.
 */
export async function removeItem(env: ApplyEnv, item: SyncItemRecord): Promise<ApplyOutcome> {
  const { tx, command } = env;
  await env.sync.deleteItem(item.account, item.resource, item.externalId);
  const others = await env.sync.findItemsByEntity(item.entityType, item.entityId);
  if (others.length > 0) return "unchanged";
  if (item.entityType === "interaction") {
    const interaction = await tx.interactions.get(item.entityId);
    if (!interaction) return "unchanged";
    await tx.interactions.delete(interaction.id, { ...command, expectedVersion: interaction.version });
    return "deleted";
  }
  const relation = await tx.relations.get(item.entityId);
  if (!relation) return "unchanged";
  if (item.origin === "created") {
    await tx.relations.delete(relation.id, { ...command, expectedVersion: relation.version });
  } else {
    const externalRefs = relation.externalRefs.filter((r) => !(r.system === env.system && r.externalId === item.externalId));
    await tx.relations.update(relation.id, { externalRefs }, { ...command, expectedVersion: relation.version });
  }
  return "deleted";
}
