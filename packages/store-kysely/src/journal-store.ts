import type { JournalStore } from "@kaartenbak/core";
import { historyFromRow, outboxFromRow, toJson, toNumber } from "./rows.js";
import type { StoreContext } from "./store-context.js";

/** The counter row in `kb_counters` that numbers a tenant's outbox. */
const OUTBOX_COUNTER = "outbox";

/** History and the transactional outbox, for one tenant. */
export function journalStore({ db, tenantId }: StoreContext): JournalStore {
  return {
    async appendHistory(entry) {
      await db
        .insertInto("kb_history")
        .values({
          tenant_id: tenantId,
          id: entry.id,
          entity_type: entry.entityType,
          entity_id: entry.entityId,
          action: entry.action,
          version: entry.version,
          changes: toJson(entry.changes),
          actor: entry.actor,
          source: entry.source,
          at: entry.at,
        })
        .execute();
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

    async appendEvent(event) {
      // One statement takes the next number: the upsert locks the tenant's counter row until
      // commit, so concurrent writers queue behind it and numbers are gap-free in commit order
      // (a rolled-back transaction rolls its increment back too). max(sequence)+1 would race.
      const counter = await db
        .insertInto("kb_counters")
        .values({ tenant_id: tenantId, name: OUTBOX_COUNTER, value: 1 })
        .onConflict((oc) => oc.columns(["tenant_id", "name"]).doUpdateSet((eb) => ({ value: eb(eb.ref("kb_counters.value"), "+", 1) })))
        .returning("value")
        .executeTakeFirstOrThrow();
      const sequence = toNumber(counter.value);
      await db
        .insertInto("kb_outbox")
        .values({
          tenant_id: tenantId,
          sequence,
          id: event.id,
          type: event.type,
          entity_type: event.entityType,
          entity_id: event.entityId,
          payload: toJson(event.payload),
          actor: event.actor,
          source: event.source,
          occurred_at: event.occurredAt,
        })
        .execute();
      return sequence;
    },

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
