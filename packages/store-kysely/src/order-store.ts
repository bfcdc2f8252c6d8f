import type { OrderStore } from "@kaartenbak/core/storage";
import { orderColumns, orderFromRow } from "./rows-sales.js";
import { affected, type StoreContext } from "./store-context.js";

/** Orders, for one tenant. */
export function orderStore({ db, tenantId }: StoreContext): OrderStore {
  const orders = () => db.selectFrom("kb_orders").selectAll().where("tenant_id", "=", tenantId);
  return {
    async insert(record) {
      // A second order for a quote or an external reference breaks a unique constraint: DUPLICATE.
      await db
        .insertInto("kb_orders")
        .values({ tenant_id: tenantId, id: record.id, ...orderColumns(record) })
        .execute();
    },

    async update(record, expectedVersion) {
      const result = await db
        .updateTable("kb_orders")
        .set(orderColumns(record))
        .where("tenant_id", "=", tenantId)
        .where("id", "=", record.id)
        .where("version", "=", expectedVersion)
        .executeTakeFirst();
      return affected(result) > 0;
    },

    async get(id) {
      const row = await orders().where("id", "=", id).executeTakeFirst();
      return row ? orderFromRow(row) : undefined;
    },

    async getByQuote(quoteId) {
      const row = await orders().where("quote_id", "=", quoteId).executeTakeFirst();
      return row ? orderFromRow(row) : undefined;
    },

    async findByExternalRef(system, externalId) {
      const row = await orders().where("external_system", "=", system).where("external_id", "=", externalId).executeTakeFirst();
      return row ? orderFromRow(row) : undefined;
    },

    async listForRelation(relationId) {
      const rows = await orders()
        .where("relation_id", "=", relationId)
        .orderBy("order_date", "desc")
        .orderBy("created_at", "desc")
        .orderBy("id", "desc")
        .execute();
      return rows.map(orderFromRow);
    },
  };
}
