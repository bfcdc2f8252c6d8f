import type { AttributeValues } from "../attributes/registry.js";
import * as z from "zod";
import { validateAttributes } from "../attributes/validate.js";
import { decodeCursor, encodeCursor } from "../cursor.js";
import { diffFields } from "../diff.js";
import { CrmError, staleVersion, validationError, type ValidationIssue } from "../errors.js";
import { expectId, expectVersion, optionsOf, parseOrThrow, zodIssues } from "../model/common.js";
import {
  DEAL_STATUSES,
  dealInputSchema,
  dealPatchSchema,
  lostReasonCodeSchema,
  stageMoveSchema,
  type Deal,
  type DealInput,
  type DealPatch,
  type DealStatus,
  type StageMove,
  type StageVisit,
} from "../model/deal.js";
import type { TenantStore } from "../storage.js";
import { runCommand, runQuery, type CommandOptions, type TenantScope } from "./command.js";
import { checkLostReason, checkParties, DEAL_FIELDS, enterable, firstStageOfKind, loadDeal, moveDeal, startStage } from "./deal-rules.js";
import type { TimelineOptions, TimelinePage } from "./interactions.js";
import type { VersionedOptions } from "./relations.js";

/** Options of {@link DealService.list}. */
export interface DealListOptions {
  readonly pipelineId?: string;
  readonly relationId?: string;
  readonly status?: DealStatus;
  /** Page size, 1–500. Default 50. */
  readonly limit?: number;
  /** The `nextCursor` of the previous page. */
  readonly cursor?: string;
}

/** A page of deals, newest first. */
export interface DealPage<A = AttributeValues> {
  readonly items: readonly Deal<A>[];
  /** Pass as `cursor` for the next page; absent on the last page. */
  readonly nextCursor?: string;
}

/** Deals of one tenant. */
export interface DealService<A = AttributeValues> {
  /** Creates a deal in a pipeline; it starts in `stageId` or the first active open stage, and its stage history begins. */
  create(input: DealInput<A>, options?: CommandOptions): Promise<Deal<A>>;
  /** Changes a deal's fields (not its stage); lists and `attributes` replace the stored value. */
  update(id: string, patch: DealPatch<A>, options: VersionedOptions): Promise<Deal<A>>;
  /**
   * Moves a deal into a stage (of its pipeline or another one): the stay in the old stage ends, a
   * stay in the new one begins. A won or lost stage closes the deal; an open stage reopens it.
   * Refused with INTEGRITY for a retired stage.
   */
  moveToStage(id: string, move: StageMove, options: VersionedOptions): Promise<Deal<A>>;
  /** Moves the deal into its pipeline's first active won stage; a deal already won is returned as is. */
  markWon(id: string, options: VersionedOptions): Promise<Deal<A>>;
  /** Moves the deal into its pipeline's first active lost stage, with a reason from the tenant's list. */
  markLost(id: string, lost: { reason?: string | null }, options: VersionedOptions): Promise<Deal<A>>;
  /** Soft-deletes a deal: it leaves lists and reports; its history stays. */
  delete(id: string, options: VersionedOptions): Promise<Deal<A>>;
  /** A deal by id; undefined when missing or deleted (unless `includeDeleted`). */
  get(id: string, options?: { includeDeleted?: boolean }): Promise<Deal<A> | undefined>;
  /** Deals, newest first, keyset-paginated. */
  list(options?: DealListOptions): Promise<DealPage<A>>;
  /** The deal's stays in stages, oldest first: when it entered and left each one. */
  stageHistory(id: string): Promise<StageVisit[]>;
  /** The contact moments linked to the deal, newest first, keyset-paginated. */
  timeline(id: string, options?: Pick<TimelineOptions, "limit" | "cursor">): Promise<TimelinePage>;
}

function limitOf(limit: number | undefined): number {
  const value = limit ?? 50;
  if (!Number.isInteger(value) || value < 1 || value > 500) {
    throw validationError([{ path: ["limit"], message: "Expected an integer from 1 to 500", code: "invalid_limit" }]);
  }
  return value;
}

