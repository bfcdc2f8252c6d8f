import { decodeCursor, encodeCursor } from "../cursor.js";
import { diffFields } from "../diff.js";
import { CrmError, invalidState, notFound, staleVersion, validationError } from "../errors.js";
import { decodeIdCursor, encodeIdCursor, pageLimit } from "../id-cursor.js";
import {
  activitySchemas,
  ACTIVITY_STATUSES,
  type Activity,
  type ActivityInput,
  type ActivityPatch,
  type ActivityStatus,
  type CompleteInput,
} from "../model/activity.js";
import { expectId, expectVersion, idSchema, instantSchema, optionsOf, parseOrThrow } from "../model/common.js";
import type { Interaction } from "../model/interaction.js";
import type { TenantStore } from "../storage.js";
import type { ActivityQuery } from "../storage-verification.js";
import { runCommand, runQuery, runUnit, type CommandOptions, type CommandScope, type TenantScope } from "./command.js";
import { interactionService } from "./interactions.js";
import type { VersionedOptions } from "./relations.js";
import * as z from "zod";

/** A page of activities, by due time (earliest first). */
export interface ActivityPage {
  readonly items: readonly Activity[];
  /** Pass as `cursor` for the next page; absent on the last page. */
  readonly nextCursor?: string;
}

/** Options of {@link ActivityService.list}. */
export interface ActivityListOptions {
  /** The assignee: "my open activities" is `{ ownerId: me }`. */
  readonly ownerId?: string;
  readonly relationId?: string;
  /** Default `["open"]`. */
  readonly statuses?: readonly ActivityStatus[];
  /** Page size 1-500, default 50. */
  readonly limit?: number;
  readonly cursor?: string;
}

/** Options of {@link ActivityService.overdue}. */
export interface OverdueOptions {
  /** Only this assignee's; every owner's when absent (each item names its owner). */
  readonly ownerId?: string;
  /** Overdue relative to this moment; default now. */
  readonly at?: string | Date;
  readonly limit?: number;
  readonly cursor?: string;
}

/** A page of relation ids, ascending. */
export interface RelationIdPage {
  readonly relationIds: readonly string[];
  readonly nextCursor?: string;
}

/** The result of {@link ActivityService.complete}: the closed activity and the contact moment it logged. */
export interface CompleteResult {
  readonly activity: Activity;
  readonly interaction: Interaction;
}

/** Planned follow-ups of one tenant: tasks and appointments with a due time, an assignee and a status. */
export interface ActivityService {
  /**
   * Plans an activity for a relation (optionally about a deal).
   *
   * @example
   * await acme.activities.plan({ subject: "Call about renewal", kind: "call", relationId: id, ownerId: "user:42", dueAt: "2026-12-01T09:00:00Z" });
   */
  plan(input: ActivityInput, options?: CommandOptions): Promise<Activity>;
  /** Reschedules, reassigns or rewords an open activity. */
  update(id: string, patch: ActivityPatch, options: VersionedOptions): Promise<Activity>;
  /**
   * Marks an open activity done and logs the contact moment it stands for (its kind, relation,
   * deal and subject), in one transaction: both happen or neither.
   */
  complete(id: string, input: CompleteInput, options: VersionedOptions): Promise<CompleteResult>;
  /** Cancels an open activity; nothing is logged. */
  cancel(id: string, options: VersionedOptions): Promise<Activity>;
  /** An activity by id. */
  get(id: string): Promise<Activity | undefined>;
  /** Activities by due time, filtered by assignee, relation and status (default open). */
  list(options?: ActivityListOptions): Promise<ActivityPage>;
  /** Open activities whose due time has passed, by due time. */
  overdue(options?: OverdueOptions): Promise<ActivityPage>;
  /** Relations (optionally of one owner) without an open activity: no planned next step. */
  withoutNextStep(options?: { ownerId?: string; limit?: number; cursor?: string }): Promise<RelationIdPage>;
}

