import { decodeCursor, encodeCursor } from "../cursor.js";
import { diffFields } from "../diff.js";
import { CrmError, notFound, staleVersion, validationError } from "../errors.js";
import { expectId, expectText, expectVersion, idSchema, parseOrThrow } from "../model/common.js";
import type { Interaction, InteractionInput, InteractionPatch } from "../model/interaction.js";
import type { InteractionRecord, TenantStore } from "../storage.js";
import { runCommand, runQuery, runSingleRead, type CommandOptions, type CommandScope, type TenantScope } from "./command.js";
import type { VersionedOptions } from "./relations.js";
import * as z from "zod";
import type { DueField } from "../model/verification.js";
import { dueFor } from "./verification.js";
import { NEW_INTERACTION_FIELDS, newInteractionRecord, participantSettler, participantsOf, settledRecord } from "./participants.js";
import { parseSearch, searchPage, type SearchOptions, type SearchPage } from "./search.js";

/** The result of {@link InteractionService.log}. */
export interface LogResult {
  readonly interaction: Interaction;
  /** False when an interaction with the same external key already existed: nothing was written. */
  readonly created: boolean;
  /** With `withDueFields`: per linked relation, its fields due for verification (see `verification.due`). */
  readonly dueFields?: Readonly<Record<string, readonly DueField[]>>;
}

/** Options of {@link InteractionService.log}. */
export interface LogOptions extends CommandOptions {
  /**
   * Also return the fields of the linked relations that are due for verification (tenant policy),
   * read in the same transaction, so the app can ask "is this still right?" at the moment of contact.
   */
  readonly withDueFields?: boolean;
}

/** A page of a timeline. */
export interface TimelinePage {
  /** Newest first. */
  readonly items: readonly Interaction[];
  /** Pass as `cursor` to get the next (older) page; absent on the last page. */
  readonly nextCursor?: string;
}

/** Options of {@link InteractionService.timeline}. */
export interface TimelineOptions {
  /** Page size, 1–500. Default 50. */
  readonly limit?: number;
  /** The `nextCursor` of the previous page. */
  readonly cursor?: string;
  /**
   * For an organisation: also show the interactions of the people who currently work there
   * (an employment link without an end date, or ending today or later). Each interaction once.
   */
  readonly rollUp?: boolean;
}

/** Options of {@link InteractionService.unmatched}: a page size and where to continue. */
export type UnmatchedOptions = Pick<TimelineOptions, "limit" | "cursor">;

/** Contact moments of one tenant. */
export interface InteractionService {
  /**
   * Logs a contact moment. With an `externalKey` already present it returns the existing one and writes nothing.
   * A participant without a relation whose e-mail address a live relation holds is logged with that relation
   * (and links it); with no relation at all the contact moment is unmatched (see {@link unmatched}).
   */
  log(input: InteractionInput, options?: LogOptions): Promise<LogResult>;
  /** Changes an interaction's own fields (not its relations or participants). */
  update(id: string, patch: InteractionPatch, options: VersionedOptions): Promise<Interaction>;
  /** Soft-deletes an interaction: it leaves every timeline; its external key stays taken. */
  delete(id: string, options: VersionedOptions): Promise<Interaction>;
  /** Restores a soft-deleted interaction (e.g. a synced message that came back). */
  restore(id: string, options: VersionedOptions): Promise<Interaction>;
  /** An interaction by id; undefined when missing or deleted (unless `includeDeleted`). */
  get(id: string, options?: { includeDeleted?: boolean }): Promise<Interaction | undefined>;
  /** The interaction holding an external key, deleted or not. */
  findByExternalKey(externalKey: string): Promise<Interaction | undefined>;
  /** A relation's contact moments, newest first, keyset-paginated. */
  timeline(relationId: string, options?: TimelineOptions): Promise<TimelinePage>;
  /**
   * Full-text search over the subjects, bodies and outcomes of non-deleted contact moments, ranked
   * (a match in the subject first); case and accents are ignored. See the core README's "Search".
   *
   * @example
   * const { items, nextCursor } = await acme.interactions.search("offerte", { language: "dutch" });
   */
  search(text: string, options?: SearchOptions): Promise<SearchPage<Interaction>>;
  /**
   * The tenant's unmatched contact moments: non-deleted interactions linked to no relation (every
   * participant an address nobody in the CRM holds yet), newest first, keyset-paginated like
   * {@link timeline}. One leaves this list the moment a relation with one of its participants'
   * e-mail addresses is created, updated, imported, restored or merged; see the core README's
   * "Unmatched contact moments".
   *
   * @example
   * const { items, nextCursor } = await acme.interactions.unmatched({ limit: 20 });
   */
  unmatched(options?: UnmatchedOptions): Promise<TimelinePage>;
  /** Replaces the deals an interaction is linked to (its relations stay). Throws INTEGRITY for a missing or deleted deal. */
  linkDeals(id: string, dealIds: readonly string[], options: VersionedOptions): Promise<Interaction>;
}

