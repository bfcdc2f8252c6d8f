import * as z from "zod";
import { textSchema, type Instant } from "./common.js";

/**
 * What a stage means for a deal in it: still `open`, or closed as `won` or `lost`. Entering a won or
 * lost stage closes the deal (sets its close time); entering an open stage reopens it.
 */
export const STAGE_KINDS = ["open", "won", "lost"] as const;
/** The kind of a {@link Stage}. */
export type StageKind = (typeof STAGE_KINDS)[number];

/** One step of a pipeline. Stages are never deleted: a retired stage keeps its history. */
export interface Stage {
  readonly id: string;
  readonly pipelineId: string;
  readonly name: string;
  /** Order in the pipeline, 0-based; the funnel follows it. */
  readonly position: number;
  /** Win probability in percent (0–100): 100 for won stages, 0 for lost stages. Weighs the forecast. */
  readonly probability: number;
  readonly kind: StageKind;
  /** Set when retired: deals can no longer move in; deals already there and their history stay. */
  readonly retiredAt: Instant | null;
  /** Grows by one with every change of this stage. */
  readonly version: number;
  readonly createdAt: Instant;
  readonly updatedAt: Instant;
}

/** A sales pipeline with its stages, ordered by position. */
export interface Pipeline {
  readonly id: string;
  readonly name: string;
  /** Every stage, retired ones included, by position. */
  readonly stages: readonly Stage[];
  /** Optimistic-concurrency version of the pipeline and its stages as a whole. */
  readonly version: number;
  readonly createdAt: Instant;
  readonly updatedAt: Instant;
}

const nameSchema = textSchema.trim().min(1).max(200);
const probabilitySchema = z.number().int("Expected a whole percentage").min(0).max(100);

/** The probability a kind implies: won stages are certain, lost stages hopeless. */
export function impliedProbability(kind: StageKind): number | undefined {
  return kind === "won" ? 100 : kind === "lost" ? 0 : undefined;
}

/** zod schema of {@link StageInput}: an open stage needs a probability; won and lost stages imply 100 and 0. */
export const stageInputSchema = z
  .object({ name: nameSchema, kind: z.enum(STAGE_KINDS).default("open"), probability: probabilitySchema.optional() })
  .strict()
  .superRefine((stage, ctx) => {
    const implied = impliedProbability(stage.kind);
    if (implied === undefined && stage.probability === undefined) {
      ctx.addIssue({ code: "custom", path: ["probability"], message: "An open stage needs a win probability (0-100)", params: { code: "required" } });
    }
    if (implied !== undefined && stage.probability !== undefined && stage.probability !== implied) {
      ctx.addIssue({
        code: "custom",
        path: ["probability"],
        message: `A ${stage.kind} stage has probability ${implied}`,
        params: { code: "invalid_probability" },
      });
    }
  })
  .transform((stage) => ({ ...stage, probability: stage.probability ?? impliedProbability(stage.kind)! }));

/** Input to add a stage. */
export type StageInput = z.input<typeof stageInputSchema>;

/** Every kind must stay reachable: a deal can always be moved to some open, won and lost stage. */
export function missingKinds(stages: ReadonlyArray<{ kind: StageKind; retiredAt?: string | null }>): StageKind[] {
  return STAGE_KINDS.filter((kind) => !stages.some((s) => s.kind === kind && !s.retiredAt));
}

/** zod schema of {@link PipelineInput}. */
export const pipelineInputSchema = z
  .object({ name: nameSchema, stages: z.array(stageInputSchema).min(1).max(50) })
  .strict()
  .superRefine((pipeline, ctx) => {
    for (const kind of missingKinds(pipeline.stages)) {
      ctx.addIssue({ code: "custom", path: ["stages"], message: `A pipeline needs at least one ${kind} stage`, params: { code: "missing_stage_kind" } });
    }
  });

/** Input to create a pipeline, with its stages in order. */
export type PipelineInput = z.input<typeof pipelineInputSchema>;

/** zod schema of {@link StagePatch}. */
export const stagePatchSchema = z.object({ name: nameSchema.optional(), probability: probabilitySchema.optional() }).strict();

/** The fields of a stage that may change: its name, and (for open stages) its probability. */
export type StagePatch = z.input<typeof stagePatchSchema>;

/** zod schema of a pipeline rename. */
export const pipelinePatchSchema = z.object({ name: nameSchema.optional() }).strict();

/** The fields of a pipeline itself that may change. */
export type PipelinePatch = z.input<typeof pipelinePatchSchema>;
