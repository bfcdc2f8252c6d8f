import type { Campaign, CampaignMember, MemberStatus } from "./campaign.js";
import type { Instant } from "./common.js";
import type { ConsentEntry, SuppressionEntry } from "./consent.js";
import type { Deal, LostReason } from "./deal.js";
import type { Interaction } from "./interaction.js";
import type { EntityType } from "./journal.js";
import type { Link } from "./link.js";
import type { Order } from "./order.js";
import type { Pipeline } from "./pipeline.js";
import type { Product } from "./product.js";
import type { Quote } from "./quote.js";
import type { Relation } from "./relation.js";
import type { Segment } from "./segment.js";
import type { Activity } from "./activity.js";
import type { FieldVerification } from "./verification.js";
import type { Target } from "./target.js";

/**
 * The outbox's events, by type: the payload each one carries. Every event the SDK writes is one of
 * these; `CRM_EVENT_TYPES` lists them at run time and a test proves the two agree with what the
 * services write. The payload is the entity after the change (for removals, as it was removed).
 */
export interface CrmEventPayloads {
  "relation.created": Relation;
  "relation.updated": Relation;
  "relation.deleted": Relation;
  "relation.restored": Relation;
  /** A relation's personal data was erased; the payload carries none of it. */
  "relation.erased": RelationErased;
  /** Another relation was merged into this one (see `relations.merge`). */
  "relation.merged": RelationMerged;
  /** A merge was undone: both relations are back (see `relations.unmerge`). */
  "relation.unmerged": RelationUnmerged;
  "link.created": Link;
  "link.updated": Link;
  "link.removed": Link;
  "interaction.logged": Interaction;
  "interaction.updated": Interaction;
  "interaction.deleted": Interaction;
  "interaction.restored": Interaction;
  /** Participants without a relation were claimed by the relation now holding their e-mail address. */
  "interaction.matched": InteractionMatched;
  "pipeline.created": Pipeline;
  "pipeline.updated": Pipeline;
  "pipeline.stage_added": Pipeline;
  "pipeline.stage_updated": Pipeline;
  "pipeline.stage_retired": Pipeline;
  "pipeline.stages_reordered": Pipeline;
  "lost_reason.defined": LostReason;
  "lost_reason.updated": LostReason;
  "lost_reason.retired": LostReason;
  "deal.created": Deal;
  "deal.updated": Deal;
  "deal.stage_changed": Deal;
  "deal.won": Deal;
  "deal.lost": Deal;
  "deal.reopened": Deal;
  "deal.deleted": Deal;
  "product.created": Product;
  "product.updated": Product;
  "product.retired": Product;
  "quote.created": Quote;
  "quote.updated": Quote;
  "quote.revised": Quote;
  "quote.superseded": Quote;
  "quote.draft": Quote;
  "quote.sent": Quote;
  "quote.accepted": Quote;
  "quote.rejected": Quote;
  "quote.expired": Quote;
  "order.created": Order;
  "order.updated": Order;
  "order.cancelled": Order;
  "segment.created": Segment;
  "segment.updated": Segment;
  "segment.deleted": Segment;
  "segment.members_added": Segment;
  "segment.members_removed": Segment;
  /** `members`: how many relations the snapshot holds. */
  "segment.snapshot_taken": Segment & { readonly members: number };
  "consent.opted_in": ConsentEntry;
  "consent.opted_out": ConsentEntry;
  "suppression.added": SuppressionEntry;
  "suppression.lifted": SuppressionEntry;
  "campaign.created": Campaign;
  "campaign.updated": Campaign;
  /** `exclusions`: how many relations were left out, per reason. */
  "campaign.launched": Campaign & { readonly exclusions: Readonly<Record<string, number>> };
  "campaign.member_targeted": CampaignMember;
  "campaign.member_sent": CampaignMember;
  "campaign.member_opened": CampaignMember;
  "campaign.member_clicked": CampaignMember;
  "campaign.member_responded": CampaignMember;
  "campaign.member_converted": CampaignMember;
  "campaign.member_bounced": CampaignMember;
  "campaign.member_opted_out": CampaignMember;
  "campaign.member_excluded": CampaignMember;
  /** Fields confirmed without a change, by `verification.verify`. */
  "relation.verified": { readonly relationId: string; readonly verified: readonly FieldVerification[] };
  "activity.created": Activity;
  "activity.updated": Activity;
  /** The activity is done; `interactionId` names the contact moment logged with it. */
  "activity.completed": Activity;
  "activity.cancelled": Activity;
  "target.set": Target;
}

/** The payload of `relation.erased`: which relation, when, and how many erasure keys now block its identifiers. */
export interface RelationErased {
  readonly relationId: string;
  readonly erasedAt: Instant;
  readonly keys: number;
  /** The host's note on the request (e.g. a ticket number), when given. */
  readonly note?: string;
}

