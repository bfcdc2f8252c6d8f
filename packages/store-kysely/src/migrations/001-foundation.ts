import type { ColumnDefinitionBuilder, ForeignKeyConstraintBuilder, Kysely, Migration } from "kysely";
import type { DialectProfile } from "../dialect-profile.js";
import { KB_TABLES } from "../schema.js";

const required = (col: ColumnDefinitionBuilder) => col.notNull();
// Child rows belong to their parent: removing the parent removes them.
const cascade = (fk: ForeignKeyConstraintBuilder) => fk.onDelete("cascade");

/**
 * The first schema: every table of the storage contract. Column types that differ between engines
 * come from the profile; everything else is spelled once.
 */
export function foundation(profile: DialectProfile): Migration {
  const { json, timestamp, bigint, key } = profile.types;

  async function up(db: Kysely<unknown>): Promise<void> {
    const table = (name: string) => db.schema.createTable(name).addColumn("tenant_id", key, required);
    const index = (name: string, on: string, columns: string[]) => db.schema.createIndex(name).on(on).columns(columns).execute();
    const toRelation = ["tenant_id", "id"];

    await table("kb_relations")
      .addColumn("id", key, required)
      .addColumn("kind", "text", required)
      .addColumn("name", "text", required)
      .addColumn("name_key", key, required)
      .addColumn("given_name", "text")
      .addColumn("family_name", "text")
      .addColumn("lifecycle", "text", required)
      .addColumn("owner_id", "text")
      .addColumn("addresses", json, required)
      .addColumn("attributes", json, required)
      .addColumn("attributes_version", "integer", required)
      .addColumn("version", "integer", required)
      .addColumn("created_at", timestamp, required)
      .addColumn("updated_at", timestamp, required)
      .addColumn("deleted_at", timestamp)
      .addPrimaryKeyConstraint("kb_relations_pk", ["tenant_id", "id"])
      .execute();
    await index("kb_relations_name_key_idx", "kb_relations", ["tenant_id", "name_key"]);

    for (const [name, value] of [
      ["kb_relation_emails", "email"],
      ["kb_relation_phones", "phone"],
    ] as const) {
      await table(name)
        .addColumn("relation_id", key, required)
        .addColumn(value, key, required)
        .addColumn("label", "text")
        .addColumn("is_primary", "integer", required)
        .addColumn("position", "integer", required)
        .addPrimaryKeyConstraint(`${name}_pk`, ["tenant_id", "relation_id", value])
        .addForeignKeyConstraint(`${name}_relation_fk`, ["tenant_id", "relation_id"], "kb_relations", toRelation, cascade)
        .execute();
      // Covering (the relation id is in the index), so SQLite's planner prefers it over the
      // primary key even before ANALYZE has run; otherwise it scans the tenant's whole list.
      await index(`${name}_${value}_idx`, name, ["tenant_id", value, "relation_id"]);
    }

    await table("kb_relation_tags")
      .addColumn("relation_id", key, required)
      .addColumn("tag", key, required)
      .addPrimaryKeyConstraint("kb_relation_tags_pk", ["tenant_id", "relation_id", "tag"])
      .addForeignKeyConstraint("kb_relation_tags_relation_fk", ["tenant_id", "relation_id"], "kb_relations", toRelation, cascade)
      .execute();
    await index("kb_relation_tags_tag_idx", "kb_relation_tags", ["tenant_id", "tag"]);

    await table("kb_relation_refs")
      .addColumn("system", key, required)
      .addColumn("external_id", key, required)
      .addColumn("relation_id", key, required)
      .addPrimaryKeyConstraint("kb_relation_refs_pk", ["tenant_id", "system", "external_id"])
      .addForeignKeyConstraint("kb_relation_refs_relation_fk", ["tenant_id", "relation_id"], "kb_relations", toRelation, cascade)
      .execute();
    await index("kb_relation_refs_relation_idx", "kb_relation_refs", ["tenant_id", "relation_id"]);

    await table("kb_links")
      .addColumn("id", key, required)
      .addColumn("kind", "text", required)
      .addColumn("from_id", key, required)
      .addColumn("to_id", key, required)
      .addColumn("role", "text")
      .addColumn("job_title", "text")
      .addColumn("valid_from", "text")
      .addColumn("valid_to", "text")
      .addColumn("version", "integer", required)
      .addColumn("created_at", timestamp, required)
      .addColumn("updated_at", timestamp, required)
      .addPrimaryKeyConstraint("kb_links_pk", ["tenant_id", "id"])
      .addForeignKeyConstraint("kb_links_from_fk", ["tenant_id", "from_id"], "kb_relations", toRelation)
      .addForeignKeyConstraint("kb_links_to_fk", ["tenant_id", "to_id"], "kb_relations", toRelation)
      .execute();
    await index("kb_links_from_idx", "kb_links", ["tenant_id", "from_id"]);
    await index("kb_links_to_idx", "kb_links", ["tenant_id", "to_id"]);

    await table("kb_interactions")
      .addColumn("id", key, required)
      .addColumn("kind", "text", required)
      .addColumn("direction", "text")
      .addColumn("channel", "text")
      .addColumn("occurred_at", timestamp, required)
      .addColumn("subject", "text")
      .addColumn("body", "text")
      .addColumn("outcome", "text")
      .addColumn("external_key", "text")
      .addColumn("version", "integer", required)
      .addColumn("created_at", timestamp, required)
      .addColumn("updated_at", timestamp, required)
      .addColumn("deleted_at", timestamp)
      .addPrimaryKeyConstraint("kb_interactions_pk", ["tenant_id", "id"])
      // NULL keys never collide on either engine, so interactions without a key are unconstrained.
      .addUniqueConstraint("kb_interactions_external_key_uq", ["tenant_id", "external_key"])
      .execute();

    await table("kb_interaction_relations")
      .addColumn("interaction_id", key, required)
      .addColumn("relation_id", key, required)
      .addColumn("occurred_at", timestamp, required)
      .addColumn("position", "integer", required)
      .addPrimaryKeyConstraint("kb_interaction_relations_pk", ["tenant_id", "interaction_id", "relation_id"])
      .addForeignKeyConstraint("kb_interaction_relations_interaction_fk", ["tenant_id", "interaction_id"], "kb_interactions", toRelation, cascade)
      .addForeignKeyConstraint("kb_interaction_relations_relation_fk", ["tenant_id", "relation_id"], "kb_relations", toRelation)
      .execute();
    // The timeline reads one relation's interactions newest first straight off this index.
    await index("kb_interaction_relations_timeline_idx", "kb_interaction_relations", ["tenant_id", "relation_id", "occurred_at", "interaction_id"]);

    await table("kb_interaction_participants")
      .addColumn("interaction_id", key, required)
      .addColumn("position", "integer", required)
      .addColumn("role", "text", required)
      .addColumn("relation_id", key)
      .addColumn("address", "text")
      .addColumn("name", "text")
      .addPrimaryKeyConstraint("kb_interaction_participants_pk", ["tenant_id", "interaction_id", "position"])
      .addForeignKeyConstraint("kb_interaction_participants_interaction_fk", ["tenant_id", "interaction_id"], "kb_interactions", toRelation, cascade)
      // A NULL relation_id leaves the composite key unchecked, which is what a raw-address participant needs.
      .addForeignKeyConstraint("kb_interaction_participants_relation_fk", ["tenant_id", "relation_id"], "kb_relations", toRelation)
      .execute();

    await table("kb_history")
      .addColumn("id", key, required)
      .addColumn("entity_type", "text", required)
      .addColumn("entity_id", key, required)
      .addColumn("action", "text", required)
      .addColumn("version", "integer", required)
      .addColumn("changes", json, required)
      .addColumn("actor", "text", required)
      .addColumn("source", "text", required)
      .addColumn("at", timestamp, required)
      .addPrimaryKeyConstraint("kb_history_pk", ["tenant_id", "id"])
      .execute();
    await index("kb_history_entity_idx", "kb_history", ["tenant_id", "entity_type", "entity_id", "at"]);

    await table("kb_outbox")
      .addColumn("sequence", bigint, required)
      .addColumn("id", key, required)
      .addColumn("type", "text", required)
      .addColumn("entity_type", "text", required)
      .addColumn("entity_id", key, required)
      .addColumn("payload", json, required)
      .addColumn("actor", "text", required)
      .addColumn("source", "text", required)
      .addColumn("occurred_at", timestamp, required)
      .addPrimaryKeyConstraint("kb_outbox_pk", ["tenant_id", "sequence"])
      .execute();

    await table("kb_outbox_checkpoints")
      .addColumn("consumer", key, required)
      .addColumn("position", bigint, required)
      .addColumn("updated_at", timestamp, required)
      .addPrimaryKeyConstraint("kb_outbox_checkpoints_pk", ["tenant_id", "consumer"])
      .execute();

    await table("kb_counters")
      .addColumn("name", key, required)
      .addColumn("value", bigint, required)
      .addPrimaryKeyConstraint("kb_counters_pk", ["tenant_id", "name"])
      .execute();

    await table("kb_attribute_models")
      .addColumn("version", "integer", required)
      .addColumn("fingerprint", "text", required)
      .addColumn("definition", json, required)
      .addColumn("recorded_at", timestamp, required)
      .addPrimaryKeyConstraint("kb_attribute_models_pk", ["tenant_id", "version"])
      .execute();
  }

  async function down(db: Kysely<unknown>): Promise<void> {
    for (const name of [...KB_TABLES].reverse()) await db.schema.dropTable(name).ifExists().execute();
  }

  return { up, down };
}
