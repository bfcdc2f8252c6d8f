import * as z from "zod";
import type { AttributeInput, AttributeValues } from "../attributes/registry.js";
import { calendarDateSchema, idSchema, labelSchema, textSchema, type CalendarDate, type Instant } from "./common.js";
import { amountSchema, currencySchema } from "./money.js";

/** Where a deal stands, following the kind of its stage. */
export const DEAL_STATUSES = ["open", "won", "lost"] as const;
/** Open, won or lost. */
export type DealStatus = (typeof DEAL_STATUSES)[number];

/** A sales opportunity with a customer, moving through the stages of one pipeline. */
export interface Deal<A = AttributeValues> {
  readonly id: string;
  readonly title: string;
  /** The customer: an organisation or a person. */
  readonly relationId: string;
  /** Contact people (persons) on the customer's side, in the order given. */
  readonly contactIds: readonly string[];
  /** The account manager, as the host's user id. */
  readonly ownerId: string | null;
  readonly pipelineId: string;
  readonly stageId: string;
  /** Follows the kind of the stage. */
  readonly status: DealStatus;
  /** Expected value in integer minor units of `currency`. */
  readonly amount: number;
  /** ISO 4217 code, e.g. `EUR`. */
  readonly currency: string;
  readonly expectedCloseDate: CalendarDate | null;
  /** Where the deal came from, e.g. `website`, `referral`. */
  readonly source: string | null;
  /** The code of a tenant-defined lost reason; only on lost deals. */
  readonly lostReason: string | null;
  /** When the deal entered a won or lost stage; null while open. */
  readonly closedAt: Instant | null;
  /** Custom attributes that apply to `deal` in the registry. */
  readonly attributes: Readonly<A>;
  /** The registry version the attributes were last validated against. */
  readonly attributesVersion: number;
  readonly version: number;
  readonly createdAt: Instant;
  readonly updatedAt: Instant;
  /** Set when soft-deleted; deleted deals leave every report. */
  readonly deletedAt: Instant | null;
}

/** One stay of a deal in a stage: entered at, left at (null while it is still there). */
export interface StageVisit {
  readonly id: string;
  readonly dealId: string;
  readonly pipelineId: string;
  readonly stageId: string;
  readonly enteredAt: Instant;
  readonly leftAt: Instant | null;
}

/** A tenant-defined reason why deals are lost, e.g. `price` or `competitor`. */
export interface LostReason {
  /** A stable code, stored on deals. */
  readonly code: string;
  readonly label: string;
  /** Set when retired: no longer offered for new lost deals; deals that have it keep it. */
  readonly retiredAt: Instant | null;
  readonly version: number;
  readonly createdAt: Instant;
  readonly updatedAt: Instant;
}

const id = idSchema;
/** A lost-reason code: letters, digits, `_`, `-`, `.` and `:`, 1–64 characters. */
export const lostReasonCodeSchema = z.string().regex(/^[A-Za-z0-9][A-Za-z0-9_.:-]{0,63}$/, "Expected a code of 1-64 letters, digits, '_', '-', '.' or ':'");

/** zod schema of {@link LostReasonInput}. */
export const lostReasonInputSchema = z.object({ code: lostReasonCodeSchema, label: textSchema.trim().min(1).max(200) }).strict();
/** Input to define a lost reason. */
export type LostReasonInput = z.input<typeof lostReasonInputSchema>;

const dealFields = {
  title: textSchema.trim().min(1).max(300),
  relationId: id,
  contactIds: z.array(id).max(50),
  ownerId: id.nullable(),
  amount: amountSchema,
  currency: currencySchema,
  expectedCloseDate: calendarDateSchema.nullable(),
  source: labelSchema.nullable(),
  lostReason: lostReasonCodeSchema.nullable(),
  /** Validated separately against the attribute registry. */
  attributes: z.record(z.string(), z.unknown()),
};

/** zod schema of {@link DealInput}. */
export const dealInputSchema = z
  .object({
    ...dealFields,
    contactIds: dealFields.contactIds.default([]),
    ownerId: dealFields.ownerId.optional(),
    amount: dealFields.amount.default(0),
    expectedCloseDate: dealFields.expectedCloseDate.optional(),
    source: dealFields.source.optional(),
    lostReason: dealFields.lostReason.optional(),
    attributes: dealFields.attributes.optional(),
    pipelineId: id,
    stageId: id.optional(),
  })
  .strict();

/** Input to create a deal. Without `stageId` it starts in the pipeline's first active open stage. */
export interface DealInput<A = AttributeValues> {
  readonly title: string;
  readonly relationId: string;
  readonly contactIds?: readonly string[];
  readonly ownerId?: string | null;
  readonly pipelineId: string;
  readonly stageId?: string;
  /** Integer minor units; default 0. */
  readonly amount?: number;
  readonly currency: string;
  /** `YYYY-MM-DD`. */
  readonly expectedCloseDate?: string | null;
  readonly source?: string | null;
  /** Only when the deal starts in a lost stage. */
  readonly lostReason?: string | null;
  readonly attributes?: AttributeInput<A>;
}

/** zod schema of {@link DealPatch}. */
export const dealPatchSchema = z.object(dealFields).partial().strict();

/** The fields of a deal a plain update may change; stages change through `moveToStage`, `markWon`, `markLost`. */
export type DealPatch<A = AttributeValues> = Partial<Omit<DealInput<A>, "pipelineId" | "stageId">>;

/** zod schema of {@link StageMove}. */
export const stageMoveSchema = z.object({ stageId: id, lostReason: lostReasonCodeSchema.nullable().optional() }).strict();

/** Where to move a deal: a stage (of any pipeline), and for a lost stage optionally the reason. */
export type StageMove = z.input<typeof stageMoveSchema>;
