import type { AttributeValues } from "../attributes/registry.js";
import type { CrmEventType } from "../model/events.js";
import { diffFields } from "../diff.js";
import { CrmError, staleVersion, validationError, type ValidationIssue } from "../errors.js";
import type { Filter } from "../filter/schema.js";
import { validateFilter } from "../filter/validate.js";
import { expectId, expectVersion, parseOrThrow } from "../model/common.js";
import type { Relation } from "../model/relation.js";
import {
  relationIdsSchema,
  segmentInputSchema,
  segmentPatchSchema,
  type MemberPage,
  type PageOptions,
  type Segment,
  type SegmentInput,
  type SegmentPatch,
} from "../model/segment.js";
import type { TenantStore } from "../storage.js";
import { audienceOf, checkFilter, evaluationTime, idPage, liveSegment, pageOf, relationsInOrder, resolveIn } from "./audience.js";
import { runCommand, runQuery, type CommandOptions, type CommandScope, type TenantScope } from "./command.js";
import type { VersionedOptions } from "./relations.js";

/** When a filter or segment is evaluated; relative times and "current" links are measured from it. */
export interface EvaluationOptions {
  /** Default: the CRM's clock. */
  readonly now?: Date | string;
}

/** Segments and ad-hoc filters of one tenant. */
export interface SegmentService<A = AttributeValues> {
  /** Checks a filter against the language and the data model; returns every issue (empty when valid). */
  validate(filter: unknown): ValidationIssue[];
  /** How many relations match a filter (one COUNT query; nothing is materialised). */
  count(filter: Filter, options?: EvaluationOptions): Promise<number>;
  /** One page of the relations matching a filter, in id order. */
  query(filter: Filter, options?: PageOptions & EvaluationOptions): Promise<MemberPage<Relation<A>>>;
  /** One page of the ids of the relations matching a filter, in id order, without loading them. */
  queryIds(filter: Filter, options?: PageOptions & EvaluationOptions): Promise<MemberPage<string>>;
  /** Creates a dynamic segment (a filter) or a static one (a member list). */
  create(input: SegmentInput, options?: CommandOptions): Promise<Segment>;
  /** Renames a segment or changes a dynamic segment's filter. */
  update(id: string, patch: SegmentPatch, options: VersionedOptions): Promise<Segment>;
  /** Soft-deletes a segment: it can no longer be used in filters or new campaigns. */
  delete(id: string, options: VersionedOptions): Promise<Segment>;
  /** A segment by id; undefined when missing or deleted. */
  get(id: string): Promise<Segment | undefined>;
  /** Every non-deleted segment, by name. */
  list(): Promise<Segment[]>;
  /** Adds relations to a static segment (bulk; ids already on it are skipped). */
  addMembers(id: string, relationIds: readonly string[], options: VersionedOptions): Promise<Segment>;
  /** Removes relations from a static segment. */
  removeMembers(id: string, relationIds: readonly string[], options: VersionedOptions): Promise<Segment>;
  /** Freezes a dynamic segment's current members as a new snapshot segment (one insert … select). */
  snapshot(id: string, options?: CommandOptions & { readonly name?: string }): Promise<Segment>;
  /** The number of a segment's current members (one COUNT query). */
  countMembers(id: string, options?: EvaluationOptions): Promise<number>;
  /** One page of a segment's members, in id order. */
  members(id: string, options?: PageOptions & EvaluationOptions): Promise<MemberPage<Relation<A>>>;
  /** One page of a segment's member ids, in id order, without loading the relations. */
  memberIds(id: string, options?: PageOptions & EvaluationOptions): Promise<MemberPage<string>>;
}

const SEGMENT_FIELDS = ["name", "description", "kind", "filter", "sourceSegmentId", "takenAt", "deletedAt"] as const satisfies readonly (keyof Segment)[];

