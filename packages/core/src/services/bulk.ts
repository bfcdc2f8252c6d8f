import type { AttributeValues } from "../attributes/registry.js";
import type { CrmEventType } from "../model/events.js";
import { diffFields } from "../diff.js";
import { CrmError, validationError, type ValidationIssue } from "../errors.js";
import { isText, zodIssues } from "../model/common.js";
import type { HistoryEntry } from "../model/journal.js";
import type { InteractionInput } from "../model/interaction.js";
import type { Relation, RelationInput } from "../model/relation.js";
import type { InteractionRecord, LinkRecord, NewOutboxEvent, TenantStore } from "../storage.js";
import { LINK_FIELDS, toLink } from "./links.js";
import { ensureAttributeModel, resolveActor, withStore, type CommandOptions, type TenantScope } from "./command.js";
import { identityKeys, issuesFor } from "./erasure-keys.js";
import { duplicatePolicy, findCandidates } from "./duplicates.js";
import { identifyingAttributes } from "../duplicates/rules.js";
import type { DuplicatePolicy } from "../context.js";
import { linkedRelations, NEW_INTERACTION_FIELDS, newInteractionRecord, participantSettler, participantsOf, settledRecord } from "./participants.js";
import { buildRelation, externalRefRace, insertConflict, RELATION_FIELDS, settledByFreshTransaction, UPSERT_ROUNDS } from "./relation-builder.js";

/** Options of the bulk operations. */
export interface BulkOptions extends CommandOptions {
  /** Items per transaction, 1–5000. Default 500. Memory stays flat: one chunk is held at a time. */
  readonly chunkSize?: number;
  /**
   * What an invalid item does. `false` (default): its chunk is refused whole with one VALIDATION
   * error naming every invalid item of the chunk by its index in the input; earlier chunks stay
   * committed. `true`: invalid items are reported in `rejected` and the valid ones are written.
   */
  readonly skipInvalid?: boolean;
  /**
   * `refuse`: an item that would create a relation looking like one already stored (the rules of
   * `duplicates.check`) is invalid, with a `likely_duplicate` issue per candidate (path
   * `["candidates", id]`), and treated like any invalid item (see `skipInvalid`). Items of the same
   * import are not compared with each other. Default: the CRM's `duplicates` option, else `allow`.
   */
  readonly duplicates?: DuplicatePolicy;
  /** When true, every chunk runs in ONE transaction: the whole import commits or nothing does. */
  readonly atomic?: boolean;
  /** Called after each committed chunk (or each chunk, with `atomic`), e.g. for a progress bar. */
  readonly onProgress?: (progress: BulkResult) => void;
}

/** What a bulk operation did. */
export interface BulkResult {
  /** Items read from the input. */
  readonly processed: number;
  readonly created: number;
  readonly updated: number;
  /** Items that matched an existing entity and changed nothing (nothing written for them). */
  readonly unchanged: number;
  /** Items refused (only with `skipInvalid`), by input index, with every issue. */
  readonly rejected: ReadonlyArray<{ readonly index: number; readonly issues: readonly ValidationIssue[] }>;
}

/** Set-based imports with the same validation, history and events as the one-by-one API. */
export interface BulkService<A = AttributeValues> {
  /**
   * Creates or updates relations from any (async) iterable. An item with external references is
   * matched by them (an existing relation, or an earlier item of the same import) and updated
   * like `upsertByExternalRef`; an item without is created.
   */
  upsertRelations(items: Iterable<RelationInput<A>> | AsyncIterable<RelationInput<A>>, options?: BulkOptions): Promise<BulkResult>;
  /**
   * Logs interactions from any (async) iterable. An item whose external key exists (or appeared
   * earlier in the import) is counted as unchanged and writes nothing.
   */
  logInteractions(items: Iterable<InteractionInput> | AsyncIterable<InteractionInput>, options?: BulkOptions): Promise<BulkResult>;
}

