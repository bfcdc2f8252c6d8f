/**
 * Two-way sync: local changes to synced relations are pushed back to the remote system.
 *
 * The outbox is the source of local changes: a per-account consumer reads relation events whose
 * source is not the connector's own (so sync's own writes never bounce back), pushes the
 * relation's current state, and acknowledges the event in the same transaction that stores the new
 * change key. A crash between the remote write and that commit replays the push, which then meets
 * a stale change key and resolves as a conflict: pushes are exactly-once in effect.
 *
 * Conflicts (the remote item changed since we last saw it; HTTP 412 on Graph) are resolved by the
 * {@link ConflictPolicy}: `remote-wins` (default) applies the remote version locally and drops the
 * local change; `local-wins` pushes the local version again over the remote one; a function decides
 * per conflict.
 */
import type { TenantCrm } from "../crm.js";
import { CrmError } from "../errors.js";
import type { OutboxEvent } from "../model/journal.js";
import type { Relation } from "../model/relation.js";
import type { CommandOptions } from "../services/command.js";
import type { SyncItemRecord, SyncStore } from "../storage-sync.js";
import { scopeOf } from "../tenant-scope.js";
import { withStore } from "../services/command.js";
import { applyPageChanges } from "./apply-page.js";
import { isSyncError, type Connector, type PushResult, type RelationDraft } from "./connector.js";
import type { SyncEvent } from "./events.js";
import type { MatchOptions } from "./matching.js";
import { withRetry, type RetryOptions } from "./retry.js";
import { initialState } from "./state.js";

/** A push that met a remote change. */
export interface PushConflict {
  /** The local relation as it is now. */
  readonly relation: Relation;
  /** The remote item as it is now. */
  readonly remote: RelationDraft;
  readonly resource: string;
  readonly externalId: string;
}

/** Who wins a conflict: see the module comment. A function may decide per conflict. */
export type ConflictPolicy = "remote-wins" | "local-wins" | ((conflict: PushConflict) => "local" | "remote" | Promise<"local" | "remote">);

/** What the push phase needs from the engine. */
export interface PushEnv {
  readonly tenant: TenantCrm;
  readonly connector: Connector;
  readonly account: string;
  readonly command: Required<CommandOptions>;
  readonly match: MatchOptions;
  readonly emit: (event: SyncEvent) => void;
  readonly retry: RetryOptions;
  readonly holder: string;
  readonly ttl: number;
  readonly now: () => string;
  readonly inTx: <T>(fn: (tx: TenantCrm, sync: SyncStore) => Promise<T>) => Promise<T>;
  readonly options: { readonly conflictPolicy?: ConflictPolicy; readonly pushCreates?: (relation: Relation) => boolean };
  readonly signal: AbortSignal | undefined;
}

/** The outbox consumer name of an account: only the characters consumer names allow, at most 100. */
export function pushConsumer(connectorId: string, account: string): string {
  const name = `sync.${connectorId}.${account}`.replace(/[^A-Za-z0-9_.:-]/g, "_");
  if (name.length <= 100) return name;
  let hash = 0x811c9dc5;
  for (const ch of name) hash = Math.imul(hash ^ ch.charCodeAt(0), 0x01000193) >>> 0;
  return `${name.slice(0, 90)}.${hash.toString(16)}`;
}

