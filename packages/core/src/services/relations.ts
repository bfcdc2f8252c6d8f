import type { AttributeValues } from "../attributes/registry.js";
import { CrmError, isCrmError, notFound, staleVersion, validationError } from "../errors.js";
import { expectId, expectText, expectVersion, parseOrThrow } from "../model/common.js";
import type { ExternalRef, Relation, RelationInput, RelationPatch } from "../model/relation.js";
import { externalRefSchema } from "../model/relation.js";
import { nameKey, normaliseEmail, normalisePhone } from "../normalise.js";
import type { TenantStore } from "../storage.js";
import { diffFields } from "../diff.js";
import { runCommand, runQuery, runSingleRead, type CommandOptions, type CommandScope, type TenantScope } from "./command.js";
import { assertNotErased } from "./erasure-keys.js";
import { mergeOperations } from "./merge.js";
import { duplicatePolicy, findCandidates } from "./duplicates.js";
import { identifyingAttributes } from "../duplicates/rules.js";
import type { DuplicatePolicy } from "../context.js";
import type { Merge, MergeOptions, MergeResult, UnmergeResult } from "../model/merge.js";
import { parseSearch, searchPage, type SearchOptions, type SearchPage } from "./search.js";
import { buildRelation, externalRefRace, insertConflict, RELATION_FIELDS, settledByFreshTransaction, UPSERT_ROUNDS } from "./relation-builder.js";

/** Options of a write that creates or changes a relation's identifying fields. */
export interface RelationWriteOptions extends CommandOptions {
  /**
   * `refuse`: when the written relation looks like an existing one (the rules of
   * `duplicates.check`; for an update, one it did not look like before), throw DUPLICATE
   * `likely_duplicate` with every candidate in `details.issues`, writing nothing. `allow` writes
   * it. Default: the CRM's `duplicates` option, else `allow`. For a warning instead, call
   * `duplicates.check(input)` before writing.
   */
  readonly duplicates?: DuplicatePolicy;
}

/** Options of a versioned write: the version the caller last read. */
export interface VersionedOptions extends CommandOptions {
  /** The `version` the caller's copy has; the write fails with STALE_VERSION when storage has moved on. */
  readonly expectedVersion: number;
}

/** The result of {@link RelationService.upsertByExternalRef}. */
export interface UpsertResult<A = AttributeValues> {
  readonly relation: Relation<A>;
  /** What happened: a new relation, a change to an existing one, or nothing because nothing differed. */
  readonly outcome: "created" | "updated" | "unchanged";
}

