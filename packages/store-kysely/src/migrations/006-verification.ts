import { sql, type ColumnDefinitionBuilder, type Kysely, type Migration } from "kysely";
import type { DialectProfile } from "../dialect-profile.js";

const required = (col: ColumnDefinitionBuilder) => col.notNull();

/** The data-quality tables, in creation order (dropped in reverse by `down`). */
export const VERIFICATION_TABLES = ["kb_field_verifications", "kb_verification_policies", "kb_activities"] as const;

/**
 * Per-field verification (one row per relation and field key, overwritten by each confirmation),
 * the tenant's verification policy, and planned activities. Every key and foreign key starts with
 * `tenant_id`. The verification index by (kind, verified_at) is what the staleness report scans;
 * the activity indexes serve "my open activities" and "overdue" (owner, status, due) and "no
 * planned next step" (relation, status).
 */
export function verificationTables(profile: DialectProfile): Migration {
  const { json, timestamp, key } = profile.types;

  async function up(db: Kysely<unknown>): Promise<void> {
    const table = (name: string) => db.schema.createTable(name).addColumn("tenant_id", key, required);
    const byId: ["tenant_id", "id"] = ["tenant_id", "id"];

    await table("kb_field_verifications")
      .addColumn("relation_id", key, required)
      .addColumn("field", key, required)
      .addColumn("kind", "text", required)
      .addColumn("verified_at", timestamp, required)
      .addColumn("verified_by", "text", required)
      .addColumn("source", "text", required)
      .addPrimaryKeyConstraint("kb_field_verifications_pk", ["tenant_id", "relation_id", "field"])
      .addForeignKeyConstraint("kb_field_verifications_relation_fk", ["tenant_id", "relation_id"], "kb_relations", byId)
      .addCheckConstraint("kb_field_verifications_kind_ck", sql`kind in ('name', 'email', 'phone', 'address', 'jobTitle', 'attribute')`)
      .execute();
    await db.schema.createIndex("kb_field_verifications_kind_idx").on("kb_field_verifications").columns(["tenant_id", "kind", "verified_at"]).execute();

    await table("kb_verification_policies")
      .addColumn("policy", json, required)
      .addColumn("updated_at", timestamp, required)
      .addPrimaryKeyConstraint("kb_verification_policies_pk", ["tenant_id"])
      .execute();

    await table("kb_activities")
      .addColumn("id", key, required)
      .addColumn("subject", "text", required)
      .addColumn("kind", "text", required)
      .addColumn("relation_id", key, required)
      .addColumn("deal_id", key)
      .addColumn("owner_id", key, required)
      .addColumn("due_at", timestamp, required)
      .addColumn("time_zone", "text")
      .addColumn("reminder_at", timestamp)
      .addColumn("notes", "text")
      .addColumn("status", "text", required)
      .addColumn("closed_at", timestamp)
      .addColumn("interaction_id", key)
      .addColumn("version", "integer", required)
      .addColumn("created_at", timestamp, required)
      .addColumn("updated_at", timestamp, required)
      .addPrimaryKeyConstraint("kb_activities_pk", byId)
      .addForeignKeyConstraint("kb_activities_relation_fk", ["tenant_id", "relation_id"], "kb_relations", byId)
      .addForeignKeyConstraint("kb_activities_deal_fk", ["tenant_id", "deal_id"], "kb_deals", byId)
      .addForeignKeyConstraint("kb_activities_interaction_fk", ["tenant_id", "interaction_id"], "kb_interactions", byId)
      .addCheckConstraint("kb_activities_status_ck", sql`status in ('open', 'done', 'cancelled')`)
      // A done activity names the contact moment it logged; an open one is not closed.
      .addCheckConstraint("kb_activities_done_ck", sql`(status = 'done') = (interaction_id is not null) and (status = 'open') = (closed_at is null)`)
      .execute();
    await db.schema.createIndex("kb_activities_owner_idx").on("kb_activities").columns(["tenant_id", "owner_id", "status", "due_at", "id"]).execute();
    await db.schema.createIndex("kb_activities_status_idx").on("kb_activities").columns(["tenant_id", "status", "due_at", "id"]).execute();
    await db.schema.createIndex("kb_activities_relation_idx").on("kb_activities").columns(["tenant_id", "relation_id", "status"]).execute();
  }

  async function down(db: Kysely<unknown>): Promise<void> {
    for (const name of [...VERIFICATION_TABLES].reverse()) await db.schema.dropTable(name).ifExists().execute();
  }

  return { up, down };
}