const FIELDS = [
  "kind",
  "direction",
  "channel",
  "occurredAt",
  "subject",
  "body",
  "outcome",
  "deletedAt",
] as const satisfies readonly (keyof InteractionRecord)[];

async function checkRelations(store: TenantStore, ids: readonly string[]): Promise<void> {
  const found = new Map((await store.relations.getMany(ids)).map((r) => [r.id, r]));
  const missing = ids.filter((id) => !found.get(id) || found.get(id)!.deletedAt);
  if (missing.length > 0) {
    throw new CrmError("INTEGRITY", `An interaction cannot be linked to missing or deleted relation(s) ${missing.join(", ")}`, {
      entity: "interaction",
      reason: "missing_relation",
    });
  }
}

async function checkDeals(store: TenantStore, ids: readonly string[]): Promise<void> {
  if (ids.length === 0) return;
  const found = new Map((await store.deals.getMany(ids)).map((d) => [d.id, d]));
  const missing = ids.filter((id) => !found.get(id) || found.get(id)!.deletedAt);
  if (missing.length > 0) {
    throw new CrmError("INTEGRITY", `An interaction cannot be linked to missing or deleted deal(s) ${missing.join(", ")}`, {
      entity: "interaction",
      reason: "missing_deal",
    });
  }
}

