import { sql, type Kysely, type Migration } from "kysely";
import type { DialectProfile } from "../dialect-profile.js";

/** The merge tables, in creation order. */
export const MERGE_TABLES = ["kb_merges"] as const;

/**
 * Merges with their row logs. Foreign keys to both relations: a merged relation is a tombstone,
 * never removed, so the log always names rows that exist. The loser index serves the lookup that
 * resolves a merged relation's id to its survivor; the survivor index lists a relation's merges.
 */
export function mergeTables(profile: DialectProfile): Migration {
  const { json, timestamp, key } = profile.types;

  async function up(db: Kysely<unknown>): Promise<void> {
    await db.schema
      .createTable("kb_merges")
      .addColumn("tenant_id", key, (c) => c.notNull())
      .addColumn("id", key, (c) => c.notNull())
      .addColumn("survivor_id", key, (c) => c.notNull())
      .addColumn("loser_id", key, (c) => c.notNull())
      .addColumn("status", "text", (c) => c.notNull())
      .addColumn("merged_at", timestamp, (c) => c.notNull())
      .addColumn("undone_at", timestamp)
      .addColumn("actor", "text", (c) => c.notNull())
      .addColumn("source", "text", (c) => c.notNull())
      .addColumn("summary", json, (c) => c.notNull())
      .addColumn("changes", json, (c) => c.notNull())
      .addPrimaryKeyConstraint("kb_merges_pk", ["tenant_id", "id"])
      .addForeignKeyConstraint("kb_merges_survivor_fk", ["tenant_id", "survivor_id"], "kb_relations", ["tenant_id", "id"])
      .addForeignKeyConstraint("kb_merges_loser_fk", ["tenant_id", "loser_id"], "kb_relations", ["tenant_id", "id"])
      .addCheckConstraint("kb_merges_status_ck", sql`status in ('applied', 'undone')`)
      .execute();
    await db.schema.createIndex("kb_merges_loser_idx").on("kb_merges").columns(["tenant_id", "loser_id", "status"]).execute();
    await db.schema.createIndex("kb_merges_survivor_idx").on("kb_merges").columns(["tenant_id", "survivor_id"]).execute();
  }

  async function down(db: Kysely<unknown>): Promise<void> {
    for (const name of [...MERGE_TABLES].reverse()) await db.schema.dropTable(name).ifExists().execute();
  }

  return { up, down };
}