/** Relations of one tenant: people, organisations and households. */
export interface RelationService<A = AttributeValues> {
  /** Creates a relation. Throws VALIDATION listing every problem, or DUPLICATE when an external reference is taken. */
  create(input: RelationInput<A>, options?: RelationWriteOptions): Promise<Relation<A>>;
  /** Changes fields of a relation; lists and `attributes` replace the stored value. A patch that changes nothing writes nothing. */
  update(id: string, patch: RelationPatch<A>, options: VersionedOptions & RelationWriteOptions): Promise<Relation<A>>;
  /** Soft-deletes a relation: hidden from lookups, kept with its history, restorable. */
  delete(id: string, options: VersionedOptions): Promise<Relation<A>>;
  /** Restores a soft-deleted relation. */
  restore(id: string, options: VersionedOptions): Promise<Relation<A>>;
  /**
   * A relation by id; undefined when missing or deleted (unless `includeDeleted`). The id of a
   * relation merged into another resolves to the survivor (through later merges too), so an
   * id kept by a host or a remote system still finds the customer; with `includeDeleted` it
   * returns the merged relation's own tombstone.
   */
  get(id: string, options?: { includeDeleted?: boolean }): Promise<Relation<A> | undefined>;
  /** Relations with this e-mail address, in any case and surrounding spaces. */
  findByEmail(email: string): Promise<Relation<A>[]>;
  /** Relations with this phone number, in any notation (read in the CRM's default region). */
  findByPhone(phone: string): Promise<Relation<A>[]>;
  /** Relations whose name starts with `prefix`, ignoring case and accents; at most `limit` (default 20, max 200). */
  search(query: { namePrefix: string; limit?: number }): Promise<Relation<A>[]>;
  /**
   * Full-text search, ranked: every word of `text` must start a word of the relation's name, an
   * e-mail address (or its domain), a phone number's digits, the name of an organisation it works
   * for, a city or postcode, or a tag; case and accents are ignored. Name matches rank first.
   * Deleted relations are never found. See the "Search" section of the core README.
   *
   * @example
   * const page = await acme.relations.search("de vr", { limit: 10 });
   * for (const { item, score } of page.items) console.log(item.name, score);
   */
  search(text: string, options?: SearchOptions): Promise<SearchPage<Relation<A>>>;
  /** The relation holding an external reference, deleted or not. */
  findByExternalRef(system: string, externalId: string): Promise<Relation<A> | undefined>;
  /**
   * Creates the relation holding `ref`, or brings the existing one up to `input` (restoring it if
   * deleted). Replaying the same input changes nothing and writes no history or event.
   */
  upsertByExternalRef(ref: ExternalRef, input: RelationInput<A>, options?: RelationWriteOptions): Promise<UpsertResult<A>>;
  /**
   * Merges `loserId` into `survivorId` in one transaction. The survivor takes the loser's
   * e-mails, phones, addresses, tags and external references (united, its own first) and fills
   * its empty fields from the loser; a field both have with different values keeps the
   * survivor's (for attributes, with `attributes: "recentlyVerified"`, the value confirmed most
   * recently). Links, contact moments and participants, deals and deal contacts, quotes, orders,
   * activities, segment and campaign memberships, consent and suppression ledgers, field
   * confirmations and sync mappings move to the survivor; an opt-out or suppression on either
   * side stays in force. The loser becomes a tombstone: `get(loserId)` and its references find
   * the survivor. History on both, one `relation.merged` event. With `dryRun: true` nothing is
   * written and the result says what would happen.
   *
   * @example
   * const double = await acme.relations.create({ kind: "organisation", name: "Acme B.V." });
   * const plan = await acme.relations.merge(id, double.id, { dryRun: true });
   * console.log(plan.conflicts, plan.rows.kb_interaction_relations);
   * const done = await acme.relations.merge(id, double.id);
   * await acme.relations.unmerge(done.mergeId!); // both back, as they were
   */
  merge(survivorId: string, loserId: string, options?: MergeOptions & CommandOptions): Promise<MergeResult<A>>;
  /**
   * Undoes a merge: the loser comes back and every row the merge moved, changed or removed is
   * written back, as long as none of them changed since. Otherwise INVALID_STATE
   * `changed_since_merge`, with `details.issues` naming each changed row, and nothing is written.
   */
  unmerge(mergeId: string, options?: CommandOptions): Promise<UnmergeResult<A>>;
  /** The merges a relation took part in (as survivor or loser), newest first. */
  merges(relationId: string): Promise<Merge[]>;
}

