import type { ColumnDefinitionBuilder, Kysely, Migration } from "kysely";
import type { DialectProfile } from "../dialect-profile.js";

const required = (col: ColumnDefinitionBuilder) => col.notNull();
const SYNC_TABLES = ["kb_sync_items", "kb_sync_leases", "kb_sync_states"] as const;

/**
 * The sync engine's bookkeeping: state per (account, resource), one lease per account, and the map
 * from remote items to CRM entities. Tenant first in every key, like every other table. Entity ids
 * carry no foreign key: an item may point at a relation or an interaction, and soft deletes keep
 * those rows anyway.
 */
export function syncTables(profile: DialectProfile): Migration {
  const { json, timestamp, key } = profile.types;

  async function up(db: Kysely<unknown>): Promise<void> {
    const table = (name: string) => db.schema.createTable(name).addColumn("tenant_id", key, required);

    await table("kb_sync_states")
      .addColumn("account", key, required)
      .addColumn("resource", key, required)
      .addColumn("stage", "text", required)
      .addColumn("cursor", "text")
      .addColumn("pass", "integer", required)
      .addColumn("last_success_at", timestamp)
      .addColumn("last_attempt_at", timestamp)
      .addColumn("last_error", json)
      .addColumn("failure_count", "integer", required)
      .addColumn("details", json, required)
      .addColumn("version", "integer", required)
      .addColumn("updated_at", timestamp, required)
      .addPrimaryKeyConstraint("kb_sync_states_pk", ["tenant_id", "account", "resource"])
      .execute();

    await table("kb_sync_leases")
      .addColumn("account", key, required)
      .addColumn("holder", key, required)
      .addColumn("acquired_at", timestamp, required)
      .addColumn("expires_at", timestamp, required)
      .addPrimaryKeyConstraint("kb_sync_leases_pk", ["tenant_id", "account"])
      .execute();

    await table("kb_sync_items")
      .addColumn("account", key, required)
      .addColumn("resource", key, required)
      .addColumn("external_id", key, required)
      .addColumn("entity_type", "text", required)
      .addColumn("entity_id", key, required)
      .addColumn("change_key", "text")
      .addColumn("origin", "text", required)
      .addColumn("pass", "integer", required)
      .addColumn("updated_at", timestamp, required)
      .addPrimaryKeyConstraint("kb_sync_items_pk", ["tenant_id", "account", "resource", "external_id"])
      .execute();
    // Which remote items map to an entity (shared messages, pushes of a relation).
    await db.schema.createIndex("kb_sync_items_entity_idx").on("kb_sync_items").columns(["tenant_id", "entity_type", "entity_id"]).execute();
    // Reconciliation lists the items a full pass did not reach.
    await db.schema.createIndex("kb_sync_items_pass_idx").on("kb_sync_items").columns(["tenant_id", "account", "resource", "pass"]).execute();
  }

  async function down(db: Kysely<unknown>): Promise<void> {
    for (const name of SYNC_TABLES) await db.schema.dropTable(name).ifExists().execute();
  }

  return { up, down };
}
