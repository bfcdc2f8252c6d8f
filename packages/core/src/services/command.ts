import type { CrmContext } from "../context.js";
import { CrmError } from "../errors.js";
import { textIssues, throwIfIssues, type Actor } from "../model/common.js";
import type { CrmEventPayloads, CrmEventType } from "../model/events.js";
import type { EntityType, FieldChange, HistoryAction } from "../model/journal.js";
import type { TenantStore } from "../storage.js";
import { withFieldConfirmation } from "./verification-hook.js";
import { withUnmatchedClaims } from "./unmatched-hook.js";

/** Per-call options of every mutating API: who acts, and from where. */
export interface CommandOptions {
  /** Overrides the tenant's default actor for this call. */
  readonly actor?: string;
  /** Overrides the tenant's default source for this call. */
  readonly source?: string;
}

/**
 * The actor and source of a call: `options` over `base`, each a string that keeps the text rule
 * (no lone surrogate, no U+0000), or a VALIDATION error naming `actor` or `source`. They are
 * stored with every history entry and event, so they follow the rule of every stored string.
 */
export function resolveActor(base: Actor, options: { readonly actor?: unknown; readonly source?: unknown } | undefined): Actor {
  const actor = options?.actor ?? base.actor;
  const source = options?.source ?? base.source;
  throwIfIssues([...textIssues(actor, "actor"), ...textIssues(source, "source")]);
  return { actor: actor as string, source: source as string };
}

/** What a command records besides its row change: one history entry and one outbox event. */
export interface JournalRecord<T extends CrmEventType = CrmEventType> {
  readonly entityType: EntityType;
  readonly entityId: string;
  readonly action: HistoryAction;
  readonly version: number;
  readonly changes: Readonly<Record<string, FieldChange>>;
  /** Outbox event type, e.g. `relation.updated`. */
  readonly eventType: T;
  /** The event's payload, typed by `eventType`. */
  readonly payload: CrmEventPayloads[T];
}

/** The tools a command body gets: the tenant's store, the time of the command, and `record`. */
export interface CommandScope {
  readonly store: TenantStore;
  readonly at: string;
  readonly actor: Actor;
  /** Writes the history entry and the outbox event for a change, in the command's transaction. */
  record<T extends CrmEventType>(entry: JournalRecord<T>): Promise<void>;
}

/** A tenant's identity and defaults, shared by its services. */
export interface TenantScope {
  readonly ctx: CrmContext;
  readonly tenantId: string;
  readonly actor: Actor;
  /** Set inside `tenant.transaction(fn)`: every command and query joins this open unit of work. */
  readonly unit?: UnitOfWork;
}

/** An open transaction that several commands share. */
export interface UnitOfWork {
  readonly store: TenantStore;
  /**
   * Set when a command inside the unit failed. Its partial writes are still in the transaction,
   * so the unit must roll back even if the caller caught the error.
   */
  failure?: unknown;
}

/**
 * Runs `fn` with the tenant's store: inside the open unit of work when there is one, otherwise in
 * a transaction of its own. A failure inside a unit poisons it (see {@link UnitOfWork.failure}).
 */
export async function withStore<T>(scope: TenantScope, fn: (store: TenantStore) => Promise<T>, readOnly = false): Promise<T> {
  const { unit } = scope;
  // Every write reaches its store here, so relation writes become field confirmations, and claim
  // unmatched participants, in one place.
  const writing = readOnly ? fn : (store: TenantStore) => fn(withUnmatchedClaims(withFieldConfirmation(store), scope.ctx.newId));
  if (!unit) return scope.ctx.storage.transaction(scope.tenantId, writing, readOnly ? { readOnly } : undefined);
  try {
    return await writing(unit.store);
  } catch (error) {
    if (!readOnly) unit.failure ??= error;
    throw error;
  }
}

/**
 * Runs several commands in one transaction: all of them commit when `fn` resolves, none when it
 * throws. A command that fails inside rolls the whole unit back even when `fn` catches its error,
 * because what it had already written cannot be taken back on its own.
 */