/**
 * The payload of `interaction.matched`: a relation claimed participants of a contact moment (an
 * unmatched one, or an unknown cc of a matched one) because it now holds their e-mail address.
 * The interaction is on the relation's timeline from this event on.
 */
export interface InteractionMatched {
  readonly interactionId: string;
  /** The relation that claimed them. */
  readonly relationId: string;
  /** The interaction's version after the claim. */
  readonly version: number;
  /** The interaction's relations after the claim, in link order. */
  readonly relationIds: readonly string[];
  /** The participants claimed, by their position in `participants`. */
  readonly participants: ReadonlyArray<{ readonly position: number; readonly address: string }>;
}

/** The payload of `relation.merged`: the survivor as it is after taking in the loser. */
export interface RelationMerged {
  readonly mergeId: string;
  readonly survivorId: string;
  /** The merged relation: now a tombstone whose id resolves to the survivor. */
  readonly loserId: string;
  readonly survivor: Relation;
  readonly mergedAt: Instant;
}

/** The payload of `relation.unmerged`: both relations as they are again. */
export interface RelationUnmerged {
  readonly mergeId: string;
  readonly survivor: Relation;
  readonly loser: Relation;
  readonly unmergedAt: Instant;
}

/** The type of an outbox event, e.g. `deal.won`. */
export type CrmEventType = keyof CrmEventPayloads;

/** Every event type, in the order of {@link CrmEventPayloads}. */
export const CRM_EVENT_TYPES = [
  "relation.created",
  "relation.updated",
  "relation.deleted",
  "relation.restored",
  "relation.erased",
  "relation.merged",
  "relation.unmerged",
  "link.created",
  "link.updated",
  "link.removed",
  "interaction.logged",
  "interaction.updated",
  "interaction.deleted",
  "interaction.restored",
  "interaction.matched",
  "pipeline.created",
  "pipeline.updated",
  "pipeline.stage_added",
  "pipeline.stage_updated",
  "pipeline.stage_retired",
  "pipeline.stages_reordered",
  "lost_reason.defined",
  "lost_reason.updated",
  "lost_reason.retired",
  "deal.created",
  "deal.updated",
  "deal.stage_changed",
  "deal.won",
  "deal.lost",
  "deal.reopened",
  "deal.deleted",
  "product.created",
  "product.updated",
  "product.retired",
  "quote.created",
  "quote.updated",
  "quote.revised",
  "quote.superseded",
  "quote.draft",
  "quote.sent",
  "quote.accepted",
  "quote.rejected",
  "quote.expired",
  "order.created",
  "order.updated",
  "order.cancelled",
  "segment.created",
  "segment.updated",
  "segment.deleted",
  "segment.members_added",
  "segment.members_removed",
  "segment.snapshot_taken",
  "consent.opted_in",
  "consent.opted_out",
  "suppression.added",
  "suppression.lifted",
  "campaign.created",
  "campaign.updated",
  "campaign.launched",
  "campaign.member_targeted",
  "campaign.member_sent",
  "campaign.member_opened",
  "campaign.member_clicked",
  "campaign.member_responded",
  "campaign.member_converted",
  "campaign.member_bounced",
  "campaign.member_opted_out",
  "campaign.member_excluded",
  "relation.verified",
  "activity.created",
  "activity.updated",
  "activity.completed",
  "activity.cancelled",
  "target.set",
] as const satisfies readonly CrmEventType[];

/** The event type of a campaign member's status change. */
export type MemberEventType = `campaign.member_${MemberStatus}`;

/** One outbox event of type `T`: written in the same transaction as the change it reports. */
export interface CrmEventOf<T extends CrmEventType> {
  /** Per-tenant sequence number: gap-free and strictly increasing in commit order of the writes. */
  readonly sequence: number;
  /** The event's id (UUIDv7), stable across re-reads: a consumer can deduplicate on it. */
  readonly id: string;
  /** What happened; narrows `payload`. */
  readonly type: T;
  /** The kind of entity that changed. */
  readonly entityType: EntityType;
  /** The id of the entity that changed. */
  readonly entityId: string;
  /** The entity after the change (for removals, as it was removed). */
  readonly payload: CrmEventPayloads[T];
  /** Who made the change. */
  readonly actor: string;
  /** Where the change came from (`api`, `import`, `sync:outlook`, …). */
  readonly source: string;
  /** When the change was committed, UTC. */
  readonly occurredAt: Instant;
}

/**
 * Any outbox event: a union discriminated by `type`, so a `switch (event.type)` narrows the
 * payload and an exhaustive switch is checked by the compiler.
 *
 * @example
 * for (const event of await acme.outbox.poll("erp")) {
 *   if (event.type === "deal.won") console.log(event.payload.amount);
 * }
 */
export type CrmEvent = { [T in CrmEventType]: CrmEventOf<T> }[CrmEventType];
