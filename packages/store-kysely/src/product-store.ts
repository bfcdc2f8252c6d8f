import type { ProductStore } from "@kaartenbak/core/storage";
import { productColumns, productFromRow } from "./rows-sales.js";
import { affected, inChunks, type StoreContext } from "./store-context.js";

/** The product catalogue, for one tenant. */
export function productStore({ db, tenantId }: StoreContext): ProductStore {
  const products = () => db.selectFrom("kb_products").selectAll().where("tenant_id", "=", tenantId);
  return {
    async insert(record) {
      // A taken code breaks the (tenant_id, code) unique constraint: the profile maps it to DUPLICATE.
      await db
        .insertInto("kb_products")
        .values({ tenant_id: tenantId, id: record.id, ...productColumns(record) })
        .execute();
    },

    async update(record, expectedVersion) {
      const result = await db
        .updateTable("kb_products")
        .set(productColumns(record))
        .where("tenant_id", "=", tenantId)
        .where("id", "=", record.id)
        .where("version", "=", expectedVersion)
        .executeTakeFirst();
      return affected(result) > 0;
    },

    async get(id) {
      const row = await products().where("id", "=", id).executeTakeFirst();
      return row ? productFromRow(row) : undefined;
    },

    async getMany(ids) {
      return (await inChunks(ids, (chunk) => products().where("id", "in", chunk).execute())).map(productFromRow);
    },

    async getByCode(code) {
      const row = await products().where("code", "=", code).executeTakeFirst();
      return row ? productFromRow(row) : undefined;
    },

    async list() {
      return (await products().orderBy("code").execute()).map(productFromRow);
    },
  };
}
