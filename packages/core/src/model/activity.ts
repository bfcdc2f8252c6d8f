import * as z from "zod";
import { idSchema, instantSchema, textSchema, type Instant } from "./common.js";

/**
 * Planned follow-ups ("afspraken"): the CRM's own plan of the next step with a relation, a task
 * or an appointment with a due time and an assignee. Completing one logs the contact moment it
 * stands for. Calendar items synced from Outlook or Google stay contact moments; they are not
 * activities.
 */

/** The states of an activity: open until done or cancelled; both are final. */
export const ACTIVITY_STATUSES = ["open", "done", "cancelled"] as const;
/** The state of an activity. */
export type ActivityStatus = (typeof ACTIVITY_STATUSES)[number];

/** A planned follow-up as the SDK returns it. */
export interface Activity {
  readonly id: string;
  /** What to do, e.g. "Call about the renewal". */
  readonly subject: string;
  /** The interaction kind logged on completion, e.g. `call`, `meeting`, `task`. */
  readonly kind: string;
  readonly relationId: string;
  readonly dealId: string | null;
  /** The assignee, as the host's user id. */
  readonly ownerId: string;
  readonly dueAt: Instant;
  /** An IANA time zone for appointments whose wall-clock time matters, e.g. `Europe/Amsterdam`. */
  readonly timeZone: string | null;
  readonly reminderAt: Instant | null;
  readonly notes: string | null;
  readonly status: ActivityStatus;
  /** When it was completed or cancelled. */
  readonly closedAt: Instant | null;
  /** The contact moment logged when it was completed. */
  readonly interactionId: string | null;
  readonly version: number;
  readonly createdAt: Instant;
  readonly updatedAt: Instant;
}

/** Input to plan an activity. */
export interface ActivityInput {
  readonly subject: string;
  /** Default `task`. */
  readonly kind?: string;
  readonly relationId: string;
  readonly dealId?: string | null;
  readonly ownerId: string;
  /** An ISO-8601 instant (or a Date). */
  readonly dueAt: string | Date;
  readonly timeZone?: string | null;
  /** At or before `dueAt`. */
  readonly reminderAt?: string | Date | null;
  readonly notes?: string | null;
}

/** What a reschedule or reassignment may change on an open activity. */
export type ActivityPatch = Partial<Pick<ActivityInput, "subject" | "ownerId" | "dueAt" | "reminderAt" | "notes" | "timeZone" | "dealId">>;

/** How a completion is recorded: the outcome and notes of the contact moment it logs. */
export interface CompleteInput {
  /** When the contact took place; default: the time of the call. */
  readonly occurredAt?: string | Date;
  readonly outcome?: string;
  readonly body?: string;
  readonly direction?: "inbound" | "outbound" | "internal";
}

const timeZone = textSchema
  .min(1)
  .max(64)
  .refine((tz) => {
    try {
      new Intl.DateTimeFormat("en", { timeZone: tz });
      return true;
    } catch {
      return false;
    }
  }, "Expected an IANA time zone such as Europe/Amsterdam");

const shape = {
  subject: textSchema.trim().min(1).max(300),
  ownerId: idSchema,
  dueAt: instantSchema,
  reminderAt: instantSchema.nullable().optional(),
  notes: textSchema.max(10_000).nullable().optional(),
  timeZone: timeZone.nullable().optional(),
  dealId: idSchema.nullable().optional(),
};

const reminderNotAfterDue = (a: { dueAt?: string; reminderAt?: string | null | undefined }) => !a.reminderAt || !a.dueAt || a.reminderAt <= a.dueAt;
const reminderIssue = { message: "The reminder must be at or before the due time", path: ["reminderAt"] };

/** Builds the activity schemas for the CRM's interaction kinds. */
export function activitySchemas(kinds: readonly string[]) {
  const create = z
    .object({ ...shape, kind: z.enum(kinds as [string, ...string[]]).optional(), relationId: idSchema })
    .strict()
    .refine(reminderNotAfterDue, reminderIssue);
  const patch = z.object({ ...shape, subject: shape.subject.optional(), ownerId: shape.ownerId.optional(), dueAt: shape.dueAt.optional() }).strict();
  const complete = z
    .object({
      occurredAt: instantSchema.optional(),
      outcome: textSchema.max(200).optional(),
      body: textSchema.max(100_000).optional(),
      direction: z.enum(["inbound", "outbound", "internal"]).optional(),
    })
    .strict();
  return { create, patch, complete };
}
