import { sql, type ColumnDefinitionBuilder, type ForeignKeyConstraintBuilder, type Kysely, type Migration } from "kysely";
import type { DialectProfile } from "../dialect-profile.js";

const required = (col: ColumnDefinitionBuilder) => col.notNull();
// Member rows belong to their segment or campaign: removing the parent removes them.
const cascade = (fk: ForeignKeyConstraintBuilder) => fk.onDelete("cascade");

/** The segmentation tables, in creation order (dropped in reverse by `down`). */
export const SEGMENT_TABLES = [
  "kb_segments",
  "kb_segment_members",
  "kb_consent_ledger",
  "kb_suppression_ledger",
  "kb_campaigns",
  "kb_campaign_members",
] as const;

/**
 * Segments with their member lists, the consent and suppression ledgers, and campaigns with their
 * members. Every key and foreign key starts with `tenant_id`. The ledgers are append-only by
 * design: no `version`, no `updated_at`, check constraints on their closed vocabularies, and an
 * index in ledger order (`occurred_at`, `id`) per relation, channel (and purpose), which is what
 * "the latest entry decides" reads.
 */
export function segmentTables(profile: DialectProfile): Migration {
  const { json, timestamp, key } = profile.types;

  async function up(db: Kysely<unknown>): Promise<void> {
    const table = (name: string) => db.schema.createTable(name).addColumn("tenant_id", key, required);
    const index = (name: string, on: string, columns: string[]) => db.schema.createIndex(name).on(on).columns(columns).execute();
    const byId = ["tenant_id", "id"];

    await table("kb_segments")
      .addColumn("id", key, required)
      .addColumn("name", "text", required)
      .addColumn("description", "text")
      .addColumn("kind", "text", required)
      .addColumn("filter", json)
      .addColumn("source_segment_id", key)
      .addColumn("taken_at", timestamp)
      .addColumn("version", "integer", required)
      .addColumn("created_at", timestamp, required)
      .addColumn("updated_at", timestamp, required)
      .addColumn("deleted_at", timestamp)
      .addPrimaryKeyConstraint("kb_segments_pk", ["tenant_id", "id"])
      .addForeignKeyConstraint("kb_segments_source_fk", ["tenant_id", "source_segment_id"], "kb_segments", byId)
      .addCheckConstraint("kb_segments_kind_ck", sql`kind in ('dynamic', 'static', 'snapshot')`)
      .execute();

    await table("kb_segment_members")
      .addColumn("segment_id", key, required)
      .addColumn("relation_id", key, required)
      .addColumn("added_at", timestamp, required)
      .addPrimaryKeyConstraint("kb_segment_members_pk", ["tenant_id", "segment_id", "relation_id"])
      .addForeignKeyConstraint("kb_segment_members_segment_fk", ["tenant_id", "segment_id"], "kb_segments", byId, cascade)
      .addForeignKeyConstraint("kb_segment_members_relation_fk", ["tenant_id", "relation_id"], "kb_relations", byId)
      .execute();
    await index("kb_segment_members_relation_idx", "kb_segment_members", ["tenant_id", "relation_id"]);

    await table("kb_consent_ledger")
      .addColumn("id", key, required)
      .addColumn("relation_id", key, required)
      .addColumn("channel", key, required)
      .addColumn("purpose", key, required)
      .addColumn("action", "text", required)
      .addColumn("legal_basis", "text")
      .addColumn("source", "text", required)
      .addColumn("note", "text")
      .addColumn("occurred_at", timestamp, required)
      .addColumn("recorded_at", timestamp, required)
      .addColumn("actor", "text", required)
      .addPrimaryKeyConstraint("kb_consent_ledger_pk", ["tenant_id", "id"])
      .addForeignKeyConstraint("kb_consent_ledger_relation_fk", ["tenant_id", "relation_id"], "kb_relations", byId)
      .addCheckConstraint("kb_consent_ledger_action_ck", sql`action in ('opt_in', 'opt_out')`)
      .addCheckConstraint("kb_consent_ledger_basis_ck", sql`action = 'opt_out' or legal_basis is not null`)
      .execute();
    await index("kb_consent_ledger_latest_idx", "kb_consent_ledger", ["tenant_id", "relation_id", "channel", "purpose", "occurred_at", "id"]);

    await table("kb_suppression_ledger")
      .addColumn("id", key, required)
      .addColumn("relation_id", key, required)
      .addColumn("channel", key, required)
      .addColumn("action", "text", required)
      .addColumn("reason", "text", required)
      .addColumn("source", "text", required)
      .addColumn("occurred_at", timestamp, required)
      .addColumn("recorded_at", timestamp, required)
      .addColumn("actor", "text", required)
      .addPrimaryKeyConstraint("kb_suppression_ledger_pk", ["tenant_id", "id"])
      .addForeignKeyConstraint("kb_suppression_ledger_relation_fk", ["tenant_id", "relation_id"], "kb_relations", byId)
      .addCheckConstraint("kb_suppression_ledger_action_ck", sql`action in ('suppress', 'lift')`)
      .execute();
    await index("kb_suppression_ledger_latest_idx", "kb_suppression_ledger", ["tenant_id", "relation_id", "channel", "occurred_at", "id"]);

    await table("kb_campaigns")
      .addColumn("id", key, required)
      .addColumn("name", "text", required)
      .addColumn("description", "text")
      .addColumn("segment_id", key, required)
      .addColumn("channel", key, required)
      .addColumn("purpose", key, required)
      .addColumn("status", "text", required)
      .addColumn("launched_at", timestamp)
      .addColumn("targeted", "integer", required)
      .addColumn("excluded", "integer", required)
      .addColumn("version", "integer", required)
      .addColumn("created_at", timestamp, required)
      .addColumn("updated_at", timestamp, required)
      .addPrimaryKeyConstraint("kb_campaigns_pk", ["tenant_id", "id"])
      .addForeignKeyConstraint("kb_campaigns_segment_fk", ["tenant_id", "segment_id"], "kb_segments", byId)
      .addCheckConstraint("kb_campaigns_status_ck", sql`status in ('draft', 'launched')`)
      .execute();

    await table("kb_campaign_members")
      .addColumn("campaign_id", key, required)
      .addColumn("relation_id", key, required)
      .addColumn("status", "text", required)
      .addColumn("reason", "text")
      .addColumn("address", "text")
      .addColumn("status_at", timestamp, required)
      .addColumn("version", "integer", required)
      .addPrimaryKeyConstraint("kb_campaign_members_pk", ["tenant_id", "campaign_id", "relation_id"])
      .addForeignKeyConstraint("kb_campaign_members_campaign_fk", ["tenant_id", "campaign_id"], "kb_campaigns", byId, cascade)
      .addForeignKeyConstraint("kb_campaign_members_relation_fk", ["tenant_id", "relation_id"], "kb_relations", byId)
      // An excluded member always says why; a targeted one never does.
      .addCheckConstraint("kb_campaign_members_reason_ck", sql`(status = 'excluded') = (reason is not null)`)
      .execute();
    await index("kb_campaign_members_status_idx", "kb_campaign_members", ["tenant_id", "campaign_id", "status", "relation_id"]);
    await index("kb_campaign_members_relation_idx", "kb_campaign_members", ["tenant_id", "relation_id"]);
  }

  async function down(db: Kysely<unknown>): Promise<void> {
    for (const name of [...SEGMENT_TABLES].reverse()) await db.schema.dropTable(name).ifExists().execute();
  }

  return { up, down };
}