/** Builds the segment service of a tenant. */
export function segmentService(scope: TenantScope): SegmentService {
  const { ctx } = scope;

  async function write(
    command: CommandScope,
    current: Segment,
    next: Segment,
    eventType: CrmEventType,
    extra: Record<string, { from: unknown; to: unknown }> = {},
  ): Promise<Segment> {
    const changes = { ...diffFields(current, next, SEGMENT_FIELDS), ...extra };
    if (Object.keys(changes).length === 0) return current;
    if (!(await command.store.segments.update(next, current.version))) throw staleVersion("segment", current.id, current.version);
    await command.record({
      entityType: "segment",
      entityId: next.id,
      action: next.deletedAt && !current.deletedAt ? "delete" : "update",
      version: next.version,
      changes,
      eventType,
      payload: next,
    });
    return next;
  }

  async function loadForWrite(store: TenantStore, id: string, expected: number): Promise<Segment> {
    const current = await liveSegment(store, expectId(id));
    if (current.version !== expected) throw staleVersion("segment", id, expected, current.version);
    return current;
  }

  async function liveIds(store: TenantStore, ids: readonly string[]): Promise<void> {
    const live = await store.bulk.liveRelationIds(ids);
    const issues = ids.flatMap((rid, i) =>
      live.has(rid) ? [] : [{ path: ["relationIds", i], message: `Relation ${rid} does not exist`, code: "unknown_relation" }],
    );
    if (issues.length > 0) throw validationError(issues);
  }

  function staticOnly(segment: Segment): void {
    if (segment.kind !== "static")
      throw new CrmError("INVALID_STATE", `Segment ${segment.id} is ${segment.kind}; only static segments have editable members`, {
        entity: "segment",
        id: segment.id,
        state: segment.kind,
        reason: "not_static",
      });
  }

  async function changeMembers(id: string, relationIds: readonly string[], options: VersionedOptions, add: boolean): Promise<Segment> {
    const ids = parseOrThrow(relationIdsSchema, relationIds);
    const expected = expectVersion(options?.expectedVersion);
    return runCommand(scope, options, async (command) => {
      const current = await loadForWrite(command.store, id, expected);
      staticOnly(current);
      if (add) await liveIds(command.store, ids);
      const n = add ? await command.store.segments.addMembers(id, ids, command.at) : await command.store.segments.removeMembers(id, ids);
      if (n === 0) return current;
      const next = { ...current, version: current.version + 1, updatedAt: command.at };
      return write(command, current, next, add ? "segment.members_added" : "segment.members_removed", {
        [add ? "membersAdded" : "membersRemoved"]: { from: null, to: n },
      });
    });
  }

  /** One page of ids of a segment's audience or of a filter, inside an open query. */
  async function pageIn(store: TenantStore, of: string | Filter, options: (PageOptions & EvaluationOptions) | undefined) {
    const paging = idPage(options);
    const now = evaluationTime(ctx, options?.now);
    const audience = typeof of === "string" ? await audienceOf(ctx, store, await liveSegment(store, expectId(of)), now) : await resolveIn(ctx, store, of, now);
    const ids = await store.segments.matchIds(audience, paging);
    return { ids, limit: paging.limit };
  }

  async function relationPage(of: string | Filter, options: (PageOptions & EvaluationOptions) | undefined): Promise<MemberPage<Relation>> {
    return runQuery(scope, async (store) => {
      const { ids, limit } = await pageIn(store, of, options);
      return pageOf(await relationsInOrder(store, ids), ids, limit);
    });
  }

  return {
    validate: (filter) => validateFilter(filter, { registry: ctx.registry, interactionKinds: ctx.interactionKinds }).issues,

    async count(filter, options) {
      const checked = checkFilter(ctx, filter);
      const now = evaluationTime(ctx, options?.now);
      return runQuery(scope, async (store) => store.segments.count(await resolveIn(ctx, store, checked, now)));
    },

    query: async (filter, options) => relationPage(checkFilter(ctx, filter), options),

    async queryIds(filter, options) {
      const checked = checkFilter(ctx, filter);
      const { ids, limit } = await runQuery(scope, (store) => pageIn(store, checked, options));
      return pageOf(ids, ids, limit);
    },

    async create(input, options) {
      const parsed = parseOrThrow(segmentInputSchema, input);
      const filter = parsed.kind === "dynamic" ? checkFilter(ctx, parsed.filter, ["filter"]) : null;
      return runCommand(scope, options, async (command) => {
        const id = ctx.newId();
        if (filter) await resolveIn(ctx, command.store, filter, command.at, ["filter"], id);
        const segment: Segment = {
          id,
          name: parsed.name,
          description: parsed.description ?? null,
          kind: parsed.kind,
          filter,
          sourceSegmentId: null,
          takenAt: null,
          version: 1,
          createdAt: command.at,
          updatedAt: command.at,
          deletedAt: null,
        };
        const members = parsed.kind === "static" ? [...new Set(parsed.relationIds ?? [])] : [];
        if (members.length > 0) await liveIds(command.store, members);
        await command.store.segments.insert(segment);
        if (members.length > 0) await command.store.segments.addMembers(id, members, command.at);
        const changes = { ...diffFields(undefined, segment, SEGMENT_FIELDS), ...(members.length ? { membersAdded: { from: null, to: members.length } } : {}) };
        await command.record({ entityType: "segment", entityId: id, action: "create", version: 1, changes, eventType: "segment.created", payload: segment });
        return segment;
      });
    },

    async update(id, patch, options) {
      const parsed = parseOrThrow(segmentPatchSchema, patch);
      const expected = expectVersion(options?.expectedVersion);
      const filter = parsed.filter === undefined ? undefined : checkFilter(ctx, parsed.filter, ["filter"]);
      return runCommand(scope, options, async (command) => {
        const current = await loadForWrite(command.store, id, expected);
        if (filter !== undefined) {
          if (current.kind !== "dynamic")
            throw validationError([{ path: ["filter"], message: `A ${current.kind} segment has no filter to change`, code: "not_dynamic" }]);
          await resolveIn(ctx, command.store, filter, command.at, ["filter"], current.id);
        }
        const next: Segment = {
          ...current,
          name: parsed.name ?? current.name,
          description: parsed.description === undefined ? current.description : parsed.description,
          filter: filter ?? current.filter,
          version: current.version + 1,
          updatedAt: command.at,
        };
        return write(command, current, next, "segment.updated");
      });
    },

    async delete(id, options) {
      const expected = expectVersion(options?.expectedVersion);
      return runCommand(scope, options, async (command) => {
        const current = await loadForWrite(command.store, id, expected);
        return write(command, current, { ...current, deletedAt: command.at, updatedAt: command.at, version: current.version + 1 }, "segment.deleted");
      });
    },

    async get(id) {
      const segment = await runQuery(scope, (store) => store.segments.get(expectId(id)));
      return segment && !segment.deletedAt ? segment : undefined;
    },

    list: () => runQuery(scope, (store) => store.segments.list()),
    addMembers: (id, relationIds, options) => changeMembers(id, relationIds, options, true),
    removeMembers: (id, relationIds, options) => changeMembers(id, relationIds, options, false),

    async snapshot(id, options) {
      return runCommand(scope, options, async (command) => {
        const source = await liveSegment(command.store, expectId(id));
        if (source.kind !== "dynamic")
          throw new CrmError("INVALID_STATE", `Only a dynamic segment can be snapshot; ${id} is ${source.kind}`, {
            entity: "segment",
            id,
            state: source.kind,
            reason: "not_dynamic",
          });
        const audience = await audienceOf(ctx, command.store, source, command.at);
        const name = parseOrThrow(segmentPatchSchema.shape.name, options?.name ?? `${source.name} @ ${command.at.slice(0, 16).replace("T", " ")}`)!;
        const snapshot: Segment = {
          id: ctx.newId(),
          name,
          description: source.description,
          kind: "snapshot",
          filter: source.filter,
          sourceSegmentId: source.id,
          takenAt: command.at,
          version: 1,
          createdAt: command.at,
          updatedAt: command.at,
          deletedAt: null,
        };
        await command.store.segments.insert(snapshot);
        const members = await command.store.segments.snapshotMembers(snapshot.id, audience, command.at);
        const changes = { ...diffFields(undefined, snapshot, SEGMENT_FIELDS), membersAdded: { from: null, to: members } };
        await command.record({
          entityType: "segment",
          entityId: snapshot.id,
          action: "create",
          version: 1,
          changes,
          eventType: "segment.snapshot_taken",
          payload: { ...snapshot, members },
        });
        return snapshot;
      });
    },

    async countMembers(id, options) {
      const now = evaluationTime(ctx, options?.now);
      return runQuery(scope, async (store) => store.segments.count(await audienceOf(ctx, store, await liveSegment(store, expectId(id)), now)));
    },

    members: (id, options) => relationPage(id, options),

    async memberIds(id, options) {
      const { ids, limit } = await runQuery(scope, (store) => pageIn(store, id, options));
      return pageOf(ids, ids, limit);
    },
  };
}
