import type { CrmEvent } from "@kaartenbak/core";

/** A message the ERP sends on to its own systems (ledger, warehouse, mailing). */
export interface OutgoingMessage {
  /** Where it goes, e.g. `crm.customers`. */
  readonly topic: string;
  /** What changed, for people reading the message queue. */
  readonly summary: string;
}

/**
 * Maps every CRM event to the ERP's message for it. The switch is exhaustive: when a new Kaartenbak
 * release adds an event type, this stops compiling until the app has decided what to do with it.
 */
export function messageFor(event: CrmEvent): OutgoingMessage {
  switch (event.type) {
    case "relation.created":
    case "relation.updated":
    case "relation.deleted":
    case "relation.restored":
      return { topic: "crm.customers", summary: `${event.type}: ${event.payload.name} (${event.payload.lifecycle})` };
    case "link.created":
    case "link.updated":
    case "link.removed":
      return { topic: "crm.customers", summary: `${event.type}: ${event.payload.kind} ${event.payload.id}` };
    case "interaction.logged":
    case "interaction.updated":
    case "interaction.deleted":
    case "interaction.restored":
      return { topic: "crm.contact-moments", summary: `${event.type}: ${event.payload.kind} ${event.payload.subject ?? ""}`.trim() };
    // Mail from someone unknown at the time joins a customer's timeline once the customer has the address.
    case "interaction.matched":
      return { topic: "crm.contact-moments", summary: `contact moment ${event.payload.interactionId} now on relation ${event.payload.relationId}` };
    case "deal.won":
      return { topic: "crm.sales", summary: `deal won: ${event.payload.title}, ${event.payload.currency} ${event.payload.amount / 100}` };
    case "deal.created":
    case "deal.updated":
    case "deal.stage_changed":
    case "deal.lost":
    case "deal.reopened":
    case "deal.deleted":
      return { topic: "crm.sales", summary: `${event.type}: ${event.payload.title}` };
    case "quote.created":
    case "quote.updated":
    case "quote.revised":
    case "quote.superseded":
    case "quote.draft":
    case "quote.sent":
    case "quote.accepted":
    case "quote.rejected":
    case "quote.expired":
      return { topic: "crm.sales", summary: `${event.type}: quote ${event.payload.id} revision ${event.payload.revision} (${event.payload.status})` };
    case "order.created":
    case "order.updated":
    case "order.cancelled":
      return { topic: "erp.orders", summary: `${event.type}: ${event.payload.currency} ${event.payload.totalAmount / 100} incl. tax` };
    case "pipeline.created":
    case "pipeline.updated":
    case "pipeline.stage_added":
    case "pipeline.stage_updated":
    case "pipeline.stage_retired":
    case "pipeline.stages_reordered":
    case "lost_reason.defined":
    case "lost_reason.updated":
    case "lost_reason.retired":
    case "product.created":
    case "product.updated":
    case "product.retired":
      return { topic: "crm.settings", summary: event.type };
    case "segment.created":
    case "segment.updated":
    case "segment.deleted":
    case "segment.members_added":
    case "segment.members_removed":
    case "segment.snapshot_taken":
    case "campaign.created":
    case "campaign.updated":
    case "campaign.launched":
    case "campaign.member_targeted":
    case "campaign.member_sent":
    case "campaign.member_opened":
    case "campaign.member_clicked":
    case "campaign.member_responded":
    case "campaign.member_converted":
    case "campaign.member_bounced":
    case "campaign.member_opted_out":
    case "campaign.member_excluded":
      return { topic: "crm.marketing", summary: event.type };
    case "target.set":
      return { topic: "crm.sales", summary: event.type };
    case "consent.opted_in":
    case "consent.opted_out":
    case "suppression.added":
    case "suppression.lifted":
    case "relation.erased":
    case "relation.verified":
      return { topic: "crm.privacy", summary: `${event.type}: relation ${event.payload.relationId}` };
    // The ERP keeps the surviving customer's id: a merge tells it which of its records now point there.
    case "relation.merged":
      return { topic: "crm.customers", summary: `relation ${event.payload.loserId} merged into ${event.payload.survivorId}` };
    case "relation.unmerged":
      return { topic: "crm.customers", summary: `merge ${event.payload.mergeId} undone: ${event.payload.loser.id} is back` };
    case "activity.created":
    case "activity.updated":
    case "activity.completed":
    case "activity.cancelled":
      return { topic: "crm.activities", summary: `${event.type}: ${event.payload.subject}` };
    default: {
      const unhandled: never = event;
      throw new Error(`No message for CRM event ${(unhandled as CrmEvent).type}`);
    }
  }
}
