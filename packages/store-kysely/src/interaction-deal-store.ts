import { toInstant, type DealTimelineQuery, type InteractionRecord } from "@kaartenbak/core/storage";
import { toNumber } from "./rows.js";
import { groupBy, inChunks, type StoreContext } from "./store-context.js";

/**
 * Interaction ↔ deal links (`kb_interaction_deals`), kept apart from the interaction store so the
 * interaction store only calls in at a few places. `occurred_at` is copied into each link row so a
 * deal's timeline is one backward range scan of the (tenant, deal, occurred_at, interaction) index.
 */

/** Writes the deal links of a new interaction (none when `dealIds` is absent or empty). */
export async function insertDealLinks({ db, tenantId }: StoreContext, record: InteractionRecord): Promise<void> {
  const dealIds = [...new Set(record.dealIds ?? [])];
  if (dealIds.length === 0) return;
  // A missing deal breaks the foreign key; the profile maps that to INTEGRITY.
  await db
    .insertInto("kb_interaction_deals")
    .values(dealIds.map((dealId, position) => ({ tenant_id: tenantId, interaction_id: record.id, deal_id: dealId, occurred_at: record.occurredAt, position })))
    .execute();
}

/** Replaces an interaction's deal links. */
export async function replaceDealLinks(context: StoreContext, interactionId: string, dealIds: readonly string[], occurredAt: string): Promise<void> {
  await context.db.deleteFrom("kb_interaction_deals").where("tenant_id", "=", context.tenantId).where("interaction_id", "=", interactionId).execute();
  await insertDealLinks(context, { id: interactionId, occurredAt, dealIds } as InteractionRecord);
}

/** Keeps the copied `occurred_at` in step when an interaction moves in time. */
export async function moveDealLinks({ db, tenantId }: StoreContext, interactionId: string, occurredAt: string): Promise<void> {
  await db
    .updateTable("kb_interaction_deals")
    .set({ occurred_at: occurredAt })
    .where("tenant_id", "=", tenantId)
    .where("interaction_id", "=", interactionId)
    .execute();
}

/** The linked deal ids of several interactions, in the order written: one query for the set. */
export async function dealIdsOf({ db, tenantId }: StoreContext, interactionIds: readonly string[]): Promise<Map<string, string[]>> {
  const rows = await inChunks(interactionIds, (chunk) =>
    db
      .selectFrom("kb_interaction_deals")
      .select(["interaction_id", "deal_id", "position"])
      .where("tenant_id", "=", tenantId)
      .where("interaction_id", "in", chunk)
      .execute(),
  );
  const out = new Map<string, string[]>();
  for (const [id, links] of groupBy(rows, (r) => r.interaction_id)) {
    out.set(
      id,
      links.sort((a, b) => toNumber(a.position) - toNumber(b.position)).map((l) => l.deal_id),
    );
  }
  return out;
}

/** The interaction ids of one page of a deal's timeline, newest first. */
export async function dealTimelineIds({ db, tenantId }: StoreContext, { dealId, after, limit }: DealTimelineQuery): Promise<string[]> {
  if (limit <= 0) return [];
  let page = db
    .selectFrom("kb_interaction_deals as l")
    .innerJoin("kb_interactions as i", (join) => join.onRef("i.tenant_id", "=", "l.tenant_id").onRef("i.id", "=", "l.interaction_id"))
    .select(["l.interaction_id", "l.occurred_at"])
    .where("l.tenant_id", "=", tenantId)
    .where("l.deal_id", "=", dealId)
    .where("i.deleted_at", "is", null);
  if (after) {
    const at = toInstant(after.occurredAt);
    page = page.where((eb) => eb.or([eb("l.occurred_at", "<", at), eb.and([eb("l.occurred_at", "=", at), eb("l.interaction_id", "<", after.id)])]));
  }
  const keys = await page.orderBy("l.occurred_at", "desc").orderBy("l.interaction_id", "desc").limit(limit).execute();
  return keys.map((k) => k.interaction_id);
}
