import type { AttributeModelStore } from "@kaartenbak/core/storage";
import { attributeModelFromRow, toJson } from "./rows.js";
import type { StoreContext } from "./store-context.js";

/** The attribute-registry versions one tenant has written with. */
export function attributeModelStore({ db, tenantId }: StoreContext): AttributeModelStore {
  const models = () => db.selectFrom("kb_attribute_models").selectAll().where("tenant_id", "=", tenantId);

  return {
    async get(version) {
      const row = await models().where("version", "=", version).executeTakeFirst();
      return row ? attributeModelFromRow(row) : undefined;
    },

    async latest() {
      const row = await models().orderBy("version", "desc").limit(1).executeTakeFirst();
      return row ? attributeModelFromRow(row) : undefined;
    },

    async insert(record) {
      // A new tenant's first writers may race to record the same version. The loser's insert does
      // nothing (and, on Postgres, does not abort its transaction); core re-reads and compares.
      await db
        .insertInto("kb_attribute_models")
        .values({
          tenant_id: tenantId,
          version: record.version,
          fingerprint: record.fingerprint,
          definition: toJson(record.definition),
          recorded_at: record.recordedAt,
        })
        .onConflict((oc) => oc.columns(["tenant_id", "version"]).doNothing())
        .execute();
    },
  };
}