type Tally = { processed: number; created: number; updated: number; unchanged: number; rejected: { index: number; issues: ValidationIssue[] }[] };
type Journal = { history: HistoryEntry[]; events: NewOutboxEvent[] };
/** One relation of a planned chunk: stored state before (undefined when new), state after, the items producing it, their instant. */
type Planned = { before: Relation | undefined; after: Relation; items: { index: number; item: RelationInput }[]; at: string };
type Plan = { entries: Planned[]; invalid: { index: number; issues: ValidationIssue[] }[]; creates: Relation[] };

async function* chunksOf<T>(items: Iterable<T> | AsyncIterable<T>, size: number): AsyncGenerator<T[]> {
  let chunk: T[] = [];
  for await (const item of items) {
    chunk.push(item);
    if (chunk.length === size) {
      yield chunk;
      chunk = [];
    }
  }
  if (chunk.length > 0) yield chunk;
}

const refKey = (system: string, externalId: string) => `${system}\u0000${externalId}`;

/** What became of one item of a chunk: the entity it is now, and whether it was created, changed or already so. */
export interface ItemOutcome {
  /** The item's index in the whole input. */
  readonly index: number;
  readonly id: string;
  readonly outcome: "created" | "updated" | "unchanged";
  /** Internal: an external key lost to a concurrent writer, resolved to its holder's id. */
  readonly key?: string;
}

/** What a chunk did: an outcome per valid item, the invalid items with every issue. */
export interface ChunkResult {
  readonly items: readonly ItemOutcome[];
  readonly invalid: ReadonlyArray<{ readonly index: number; readonly issues: ValidationIssue[] }>;
}

/**
 * The bulk operations of a tenant: the public service, and the chunk steps it is made of, which
 * the sync engine runs inside its page transaction to learn what became of each item.
 */