/** Builds the interaction service of a tenant. */
export function interactionService(scope: TenantScope): InteractionService {
  const { ctx } = scope;

  async function write(
    command: CommandScope,
    current: InteractionRecord,
    next: InteractionRecord,
    action: "update" | "delete" | "restore",
  ): Promise<Interaction> {
    const changes = diffFields(current, next, FIELDS);
    if (Object.keys(changes).length === 0) return current;
    if (!(await command.store.interactions.update(next, current.version))) throw staleVersion("interaction", current.id, current.version);
    await command.record({
      entityType: "interaction",
      entityId: current.id,
      action,
      version: next.version,
      changes,
      eventType: `interaction.${action === "update" ? "updated" : action === "delete" ? "deleted" : "restored"}`,
      payload: next,
    });
    return next;
  }

  async function load(store: TenantStore, id: string, expected: number): Promise<InteractionRecord> {
    const current = await store.interactions.get(id);
    if (!current || current.deletedAt) throw notFound("interaction", id);
    if (current.version !== expected) throw staleVersion("interaction", id, expected, current.version);
    return current;
  }

  return {
    async log(input, options) {
      const parsed = parseOrThrow(ctx.schemas.interaction.create, input);
      return runCommand(scope, options, async (command) => {
        const key = parsed.externalKey ?? null;
        const existing = key === null ? undefined : await command.store.interactions.getByExternalKey(key);
        if (existing) return { interaction: existing, created: false };
        const given = participantsOf(parsed);
        // Addresses a live relation holds are logged matched; erased ones are dropped (see participantSettler).
        const participants = (await participantSettler(command.store, [given]))(given);
        const record = settledRecord(newInteractionRecord(ctx.newId(), parsed, participants, command.at));
        await checkRelations(command.store, record.relationIds);
        await checkDeals(command.store, record.dealIds ?? []);
        if (!(await command.store.interactions.insert(record))) {
          // Another writer imported the same key between our check and our insert.
          const winner = await command.store.interactions.getByExternalKey(key!);
          if (winner) return { interaction: winner, created: false };
          throw new CrmError("BUSY", `Interaction with external key ${key} could not be written; try again`, { reason: "external_key_race" });
        }
        await command.record({
          entityType: "interaction",
          entityId: record.id,
          action: "create",
          version: 1,
          changes: diffFields(undefined, record, NEW_INTERACTION_FIELDS),
          eventType: "interaction.logged",
          payload: record,
        });
        return options?.withDueFields
          ? { interaction: record, created: true, dueFields: await dueFor(command.store, record.relationIds, command.at) }
          : { interaction: record, created: true };
      });
    },

    async update(id, patch, options) {
      expectId(id);
      const expected = expectVersion(options?.expectedVersion);
      const parsed = parseOrThrow(ctx.schemas.interaction.patch, patch);
      return runCommand(scope, options, async (command) => {
        const current = await load(command.store, id, expected);
        const next: InteractionRecord = { ...current, version: current.version + 1, updatedAt: command.at };
        for (const field of ["kind", "direction", "channel", "occurredAt", "subject", "body", "outcome"] as const) {
          if (parsed[field] !== undefined) (next as unknown as Record<string, unknown>)[field] = parsed[field];
        }
        return write(command, current, next, "update");
      });
    },

    async delete(id, options) {
      expectId(id);
      const expected = expectVersion(options?.expectedVersion);
      return runCommand(scope, options, async (command) => {
        const current = await load(command.store, id, expected);
        return write(command, current, { ...current, deletedAt: command.at, updatedAt: command.at, version: current.version + 1 }, "delete");
      });
    },

    async restore(id, options) {
      expectId(id);
      const expected = expectVersion(options?.expectedVersion);
      return runCommand(scope, options, async (command) => {
        const current = await command.store.interactions.get(id);
        if (!current) throw notFound("interaction", id);
        if (current.version !== expected) throw staleVersion("interaction", id, expected, current.version);
        if (!current.deletedAt)
          throw new CrmError("INVALID_STATE", `interaction ${id} is not deleted`, { entity: "interaction", id, state: "active", reason: "not_deleted" });
        return write(command, current, { ...current, deletedAt: null, updatedAt: command.at, version: current.version + 1 }, "restore");
      });
    },

    async get(id, options) {
      expectId(id);
      const record = await runQuery(scope, (store) => store.interactions.get(id));
      return record && (options?.includeDeleted || !record.deletedAt) ? record : undefined;
    },

    async findByExternalKey(externalKey) {
      // Keys may be as long as `log` accepts (500), e.g. meeting keys built from 112-character iCalUIds.
      if (typeof externalKey !== "string" || externalKey.length === 0 || externalKey.length > 500) {
        throw validationError([{ path: ["externalKey"], message: "Expected an external key of 1-500 characters", code: "invalid_type" }]);
      }
      return runQuery(scope, (store) => store.interactions.getByExternalKey(expectText(externalKey, "externalKey")));
    },

    search: async (text, options) =>
      searchPage(
        scope,
        parseSearch(text, options),
        (store, q) => store.search.interactions(q),
        (i) => i,
      ),

    async timeline(relationId, options = {}) {
      expectId(relationId, "relationId");
      const limit = options.limit ?? 50;
      if (!Number.isInteger(limit) || limit < 1 || limit > 500) {
        throw validationError([{ path: ["limit"], message: "Expected an integer from 1 to 500", code: "invalid_limit" }]);
      }
      const after = options.cursor === undefined ? undefined : decodeCursor(options.cursor);
      // Without roll-up the page is one repository call, so it may run without a transaction.
      return (options.rollUp ? runQuery : runSingleRead)(scope, async (store) => {
        const relationIds = [relationId];
        if (options.rollUp) {
          const today = ctx.now().slice(0, 10);
          for (const link of await store.links.listForRelation(relationId)) {
            if (link.kind === "employment" && link.toId === relationId && (!link.validTo || link.validTo >= today)) relationIds.push(link.fromId);
          }
        }
        const rows = await store.interactions.timeline({ relationIds: [...new Set(relationIds)], limit: limit + 1, ...(after ? { after } : {}) });
        const items = rows.slice(0, limit);
        const last = items[items.length - 1];
        return rows.length > limit && last ? { items, nextCursor: encodeCursor({ occurredAt: last.occurredAt, id: last.id }) } : { items };
      });
    },

    async unmatched(options = {}) {
      if (options === null || typeof options !== "object") {
        throw validationError([{ path: ["options"], message: "Expected an options object", code: "invalid_type" }]);
      }
      const limit = options.limit ?? 50;
      if (!Number.isInteger(limit) || limit < 1 || limit > 500) {
        throw validationError([{ path: ["limit"], message: "Expected an integer from 1 to 500", code: "invalid_limit" }]);
      }
      const after = options.cursor === undefined ? undefined : decodeCursor(options.cursor);
      return runSingleRead(scope, async (store) => {
        const rows = await store.unmatched.list({ limit: limit + 1, ...(after ? { after } : {}) });
        const items = rows.slice(0, limit);
        const last = items[items.length - 1];
        return rows.length > limit && last ? { items, nextCursor: encodeCursor({ occurredAt: last.occurredAt, id: last.id }) } : { items };
      });
    },

    async linkDeals(id, dealIds, options) {
      expectId(id);
      const expected = expectVersion(options?.expectedVersion);
      const parsed = parseOrThrow(z.array(idSchema).max(50), dealIds);
      return runCommand(scope, options, async (command) => {
        const current = await load(command.store, id, expected);
        const next: InteractionRecord = { ...current, dealIds: [...new Set(parsed)], version: current.version + 1, updatedAt: command.at };
        const changes = diffFields({ ...current, dealIds: current.dealIds ?? [] }, next, ["dealIds"]);
        if (Object.keys(changes).length === 0) return current;
        await checkDeals(command.store, next.dealIds!);
        if (!(await command.store.interactions.update(next, current.version))) throw staleVersion("interaction", id, current.version);
        await command.store.interactions.setDeals(id, next.dealIds!, next.occurredAt);
        await command.record({
          entityType: "interaction",
          entityId: id,
          action: "update",
          version: next.version,
          changes,
          eventType: "interaction.updated",
          payload: next,
        });
        return next;
      });
    },
  };
}
