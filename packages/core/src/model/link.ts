import * as z from "zod";
import { calendarDateSchema, idSchema, labelSchema, type CalendarDate, type Instant } from "./common.js";

/**
 * Links between relations. Each kind fixes which relation kinds sit at either end:
 * - `employment`: a person works at an organisation (role, job title);
 * - `household_member`: a person belongs to a household;
 * - `parent_organisation`: an organisation is part of a parent organisation (no cycles).
 */
export const LINK_KINDS = ["employment", "household_member", "parent_organisation"] as const;
/** The kind of a {@link Link}. */
export type LinkKind = (typeof LINK_KINDS)[number];

/** Fields every link kind has. */
interface LinkBase {
  readonly id: string;
  /** Free role, e.g. `decision maker`, `billing contact`, `head of household`. */
  readonly role: string | null;
  /** First day the link holds, inclusive; `null` for "since always". */
  readonly validFrom: CalendarDate | null;
  /** Last day the link holds, inclusive; `null` for "still holds". */
  readonly validTo: CalendarDate | null;
  readonly version: number;
  readonly createdAt: Instant;
  readonly updatedAt: Instant;
}

/** A person working at an organisation. */
export interface EmploymentLink extends LinkBase {
  readonly kind: "employment";
  readonly personId: string;
  readonly organisationId: string;
  readonly jobTitle: string | null;
}
/** A person in a household. */
export interface HouseholdLink extends LinkBase {
  readonly kind: "household_member";
  readonly personId: string;
  readonly householdId: string;
}
/** An organisation under a parent organisation. */
export interface ParentLink extends LinkBase {
  readonly kind: "parent_organisation";
  readonly organisationId: string;
  readonly parentId: string;
}
/** A link between two relations, as the SDK returns it. */
export type Link = EmploymentLink | HouseholdLink | ParentLink;

const common = {
  role: labelSchema.nullable().optional(),
  validFrom: calendarDateSchema.nullable().optional(),
  validTo: calendarDateSchema.nullable().optional(),
};
const id = idSchema;

/** zod schema of {@link LinkInput}. */
export const linkInputSchema = z
  .discriminatedUnion("kind", [
    z.object({ kind: z.literal("employment"), personId: id, organisationId: id, jobTitle: labelSchema.nullable().optional(), ...common }).strict(),
    z.object({ kind: z.literal("household_member"), personId: id, householdId: id, ...common }).strict(),
    z.object({ kind: z.literal("parent_organisation"), organisationId: id, parentId: id, ...common }).strict(),
  ])
  .superRefine(checkValidity);

/** zod schema of {@link LinkPatch}. */
export const linkPatchSchema = z
  .object({ role: common.role, validFrom: common.validFrom, validTo: common.validTo, jobTitle: labelSchema.nullable().optional() })
  .strict();

/** Rejects a validity window that ends before it starts. */
export function checkValidity(v: { validFrom?: string | null; validTo?: string | null }, ctx: z.RefinementCtx): void {
  if (v.validFrom && v.validTo && v.validTo < v.validFrom) {
    ctx.addIssue({ code: "custom", path: ["validTo"], message: "validTo is before validFrom", params: { code: "invalid_range" } });
  }
}

/** Input to create a link. */
export type LinkInput = z.input<typeof linkInputSchema>;
/** The fields of a link that may change: role, job title (employment only) and validity. */
export type LinkPatch = z.input<typeof linkPatchSchema>;
