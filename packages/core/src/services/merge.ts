import { CrmError, notFound, validationError, type ValidationIssue } from "../errors.js";
import { isText, optionsOf, zodIssues } from "../model/common.js";
import type { ConsentEntry, SuppressionEntry } from "../model/consent.js";
import { mergeOptionsSchema, type Merge, type MergeOptions, type MergeResult, type UnmergeResult } from "../model/merge.js";
import type { FieldChange } from "../model/journal.js";
import type { Relation } from "../model/relation.js";
import { diffFields } from "../diff.js";
import type { TenantStore } from "../storage.js";
import type { MergeRecord, RowChange } from "../storage-merge.js";
import { runCommand, runQuery, type CommandOptions, type CommandScope, type TenantScope } from "./command.js";
import { mergeFields } from "./merge-rules.js";
import { changedSince, rowChanges } from "./merge-rows.js";
import { buildRelation, RELATION_FIELDS } from "./relation-builder.js";

/** How many merges `get` follows from a merged relation to the one that holds it now. */
export const MAX_MERGE_HOPS = 16;

/** Thrown inside a dry run's transaction so that it rolls back, carrying the result out. */
class DryRun {
  constructor(readonly result: MergeResult) {}
}

function idIssues(value: unknown, name: string): ValidationIssue[] {
  return typeof value === "string" && value.length > 0 && value.length <= 100 && isText(value)
    ? []
    : [{ path: [name], message: "Expected a non-empty id string", code: "invalid_type" }];
}

function groupBy<T>(items: readonly T[], key: (t: T) => string): T[][] {
  const groups = new Map<string, T[]>();
  for (const item of items) groups.set(key(item), [...(groups.get(key(item)) ?? []), item]);
  return [...groups.values()];
}

const latest = <T extends { occurredAt: string; id: string }>(entries: readonly T[]) =>
  [...entries].sort((a, b) => (a.occurredAt === b.occurredAt ? (a.id < b.id ? -1 : 1) : a.occurredAt < b.occurredAt ? -1 : 1)).at(-1);

/**
 * The consent and suppression entries that keep a withdrawal of either relation in force: for each
 * channel (and purpose), when one side's latest entry is an opt-out (a suppression) and the united
 * ledger's latest would not be, an opt-out (suppression) entry dated at the merge.
 */
function carriedWithdrawals(
  command: CommandScope,
  survivorId: string,
  loserId: string,
  consent: readonly ConsentEntry[],
  suppressions: readonly SuppressionEntry[],
  newId: () => string,
): { consent: ConsentEntry[]; suppressions: SuppressionEntry[] } {
  const { at, actor } = command;
  const note = `merge of ${loserId} into ${survivorId}`;
  const out = { consent: [] as ConsentEntry[], suppressions: [] as SuppressionEntry[] };
  for (const entries of groupBy(consent, (e) => `${e.channel}\u0000${e.purpose}`)) {
    const sides = [survivorId, loserId].map((r) => latest(entries.filter((e) => e.relationId === r)));
    if (!sides.some((e) => e?.action === "opt_out") || latest(entries)?.action === "opt_out") continue;
    const { channel, purpose } = entries[0]!;
    // Dated at the merge, or after the latest entry if that lies later (an entry may be dated ahead), so it decides.
    const occurredAt = [at, latest(entries)!.occurredAt].sort().at(-1)!;
    out.consent.push({
      id: newId(),
      relationId: survivorId,
      channel,
      purpose,
      action: "opt_out",
      legalBasis: null,
      source: "merge",
      note,
      occurredAt,
      recordedAt: at,
      actor: actor.actor,
    });
  }
  for (const entries of groupBy(suppressions, (e) => e.channel)) {
    const sides = [survivorId, loserId].map((r) => latest(entries.filter((e) => e.relationId === r)));
    const suppressed = sides.find((e) => e?.action === "suppress");
    if (!suppressed || latest(entries)?.action === "suppress") continue;
    const occurredAt = [at, latest(entries)!.occurredAt].sort().at(-1)!;
    out.suppressions.push({
      id: newId(),
      relationId: survivorId,
      channel: suppressed.channel,
      action: "suppress",
      reason: suppressed.reason,
      source: "merge",
      occurredAt,
      recordedAt: at,
      actor: actor.actor,
    });
  }
  return out;
}

/** A stored merge as the API returns it (without its row log). */
export function toMerge({ summary, ...m }: Omit<MergeRecord, "changes">): Merge {
  return { ...m, ...summary };
}

