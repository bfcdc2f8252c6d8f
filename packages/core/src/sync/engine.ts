/**
 * The sync engine: runs one connector for one account of one tenant.
 *
 * A run takes the account's lease, then for each resource pulls pages from the stored cursor and
 * applies each page in ONE transaction together with the new cursor, the item mappings and a lease
 * renewal. A crash at any point therefore resumes from the last committed page: nothing is lost
 * (the page is pulled again) and nothing is doubled (applying is idempotent). An expired cursor
 * starts a full pass that, when it finishes, removes what it did not see. Local changes are pushed
 * from the outbox (see push.ts) before pulling, so conflicts are detected by change key.
 */
import type { AttributeRegistry } from "../attributes/registry.js";
import type { TenantCrm } from "../crm.js";
import { CrmError, isCrmError } from "../errors.js";
import type { Relation } from "../model/relation.js";
import { withStore } from "../services/command.js";
import type { SyncStateRecord, SyncStore } from "../storage-sync.js";
import { scopeOf } from "../tenant-scope.js";
import { removeItem, type ApplyEnv } from "./apply.js";
import { applyPageChanges } from "./apply-page.js";
import { RefusedChange } from "./page-batch.js";
import { isSyncError, type Connector, type SyncPage, type SyncResource } from "./connector.js";
import { emitTo, emptyCounts, type PageCounts, type SyncListener } from "./events.js";
import { FREE_MAIL_DOMAINS, type MatchOptions, type UnknownAddressPolicy, type UnmatchedPolicy } from "./matching.js";
import { pushLocalChanges, type ConflictPolicy } from "./push.js";
import { sleep, withRetry, type RetryOptions } from "./retry.js";
import { addTotals, failureOf, initialState, resetSync, syncStates, withSkipped, ZERO_TOTALS } from "./state.js";
import type { SkippedItem, SyncFailure } from "../storage-sync.js";

/** Options of {@link createSyncEngine}. */
export interface SyncEngineOptions<R extends AttributeRegistry = AttributeRegistry> {
  /** The tenant to sync into (`crm.tenant(id)`), whatever its attribute registry. */
  readonly tenant: TenantCrm<R>;
  readonly connector: Connector;
  /** The remote account, e.g. the mailbox address. One lease and one set of cursors per account. */
  readonly account: string;
  /** Progress events. */
  readonly onEvent?: SyncListener;
  /** Unknown participants of mail and meetings. Default `ignore`. See {@link UnknownAddressPolicy}. */
  readonly unknownAddresses?: UnknownAddressPolicy;
  /** Mail and meetings with no participant who is a relation. Default `keep`. See {@link UnmatchedPolicy}. */
  readonly unmatched?: UnmatchedPolicy;
  /** Store the body of unmatched mail and meetings too. Default false: time, subject and addresses only. */
  readonly unmatchedBodies?: boolean;
  /** More free-mail domains (never turned into organisations). */
  readonly freeMailDomains?: readonly string[];
  /** Who wins when a pushed contact changed remotely meanwhile. Default `remote-wins`. */
  readonly conflictPolicy?: ConflictPolicy;
  /** Push local changes of synced relations back. Default true when the connector can push. */
  readonly push?: boolean;
  /** Which relations created locally are pushed as new remote contacts. Default: none. */
  readonly pushCreates?: (relation: Relation) => boolean;
  /** How long a lease lasts without renewal; renewed with every page. Default 60 s. */
  readonly leaseTtlMs?: number;
  /** Retry settings for remote calls. */
  readonly retry?: Partial<RetryOptions>;
  /** Actor recorded on sync's writes. Default `sync:<connector id>` (also the source). */
  readonly actor?: string;
}

/** Options of one run. */
export interface SyncRunOptions {
  /** Aborts between remote calls; the last committed page stays committed. */
  readonly signal?: AbortSignal;
  /** Only these resources (ids). Default: all, in the connector's order. */
  readonly resources?: readonly string[];
  /** Stop after this many pages in all, as if the worker stopped (time-boxed workers, tests). */
  readonly maxPages?: number;
  /** Push local changes in this run. Default true (when the engine and connector can push). */
  readonly push?: boolean;
}

