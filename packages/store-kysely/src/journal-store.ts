import type { JournalStore } from "@kaartenbak/core/storage";
import { historyFromRow, outboxFromRow, toNumber } from "./rows.js";
import { insertEventRows, insertHistoryRows } from "./write-rows.js";
import type { StoreContext } from "./store-context.js";

/** History and the transactional outbox, for one tenant. */
export function journalStore(context: StoreContext): JournalStore {
  const { db, tenantId } = context;
  return {
    async appendHistory(entry) {
      await insertHistoryRows(context, [entry]);
    },

    async listHistory(entityType, entityId) {
      const rows = await db
        .selectFrom("kb_history")
        .selectAll()
        .where("tenant_id", "=", tenantId)
        .where("entity_type", "=", entityType)
        .where("entity_id", "=", entityId)
        // Entries of one command share a millisecond; the version they produced breaks the tie.
        .orderBy("at")
        .orderBy("version")
        .orderBy("id")
        .execute();
      return rows.map(historyFromRow);
    },

    appendEvent: (event) => insertEventRows(context, [event]),

    async readEvents(after, limit) {
      const rows = await db
        .selectFrom("kb_outbox")
        .selectAll()
        .where("tenant_id", "=", tenantId)
        .where("sequence", ">", after)
        .orderBy("sequence")
        .limit(limit)
        .execute();
      return rows.map(outboxFromRow);
    },

    async getCheckpoint(consumer) {
      const row = await db
        .selectFrom("kb_outbox_checkpoints")
        .select("position")
        .where("tenant_id", "=", tenantId)
        .where("consumer", "=", consumer)
        .executeTakeFirst();
      return row ? toNumber(row.position) : 0;
    },

    async setCheckpoint(consumer, position, at) {
      await db
        .insertInto("kb_outbox_checkpoints")
        .values({ tenant_id: tenantId, consumer, position, updated_at: at })
        .onConflict((oc) =>
          oc.columns(["tenant_id", "consumer"]).doUpdateSet((eb) => ({ position: eb.ref("excluded.position"), updated_at: eb.ref("excluded.updated_at") })),
        )
        .execute();
    },
  };
}