/** Pushes what changed locally since the consumer's checkpoint; returns how many changes were pushed. */
export async function pushLocalChanges(env: PushEnv): Promise<number> {
  const { tenant, connector, account, command, emit } = env;
  const writable = connector.resources.filter((r) => r.writable && r.entity === "relation");
  if (writable.length === 0 || !connector.push) return 0;
  const push = connector.push.bind(connector);
  const writableIds = new Set(writable.map((r) => r.id));
  const consumer = pushConsumer(connector.id, account);
  const pushedVersion = new Map<string, number>();
  let pushed = 0;

  const remote = <T>(resource: string, call: () => Promise<T>) =>
    withRetry(call, env.retry, (error, attempt, waitMs) => emit({ type: "retry", account, resource, reason: error.reason, attempt, waitMs }), env.signal);

  /** Commits `work` with the acknowledgement of `event`, under the lease. */
  const ack = (event: OutboxEvent, work?: (tx: TenantCrm, sync: SyncStore) => Promise<void>) =>
    env.inTx(async (tx, sync) => {
      const at = env.now();
      if (!(await sync.renewLease(account, env.holder, at, new Date(Date.parse(at) + env.ttl).toISOString()))) {
        throw new CrmError("BUSY", `The sync lease on ${account} was lost to another runner`, { reason: "lease_lost" });
      }
      await work?.(tx, sync);
      await tx.outbox.acknowledge(consumer, event.sequence);
    });

  const keyOf = (item: SyncItemRecord, result: PushResult) => async (_tx: TenantCrm, sync: SyncStore) =>
    sync.putItem({ ...item, changeKey: result.changeKey, updatedAt: env.now() });

  async function decide(conflict: PushConflict): Promise<"local" | "remote"> {
    const policy = env.options.conflictPolicy ?? "remote-wins";
    if (policy === "remote-wins") return "remote";
    if (policy === "local-wins") return "local";
    return policy(conflict);
  }

  async function pushUpdate(event: OutboxEvent, item: SyncItemRecord, relation: Relation): Promise<void> {
    const base = { resource: item.resource, externalId: item.externalId, relation };
    try {
      const result = await remote(item.resource, () => push({ op: "update", ...base, changeKey: item.changeKey }, env.signal));
      await ack(event, keyOf(item, result));
      emit({ type: "pushed", account, resource: item.resource, op: "update", entityId: relation.id, externalId: item.externalId });
      pushed++;
      return;
    } catch (error) {
      if (isSyncError(error, "NOT_FOUND")) return ack(event); // gone remotely: the next pull removes it
      if (!isSyncError(error, "CONFLICT")) throw error;
    }
    const now = connector.fetch ? await remote(item.resource, () => connector.fetch!(item.resource, item.externalId, env.signal)) : undefined;
    if (!now || now.type !== "relation") {
      emit({ type: "conflict", account, resource: item.resource, entityId: relation.id, externalId: item.externalId, resolution: "gone" });
      return ack(event);
    }
    const winner = await decide({ relation, remote: now.relation, resource: item.resource, externalId: item.externalId });
    emit({ type: "conflict", account, resource: item.resource, entityId: relation.id, externalId: item.externalId, resolution: winner });
    if (winner === "local") {
      const result = await remote(item.resource, () => push({ op: "update", ...base, changeKey: now.changeKey ?? null }, env.signal));
      await ack(event, keyOf(item, result));
      pushed++;
      return;
    }
    await ack(event, async (tx, sync) => {
      const state = (await sync.getState(account, item.resource)) ?? initialState(account, item.resource, env.now());
      const pageEnv = { tx, sync, system: connector.id, account, resource: item.resource, pass: state.pass, now: env.now(), command, match: env.match };
      await applyPageChanges(pageEnv, [now], new Map());
    });
  }

  async function handle(event: OutboxEvent): Promise<void> {
    if (event.entityType !== "relation" || event.source === command.source) return ack(event);
    const relation = await tenant.relations.get(event.entityId, { includeDeleted: true });
    if (!relation || pushedVersion.get(relation.id) === relation.version) return ack(event);
    const items = (await withStore(scopeOf(tenant), (s) => s.sync.findItemsByEntity("relation", relation.id), true)).filter(
      (i) => i.account === account && writableIds.has(i.resource),
    );
    if (items.length === 0) {
      const create = event.type === "relation.created" && !relation.deletedAt && env.options.pushCreates?.(relation) === true;
      if (!create) return ack(event);
      const resource = writable[0]!.id;
      const result = await remote(resource, () => push({ op: "create", resource, relation }, env.signal));
      await ack(event, async (tx, sync) => {
        const current = await tx.relations.get(relation.id);
        if (current) {
          const externalRefs = [...current.externalRefs, { system: connector.id, externalId: result.externalId }];
          await tx.relations.update(current.id, { externalRefs }, { ...command, expectedVersion: current.version });
        }
        const state = (await sync.getState(account, resource)) ?? initialState(account, resource, env.now());
        await sync.putItem({
          account,
          resource,
          externalId: result.externalId,
          entityType: "relation",
          entityId: relation.id,
          changeKey: result.changeKey,
          origin: "matched",
          pass: state.pass,
          updatedAt: env.now(),
        });
      });
      emit({ type: "pushed", account, resource, op: "create", entityId: relation.id, externalId: result.externalId });
      pushed++;
    }
    for (const item of items) {
      if (relation.deletedAt) {
        try {
          await remote(item.resource, () =>
            push({ op: "delete", resource: item.resource, externalId: item.externalId, changeKey: item.changeKey }, env.signal),
          );
        } catch (error) {
          if (!isSyncError(error, "NOT_FOUND")) throw error;
        }
        await ack(event, async (_tx, sync) => sync.deleteItem(account, item.resource, item.externalId));
        emit({ type: "pushed", account, resource: item.resource, op: "delete", entityId: relation.id, externalId: item.externalId });
        pushed++;
      } else {
        await pushUpdate(event, item, relation);
      }
    }
    pushedVersion.set(relation.id, relation.version);
  }

  /** Events nothing is pushed for: other entities, and sync's own writes (they came from the remote). */
  const passive = (event: OutboxEvent) => event.entityType !== "relation" || event.source === command.source;
  /**
   * Of a batch's other relation events, those that concern this account: the relation is synced by
   * one of its writable resources (one look-up for the batch), or it is new and `pushCreates` may
   * want it. The rest are acknowledged with the passive ones.
   */
  const relevant = async (events: readonly OutboxEvent[]): Promise<Set<number>> => {
    const ids = [...new Set(events.map((e) => e.entityId))];
    const items = ids.length ? await withStore(scopeOf(tenant), (s) => s.sync.findItemsByEntities("relation", ids), true) : [];
    const synced = new Set(items.filter((i) => i.account === account && writableIds.has(i.resource)).map((i) => i.entityId));
    const creates = env.options.pushCreates !== undefined;
    return new Set(events.filter((e) => synced.has(e.entityId) || (creates && e.type === "relation.created")).map((e) => e.sequence));
  };
  // The phase handles what was written before it started: writers that keep adding events (an
  // import beside the sync, a busy ERP) cannot keep it from finishing. Later events wait for the
  // next run, unacknowledged; stopping early never loses one.
  const startedAt = env.now();
  for (;;) {
    const events = await tenant.outbox.poll(consumer, { limit: 500 });
    const cut = events.findIndex((e) => e.occurredAt > startedAt);
    const current = cut === -1 ? events : events.slice(0, cut);
    if (current.length === 0) break;
    const wanted = await relevant(current.filter((e) => !passive(e)));
    // A run of events that need nothing is acknowledged once, by its last event (or by the next
    // event's own acknowledgement): hundreds of them cost one transaction, not hundreds.
    let unacknowledged: OutboxEvent | undefined;
    for (const event of current) {
      if (!wanted.has(event.sequence)) {
        unacknowledged = event;
        continue;
      }
      unacknowledged = undefined;
      await handle(event);
    }
    if (unacknowledged) await ack(unacknowledged);
    if (current.length < events.length) break;
  }
  return pushed;
}
