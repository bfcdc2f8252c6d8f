import { sql, type ColumnDefinitionBuilder, type Kysely, type Migration } from "kysely";
import type { DialectProfile } from "../dialect-profile.js";

const required = (col: ColumnDefinitionBuilder) => col.notNull();

/** The duplicate-detection tables, in creation order (dropped in reverse by `down`). */
export const DUPLICATE_TABLES = ["kb_duplicate_keys", "kb_duplicate_pairs"] as const;

/**
 * Duplicate detection: the blocking keys a scan writes (one row per relation and key; the
 * `(tenant_id, key)` index is what the self-join that finds candidate pairs reads) and the
 * reviewable list of candidate pairs. Keys are derived data and carry no foreign key, so a scan
 * can rebuild them freely; pairs reference both relations.
 */
export function duplicateTables(profile: DialectProfile): Migration {
  const { json, timestamp, key } = profile.types;

  async function up(db: Kysely<unknown>): Promise<void> {
    const table = (name: string) => db.schema.createTable(name).addColumn("tenant_id", key, required);
    const byId = ["tenant_id", "id"];

    await table("kb_duplicate_keys")
      .addColumn("key", key, required)
      .addColumn("relation_id", key, required)
      .addPrimaryKeyConstraint("kb_duplicate_keys_pk", ["tenant_id", "key", "relation_id"])
      .execute();
    await db.schema.createIndex("kb_duplicate_keys_relation_idx").on("kb_duplicate_keys").columns(["tenant_id", "relation_id"]).execute();

    await table("kb_duplicate_pairs")
      .addColumn("first_id", key, required)
      .addColumn("second_id", key, required)
      .addColumn("status", "text", required)
      .addColumn("score", "double precision", required)
      .addColumn("reasons", json, required)
      .addColumn("found_at", timestamp, required)
      .addColumn("updated_at", timestamp, required)
      .addPrimaryKeyConstraint("kb_duplicate_pairs_pk", ["tenant_id", "first_id", "second_id"])
      .addForeignKeyConstraint("kb_duplicate_pairs_first_fk", ["tenant_id", "first_id"], "kb_relations", byId)
      .addForeignKeyConstraint("kb_duplicate_pairs_second_fk", ["tenant_id", "second_id"], "kb_relations", byId)
      .addCheckConstraint("kb_duplicate_pairs_status_ck", sql`status in ('open', 'merged', 'dismissed')`)
      .addCheckConstraint("kb_duplicate_pairs_order_ck", sql`first_id < second_id`)
      .execute();
    await db.schema.createIndex("kb_duplicate_pairs_review_idx").on("kb_duplicate_pairs").columns(["tenant_id", "status", "score"]).execute();
    await db.schema.createIndex("kb_duplicate_pairs_second_idx").on("kb_duplicate_pairs").columns(["tenant_id", "second_id"]).execute();
  }

  async function down(db: Kysely<unknown>): Promise<void> {
    for (const name of [...DUPLICATE_TABLES].reverse()) await db.schema.dropTable(name).ifExists().execute();
  }

  return { up, down };
}