/** Builds the deal service of a tenant. */
export function dealService(scope: TenantScope): DealService {
  const { ctx } = scope;

  /** Parses input and validates attributes in one pass, so one error names every problem. */
  function parse<S extends z.ZodType>(schema: S, input: unknown, attributesFallback: unknown): { data: z.output<S>; attributes: Deal["attributes"] } {
    const result = schema.safeParse(input);
    const issues: ValidationIssue[] = result.success ? [] : zodIssues(result.error);
    const raw = (input as { attributes?: unknown } | null)?.attributes;
    const attributes = validateAttributes(ctx.registry, "deal", raw === undefined ? attributesFallback : raw);
    issues.push(...attributes.issues);
    if (!result.success || issues.length > 0) throw validationError(issues);
    return { data: result.data, attributes: attributes.values };
  }

  async function pipelineOf(store: TenantStore, pipelineId: string) {
    const pipeline = await store.pipelines.get(pipelineId);
    if (!pipeline) throw new CrmError("INTEGRITY", `Pipeline ${pipelineId} does not exist`, { entity: "deal", id: pipelineId, reason: "missing_pipeline" });
    return pipeline;
  }

  return {
    async create(input, options) {
      const { data, attributes } = parse(dealInputSchema, input, undefined);
      return runCommand(scope, options, async (command) => {
        const pipeline = await pipelineOf(command.store, data.pipelineId);
        const stage = startStage(pipeline, data.stageId);
        await checkParties(command.store, data.relationId, data.contactIds);
        await checkLostReason(command.store, stage.kind, data.lostReason);
        const deal: Deal = {
          id: ctx.newId(),
          title: data.title,
          relationId: data.relationId,
          contactIds: [...new Set(data.contactIds)],
          ownerId: data.ownerId ?? null,
          pipelineId: pipeline.id,
          stageId: stage.id,
          status: stage.kind,
          amount: data.amount,
          currency: data.currency,
          expectedCloseDate: data.expectedCloseDate ?? null,
          source: data.source ?? null,
          lostReason: data.lostReason ?? null,
          closedAt: stage.kind === "open" ? null : command.at,
          attributes,
          attributesVersion: ctx.registry.version,
          version: 1,
          createdAt: command.at,
          updatedAt: command.at,
          deletedAt: null,
        };
        await command.store.deals.insert(deal);
        await command.store.deals.openVisit({
          id: ctx.newId(),
          dealId: deal.id,
          pipelineId: pipeline.id,
          stageId: stage.id,
          enteredAt: command.at,
          leftAt: null,
        });
        await command.record({
          entityType: "deal",
          entityId: deal.id,
          action: "create",
          version: 1,
          changes: diffFields(undefined, deal, DEAL_FIELDS),
          eventType: "deal.created",
          payload: deal,
        });
        return deal;
      });
    },

    async update(id, patch, options) {
      expectId(id);
      const expected = expectVersion(options?.expectedVersion);
      return runCommand(scope, options, async (command) => {
        const current = await loadDeal(command.store, id, expected);
        const { data, attributes } = parse(dealPatchSchema, patch, current.attributes);
        const or = <K extends keyof typeof data & keyof Deal>(key: K) => (data[key] !== undefined ? data[key] : current[key]) as Deal[K];
        const next: Deal = {
          ...current,
          title: or("title"),
          relationId: or("relationId"),
          contactIds: data.contactIds ? [...new Set(data.contactIds)] : current.contactIds,
          ownerId: or("ownerId"),
          amount: or("amount"),
          currency: or("currency"),
          expectedCloseDate: or("expectedCloseDate"),
          source: or("source"),
          lostReason: or("lostReason"),
          attributes,
          attributesVersion: ctx.registry.version,
          version: current.version + 1,
          updatedAt: command.at,
        };
        if (data.relationId !== undefined || data.contactIds !== undefined) await checkParties(command.store, next.relationId, next.contactIds);
        if (data.lostReason !== undefined && data.lostReason !== current.lostReason) await checkLostReason(command.store, current.status, data.lostReason);
        const changes = diffFields(current, next, DEAL_FIELDS);
        if (Object.keys(changes).length === 0) return current;
        if (!(await command.store.deals.update(next, current.version))) throw staleVersion("deal", id, current.version);
        await command.record({ entityType: "deal", entityId: id, action: "update", version: next.version, changes, eventType: "deal.updated", payload: next });
        return next;
      });
    },

    async moveToStage(id, move, options) {
      expectId(id);
      const expected = expectVersion(options?.expectedVersion);
      const parsed = parseOrThrow(stageMoveSchema, move);
      return runCommand(scope, options, async (command) => {
        const current = await loadDeal(command.store, id, expected);
        const stage = enterable(await command.store.pipelines.getStage(parsed.stageId), parsed.stageId);
        return moveDeal(command, current, stage, parsed.lostReason, ctx.newId);
      });
    },

    async markWon(id, options) {
      expectId(id);
      const expected = expectVersion(options?.expectedVersion);
      return runCommand(scope, options, async (command) => {
        const current = await loadDeal(command.store, id, expected);
        if (current.status === "won") return current;
        return moveDeal(command, current, firstStageOfKind(await pipelineOf(command.store, current.pipelineId), "won"), undefined, ctx.newId);
      });
    },

    async markLost(id, lost, options) {
      expectId(id);
      const expected = expectVersion(options?.expectedVersion);
      const { reason } = parseOrThrow(z.object({ reason: lostReasonCodeSchema.nullable().optional() }).strict(), lost ?? {});
      return runCommand(scope, options, async (command) => {
        const current = await loadDeal(command.store, id, expected);
        const stage =
          current.status === "lost"
            ? enterable(await command.store.pipelines.getStage(current.stageId), current.stageId)
            : firstStageOfKind(await pipelineOf(command.store, current.pipelineId), "lost");
        return moveDeal(command, current, stage, reason, ctx.newId);
      });
    },

    async delete(id, options) {
      expectId(id);
      const expected = expectVersion(options?.expectedVersion);
      return runCommand(scope, options, async (command) => {
        const current = await loadDeal(command.store, id, expected);
        const next: Deal = { ...current, deletedAt: command.at, updatedAt: command.at, version: current.version + 1 };
        if (!(await command.store.deals.update(next, current.version))) throw staleVersion("deal", id, current.version);
        await command.record({
          entityType: "deal",
          entityId: id,
          action: "delete",
          version: next.version,
          changes: diffFields(current, next, DEAL_FIELDS),
          eventType: "deal.deleted",
          payload: next,
        });
        return next;
      });
    },

    async get(id, options) {
      expectId(id);
      const deal = await runQuery(scope, (store) => store.deals.get(id));
      return deal && (options?.includeDeleted || !deal.deletedAt) ? deal : undefined;
    },

    async list(input) {
      const options = optionsOf(input);
      const limit = limitOf(options.limit);
      if (options.status !== undefined && !DEAL_STATUSES.includes(options.status)) {
        throw validationError([{ path: ["status"], message: `Expected one of ${DEAL_STATUSES.join(", ")}`, code: "invalid_value" }]);
      }
      if (options.pipelineId) expectId(options.pipelineId, "pipelineId");
      if (options.relationId) expectId(options.relationId, "relationId");
      const after = options.cursor === undefined ? undefined : decodeCursor(options.cursor);
      const rows = await runQuery(scope, (store) =>
        store.deals.list({
          limit: limit + 1,
          ...(options.pipelineId ? { pipelineId: options.pipelineId } : {}),
          ...(options.relationId ? { relationId: options.relationId } : {}),
          ...(options.status ? { status: options.status } : {}),
          ...(after ? { after: { createdAt: after.occurredAt, id: after.id } } : {}),
        }),
      );
      const items = rows.slice(0, limit);
      const last = items[items.length - 1];
      return rows.length > limit && last ? { items, nextCursor: encodeCursor({ occurredAt: last.createdAt, id: last.id }) } : { items };
    },

    async stageHistory(id) {
      expectId(id);
      return runQuery(scope, (store) => store.deals.visits(id));
    },

    async timeline(id, options = {}) {
      expectId(id);
      const limit = limitOf(options.limit);
      const after = options.cursor === undefined ? undefined : decodeCursor(options.cursor);
      return runQuery(scope, async (store) => {
        const rows = await store.interactions.dealTimeline({ dealId: id, limit: limit + 1, ...(after ? { after } : {}) });
        const items = rows.slice(0, limit).map((r) => ({ ...r, dealIds: r.dealIds ?? [] }));
        const last = items[items.length - 1];
        return rows.length > limit && last ? { items, nextCursor: encodeCursor({ occurredAt: last.occurredAt, id: last.id }) } : { items };
      });
    },
  };
}