/** What a run did to one resource. */
export interface ResourceReport {
  readonly resource: string;
  readonly status: "ok" | "failed" | "stopped";
  readonly pages: number;
  readonly counts: PageCounts;
  readonly error?: SyncFailure;
}

/** What a run did. `busy`: another runner held the lease and nothing was done. */
export interface SyncRunReport {
  readonly status: "ok" | "failed" | "busy";
  readonly resources: readonly ResourceReport[];
  /** Local changes pushed to the remote system. */
  readonly pushed: number;
}

/** A sync engine bound to a tenant, connector and account. */
export interface SyncEngine {
  /** Runs a sync: push local changes, then pull every resource. Safe to call from many workers at once. */
  run(options?: SyncRunOptions): Promise<SyncRunReport>;
  /** The account's sync states (stage, cursor, last success, last error, failure count, skipped items). */
  states(): Promise<SyncStateRecord[]>;
  /** Forces a full resync of one resource (or all) on the next run. */
  reset(resource?: string): Promise<void>;
}

/** One run's identity and budget. */
interface RunContext {
  /** The lease holder id of this run. */
  readonly holder: string;
  /** Pages this run may still apply. */
  pagesLeft: number;
  readonly signal: AbortSignal | undefined;
}

/** Failures after which nothing else in the run can succeed. */
const isFatal = (error: unknown) => isSyncError(error, "AUTH") || (isCrmError(error) && error.details.reason === "lease_lost");

const leaseLost = (account: string) => new CrmError("BUSY", `The sync lease on ${account} was lost to another runner`, { reason: "lease_lost" });