export async function runUnit<T>(scope: TenantScope, fn: (unit: UnitOfWork) => Promise<T>): Promise<T> {
  if (scope.unit) return fn(scope.unit);
  return scope.ctx.storage.transaction(scope.tenantId, async (store) => {
    const unit: UnitOfWork = { store };
    const result = await fn(unit);
    if (unit.failure !== undefined) {
      throw new CrmError("ROLLED_BACK", "A command inside this transaction failed, so the transaction was rolled back", {
        reason: "unit_rolled_back",
        cause: unit.failure,
      });
    }
    return result;
  });
}

/**
 * Runs a command: one transaction in which the row change, its history entry and its outbox event
 * commit together or not at all. The attribute registry is first checked against the versions the
 * tenant has stored (see {@link ensureAttributeModel}).
 */
export async function runCommand<T>(scope: TenantScope, options: CommandOptions | undefined, body: (command: CommandScope) => Promise<T>): Promise<T> {
  const { ctx } = scope;
  const actor = resolveActor(scope.actor, options);
  return withStore(scope, async (store) => {
    await ensureAttributeModel(ctx, store);
    const at = ctx.now();
    const result = await body({
      store,
      at,
      actor,
      async record(entry) {
        await store.journal.appendHistory({
          id: ctx.newId(),
          entityType: entry.entityType,
          entityId: entry.entityId,
          action: entry.action,
          version: entry.version,
          changes: entry.changes,
          actor: actor.actor,
          source: actor.source,
          at,
        });
        await store.journal.appendEvent({
          id: ctx.newId(),
          type: entry.eventType,
          entityType: entry.entityType,
          entityId: entry.entityId,
          payload: entry.payload,
          actor: actor.actor,
          source: actor.source,
          occurredAt: at,
        });
      },
    });
    return result;
  });
}

/** Runs a read in a read-only transaction of the tenant, or in the open unit of work. */
export function runQuery<T>(scope: TenantScope, body: (store: TenantStore) => Promise<T>): Promise<T> {
  return withStore(scope, body, true);
}

/**
 * Runs a read that is one repository call (a relation by id or e-mail, a timeline page): outside a
 * unit of work the adapter may answer it without a transaction (see
 * `TransactionOptions.singleStatement`); inside one it joins the unit like any read.
 */
export function runSingleRead<T>(scope: TenantScope, body: (store: TenantStore) => Promise<T>): Promise<T> {
  if (scope.unit) return withStore(scope, body, true);
  return scope.ctx.storage.transaction(scope.tenantId, body, { readOnly: true, singleStatement: true });
}

/**
 * Makes a change of data model explicit: the first time a tenant writes with a registry version,
 * that version's fingerprint is stored. Writing later with the same version but other definitions,
 * or with a version older than the newest the tenant has used, is refused with a VALIDATION error,
 * because values written under one model could silently stop meaning what they meant. It runs in
 * every command (one primary-key read), so a process still on an old registry is stopped as soon
 * as another process has moved the tenant on.
 */
export async function ensureAttributeModel(ctx: CrmContext, store: TenantStore): Promise<void> {
  const { registry } = ctx;
  let latest = await store.attributeModels.latest();
  if (!latest || latest.version < registry.version) {
    await store.attributeModels.insert({
      version: registry.version,
      fingerprint: registry.fingerprint,
      definition: registry.attributes,
      recordedAt: ctx.now(),
    });
    // A concurrent first write may have recorded this version first, possibly with other definitions.
    latest = await store.attributeModels.latest();
  }
  if (latest && latest.version > registry.version) {
    throw new CrmError("VALIDATION", `Attribute registry version ${registry.version} is older than version ${latest.version} this tenant already uses`, {
      reason: "attribute_model_outdated",
    });
  }
  if (latest && latest.fingerprint !== registry.fingerprint) {
    throw new CrmError(
      "VALIDATION",
      `Attribute registry version ${registry.version} has other definitions than the version ${registry.version} this tenant already uses; raise the version when the model changes`,
      { reason: "attribute_model_changed" },
    );
  }
}
