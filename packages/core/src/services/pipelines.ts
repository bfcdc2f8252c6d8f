import type { CrmEventType } from "../model/events.js";
import { diffFields } from "../diff.js";
import { CrmError, notFound, staleVersion, validationError } from "../errors.js";
import { expectId, expectVersion, parseOrThrow } from "../model/common.js";
import {
  missingKinds,
  pipelineInputSchema,
  pipelinePatchSchema,
  stageInputSchema,
  stagePatchSchema,
  type Pipeline,
  type PipelineInput,
  type PipelinePatch,
  type Stage,
  type StageInput,
  type StagePatch,
} from "../model/pipeline.js";
import type { TenantStore } from "../storage.js";
import { runCommand, runQuery, type CommandOptions, type CommandScope, type TenantScope } from "./command.js";
import type { VersionedOptions } from "./relations.js";

/** Sales pipelines of one tenant. Every stage change is a versioned change of the pipeline as a whole. */
export interface PipelineService {
  /** Creates a pipeline with its stages in order; it needs at least one open, one won and one lost stage. */
  create(input: PipelineInput, options?: CommandOptions): Promise<Pipeline>;
  /** Renames a pipeline. */
  update(id: string, patch: PipelinePatch, options: VersionedOptions): Promise<Pipeline>;
  /**
   * Adds a stage at `position` (0-based). By default an open stage goes before the first won or lost
   * stage, and a won or lost stage goes last.
   */
  addStage(pipelineId: string, input: StageInput & { position?: number }, options: VersionedOptions): Promise<Pipeline>;
  /** Renames a stage or changes an open stage's probability (reports use the current probability). */
  updateStage(pipelineId: string, stageId: string, patch: StagePatch, options: VersionedOptions): Promise<Pipeline>;
  /** Puts the stages in this order; `stageIds` lists every stage of the pipeline, retired ones included. */
  reorderStages(pipelineId: string, stageIds: readonly string[], options: VersionedOptions): Promise<Pipeline>;
  /**
   * Retires a stage: deals can no longer move into it; deals in it and its history stay. The last
   * active stage of a kind cannot be retired.
   */
  retireStage(pipelineId: string, stageId: string, options: VersionedOptions): Promise<Pipeline>;
  /** A pipeline by id. */
  get(id: string): Promise<Pipeline | undefined>;
  /** Every pipeline, oldest first. */
  list(): Promise<Pipeline[]>;
}

/** What history records of a pipeline: its name and its stages without bookkeeping fields. */
function summary(p: Pipeline) {
  return {
    name: p.name,
    stages: p.stages.map((s) => ({ id: s.id, name: s.name, position: s.position, probability: s.probability, kind: s.kind, retiredAt: s.retiredAt })),
  };
}

function stageIssue(path: string, message: string, code: string): CrmError {
  return validationError([{ path: [path], message, code }]);
}