const FIELDS = [
  "subject",
  "kind",
  "relationId",
  "dealId",
  "ownerId",
  "dueAt",
  "timeZone",
  "reminderAt",
  "notes",
  "status",
  "closedAt",
  "interactionId",
] as const;
const statusesSchema = z.array(z.enum(ACTIVITY_STATUSES)).min(1).max(3);

async function checkTargets(store: TenantStore, relationId: string, dealId: string | null): Promise<void> {
  const relation = await store.relations.get(relationId);
  if (!relation || relation.deletedAt) {
    throw new CrmError("INTEGRITY", `An activity needs an existing relation; ${relationId} is missing or deleted`, {
      entity: "activity",
      reason: "missing_relation",
    });
  }
  if (dealId === null) return;
  const deal = await store.deals.get(dealId);
  if (!deal || deal.deletedAt) throw new CrmError("INTEGRITY", `Deal ${dealId} is missing or deleted`, { entity: "activity", reason: "missing_deal" });
}

/** Builds the activity service of a tenant. */
export function activityService(scope: TenantScope): ActivityService {
  const { ctx } = scope;
  const schemas = activitySchemas(ctx.interactionKinds);

  async function loadOpen(store: TenantStore, id: string, expected: number): Promise<Activity> {
    const current = await store.activities.get(id);
    if (!current) throw notFound("activity", id);
    if (current.version !== expected) throw staleVersion("activity", id, expected, current.version);
    if (current.status !== "open") throw invalidState("activity", id, current.status, "invalid_transition", `activity ${id} is ${current.status}, not open`);
    return current;
  }

  async function write(command: CommandScope, current: Activity, next: Activity, eventType: "activity.updated" | "activity.completed" | "activity.cancelled") {
    const changes = diffFields(current, next, FIELDS);
    if (Object.keys(changes).length === 0) return current;
    if (!(await command.store.activities.update(next, current.version))) throw staleVersion("activity", current.id, current.version);
    await command.record({ entityType: "activity", entityId: next.id, action: "update", version: next.version, changes, eventType, payload: next });
    return next;
  }

  async function page(query: Omit<ActivityQuery, "limit" | "after">, limit: number, cursor: string | undefined): Promise<ActivityPage> {
    const position = cursor === undefined ? undefined : decodeCursor(cursor);
    const after = position && { dueAt: position.occurredAt, id: position.id };
    const rows = await runQuery(scope, (store) => store.activities.list({ ...query, limit: limit + 1, ...(after ? { after } : {}) }));
    const items = rows.slice(0, limit);
    const last = items[items.length - 1];
    return rows.length > limit && last ? { items, nextCursor: encodeCursor({ occurredAt: last.dueAt, id: last.id }) } : { items };
  }

  return {
    async plan(input, options) {
      const parsed = parseOrThrow(schemas.create, input);
      return runCommand(scope, options, async (command) => {
        await checkTargets(command.store, parsed.relationId, parsed.dealId ?? null);
        const activity: Activity = {
          id: ctx.newId(),
          subject: parsed.subject,
          kind: parsed.kind ?? "task",
          relationId: parsed.relationId,
          dealId: parsed.dealId ?? null,
          ownerId: parsed.ownerId,
          dueAt: parsed.dueAt,
          timeZone: parsed.timeZone ?? null,
          reminderAt: parsed.reminderAt ?? null,
          notes: parsed.notes ?? null,
          status: "open",
          closedAt: null,
          interactionId: null,
          version: 1,
          createdAt: command.at,
          updatedAt: command.at,
        };
        await command.store.activities.insert(activity);
        const changes = diffFields(undefined, activity, FIELDS);
        await command.record({
          entityType: "activity",
          entityId: activity.id,
          action: "create",
          version: 1,
          changes,
          eventType: "activity.created",
          payload: activity,
        });
        return activity;
      });
    },

    async update(id, patch, options) {
      expectId(id);
      const expected = expectVersion(options?.expectedVersion);
      const parsed = parseOrThrow(schemas.patch, patch);
      return runCommand(scope, options, async (command) => {
        const current = await loadOpen(command.store, id, expected);
        const next: Activity = { ...current, version: current.version + 1, updatedAt: command.at };
        for (const field of ["subject", "ownerId", "dueAt", "reminderAt", "notes", "timeZone", "dealId"] as const) {
          if (parsed[field] !== undefined) (next as unknown as Record<string, unknown>)[field] = parsed[field];
        }
        if (next.reminderAt && next.reminderAt > next.dueAt) {
          throw validationError([{ path: ["reminderAt"], message: "The reminder must be at or before the due time", code: "custom" }]);
        }
        if (next.dealId !== current.dealId) await checkTargets(command.store, next.relationId, next.dealId);
        return write(command, current, next, "activity.updated");
      });
    },

    async complete(id, input, options) {
      expectId(id);
      const expected = expectVersion(options?.expectedVersion);
      const parsed = parseOrThrow(schemas.complete, input ?? {});
      // One unit of work: the contact moment and the closed activity commit together or not at all.
      return runUnit(scope, async (unit) => {
        const inner: TenantScope = { ...scope, unit };
        const current = await runQuery(inner, (store) => loadOpen(store, id, expected));
        const { interaction } = await interactionService(inner).log(
          {
            kind: current.kind,
            relationIds: [current.relationId],
            dealIds: current.dealId ? [current.dealId] : [],
            subject: current.subject,
            occurredAt: parsed.occurredAt ?? ctx.now(),
            ...(parsed.outcome !== undefined ? { outcome: parsed.outcome } : {}),
            ...(parsed.body !== undefined ? { body: parsed.body } : {}),
            ...(parsed.direction !== undefined ? { direction: parsed.direction } : {}),
          },
          options,
        );
        const activity = await runCommand(inner, options, async (command) => {
          const fresh = await loadOpen(command.store, id, expected);
          const next: Activity = {
            ...fresh,
            status: "done",
            closedAt: command.at,
            interactionId: interaction.id,
            version: fresh.version + 1,
            updatedAt: command.at,
          };
          return write(command, fresh, next, "activity.completed");
        });
        return { activity, interaction };
      });
    },

    async cancel(id, options) {
      expectId(id);
      const expected = expectVersion(options?.expectedVersion);
      return runCommand(scope, options, async (command) => {
        const current = await loadOpen(command.store, id, expected);
        return write(
          command,
          current,
          { ...current, status: "cancelled", closedAt: command.at, version: current.version + 1, updatedAt: command.at },
          "activity.cancelled",
        );
      });
    },

    async get(id) {
      expectId(id);
      return runQuery(scope, (store) => store.activities.get(id));
    },

    async list(given) {
      const options = optionsOf(given);
      const limit = pageLimit(options.limit);
      const statuses = parseOrThrow(statusesSchema, options.statuses ?? ["open"]);
      const ownerId = options.ownerId === undefined ? undefined : parseOrThrow(idSchema, options.ownerId);
      const relationId = options.relationId === undefined ? undefined : expectId(options.relationId, "relationId");
      return page({ statuses, ...(ownerId ? { ownerId } : {}), ...(relationId ? { relationId } : {}) }, limit, options.cursor);
    },

    async overdue(given) {
      const options = optionsOf(given);
      const limit = pageLimit(options.limit);
      const at = options.at === undefined ? ctx.now() : parseOrThrow(instantSchema, options.at);
      const ownerId = options.ownerId === undefined ? undefined : parseOrThrow(idSchema, options.ownerId);
      return page({ statuses: ["open"], dueBefore: at, ...(ownerId ? { ownerId } : {}) }, limit, options.cursor);
    },

    async withoutNextStep(given) {
      const options = optionsOf(given);
      const limit = pageLimit(options.limit);
      const ownerId = options.ownerId === undefined ? undefined : parseOrThrow(idSchema, options.ownerId);
      const after = options.cursor === undefined ? undefined : decodeIdCursor(options.cursor);
      const ids = await runQuery(scope, (store) => store.activities.relationsWithoutNextStep(ownerId, after, limit + 1));
      const relationIds = ids.slice(0, limit);
      return ids.length > limit ? { relationIds, nextCursor: encodeIdCursor(relationIds[relationIds.length - 1]!) } : { relationIds };
    },
  };
}
