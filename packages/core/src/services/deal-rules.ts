import { CrmError, type CrmErrorReason, notFound, staleVersion, validationError } from "../errors.js";
import type { Deal } from "../model/deal.js";
import type { Pipeline, Stage } from "../model/pipeline.js";
import type { TenantStore } from "../storage.js";
import type { CommandScope } from "./command.js";
import { assertUsableLostReason } from "./lost-reasons.js";

/** The fields that make up a deal's state; history diffs are taken over these. */
export const DEAL_FIELDS = [
  "title",
  "relationId",
  "contactIds",
  "ownerId",
  "pipelineId",
  "stageId",
  "status",
  "amount",
  "currency",
  "expectedCloseDate",
  "source",
  "lostReason",
  "closedAt",
  "attributes",
  "deletedAt",
] as const satisfies readonly (keyof Deal)[];

function integrity(message: string, reason: CrmErrorReason<"INTEGRITY">, id?: string): CrmError {
  return new CrmError("INTEGRITY", message, { entity: "deal", reason, ...(id ? { id } : {}) });
}

/** The customer must be a live organisation or person; contacts must be live persons. */
export async function checkParties(store: TenantStore, relationId: string, contactIds: readonly string[]): Promise<void> {
  const found = new Map((await store.relations.getMany([relationId, ...contactIds])).map((r) => [r.id, r]));
  const customer = found.get(relationId);
  if (!customer || customer.deletedAt) throw integrity(`A deal needs relation ${relationId}, which does not exist`, "missing_relation", relationId);
  if (customer.kind === "household")
    throw integrity(`A deal's customer is an organisation or a person, not a household (${relationId})`, "wrong_kind", relationId);
  for (const id of contactIds) {
    const contact = found.get(id);
    if (!contact || contact.deletedAt) throw integrity(`Contact ${id} does not exist`, "missing_relation", id);
    if (contact.kind !== "person") throw integrity(`A contact is a person, but ${id} is a ${contact.kind}`, "wrong_kind", id);
  }
}

/** A stage a deal may enter: it exists and is not retired. */
export function enterable(stage: Stage | undefined, stageId: string): Stage {
  if (!stage) throw integrity(`Stage ${stageId} does not exist`, "missing_stage", stageId);
  if (stage.retiredAt) throw integrity(`Stage ${stage.name} is retired; deals cannot move into it`, "retired_stage", stageId);
  return stage;
}

/** The stage a new deal starts in: the one asked for (in this pipeline), or the first active open stage. */
export function startStage(pipeline: Pipeline, stageId: string | undefined): Stage {
  if (stageId === undefined)
    return enterable(
      pipeline.stages.find((s) => s.kind === "open" && !s.retiredAt),
      "(first open stage)",
    );
  const stage = pipeline.stages.find((s) => s.id === stageId);
  if (!stage) throw integrity(`Stage ${stageId} is not a stage of pipeline ${pipeline.name}`, "stage_not_in_pipeline", stageId);
  return enterable(stage, stageId);
}

/** The first active stage of a kind, for `markWon` and `markLost`. */
export function firstStageOfKind(pipeline: Pipeline, kind: Stage["kind"]): Stage {
  const stage = pipeline.stages.find((s) => s.kind === kind && !s.retiredAt);
  if (!stage) throw integrity(`Pipeline ${pipeline.name} has no active ${kind} stage`, "missing_stage");
  return stage;
}

/** A lost reason is only for a lost deal, and must be on the tenant's list. */
export async function checkLostReason(store: TenantStore, status: Deal["status"], reason: string | null | undefined): Promise<void> {
  if (reason === null || reason === undefined) return;
  if (status !== "lost") {
    throw validationError([{ path: ["lostReason"], message: `Only a lost deal has a lost reason; this deal is ${status}`, code: "not_applicable" }]);
  }
  await assertUsableLostReason(store, reason);
}

/** Loads a live deal for a versioned write. */
export async function loadDeal(store: TenantStore, id: string, expected: number): Promise<Deal> {
  const current = await store.deals.get(id);
  if (!current || current.deletedAt) throw notFound("deal", id);
  if (current.version !== expected) throw staleVersion("deal", id, expected, current.version);
  return current;
}

/**
 * Moves a deal into `stage`: closes its current stay, opens one in the new stage, sets status,
 * close time and lost reason, and records one history entry and one event. Entering the stage the
 * deal is already in changes nothing (unless the lost reason differs).
 */
export async function moveDeal(command: CommandScope, deal: Deal, stage: Stage, lostReason: string | null | undefined, newId: () => string): Promise<Deal> {
  const sameStage = stage.id === deal.stageId;
  const reason = stage.kind === "lost" ? (lostReason !== undefined ? lostReason : sameStage || deal.status === "lost" ? deal.lostReason : null) : null;
  await checkLostReason(command.store, stage.kind, lostReason);
  if (sameStage && reason === deal.lostReason) return deal;
  const next: Deal = {
    ...deal,
    pipelineId: stage.pipelineId,
    stageId: stage.id,
    status: stage.kind,
    lostReason: reason,
    closedAt: stage.kind === "open" ? null : deal.status === stage.kind ? deal.closedAt : command.at,
    version: deal.version + 1,
    updatedAt: command.at,
  };
  if (!sameStage) {
    await command.store.deals.closeVisit(deal.id, command.at);
    await command.store.deals.openVisit({ id: newId(), dealId: deal.id, pipelineId: stage.pipelineId, stageId: stage.id, enteredAt: command.at, leftAt: null });
  }
  if (!(await command.store.deals.update(next, deal.version))) throw staleVersion("deal", deal.id, deal.version);
  const changes: Record<string, { from: unknown; to: unknown }> = {};
  for (const field of ["pipelineId", "stageId", "status", "lostReason", "closedAt"] as const) {
    if (deal[field] !== next[field]) changes[field] = { from: deal[field], to: next[field] };
  }
  const eventType =
    next.status === deal.status ? "deal.stage_changed" : next.status === "won" ? "deal.won" : next.status === "lost" ? "deal.lost" : "deal.reopened";
  await command.record({ entityType: "deal", entityId: deal.id, action: "update", version: next.version, changes, eventType, payload: next });
  return next;
}