/** Builds the pipeline service of a tenant. */
export function pipelineService(scope: TenantScope): PipelineService {
  const { ctx } = scope;

  async function load(store: TenantStore, id: string, expected: number): Promise<Pipeline> {
    const current = await store.pipelines.get(id);
    if (!current) throw notFound("pipeline", id);
    if (current.version !== expected) throw staleVersion("pipeline", id, expected, current.version);
    return current;
  }

  function stageOf(pipeline: Pipeline, stageId: string): Stage {
    const stage = pipeline.stages.find((s) => s.id === stageId);
    if (!stage) throw new CrmError("NOT_FOUND", `stage ${stageId} not found in pipeline ${pipeline.id}`, { entity: "stage", id: stageId });
    return stage;
  }

  /**
   * Writes the pipeline with `stages` in their new order: positions are renumbered from 0, and each
   * stage that changed gets a new version. Nothing is written when nothing changed.
   */
  async function write(command: CommandScope, current: Pipeline, name: string, stages: readonly Stage[], eventType: CrmEventType): Promise<Pipeline> {
    const before = new Map(current.stages.map((s) => [s.id, s]));
    const renumbered = stages.map((stage, position) => {
      const next = { ...stage, position };
      const old = before.get(stage.id);
      if (!old) return next;
      const changed = old.name !== next.name || old.position !== next.position || old.probability !== next.probability || old.retiredAt !== next.retiredAt;
      return changed ? { ...next, version: old.version + 1, updatedAt: command.at } : old;
    });
    const next: Pipeline = { ...current, name, stages: renumbered, version: current.version + 1, updatedAt: command.at };
    const changes = diffFields(summary(current), summary(next), ["name", "stages"]);
    if (Object.keys(changes).length === 0) return current;
    if (!(await command.store.pipelines.update(next, current.version))) throw staleVersion("pipeline", current.id, current.version);
    await command.record({ entityType: "pipeline", entityId: current.id, action: "update", version: next.version, changes, eventType, payload: next });
    return next;
  }

  /** Runs a versioned change of a pipeline's stages. */
  function change(pipelineId: string, options: VersionedOptions, fn: (command: CommandScope, current: Pipeline) => Promise<Pipeline>): Promise<Pipeline> {
    expectId(pipelineId, "pipelineId");
    const expected = expectVersion(options?.expectedVersion);
    return runCommand(scope, options, async (command) => fn(command, await load(command.store, pipelineId, expected)));
  }

  return {
    async create(input, options) {
      const parsed = parseOrThrow(pipelineInputSchema, input);
      return runCommand(scope, options, async (command) => {
        const id = ctx.newId();
        const pipeline: Pipeline = {
          id,
          name: parsed.name,
          stages: parsed.stages.map((s, position) => ({
            id: ctx.newId(),
            pipelineId: id,
            name: s.name,
            position,
            probability: s.probability,
            kind: s.kind,
            retiredAt: null,
            version: 1,
            createdAt: command.at,
            updatedAt: command.at,
          })),
          version: 1,
          createdAt: command.at,
          updatedAt: command.at,
        };
        await command.store.pipelines.insert(pipeline);
        await command.record({
          entityType: "pipeline",
          entityId: id,
          action: "create",
          version: 1,
          changes: diffFields(undefined, summary(pipeline), ["name", "stages"]),
          eventType: "pipeline.created",
          payload: pipeline,
        });
        return pipeline;
      });
    },

    update(id, patch, options) {
      const parsed = parseOrThrow(pipelinePatchSchema, patch);
      return change(id, options, (command, current) => write(command, current, parsed.name ?? current.name, current.stages, "pipeline.updated"));
    },

    addStage(pipelineId, input, options) {
      const { position, ...rest } = (input ?? {}) as StageInput & { position?: unknown };
      const parsed = parseOrThrow(stageInputSchema, rest);
      return change(pipelineId, options, (command, current) => {
        const count = current.stages.length;
        if (position !== undefined && (typeof position !== "number" || !Number.isInteger(position) || position < 0 || position > count)) {
          throw stageIssue("position", `Expected an integer from 0 to ${count}`, "invalid_position");
        }
        const firstClosed = current.stages.findIndex((s) => s.kind !== "open");
        const at = (position as number | undefined) ?? (parsed.kind === "open" && firstClosed >= 0 ? firstClosed : count);
        const stage: Stage = {
          id: ctx.newId(),
          pipelineId,
          name: parsed.name,
          position: at,
          probability: parsed.probability,
          kind: parsed.kind,
          retiredAt: null,
          version: 1,
          createdAt: command.at,
          updatedAt: command.at,
        };
        return write(command, current, current.name, [...current.stages.slice(0, at), stage, ...current.stages.slice(at)], "pipeline.stage_added");
      });
    },

    updateStage(pipelineId, stageId, patch, options) {
      expectId(stageId, "stageId");
      const parsed = parseOrThrow(stagePatchSchema, patch);
      return change(pipelineId, options, (command, current) => {
        const stage = stageOf(current, stageId);
        if (parsed.probability !== undefined && stage.kind !== "open" && parsed.probability !== stage.probability) {
          throw stageIssue("probability", `A ${stage.kind} stage has probability ${stage.probability}`, "invalid_probability");
        }
        const next = { ...stage, name: parsed.name ?? stage.name, probability: parsed.probability ?? stage.probability };
        return write(
          command,
          current,
          current.name,
          current.stages.map((s) => (s.id === stageId ? next : s)),
          "pipeline.stage_updated",
        );
      });
    },

    reorderStages(pipelineId, stageIds, options) {
      if (!Array.isArray(stageIds) || stageIds.some((s) => typeof s !== "string"))
        throw stageIssue("stageIds", "Expected an array of stage ids", "invalid_type");
      return change(pipelineId, options, (command, current) => {
        const byId = new Map(current.stages.map((s) => [s.id, s]));
        const unique = new Set(stageIds);
        if (unique.size !== stageIds.length || stageIds.length !== current.stages.length || stageIds.some((s) => !byId.has(s))) {
          throw stageIssue(
            "stageIds",
            `List every stage of the pipeline exactly once (${current.stages.length} stages, retired ones included)`,
            "invalid_order",
          );
        }
        return write(
          command,
          current,
          current.name,
          stageIds.map((s) => byId.get(s)!),
          "pipeline.stages_reordered",
        );
      });
    },

    retireStage(pipelineId, stageId, options) {
      expectId(stageId, "stageId");
      return change(pipelineId, options, (command, current) => {
        const stage = stageOf(current, stageId);
        if (stage.retiredAt) return Promise.resolve(current);
        const stages = current.stages.map((s) => (s.id === stageId ? { ...s, retiredAt: command.at } : s));
        const missing = missingKinds(stages);
        if (missing.length > 0) {
          throw new CrmError("INTEGRITY", `Stage ${stage.name} is the last active ${stage.kind} stage of the pipeline; add another before retiring it`, {
            entity: "stage",
            id: stageId,
            reason: "last_stage_of_kind",
          });
        }
        return write(command, current, current.name, stages, "pipeline.stage_retired");
      });
    },

    async get(id) {
      expectId(id);
      return runQuery(scope, (store) => store.pipelines.get(id));
    },

    list: () => runQuery(scope, (store) => store.pipelines.list()),
  };
}