export function bulkOperations(scope: TenantScope) {
  const { ctx } = scope;
  const identifying = identifyingAttributes(ctx.registry);

  /** Runs every chunk through `apply`, in one transaction per chunk or one for all. */
  async function run<T>(
    items: Iterable<T> | AsyncIterable<T>,
    options: BulkOptions,
    apply: (store: TenantStore, chunk: T[], offset: number, tally: Tally) => Promise<void>,
  ): Promise<BulkResult> {
    if (options === null || typeof options !== "object") {
      throw validationError([{ path: ["options"], message: "Expected an options object", code: "invalid_type" }]);
    }
    const iterable = items as unknown as Record<symbol, unknown> | null;
    if (
      iterable === null ||
      typeof iterable !== "object" ||
      (typeof iterable[Symbol.iterator] !== "function" && typeof iterable[Symbol.asyncIterator] !== "function")
    ) {
      throw validationError([{ path: ["items"], message: "Expected an iterable or async iterable of items", code: "invalid_type" }]);
    }
    resolveActor(scope.actor, options);
    const size = options.chunkSize ?? 500;
    if (!Number.isInteger(size) || size < 1 || size > 5000) {
      throw validationError([{ path: ["chunkSize"], message: "Expected an integer from 1 to 5000", code: "invalid_limit" }]);
    }
    const tally: Tally = { processed: 0, created: 0, updated: 0, unchanged: 0, rejected: [] };
    const all = async (store?: TenantStore) => {
      for await (const chunk of chunksOf(items, size)) {
        const offset = tally.processed;
        const once = (s: TenantStore) => ensureAttributeModel(ctx, s).then(() => apply(s, chunk, offset, tally));
        if (store) await once(store);
        else {
          try {
            await withStore(scope, once);
          } catch (error) {
            // A failed statement lost a race for a reference (see insertConflict): once more, in a fresh transaction.
            if (scope.unit || !settledByFreshTransaction.has(error as object)) throw error;
            await withStore(scope, once);
          }
        }
        tally.processed += chunk.length;
        options.onProgress?.({ ...tally, rejected: [...tally.rejected] });
      }
    };
    if (options.atomic) await withStore(scope, (store) => all(store));
    else await all();
    return tally;
  }

  function refuseOrRecord(issues: ChunkResult["invalid"], options: BulkOptions, tally: Tally): void {
    if (issues.length === 0) return;
    if (!options.skipInvalid) throw validationError(issues.flatMap(({ index, issues: list }) => list.map((i) => ({ ...i, path: [index, ...i.path] }))));
    tally.rejected.push(...issues);
  }

  function journalFor(
    journal: Journal,
    at: string,
    options: BulkOptions,
    entry: Omit<HistoryEntry, "id" | "actor" | "source" | "at">,
    eventType: CrmEventType,
    payload: unknown,
  ): void {
    const actor = options.actor ?? scope.actor.actor;
    const source = options.source ?? scope.actor.source;
    journal.history.push({ id: ctx.newId(), ...entry, actor, source, at });
    journal.events.push({ id: ctx.newId(), type: eventType, entityType: entry.entityType, entityId: entry.entityId, payload, actor, source, occurredAt: at });
  }

  async function writeJournal(store: TenantStore, journal: Journal): Promise<void> {
    if (journal.history.length > 0) await store.bulk.appendHistory(journal.history);
    if (journal.events.length > 0) await store.bulk.appendEvents(journal.events);
  }

  /**
   * Plans one chunk of relation upserts from what storage holds now: per relation touched, in the
   * order the chunk first touches it, the state before the chunk (undefined for a new one), the
   * state after, and the items that produce it. Reads only; nothing is written.
   */
  async function planRelations(
    store: TenantStore,
    chunk: RelationInput[],
    offset: number,
    policy: DuplicatePolicy,
    targets?: ReadonlyMap<number, Relation>,
  ): Promise<Plan> {
    const at = ctx.now();
    const refs = chunk.flatMap((item) =>
      Array.isArray(item?.externalRefs)
        ? item.externalRefs.filter((r) => r && typeof r.system === "string" && isText(r.system) && typeof r.externalId === "string" && isText(r.externalId))
        : [],
    );
    const byRef = new Map<string, Relation>();
    for (const r of refs.length ? await store.bulk.relationsByExternalRefs(refs) : [])
      for (const ref of r.externalRefs) byRef.set(refKey(ref.system, ref.externalId), r);
    const pending = new Map<string, Planned>();
    const invalid: { index: number; issues: ValidationIssue[] }[] = [];
    chunk.forEach((item, i) => {
      const match = targets?.get(i) ?? (item?.externalRefs ?? []).map((r) => byRef.get(refKey(r?.system, r?.externalId))).find(Boolean);
      const entry = match ? pending.get(match.id) : undefined;
      // Several items for one relation in a chunk make one change: one version step, one history entry.
      const before = entry ? entry.before : match;
      const built = match ? applyItem(entry?.after ?? match, before, item, at) : buildRelation(ctx, item, undefined, { id: ctx.newId(), at });
      if (!built.relation) return void invalid.push({ index: offset + i, issues: built.issues });
      pending.set(built.relation.id, { before, after: built.relation, items: [...(entry?.items ?? []), { index: offset + i, item }], at });
      for (const ref of built.relation.externalRefs) byRef.set(refKey(ref.system, ref.externalId), built.relation);
    });
    // An item that would bring back an erased e-mail, phone or reference is invalid, like any other refused input.
    const planned = [...pending.values()];
    const keyed = planned.map((e) => ({ e, keys: identityKeys(store.tenantId, e.after, e.before) }));
    const all = keyed.flatMap((k) => k.keys.map((x) => x.key));
    const erased = all.length ? await store.privacy.erasedKeys(all) : new Set<string>();
    const entries: Planned[] = [];
    for (const { e, keys } of keyed) {
      const issues = erased.size ? issuesFor(keys, erased) : [];
      const candidates = issues.length === 0 && policy === "refuse" && !e.before ? await findCandidates(store, e.after, identifying) : [];
      for (const c of candidates) {
        issues.push({
          path: ["candidates", c.relation.id],
          message: `Looks like ${c.relation.name}: ${c.reasons.join(", ")} (score ${c.score})`,
          code: "likely_duplicate",
        });
      }
      if (issues.length === 0) entries.push(e);
      else for (const { index } of e.items) invalid.push({ index, issues });
    }
    invalid.sort((a, b) => a.index - b.index);
    return { entries, invalid, creates: entries.filter((e) => !e.before).map((e) => e.after) };
  }

  /** Applies one item to `base` like `upsertByExternalRef`; `before` is the stored state the chunk started from. */
  function applyItem(base: Relation, before: Relation | undefined, item: RelationInput, at: string): { relation?: Relation; issues: ValidationIssue[] } {
    if (base.kind !== item.kind) {
      return {
        issues: [
          { path: ["kind"], message: `The relation holding this external reference is a ${base.kind}, not a ${String(item.kind)}`, code: "kind_mismatch" },
        ],
      };
    }
    const { kind: _kind, ...patch } = item;
    const keptRefs = base.externalRefs.filter((r) => !(item.externalRefs ?? []).some((n) => n.system === r.system && n.externalId === r.externalId));
    const built = buildRelation(ctx, { ...patch, externalRefs: [...keptRefs, ...(item.externalRefs ?? [])] }, base, { id: base.id, at });
    if (built.relation) {
      built.relation = {
        ...built.relation,
        version: before ? before.version + 1 : 1,
        createdAt: before?.createdAt ?? built.relation.createdAt,
        deletedAt: null,
      };
    }
    return built;
  }

  /**
   * Writes the change of an existing relation. When another writer changed it after the chunk read
   * it (a concurrent import or upsert), its items are applied again to the stored state, with a
   * new instant, and written against that version; a change that then changes nothing is dropped.
   */
  async function writeUpdate(store: TenantStore, entry: Planned): Promise<void> {
    for (let round = 1; ; round++) {
      if (Object.keys(diffFields(entry.before, entry.after, RELATION_FIELDS)).length === 0) return;
      if (await store.relations.update(entry.after, entry.before!.version)) return;
      if (round >= UPSERT_ROUNDS) throw externalRefRace(`relation ${entry.after.id}`);
      const fresh = await store.relations.get(entry.after.id);
      if (!fresh) {
        throw new CrmError("STALE_VERSION", `relation ${entry.after.id} changed during the import`, {
          entity: "relation",
          id: entry.after.id,
          reason: "stale_version",
        });
      }
      const at = ctx.now();
      let after = fresh;
      for (const { index, item } of entry.items) {
        const built = applyItem(after, fresh, item, at);
        if (!built.relation) throw validationError(built.issues.map((i) => ({ ...i, path: [index, ...i.path] })));
        after = built.relation;
      }
      Object.assign(entry, { before: fresh, after, at });
    }
  }

  /**
   * Upserts one chunk of relations in the caller's transaction and says what became of each item.
   * `targets` pins items (by position in the chunk) to a stored relation they update, whatever their
   * references say (sync's e-mail matches). Invalid items are returned, never thrown.
   */
  async function upsertRelationChunk(
    store: TenantStore,
    chunk: RelationInput[],
    offset: number,
    options: BulkOptions,
    policy: DuplicatePolicy,
    targets?: ReadonlyMap<number, Relation>,
  ): Promise<ChunkResult> {
    // Concurrent imports (or upserts) of the same new references race to insert them. The new
    // relations are inserted first, all or nothing: when the store finds a reference taken
    // meanwhile it writes nothing, the transaction stays usable, and the chunk is planned again
    // from what storage holds now, so the winners' relations are updated instead.
    let plan: Plan;
    for (let round = 1; ; round++) {
      plan = await planRelations(store, chunk, offset, policy, targets);
      if (!options.skipInvalid && plan.invalid.length > 0) return { items: [], invalid: plan.invalid };
      try {
        if (plan.creates.length > 0) await store.bulk.insertRelations(plan.creates);
        break;
      } catch (error) {
        const conflict = insertConflict(error);
        // The statement failed: on Postgres the transaction is aborted; `run` may retry the chunk in a fresh one.
        if (conflict === "failed") throw externalRefRace(`A chunk of relations from item ${offset}`, error, true);
        if (conflict !== "lost") throw error;
        if (round >= UPSERT_ROUNDS) throw externalRefRace(`A chunk of relations from item ${offset}`, error);
      }
    }
    // Existing relations in one order (by id), so concurrent imports lock their rows alike.
    for (const entry of plan.entries.filter((e) => e.before).sort((a, b) => (a.after.id < b.after.id ? -1 : a.after.id > b.after.id ? 1 : 0))) {
      await writeUpdate(store, entry);
    }
    const journal: Journal = { history: [], events: [] };
    const items: ItemOutcome[] = [];
    for (const { before, after, at, items: sources } of plan.entries) {
      const changes = diffFields(before, after, RELATION_FIELDS);
      const outcome = !before ? "created" : Object.keys(changes).length === 0 ? "unchanged" : "updated";
      for (const { index } of sources) items.push({ index, id: after.id, outcome });
      if (outcome === "unchanged") continue;
      const action = !before ? "create" : before.deletedAt ? "restore" : "update";
      journalFor(
        journal,
        at,
        options,
        { entityType: "relation", entityId: after.id, action, version: after.version, changes },
        `relation.${action === "create" ? "created" : action === "update" ? "updated" : "restored"}`,
        after,
      );
    }
    await writeJournal(store, journal);
    return { items, invalid: plan.invalid };
  }

  /**
   * Logs one chunk of interactions in the caller's transaction and says what became of each item:
   * `created` with the new id, or `unchanged` with the id of the interaction already holding its
   * external key (stored, or an earlier item of the chunk). Invalid items are returned, never thrown.
   */
  async function logInteractionChunk(store: TenantStore, chunk: InteractionInput[], offset: number, options: BulkOptions): Promise<ChunkResult> {
    const at = ctx.now();
    const invalid: { index: number; issues: ValidationIssue[] }[] = [];
    const parsed: { index: number; record: InteractionRecord }[] = [];
    chunk.forEach((item, i) => {
      const result = ctx.schemas.interaction.create.safeParse(item);
      if (!result.success) return void invalid.push({ index: offset + i, issues: zodIssues(result.error) });
      parsed.push({ index: offset + i, record: newInteractionRecord(ctx.newId(), result.data, participantsOf(result.data), at) });
    });
    // Addresses a live relation holds are logged matched; erased ones are dropped (see participantSettler).
    const settle = await participantSettler(
      store,
      parsed.map((p) => p.record.participants),
    );
    for (const p of parsed) {
      const participants = settle(p.record.participants);
      p.record = settledRecord({ ...p.record, participants, relationIds: linkedRelations(p.record.relationIds, participants) });
    }
    const live = await store.bulk.liveRelationIds([...new Set(parsed.flatMap((p) => p.record.relationIds))]);
    const dealIds = [...new Set(parsed.flatMap((p) => p.record.dealIds ?? []))];
    const liveDeals = new Set(dealIds.length ? (await store.deals.getMany(dealIds)).filter((d) => !d.deletedAt).map((d) => d.id) : []);
    const valid = parsed.filter(({ index, record }) => {
      const issues: ValidationIssue[] = [];
      const missing = record.relationIds.filter((id) => !live.has(id));
      if (missing.length > 0) issues.push({ path: ["relationIds"], message: `Missing or deleted relation(s) ${missing.join(", ")}`, code: "missing_relation" });
      const missingDeals = (record.dealIds ?? []).filter((id) => !liveDeals.has(id));
      if (missingDeals.length > 0) issues.push({ path: ["dealIds"], message: `Missing or deleted deal(s) ${missingDeals.join(", ")}`, code: "missing_deal" });
      if (issues.length > 0) invalid.push({ index, issues });
      return issues.length === 0;
    });
    invalid.sort((a, b) => a.index - b.index);
    if (!options.skipInvalid && invalid.length > 0) return { items: [], invalid };

    const keys = valid.flatMap((v) => (v.record.externalKey ? [v.record.externalKey] : []));
    // Who holds each key already: a stored interaction, or the first item of this chunk with it.
    const holders = new Map<string, string>();
    if (keys.length) for (const r of await store.bulk.interactionsByExternalKeys(keys)) if (r.externalKey) holders.set(r.externalKey, r.id);
    const items: ItemOutcome[] = [];
    const fresh = valid.filter(({ index, record }) => {
      const held = record.externalKey === null ? undefined : holders.get(record.externalKey);
      if (held) return void items.push({ index, id: held, outcome: "unchanged" });
      if (record.externalKey !== null) holders.set(record.externalKey, record.id);
      return true;
    });
    const inserted = fresh.length ? await store.bulk.insertInteractions(fresh.map((f) => f.record)) : new Set<string>();
    const journal: Journal = { history: [], events: [] };
    const lostKeys: string[] = [];
    for (const { index, record } of fresh) {
      if (!inserted.has(record.id)) {
        // Another writer took the key after the look-up; its interaction is the one this item stands for.
        lostKeys.push(record.externalKey!);
        items.push({ index, id: "", outcome: "unchanged", key: record.externalKey! });
        continue;
      }
      items.push({ index, id: record.id, outcome: "created" });
      journalFor(
        journal,
        at,
        options,
        { entityType: "interaction", entityId: record.id, action: "create", version: 1, changes: diffFields(undefined, record, NEW_INTERACTION_FIELDS) },
        "interaction.logged",
        record,
      );
    }
    if (lostKeys.length > 0) {
      const winners = new Map((await store.bulk.interactionsByExternalKeys(lostKeys)).map((r) => [r.externalKey, r.id]));
      for (const item of items) if (item.key !== undefined) Object.assign(item, { id: winners.get(item.key) ?? "" });
    }
    await writeJournal(store, journal);
    items.sort((a, b) => a.index - b.index);
    return { items, invalid };
  }

  /**
   * Inserts employment links (checked by the caller: a person and an organisation, both live) with
   * the history and `link.created` events `links.create` writes. Returns the links.
   */
  async function createEmployments(
    store: TenantStore,
    drafts: ReadonlyArray<{ readonly personId: string; readonly organisationId: string; readonly jobTitle: string | null }>,
    options: BulkOptions,
  ): Promise<LinkRecord[]> {
    const at = ctx.now();
    const records: LinkRecord[] = drafts.map((d) => ({
      id: ctx.newId(),
      kind: "employment",
      fromId: d.personId,
      toId: d.organisationId,
      role: null,
      jobTitle: d.jobTitle,
      validFrom: null,
      validTo: null,
      version: 1,
      createdAt: at,
      updatedAt: at,
    }));
    if (records.length === 0) return records;
    await store.bulk.insertLinks(records);
    const journal: Journal = { history: [], events: [] };
    for (const record of records) {
      const changes = {
        kind: { from: null, to: record.kind },
        fromId: { from: null, to: record.fromId },
        toId: { from: null, to: record.toId },
        ...diffFields(undefined, record, LINK_FIELDS),
      };
      journalFor(journal, at, options, { entityType: "link", entityId: record.id, action: "create", version: 1, changes }, "link.created", toLink(record));
    }
    await writeJournal(store, journal);
    return records;
  }

  /** Adds a chunk's result to the tally, refusing the chunk when invalid items are not to be skipped. */
  function count(result: ChunkResult, options: BulkOptions, tally: Tally, perEntity: boolean): void {
    refuseOrRecord(result.invalid, options, tally);
    // Several items of one relation make one change: relations are counted once, interactions per item.
    const seen = new Set<string>();
    for (const item of result.items) {
      if (perEntity && seen.has(item.id)) continue;
      seen.add(item.id);
      tally[item.outcome]++;
    }
  }

  const service: BulkService = {
    upsertRelations: async (items, options = {}) => {
      const policy = duplicatePolicy(options?.duplicates, ctx.duplicates);
      return run(items, options, async (store, chunk, offset, tally) =>
        count(await upsertRelationChunk(store, chunk, offset, options, policy), options, tally, true),
      );
    },
    logInteractions: async (items, options = {}) =>
      run(items, options, async (store, chunk, offset, tally) => count(await logInteractionChunk(store, chunk, offset, options), options, tally, false)),
  };
  return {
    service,
    upsertRelationChunk,
    logInteractionChunk,
    createEmployments,
  };
}

/** Builds the bulk service of a tenant. */
export function bulkService(scope: TenantScope): BulkService {
  return bulkOperations(scope).service;
}