/** Merges and their undo, for one tenant (the implementation behind `relations.merge`). */
export function mergeOperations(scope: TenantScope) {
  const { ctx } = scope;

  /** The loser's history entry: the merge's one event is the survivor's, so the loser gets history only. */
  async function loserHistory(command: CommandScope, loserId: string, action: "delete" | "restore", version: number, changes: Record<string, FieldChange>) {
    await command.store.journal.appendHistory({
      id: ctx.newId(),
      entityType: "relation",
      entityId: loserId,
      action,
      version,
      changes,
      actor: command.actor.actor,
      source: command.actor.source,
      at: command.at,
    });
  }

  async function live(store: TenantStore, id: string): Promise<Relation> {
    const relation = await store.relations.get(id);
    if (!relation || relation.deletedAt) throw notFound("relation", id);
    return relation;
  }

  async function apply(command: CommandScope, survivorId: string, loserId: string, options: MergeOptions, dryRun: boolean): Promise<MergeResult> {
    const { store, at } = command;
    const survivor = await live(store, survivorId);
    const loser = await live(store, loserId);
    if (survivor.kind !== loser.kind) {
      throw validationError([{ path: ["loserId"], message: `A ${loser.kind} cannot be merged into a ${survivor.kind}`, code: "kind_mismatch" }]);
    }
    const before = await store.merges.capture([survivorId, loserId]);
    const verifications = options.attributes === "recentlyVerified" ? await store.verification.list([survivorId, loserId]) : [];
    const merged = mergeFields(survivor, loser, options.attributes ?? "survivor", verifications);
    const built = buildRelation(ctx, merged.patch, survivor, { id: survivorId, at });
    if (!built.relation) throw validationError(built.issues.map((i) => ({ ...i, message: `The merged relation: ${i.message}` })));
    const next: Relation = { ...built.relation, attributesVersion: Math.max(survivor.attributesVersion, loser.attributesVersion) };
    const consentBefore = [...(await store.consent.consentLedger(survivorId)), ...(await store.consent.consentLedger(loserId))];
    const suppressionsBefore = [...(await store.consent.suppressionLedger(survivorId)), ...(await store.consent.suppressionLedger(loserId))];

    // The loser first: it gives up its e-mails, phones, tags and references, so the survivor can take them.
    const tombstone: Relation = { ...loser, emails: [], phones: [], tags: [], externalRefs: [], deletedAt: at, updatedAt: at, version: loser.version + 1 };
    if (!(await store.relations.update(tombstone, loser.version)))
      throw new CrmError("STALE_VERSION", `relation ${loserId} changed during the merge`, { entity: "relation", id: loserId, reason: "stale_version" });
    if (!(await store.relations.update(next, survivor.version)))
      throw new CrmError("STALE_VERSION", `relation ${survivorId} changed during the merge`, { entity: "relation", id: survivorId, reason: "stale_version" });
    const rows = await store.merges.repoint(loserId, survivorId, at);
    const carried = carriedWithdrawals(command, survivorId, loserId, consentBefore, suppressionsBefore, ctx.newId);
    for (const entry of carried.consent) await store.consent.appendConsent(entry);
    for (const entry of carried.suppressions) await store.consent.appendSuppression(entry);
    const changes = rowChanges(before, await store.merges.capture([survivorId, loserId]));

    const summary = {
      rows,
      conflicts: merged.conflicts,
      filledFromLoser: merged.filledFromLoser,
      withdrawalsCarried: carried.consent.length + carried.suppressions.length,
    };
    const mergeId = ctx.newId();
    const result: MergeResult = { mergeId: dryRun ? null : mergeId, dryRun, survivor: next, loserId, rowsChanged: changes.length, ...summary };
    if (dryRun) throw new DryRun(result);

    await store.merges.insert({
      id: mergeId,
      survivorId,
      loserId,
      status: "applied",
      mergedAt: at,
      undoneAt: null,
      actor: command.actor.actor,
      source: command.actor.source,
      summary,
      changes,
    });
    await loserHistory(command, loserId, "delete", tombstone.version, {
      ...diffFields(loser, tombstone, RELATION_FIELDS),
      mergedInto: { from: null, to: survivorId },
    });
    await command.record({
      entityType: "relation",
      entityId: survivorId,
      action: "update",
      version: next.version,
      changes: { ...diffFields(survivor, next, RELATION_FIELDS), merged: { from: null, to: loserId } },
      eventType: "relation.merged",
      payload: { mergeId, survivorId, loserId, survivor: next, mergedAt: at },
    });
    return result;
  }

  async function undo(command: CommandScope, mergeId: string): Promise<UnmergeResult> {
    const { store, at } = command;
    const record = await store.merges.get(mergeId);
    if (!record) throw notFound("merge", mergeId);
    if (record.status !== "applied") {
      throw new CrmError("INVALID_STATE", `merge ${mergeId} was already undone`, {
        entity: "merge",
        id: mergeId,
        state: record.status,
        reason: "merge_undone",
      });
    }
    const { survivorId, loserId } = record;
    const survivor = await store.relations.get(survivorId);
    const loser = await store.relations.get(loserId);
    const issues = changedSince(record.changes, await store.merges.capture([survivorId, loserId]));
    if (issues.length > 0 || !survivor || !loser) {
      throw new CrmError(
        "INVALID_STATE",
        `merge ${mergeId} cannot be undone: ${issues.length} row(s) changed since (${issues
          .slice(0, 5)
          .map((i) => i.message)
          .join("; ")})`,
        {
          entity: "merge",
          id: mergeId,
          state: "changed",
          reason: "changed_since_merge",
          issues,
        },
      );
    }
    // The relations get a new version (not their old one back), so a copy read before the merge stays stale.
    const restoredVersion = (change: RowChange) => {
      if (change.table !== "kb_relations" || !change.beforeRow || !change.afterRow) return change;
      return { ...change, beforeRow: { ...change.beforeRow, version: Number(change.afterRow.version) + 1, updated_at: at } };
    };
    await store.merges.restore(record.changes.map(restoredVersion));
    await store.merges.markUndone(mergeId, at);
    const restoredSurvivor = await live(store, survivorId);
    const restoredLoser = await live(store, loserId);
    await loserHistory(command, loserId, "restore", restoredLoser.version, {
      ...diffFields(loser, restoredLoser, RELATION_FIELDS),
      mergedInto: { from: survivorId, to: null },
    });
    await command.record({
      entityType: "relation",
      entityId: survivorId,
      action: "update",
      version: restoredSurvivor.version,
      changes: { ...diffFields(survivor, restoredSurvivor, RELATION_FIELDS), merged: { from: loserId, to: null } },
      eventType: "relation.unmerged",
      payload: { mergeId, survivor: restoredSurvivor, loser: restoredLoser, unmergedAt: at },
    });
    return { mergeId, survivor: restoredSurvivor, loser: restoredLoser, rowsRestored: record.changes.length };
  }

  return {
    async merge(survivorId: string, loserId: string, options?: MergeOptions & CommandOptions): Promise<MergeResult> {
      const { actor, source, ...rest } = optionsOf(options ?? {});
      const issues = [...idIssues(survivorId, "survivorId"), ...idIssues(loserId, "loserId")];
      if (issues.length === 0 && survivorId === loserId)
        issues.push({ path: ["loserId"], message: "A relation cannot be merged into itself", code: "same_relation" });
      const parsed = mergeOptionsSchema.safeParse(rest);
      if (!parsed.success) issues.push(...zodIssues(parsed.error));
      if (parsed.success && parsed.data.dryRun && scope.unit) {
        issues.push({
          path: ["dryRun"],
          message: "A dry run rolls back its own transaction, so it cannot run inside tenant.transaction()",
          code: "dry_run_in_transaction",
        });
      }
      if (issues.length > 0) throw validationError(issues);
      const opts = parsed.data!;
      try {
        return await runCommand(scope, { actor, source }, (command) => apply(command, survivorId, loserId, opts, opts.dryRun === true));
      } catch (error) {
        if (error instanceof DryRun) return error.result;
        throw error;
      }
    },

    async unmerge(mergeId: string, options?: CommandOptions): Promise<UnmergeResult> {
      const issues = idIssues(mergeId, "mergeId");
      if (issues.length > 0) throw validationError(issues);
      return runCommand(scope, options, (command) => undo(command, mergeId));
    },

    async merges(relationId: string): Promise<Merge[]> {
      const issues = idIssues(relationId, "relationId");
      if (issues.length > 0) throw validationError(issues);
      return runQuery(scope, async (store) => (await store.merges.listFor(relationId)).map(toMerge));
    },

    /** Follows applied merges from `id` to the relation that holds it now (at most {@link MAX_MERGE_HOPS}). */
    async survivorOf(store: TenantStore, id: string): Promise<string | undefined> {
      let current: string | undefined;
      let next = await store.merges.survivorOf(id);
      for (let hop = 0; next && hop < MAX_MERGE_HOPS; hop++) {
        current = next;
        next = await store.merges.survivorOf(next);
      }
      return current;
    },
  };
}
