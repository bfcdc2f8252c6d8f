/**
 * Sync state helpers and the host-facing queries: every resource's stage, last success, last error
 * and failure count are readable, so a failing sync is never silent.
 */
import type { AttributeRegistry } from "../attributes/registry.js";
import type { TenantCrm } from "../crm.js";
import { CrmError, isCrmError } from "../errors.js";
import { withStore } from "../services/command.js";
import type { SkippedItem, SyncFailure, SyncStateRecord, SyncTotals } from "../storage-sync.js";
import { scopeOf } from "../tenant-scope.js";
import { isSyncError } from "./connector.js";
import type { PageCounts } from "./events.js";

/** How many skipped items a state keeps (the newest). */
export const MAX_SKIPPED = 50;

/** Totals of nothing. */
export const ZERO_TOTALS: SyncTotals = { pages: 0, items: 0, created: 0, updated: 0, deleted: 0, unchanged: 0, skipped: 0 };

/** The state of a resource that never synced. */
export function initialState(account: string, resource: string, now: string): SyncStateRecord {
  return {
    account,
    resource,
    stage: "new",
    cursor: null,
    pass: 0,
    lastSuccessAt: null,
    lastAttemptAt: null,
    lastError: null,
    failureCount: 0,
    totals: ZERO_TOTALS,
    skipped: [],
    version: 0,
    updatedAt: now,
  };
}

/** Adds a page's counts to the totals. */
export function addTotals(totals: SyncTotals, items: number, counts: PageCounts): SyncTotals {
  return {
    pages: totals.pages + 1,
    items: totals.items + items,
    created: totals.created + counts.created,
    updated: totals.updated + counts.updated,
    deleted: totals.deleted + counts.deleted,
    unchanged: totals.unchanged + counts.unchanged,
    skipped: totals.skipped + counts.skipped,
  };
}

/** Appends skipped items, keeping the newest {@link MAX_SKIPPED}. */
export function withSkipped(state: SyncStateRecord, items: readonly SkippedItem[]): readonly SkippedItem[] {
  return items.length === 0 ? state.skipped : [...state.skipped, ...items].slice(-MAX_SKIPPED);
}

/** A failure as stored: a reason and a message, nothing else (no causes, headers or tokens). */
export function failureOf(error: unknown, at: string): SyncFailure {
  if (isSyncError(error)) return { reason: error.reason, message: error.message, at };
  if (isCrmError(error)) return { reason: error.code, message: error.message, at };
  return { reason: "UNKNOWN", message: error instanceof Error ? `${error.name}: ${error.message}` : String(error), at };
}

/** Reads the sync states of a tenant: every account's resources, or one account's. */
export function syncStates<R extends AttributeRegistry>(tenant: TenantCrm<R>, account?: string): Promise<SyncStateRecord[]> {
  return withStore(scopeOf(tenant as unknown as TenantCrm), (store) => store.sync.listStates(account), true);
}

/**
 * Marks resources of an account for a full resync on the next run (all of them when `resource` is
 * absent). Items no longer present remotely are removed when that pass finishes.
 */
export async function resetSync<R extends AttributeRegistry>(tenant: TenantCrm<R>, account: string, resource?: string): Promise<void> {
  const scope = scopeOf(tenant as unknown as TenantCrm);
  await withStore(scope, async (store) => {
    for (const state of await store.sync.listStates(account)) {
      if (resource !== undefined && state.resource !== resource) continue;
      const next = { ...state, stage: "new" as const, cursor: null, version: state.version + 1, updatedAt: scope.ctx.now() };
      if (!(await store.sync.putState(next, state.version))) {
        throw new CrmError("BUSY", `Sync state of ${account}/${state.resource} changed meanwhile`, { reason: "serialization_failure" });
      }
    }
  });
}