/** Creates a sync engine. */
export function createSyncEngine<R extends AttributeRegistry>(options: SyncEngineOptions<R>): SyncEngine {
  // The engine never reads custom attributes by name (the services validate them at every write),
  // so it works on the registry-agnostic view of the tenant.
  const tenant = options.tenant as unknown as TenantCrm;
  const { connector, account } = options;
  const scope = scopeOf(tenant);
  const source = `sync:${connector.id}`;
  const command = { actor: options.actor ?? source, source };
  const ttl = options.leaseTtlMs ?? 60_000;
  const retry: RetryOptions = { maxAttempts: 5, baseDelayMs: 500, maxDelayMs: 60_000, sleep, ...options.retry };
  const match: MatchOptions = {
    unknownAddresses: options.unknownAddresses ?? "ignore",
    unmatched: options.unmatched ?? "keep",
    unmatchedBodies: options.unmatchedBodies ?? false,
    freeMailDomains: new Set([...FREE_MAIL_DOMAINS, ...(options.freeMailDomains ?? [])].map((d) => d.toLowerCase())),
  };
  const emit = (event: Parameters<SyncListener>[0]) => emitTo(options.onEvent, event);
  const now = () => scope.ctx.now();
  const later = (at: string) => new Date(Date.parse(at) + ttl).toISOString();

  const inTx = <T>(fn: (tx: TenantCrm, sync: SyncStore) => Promise<T>): Promise<T> => tenant.transaction((tx) => fn(tx, scopeOf(tx).unit!.store.sync));
  const readState = (resource: string) => withStore(scope, (s) => s.sync.getState(account, resource), true);
  const put = async (sync: SyncStore, next: SyncStateRecord, expected: number) => {
    if (!(await sync.putState(next, expected === 0 ? null : expected))) {
      throw new CrmError("BUSY", `Sync state of ${account}/${next.resource} changed meanwhile`, { reason: "serialization_failure" });
    }
  };

  async function startFullPass(state: SyncStateRecord, cause: "first" | "cursor-expired" | "reset"): Promise<SyncStateRecord> {
    const at = now();
    const next: SyncStateRecord = {
      ...state,
      stage: "full",
      cursor: null,
      pass: state.pass + 1,
      totals: ZERO_TOTALS,
      version: state.version + 1,
      updatedAt: at,
    };
    await inTx(async (_tx, sync) => put(sync, next, state.version));
    emit({ type: "full-pass", account, resource: state.resource, pass: next.pass, cause });
    return next;
  }

  /** Applies a page and its cursor in one transaction; refused changes are recorded as skipped. */
  async function applyPage(run: RunContext, resource: SyncResource, pulled: SyncStateRecord, page: SyncPage) {
    const refused = new Map<number, CrmError>();
    for (let attempt = 1; ; attempt++) {
      try {
        return await inTx(async (tx, sync) => {
          const at = now();
          if (!(await sync.renewLease(account, run.holder, at, later(at)))) throw leaseLost(account);
          const state = (await sync.getState(account, resource.id)) ?? initialState(account, resource.id, at);
          if (state.version !== pulled.version) throw leaseLost(account);
          const env: ApplyEnv = { tx, sync, system: connector.id, account, resource: resource.id, pass: state.pass, now: at, command, match };
          const counts = emptyCounts();
          const skipped: SkippedItem[] = [];
          const outcomes = await applyPageChanges(env, page.changes, refused);
          for (const [index, change] of page.changes.entries()) {
            const outcome = outcomes[index]!;
            const error = refused.get(index);
            if (typeof outcome === "string") counts[outcome]++;
            else {
              counts.skipped++;
              skipped.push({ externalId: change.externalId, reason: error ? error.code.toLowerCase() : outcome.skipped, message: outcome.message, at });
            }
          }
          let reconciled = 0;
          if (page.done && state.stage === "full") {
            // What the finished full pass did not see is gone remotely.
            for (;;) {
              const stale = await sync.listItemsBefore(account, resource.id, state.pass, 200);
              if (stale.length === 0) break;
              for (const item of stale) if ((await removeItem(env, item)) === "deleted") reconciled++;
            }
            counts.deleted += reconciled;
          }
          const next: SyncStateRecord = {
            ...state,
            cursor: page.nextCursor,
            stage: page.done ? "incremental" : state.stage,
            totals: addTotals(state.totals, page.changes.length, counts),
            skipped: withSkipped(state, skipped),
            lastAttemptAt: at,
            ...(page.done ? { lastSuccessAt: at, lastError: null, failureCount: 0 } : {}),
            version: state.version + 1,
            updatedAt: at,
          };
          await put(sync, next, state.version);
          return { counts, skipped, reconciled, next };
        });
      } catch (error) {
        if (error instanceof RefusedChange) {
          refused.set(error.index, error.error);
          continue;
        }
        if (isCrmError(error) && error.details.retryable && attempt < 4) continue;
        throw error;
      }
    }
  }

  async function syncResource(run: RunContext, resource: SyncResource): Promise<ResourceReport> {
    const { signal } = run;
    const total = emptyCounts();
    let pages = 0;
    let expired = 0;
    let cause: "first" | "cursor-expired" | "reset" = "reset";
    for (;;) {
      if (run.pagesLeft <= 0) return { resource: resource.id, status: "stopped", pages, counts: total };
      let state = (await readState(resource.id)) ?? initialState(account, resource.id, now());
      if (state.stage === "new") state = await startFullPass(state, state.pass === 0 ? "first" : cause);
      let page: SyncPage;
      try {
        page = await withRetry(
          () => connector.pull(resource.id, state.cursor, signal),
          retry,
          (error, attempt, waitMs) => emit({ type: "retry", account, resource: resource.id, reason: error.reason, attempt, waitMs }),
          signal,
        );
      } catch (error) {
        // An expired cursor twice in a row from scratch means the remote is broken, not the cursor.
        if (isSyncError(error, "CURSOR_EXPIRED") && expired++ < 2) {
          await inTx(async (_tx, sync) => put(sync, { ...state, stage: "new", cursor: null, version: state.version + 1, updatedAt: now() }, state.version));
          cause = "cursor-expired";
          continue;
        }
        throw error;
      }
      expired = 0;
      const { counts, skipped, reconciled, next } = await applyPage(run, resource, state, page);
      pages++;
      run.pagesLeft--;
      for (const key of Object.keys(total) as (keyof PageCounts)[]) total[key] += counts[key];
      for (const s of skipped) emit({ type: "skipped", account, resource: resource.id, externalId: s.externalId, reason: s.reason, message: s.message });
      if (reconciled > 0) emit({ type: "reconciled", account, resource: resource.id, deleted: reconciled });
      emit({ type: "page", account, resource: resource.id, page: next.totals.pages, items: page.changes.length, done: page.done, ...counts });
      // A finished full pass is followed by one round of the changes made while it ran, so a run
      // ends caught up with the remote as of its last round, not as of the pass's start.
      if (page.done && state.stage !== "full") return { resource: resource.id, status: "ok", pages, counts: total };
    }
  }

  async function recordFailure(resource: string, error: unknown): Promise<SyncFailure> {
    const failure = failureOf(error, now());
    emit({ type: "failed", account, resource, reason: failure.reason, message: failure.message });
    try {
      await inTx(async (_tx, sync) => {
        const state = (await sync.getState(account, resource)) ?? initialState(account, resource, failure.at);
        const next = {
          ...state,
          lastError: failure,
          failureCount: state.failureCount + 1,
          lastAttemptAt: failure.at,
          version: state.version + 1,
          updatedAt: failure.at,
        };
        await put(sync, next, state.version);
      });
    } catch {
      // The storage itself may be what failed; the failure is still reported in the run's result.
    }
    return failure;
  }

  return {
    async run(runOptions = {}) {
      const { signal } = runOptions;
      const run: RunContext = { holder: scope.ctx.newId(), pagesLeft: runOptions.maxPages ?? Number.POSITIVE_INFINITY, signal };
      const { holder } = run;
      const at = now();
      const acquired = await inTx((_tx, sync) => sync.acquireLease(account, holder, at, later(at))).catch((error: unknown) => {
        // A writer holding the database too long (SQLite) is BUSY: another try later may succeed.
        if (isCrmError(error, "BUSY")) return false;
        throw error;
      });
      if (!acquired) {
        emit({ type: "busy", account });
        return { status: "busy", resources: [], pushed: 0 };
      }
      emit({ type: "run-started", account });
      const reports: ResourceReport[] = [];
      let pushed = 0;
      let fatal = false;
      try {
        // Push first: a local change is then checked against the change key it was based on, so a
        // remote change made meanwhile is a detected conflict, not silently overwritten by the pull.
        const canPush = runOptions.push !== false && options.push !== false && connector.push !== undefined;
        const pushPhase = async () => {
          try {
            pushed += await pushLocalChanges({ tenant, connector, account, command, match, emit, retry, holder, ttl, now, inTx, options, signal });
          } catch (error) {
            if (signal?.aborted) throw error;
            const failure = await recordFailure("push", error);
            reports.push({ resource: "push", status: "failed", pages: 0, counts: emptyCounts(), error: failure });
            fatal = isFatal(error);
          }
        };
        if (canPush) await pushPhase();
        const wanted = runOptions.resources ? new Set(runOptions.resources) : undefined;
        for (const resource of connector.resources) {
          if (fatal) break;
          if (wanted && !wanted.has(resource.id)) continue;
          try {
            reports.push(await syncResource(run, resource));
          } catch (error) {
            if (signal?.aborted) throw error;
            const failure = await recordFailure(resource.id, error);
            reports.push({ resource: resource.id, status: "failed", pages: 0, counts: emptyCounts(), error: failure });
            fatal = isFatal(error);
          }
        }
        // Once more after the pull: acknowledges the pull's own events now (so the next run that
        // finds nothing new writes nothing) and pushes what was changed locally meanwhile.
        if (canPush && !fatal && reports.every((r) => r.status === "ok")) await pushPhase();
      } finally {
        await inTx((_tx, sync) => sync.releaseLease(account, holder)).catch(() => undefined);
      }
      const ok = reports.every((r) => r.status !== "failed");
      emit({ type: "run-finished", account, ok });
      return { status: ok ? "ok" : "failed", resources: reports, pushed };
    },
    states: () => syncStates(tenant, account),
    reset: (resource) => resetSync(tenant, account, resource),
  };
}
