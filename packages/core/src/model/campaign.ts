import * as z from "zod";
import type { Money } from "../attributes/registry.js";
import { idSchema, instantSchema, textSchema, type Instant } from "./common.js";
import { CONSENT_CHANNELS, purposeSchema, type ConsentChannel } from "./consent.js";

/**
 * A campaign targets a segment on one channel for one purpose. Launching it materialises the
 * segment's members once: every relation gets a member row, either `targeted` or `excluded` with
 * the reason (suppressed, opted out, no consent, no address). Hosts and e-mail tools then move
 * members through their statuses.
 */
export const CAMPAIGN_STATUSES = ["draft", "launched"] as const;
/** The status of a {@link Campaign}. */
export type CampaignStatus = (typeof CAMPAIGN_STATUSES)[number];

/** The statuses of a campaign member. `excluded` is set at launch only and never changes. */
export const MEMBER_STATUSES = ["targeted", "sent", "opened", "clicked", "responded", "converted", "bounced", "opted_out", "excluded"] as const;
/** The status of a {@link CampaignMember}. */
export type MemberStatus = (typeof MEMBER_STATUSES)[number];

/** Why a relation of the segment was not targeted. */
export const EXCLUSION_REASONS = ["suppressed", "opted_out", "no_consent", "no_address"] as const;
/** The reason of an exclusion. */
export type ExclusionReason = (typeof EXCLUSION_REASONS)[number];

/** The forward path of a member; a member never moves back along it (a late "opened" after "clicked" changes nothing). */
export const MEMBER_PROGRESS: readonly MemberStatus[] = ["targeted", "sent", "opened", "clicked", "responded", "converted"];

/** Whether a member may move from one status to another (the same status is a no-op, not a move). */
export function canMoveMember(from: MemberStatus, to: MemberStatus): boolean {
  if (from === "excluded" || to === "excluded" || to === "targeted" || from === to) return false;
  if (from === "opted_out") return false;
  if (to === "opted_out") return true;
  if (from === "bounced") return false;
  if (to === "bounced") return from === "targeted" || from === "sent";
  return MEMBER_PROGRESS.indexOf(to) > MEMBER_PROGRESS.indexOf(from);
}

/** A campaign as the SDK returns it. */
export interface Campaign {
  readonly id: string;
  readonly name: string;
  readonly description: string | null;
  readonly segmentId: string;
  readonly channel: ConsentChannel;
  readonly purpose: string;
  readonly status: CampaignStatus;
  readonly launchedAt: Instant | null;
  /** Members targeted at launch (0 before). */
  readonly targeted: number;
  /** Relations of the segment excluded at launch (0 before). */
  readonly excluded: number;
  readonly version: number;
  readonly createdAt: Instant;
  readonly updatedAt: Instant;
}

/** A campaign as stored. */
export type CampaignRecord = Campaign;

/** A relation's place in a launched campaign. */
export interface CampaignMember {
  readonly campaignId: string;
  readonly relationId: string;
  readonly status: MemberStatus;
  /** Why it was excluded; null for targeted members. */
  readonly reason: ExclusionReason | null;
  /** The address the campaign uses (e-mail, phone number, or the postal address as JSON), as of launch. */
  readonly address: string | null;
  readonly statusAt: Instant;
  readonly version: number;
}

/** A campaign member as stored. */
export type CampaignMemberRecord = CampaignMember;

const name = textSchema.trim().min(1).max(200);

/** zod schema of {@link CampaignInput}. */
export const campaignInputSchema = z
  .object({
    name,
    description: textSchema.max(2000).nullable().optional(),
    segmentId: idSchema,
    channel: z.enum(CONSENT_CHANNELS),
    purpose: purposeSchema,
  })
  .strict();

/** Input to create a campaign (as a draft). */
export interface CampaignInput {
  readonly name: string;
  readonly description?: string | null;
  readonly segmentId: string;
  readonly channel: ConsentChannel;
  readonly purpose: string;
}

/** zod schema of {@link CampaignPatch}. */
export const campaignPatchSchema = campaignInputSchema.partial().strict();

/** What may change on a draft campaign. */
export type CampaignPatch = Partial<CampaignInput>;

/** zod schema of {@link MemberUpdate}. */
export const memberUpdateSchema = z
  .object({ relationId: idSchema, status: z.enum(MEMBER_STATUSES).exclude(["excluded", "targeted"]), at: instantSchema.optional() })
  .strict();

/** A status change reported by the host or an e-mail tool. */
export interface MemberUpdate {
  readonly relationId: string;
  readonly status: Exclude<MemberStatus, "excluded" | "targeted">;
  /** When it happened; default now. */
  readonly at?: Date | string;
}

/** What a launch did. */
export interface LaunchResult {
  readonly campaign: Campaign;
  readonly targeted: number;
  readonly excluded: Readonly<Record<ExclusionReason, number>>;
}

/** One line of a campaign's mailing list. */
export interface MailingListEntry {
  readonly relationId: string;
  readonly name: string;
  readonly givenName: string | null;
  readonly familyName: string | null;
  /** The address as of launch. */
  readonly address: string;
  readonly status: MemberStatus;
}

/** Results of a campaign. */
export interface CampaignResults {
  readonly campaignId: string;
  /** Members per status (every status listed, zeros included). */
  readonly statuses: Readonly<Record<MemberStatus, number>>;
  readonly targeted: number;
  /** Members that reached `sent` or further (bounced and opted-out members were sent to as well). */
  readonly sent: number;
  /** Members that responded or converted, divided by members sent to; null when none were sent to. */
  readonly responseRate: number | null;
  /** Converted members divided by members sent to; null when none were sent to. */
  readonly conversionRate: number | null;
  /** Deals of targeted members created in the attribution window, per currency. */
  readonly deals: { readonly count: number; readonly value: readonly Money[] };
  /** Non-cancelled orders of targeted members dated in the attribution window, net per currency. */
  readonly orders: { readonly count: number; readonly value: readonly Money[] };
  /** The attribution window: launch to launch plus `attributionDays`. */
  readonly window: { readonly from: Instant | null; readonly to: Instant | null };
}