/** Builds the relation service of a tenant. */
export function relationService(scope: TenantScope): RelationService {
  const { ctx } = scope;
  const identifying = identifyingAttributes(ctx.registry);

  const policyOf = (options: RelationWriteOptions | undefined) => duplicatePolicy(options?.duplicates, ctx.duplicates);

  /** Under `refuse`: throws DUPLICATE when `next` looks like relations `current` did not look like. */
  async function assertNotLikelyDuplicate(store: TenantStore, policy: DuplicatePolicy, next: Relation, current?: Relation): Promise<void> {
    if (policy !== "refuse") return;
    const known = current ? new Set((await findCandidates(store, current, identifying, current.id)).map((c) => c.relation.id)) : new Set<string>();
    const fresh = (await findCandidates(store, next, identifying, next.id)).filter((c) => !known.has(c.relation.id));
    if (fresh.length === 0) return;
    throw new CrmError(
      "DUPLICATE",
      `${next.name} looks like ${fresh.map((c) => `${c.relation.name} (${c.relation.id}: ${c.reasons.join(", ")})`).join("; ")}`,
      {
        entity: "relation",
        id: fresh[0]!.relation.id,
        reason: "likely_duplicate",
        issues: fresh.map((c) => ({
          path: ["candidates", c.relation.id],
          message: `${c.relation.name}: ${c.reasons.join(", ")} (score ${c.score})`,
          code: "likely_duplicate",
        })),
      },
    );
  }

  async function assertRefsFree(store: TenantStore, relation: Relation): Promise<void> {
    for (const ref of relation.externalRefs) {
      const holder = await store.relations.findByExternalRef(ref.system, ref.externalId);
      if (holder && holder.id !== relation.id) {
        throw new CrmError("DUPLICATE", `External reference ${ref.system}:${ref.externalId} already belongs to relation ${holder.id}`, {
          entity: "relation",
          id: holder.id,
          reason: "external_ref_taken",
        });
      }
    }
  }

  /**
   * Inserts a new relation with its history entry and event. With `race` (the reference an upsert
   * looked up and found free), losing the reference to a concurrent writer is not an error: it
   * returns undefined, having written nothing, when the reference turned up in the pre-check or the
   * store found one taken (the transaction is still usable then; see {@link insertConflict}), and
   * throws BUSY `external_key_race` when the database refused the statement instead.
   */
  async function insertNew(command: CommandScope, input: unknown, race?: ExternalRef, policy: DuplicatePolicy = "allow"): Promise<Relation | undefined> {
    const { relation, issues } = buildRelation(ctx, input, undefined, { id: ctx.newId(), at: command.at });
    if (!relation) throw validationError(issues);
    await assertNotErased(command.store, relation);
    await assertNotLikelyDuplicate(command.store, policy, relation);
    try {
      await assertRefsFree(command.store, relation);
    } catch (error) {
      // Another writer may have inserted `race` since the caller looked for it: a lost race, not a taken reference.
      if (race && isCrmError(error, "DUPLICATE") && (await command.store.relations.findByExternalRef(race.system, race.externalId))) return undefined;
      throw error;
    }
    try {
      await command.store.relations.insert(relation);
    } catch (error) {
      const conflict = race && insertConflict(error);
      if (conflict === "lost") return undefined;
      // The statement failed: on Postgres the transaction is aborted, so only a fresh one can read the winner.
      if (conflict === "failed") throw externalRefRace(`Relation with external reference ${race!.system}:${race!.externalId}`, error, true);
      throw error;
    }
    await command.record({
      entityType: "relation",
      entityId: relation.id,
      action: "create",
      version: 1,
      changes: diffFields(undefined, relation, RELATION_FIELDS),
      eventType: "relation.created",
      payload: relation,
    });
    return relation;
  }

  /** Writes `next` over `current` with history and event; returns `current` untouched when nothing differs. */
  async function write(
    command: CommandScope,
    current: Relation,
    next: Relation,
    action: "update" | "delete" | "restore",
    policy: DuplicatePolicy = "allow",
  ): Promise<Relation> {
    const written = await tryWrite(command, current, next, action, policy);
    if (!written) throw staleVersion("relation", current.id, current.version);
    return written;
  }

  /** Like {@link write}, but returns undefined (writing nothing) when the stored version moved on. */
  async function tryWrite(
    command: CommandScope,
    current: Relation,
    next: Relation,
    action: "update" | "delete" | "restore",
    policy: DuplicatePolicy = "allow",
  ): Promise<Relation | undefined> {
    const changes = diffFields(current, next, RELATION_FIELDS);
    if (Object.keys(changes).length === 0) return current;
    if (action !== "delete") {
      await assertNotErased(command.store, next, current);
      await assertRefsFree(command.store, next);
      await assertNotLikelyDuplicate(command.store, policy, next, action === "restore" ? undefined : current);
    }
    const ok = await command.store.relations.update(next, current.version);
    if (!ok) return undefined;
    await command.record({
      entityType: "relation",
      entityId: next.id,
      action,
      version: next.version,
      changes,
      eventType: `relation.${action === "update" ? "updated" : action === "delete" ? "deleted" : "restored"}`,
      payload: next,
    });
    return next;
  }

  /** Loads a relation for a versioned write and checks existence, deletion state and version. */
  async function loadForWrite(store: TenantStore, id: string, expected: number, wantDeleted: boolean): Promise<Relation> {
    const current = await store.relations.get(id);
    if (!current) throw notFound("relation", id);
    if (current.version !== expected) throw staleVersion("relation", id, expected, current.version);
    if (!wantDeleted && current.deletedAt) throw notFound("relation", id);
    if (wantDeleted && !current.deletedAt) {
      throw new CrmError("INVALID_STATE", `relation ${id} is not deleted`, { entity: "relation", id, state: "active", reason: "not_deleted" });
    }
    return current;
  }

  function patchOnto(command: CommandScope, current: Relation, patch: unknown): Relation {
    const { relation, issues } = buildRelation(ctx, patch, current, { id: current.id, at: command.at });
    if (!relation) throw validationError(issues);
    return relation;
  }

  /**
   * One round of an upsert: creates the relation holding `ref`, or brings it up to `input`.
   * Undefined when it lost a race and wrote nothing: another writer inserted the reference first,
   * or changed the relation after it was read.
   */
  async function upsertRound(
    command: CommandScope,
    ref: ExternalRef,
    refs: ExternalRef[],
    input: RelationInput,
    policy: DuplicatePolicy,
  ): Promise<UpsertResult | undefined> {
    const existing = await command.store.relations.findByExternalRef(ref.system, ref.externalId);
    if (!existing) {
      const relation = await insertNew(command, { ...input, externalRefs: refs }, ref, policy);
      return relation && { relation, outcome: "created" };
    }
    if (existing.kind !== input.kind) {
      throw validationError([
        {
          path: ["kind"],
          message: `The relation holding ${ref.system}:${ref.externalId} is a ${existing.kind}, not a ${input.kind}`,
          code: "kind_mismatch",
        },
      ]);
    }
    // Keep references the relation already has from other systems: the input speaks for its own system.
    const keptRefs = existing.externalRefs.filter((r) => !refs.some((n) => n.system === r.system && n.externalId === r.externalId));
    const { kind: _kind, ...patch } = { ...input, externalRefs: [...keptRefs, ...refs] };
    const next = patchOnto(command, existing, patch);
    const restored = existing.deletedAt ? { ...next, deletedAt: null } : next;
    const written = await tryWrite(command, existing, restored, existing.deletedAt ? "restore" : "update", policy);
    if (!written) return undefined;
    return { relation: written, outcome: written === existing ? "unchanged" : "updated" };
  }

  const merging = mergeOperations(scope);
  const visible = (r: Relation | undefined, includeDeleted?: boolean) => (r && (includeDeleted || !r.deletedAt) ? r : undefined);

  return {
    merge: merging.merge,
    unmerge: merging.unmerge,
    merges: merging.merges,
    async create(input, options) {
      const policy = policyOf(options);
      return runCommand(scope, options, async (command) => (await insertNew(command, input, undefined, policy))!);
    },

    async update(id, patch, options) {
      expectId(id);
      const policy = policyOf(options);
      const expected = expectVersion(options?.expectedVersion);
      return runCommand(scope, options, async (command) => {
        const current = await loadForWrite(command.store, id, expected, false);
        return write(command, current, patchOnto(command, current, patch), "update", policy);
      });
    },

    async delete(id, options) {
      expectId(id);
      const expected = expectVersion(options?.expectedVersion);
      return runCommand(scope, options, async (command) => {
        const current = await loadForWrite(command.store, id, expected, false);
        return write(command, current, { ...current, deletedAt: command.at, updatedAt: command.at, version: current.version + 1 }, "delete");
      });
    },

    async restore(id, options) {
      expectId(id);
      const expected = expectVersion(options?.expectedVersion);
      return runCommand(scope, options, async (command) => {
        const current = await loadForWrite(command.store, id, expected, true);
        return write(command, current, { ...current, deletedAt: null, updatedAt: command.at, version: current.version + 1 }, "restore");
      });
    },

    async get(id, options) {
      expectId(id);
      const found = await runSingleRead(scope, (store) => store.relations.get(id));
      if (!found?.deletedAt || options?.includeDeleted) return visible(found, options?.includeDeleted);
      // Only a deleted relation can have been merged: the lookup costs nothing on the hot path.
      const survivor = await runQuery(scope, (store) => merging.survivorOf(store, id));
      return survivor ? visible(await runSingleRead(scope, (store) => store.relations.get(survivor))) : undefined;
    },

    async findByEmail(email) {
      return runSingleRead(scope, (store) => store.relations.findByEmail(normaliseEmail(expectText(email, "email"))));
    },

    async findByPhone(phone) {
      const e164 = normalisePhone(expectText(phone, "phone"), ctx.region);
      if (!e164) return [];
      return runSingleRead(scope, (store) => store.relations.findByPhone(e164));
    },

    // The overloads share one implementation: a string is full-text search, an object the name prefix.
    async search(query: string | { namePrefix: string; limit?: number }, options?: SearchOptions): Promise<never> {
      if (typeof query === "string" || typeof query !== "object" || query === null) {
        const parsed = parseSearch(query, options);
        return searchPage(
          scope,
          parsed,
          (store, q) => store.search.relations(q),
          (r) => r,
        ) as Promise<never>;
      }
      const prefix = typeof query?.namePrefix === "string" ? nameKey(expectText(query.namePrefix, "namePrefix")) : "";
      const limit = query?.limit ?? 20;
      if (!prefix || !Number.isInteger(limit) || limit < 1 || limit > 200) {
        throw validationError([
          ...(!prefix ? [{ path: ["namePrefix"], message: "Expected a non-empty name prefix", code: "too_small" }] : []),
          ...(!Number.isInteger(limit) || limit < 1 || limit > 200
            ? [{ path: ["limit"], message: "Expected an integer from 1 to 200", code: "invalid_limit" }]
            : []),
        ]);
      }
      return runQuery(scope, (store) => store.relations.findByNamePrefix(prefix, limit)) as Promise<never>;
    },

    async findByExternalRef(system, externalId) {
      const ref = parseOrThrow(externalRefSchema, { system, externalId });
      return runSingleRead(scope, (store) => store.relations.findByExternalRef(ref.system, ref.externalId));
    },

    async upsertByExternalRef(refInput, input, options) {
      const ref = parseOrThrow(externalRefSchema, refInput);
      const policy = policyOf(options);
      const refs = [...(input.externalRefs ?? [])];
      if (!refs.some((r) => r.system === ref.system && r.externalId === ref.externalId)) refs.push(ref);
      // Concurrent first-time upserts of one reference race to insert it. A round that loses (the
      // store found the reference taken, or the relation's version moved on) writes nothing and
      // ends its command; the next round is a new command (a fresh transaction, or the same unit
      // of work) that reads the winner and applies the input to it, with its own, later instant.
      let freshRetried = false;
      for (let round = 1; ; round++) {
        let result: UpsertResult | undefined;
        try {
          result = await runCommand(scope, options, (command) => upsertRound(command, ref, refs, input, policy));
        } catch (error) {
          // A failed statement (a store without a clean conflict): outside a unit, once more in a fresh transaction.
          if (scope.unit || freshRetried || !settledByFreshTransaction.has(error as object)) throw error;
          freshRetried = true;
          continue;
        }
        if (result) return result;
        if (round >= UPSERT_ROUNDS) throw externalRefRace(`Relation with external reference ${ref.system}:${ref.externalId}`);
      }
    },
  };
}
