import { toInstant, type DealRecord, type DealStore } from "@kaartenbak/core/storage";
import type { Selectable } from "kysely";
import { toNumber } from "./rows.js";
import { dealColumns, dealFromRow, visitFromRow } from "./rows-sales.js";
import type { DealRow } from "./schema-sales.js";
import { affected, groupBy, inChunks, type StoreContext } from "./store-context.js";

/** Deals, their contacts and their stage history, for one tenant. */
export function dealStore({ db, tenantId }: StoreContext): DealStore {
  const deals = () => db.selectFrom("kb_deals").selectAll().where("tenant_id", "=", tenantId);

  async function insertContacts(record: DealRecord): Promise<void> {
    if (record.contactIds.length === 0) return;
    // A missing contact breaks the foreign key; the profile maps that to INTEGRITY.
    await db
      .insertInto("kb_deal_contacts")
      .values(record.contactIds.map((relationId, position) => ({ tenant_id: tenantId, deal_id: record.id, relation_id: relationId, position })))
      .execute();
  }

  /** Completes deal rows with their contacts: one query for the whole set. */
  async function assemble(rows: readonly Selectable<DealRow>[]): Promise<DealRecord[]> {
    if (rows.length === 0) return [];
    const contacts = await inChunks(
      rows.map((r) => r.id),
      (chunk) => db.selectFrom("kb_deal_contacts").selectAll().where("tenant_id", "=", tenantId).where("deal_id", "in", chunk).execute(),
    );
    const of = groupBy(contacts, (c) => c.deal_id);
    return rows.map((row) =>
      dealFromRow(
        row,
        (of.get(row.id) ?? []).sort((a, b) => toNumber(a.position) - toNumber(b.position)).map((c) => c.relation_id),
      ),
    );
  }

  return {
    async insert(record) {
      await db
        .insertInto("kb_deals")
        .values({ tenant_id: tenantId, id: record.id, ...dealColumns(record) })
        .execute();
      await insertContacts(record);
    },

    async update(record, expectedVersion) {
      const result = await db
        .updateTable("kb_deals")
        .set(dealColumns(record))
        .where("tenant_id", "=", tenantId)
        .where("id", "=", record.id)
        .where("version", "=", expectedVersion)
        .executeTakeFirst();
      if (affected(result) === 0) return false;
      await db.deleteFrom("kb_deal_contacts").where("tenant_id", "=", tenantId).where("deal_id", "=", record.id).execute();
      await insertContacts(record);
      return true;
    },

    async get(id) {
      const row = await deals().where("id", "=", id).executeTakeFirst();
      return row ? (await assemble([row]))[0] : undefined;
    },

    async getMany(ids) {
      return assemble(await inChunks(ids, (chunk) => deals().where("id", "in", chunk).execute()));
    },

    async list({ pipelineId, relationId, status, after, limit }) {
      let query = deals().where("deleted_at", "is", null);
      if (pipelineId) query = query.where("pipeline_id", "=", pipelineId);
      if (relationId) query = query.where("relation_id", "=", relationId);
      if (status) query = query.where("status", "=", status);
      if (after) {
        const at = toInstant(after.createdAt);
        query = query.where((eb) => eb.or([eb("created_at", "<", at), eb.and([eb("created_at", "=", at), eb("id", "<", after.id)])]));
      }
      return assemble(await query.orderBy("created_at", "desc").orderBy("id", "desc").limit(limit).execute());
    },

    async openVisit(visit) {
      await db
        .insertInto("kb_deal_stage_history")
        .values({
          tenant_id: tenantId,
          id: visit.id,
          deal_id: visit.dealId,
          pipeline_id: visit.pipelineId,
          stage_id: visit.stageId,
          entered_at: visit.enteredAt,
          left_at: visit.leftAt,
        })
        .execute();
    },

    async closeVisit(dealId, leftAt) {
      await db
        .updateTable("kb_deal_stage_history")
        .set({ left_at: leftAt })
        .where("tenant_id", "=", tenantId)
        .where("deal_id", "=", dealId)
        .where("left_at", "is", null)
        .execute();
    },

    async visits(dealId) {
      const rows = await db
        .selectFrom("kb_deal_stage_history")
        .selectAll()
        .where("tenant_id", "=", tenantId)
        .where("deal_id", "=", dealId)
        // Stays begun in the same millisecond: a closed one came before the open one.
        .orderBy("entered_at")
        .orderBy((eb) => eb.case().when("left_at", "is", null).then(1).else(0).end())
        .orderBy("left_at")
        .orderBy("id")
        .execute();
      return rows.map(visitFromRow);
    },
  };
}
