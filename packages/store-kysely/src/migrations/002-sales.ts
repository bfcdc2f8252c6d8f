import { sql, type ColumnDefinitionBuilder, type ForeignKeyConstraintBuilder, type Kysely, type Migration } from "kysely";
import type { DialectProfile } from "../dialect-profile.js";

const required = (col: ColumnDefinitionBuilder) => col.notNull();
// Child rows belong to their parent: removing the parent removes them.
const cascade = (fk: ForeignKeyConstraintBuilder) => fk.onDelete("cascade");

/** The sales tables, in creation order (dropped in reverse by `down`). */
export const SALES_TABLES = [
  "kb_pipelines",
  "kb_pipeline_stages",
  "kb_lost_reasons",
  "kb_deals",
  "kb_deal_contacts",
  "kb_deal_stage_history",
  "kb_products",
  "kb_quotes",
  "kb_quote_lines",
  "kb_orders",
  "kb_interaction_deals",
] as const;

/**
 * Pipelines, stages, lost reasons, deals with contacts and stage history, products, quotes with
 * lines, orders, and interaction ↔ deal links. Every key and foreign key starts with `tenant_id`.
 * A deal's (pipeline, stage) pair and a stay's (pipeline, stage) pair reference the stage's
 * (pipeline_id, id), so the database itself refuses a stage of another pipeline. Calendar dates are
 * `YYYY-MM-DD` text in the binary-collated `key` type, because reports range-scan them and take
 * months and quarters from them with `substr`.
 */
export function sales(profile: DialectProfile): Migration {
  const { json, timestamp, bigint, key } = profile.types;

  async function up(db: Kysely<unknown>): Promise<void> {
    const table = (name: string) => db.schema.createTable(name).addColumn("tenant_id", key, required);
    const index = (name: string, on: string, columns: string[]) => db.schema.createIndex(name).on(on).columns(columns).execute();
    const byId = ["tenant_id", "id"];

    await table("kb_pipelines")
      .addColumn("id", key, required)
      .addColumn("name", "text", required)
      .addColumn("version", "integer", required)
      .addColumn("created_at", timestamp, required)
      .addColumn("updated_at", timestamp, required)
      .addPrimaryKeyConstraint("kb_pipelines_pk", ["tenant_id", "id"])
      .execute();

    await table("kb_pipeline_stages")
      .addColumn("id", key, required)
      .addColumn("pipeline_id", key, required)
      .addColumn("name", "text", required)
      .addColumn("position", "integer", required)
      .addColumn("probability", "integer", required)
      .addColumn("kind", "text", required)
      .addColumn("retired_at", timestamp)
      .addColumn("version", "integer", required)
      .addColumn("created_at", timestamp, required)
      .addColumn("updated_at", timestamp, required)
      .addPrimaryKeyConstraint("kb_pipeline_stages_pk", ["tenant_id", "id"])
      // The target of the (pipeline, stage) foreign keys below.
      .addUniqueConstraint("kb_pipeline_stages_pipeline_uq", ["tenant_id", "pipeline_id", "id"])
      .addForeignKeyConstraint("kb_pipeline_stages_pipeline_fk", ["tenant_id", "pipeline_id"], "kb_pipelines", byId)
      .addCheckConstraint("kb_pipeline_stages_probability_ck", sql`probability between 0 and 100`)
      .addCheckConstraint("kb_pipeline_stages_kind_ck", sql`kind in ('open', 'won', 'lost')`)
      .execute();

    await table("kb_lost_reasons")
      .addColumn("code", key, required)
      .addColumn("label", "text", required)
      .addColumn("retired_at", timestamp)
      .addColumn("version", "integer", required)
      .addColumn("created_at", timestamp, required)
      .addColumn("updated_at", timestamp, required)
      .addPrimaryKeyConstraint("kb_lost_reasons_pk", ["tenant_id", "code"])
      .execute();

    await table("kb_deals")
      .addColumn("id", key, required)
      .addColumn("title", "text", required)
      .addColumn("relation_id", key, required)
      .addColumn("owner_id", key)
      .addColumn("pipeline_id", key, required)
      .addColumn("stage_id", key, required)
      .addColumn("status", "text", required)
      .addColumn("amount", bigint, required)
      .addColumn("currency", "text", required)
      .addColumn("expected_close_date", key)
      .addColumn("source", "text")
      .addColumn("lost_reason", key)
      .addColumn("closed_at", timestamp)
      .addColumn("attributes", json, required)
      .addColumn("attributes_version", "integer", required)
      .addColumn("version", "integer", required)
      .addColumn("created_at", timestamp, required)
      .addColumn("updated_at", timestamp, required)
      .addColumn("deleted_at", timestamp)
      .addPrimaryKeyConstraint("kb_deals_pk", ["tenant_id", "id"])
      .addForeignKeyConstraint("kb_deals_relation_fk", ["tenant_id", "relation_id"], "kb_relations", byId)
      .addForeignKeyConstraint("kb_deals_stage_fk", ["tenant_id", "pipeline_id", "stage_id"], "kb_pipeline_stages", ["tenant_id", "pipeline_id", "id"])
      .addForeignKeyConstraint("kb_deals_lost_reason_fk", ["tenant_id", "lost_reason"], "kb_lost_reasons", ["tenant_id", "code"])
      .addCheckConstraint("kb_deals_amount_ck", sql`amount >= 0`)
      .addCheckConstraint("kb_deals_status_ck", sql`status in ('open', 'won', 'lost')`)
      .execute();
    await index("kb_deals_pipeline_idx", "kb_deals", ["tenant_id", "pipeline_id", "stage_id"]);
    await index("kb_deals_relation_idx", "kb_deals", ["tenant_id", "relation_id"]);
    await index("kb_deals_list_idx", "kb_deals", ["tenant_id", "created_at", "id"]);

    await table("kb_deal_contacts")
      .addColumn("deal_id", key, required)
      .addColumn("relation_id", key, required)
      .addColumn("position", "integer", required)
      .addPrimaryKeyConstraint("kb_deal_contacts_pk", ["tenant_id", "deal_id", "relation_id"])
      .addForeignKeyConstraint("kb_deal_contacts_deal_fk", ["tenant_id", "deal_id"], "kb_deals", byId, cascade)
      .addForeignKeyConstraint("kb_deal_contacts_relation_fk", ["tenant_id", "relation_id"], "kb_relations", byId)
      .execute();

    await table("kb_deal_stage_history")
      .addColumn("id", key, required)
      .addColumn("deal_id", key, required)
      .addColumn("pipeline_id", key, required)
      .addColumn("stage_id", key, required)
      .addColumn("entered_at", timestamp, required)
      .addColumn("left_at", timestamp)
      .addPrimaryKeyConstraint("kb_deal_stage_history_pk", ["tenant_id", "id"])
      .addForeignKeyConstraint("kb_deal_stage_history_deal_fk", ["tenant_id", "deal_id"], "kb_deals", byId, cascade)
      .addForeignKeyConstraint("kb_deal_stage_history_stage_fk", ["tenant_id", "pipeline_id", "stage_id"], "kb_pipeline_stages", [
        "tenant_id",
        "pipeline_id",
        "id",
      ])
      .execute();
    await index("kb_deal_stage_history_deal_idx", "kb_deal_stage_history", ["tenant_id", "deal_id", "entered_at"]);
    // Funnel and velocity read one pipeline's stays by time.
    await index("kb_deal_stage_history_entered_idx", "kb_deal_stage_history", ["tenant_id", "pipeline_id", "entered_at"]);
    await index("kb_deal_stage_history_left_idx", "kb_deal_stage_history", ["tenant_id", "pipeline_id", "left_at"]);

    await table("kb_products")
      .addColumn("id", key, required)
      .addColumn("code", key, required)
      .addColumn("name", "text", required)
      .addColumn("description", "text")
      .addColumn("unit_price", bigint, required)
      .addColumn("currency", "text", required)
      .addColumn("tax_rate_ppm", "integer", required)
      .addColumn("retired_at", timestamp)
      .addColumn("version", "integer", required)
      .addColumn("created_at", timestamp, required)
      .addColumn("updated_at", timestamp, required)
      .addPrimaryKeyConstraint("kb_products_pk", ["tenant_id", "id"])
      .addUniqueConstraint("kb_products_code_uq", ["tenant_id", "code"])
      .addCheckConstraint("kb_products_price_ck", sql`unit_price >= 0`)
      .execute();

    await table("kb_quotes")
      .addColumn("id", key, required)
      .addColumn("group_id", key, required)
      .addColumn("revision", "integer", required)
      .addColumn("deal_id", key)
      .addColumn("relation_id", key, required)
      .addColumn("title", "text")
      .addColumn("currency", "text", required)
      .addColumn("status", "text", required)
      .addColumn("valid_until", key)
      .addColumn("notes", "text")
      .addColumn("subtotal", bigint, required)
      .addColumn("tax_total", bigint, required)
      .addColumn("total", bigint, required)
      .addColumn("sent_at", timestamp)
      .addColumn("decided_at", timestamp)
      .addColumn("superseded_by_id", key)
      .addColumn("version", "integer", required)
      .addColumn("created_at", timestamp, required)
      .addColumn("updated_at", timestamp, required)
      .addPrimaryKeyConstraint("kb_quotes_pk", ["tenant_id", "id"])
      .addUniqueConstraint("kb_quotes_revision_uq", ["tenant_id", "group_id", "revision"])
      .addForeignKeyConstraint("kb_quotes_deal_fk", ["tenant_id", "deal_id"], "kb_deals", byId)
      .addForeignKeyConstraint("kb_quotes_relation_fk", ["tenant_id", "relation_id"], "kb_relations", byId)
      .execute();
    await index("kb_quotes_deal_idx", "kb_quotes", ["tenant_id", "deal_id"]);

    await table("kb_quote_lines")
      .addColumn("quote_id", key, required)
      .addColumn("position", "integer", required)
      .addColumn("product_id", key)
      .addColumn("description", "text", required)
      .addColumn("quantity_milli", bigint, required)
      .addColumn("unit_price", bigint, required)
      .addColumn("discount_ppm", "integer", required)
      .addColumn("tax_rate_ppm", "integer", required)
      .addColumn("net", bigint, required)
      .addColumn("tax", bigint, required)
      .addColumn("total", bigint, required)
      .addPrimaryKeyConstraint("kb_quote_lines_pk", ["tenant_id", "quote_id", "position"])
      .addForeignKeyConstraint("kb_quote_lines_quote_fk", ["tenant_id", "quote_id"], "kb_quotes", byId, cascade)
      .addForeignKeyConstraint("kb_quote_lines_product_fk", ["tenant_id", "product_id"], "kb_products", byId)
      .execute();

    await table("kb_orders")
      .addColumn("id", key, required)
      .addColumn("relation_id", key, required)
      .addColumn("deal_id", key)
      .addColumn("quote_id", key)
      .addColumn("order_date", key, required)
      .addColumn("currency", "text", required)
      .addColumn("net_amount", bigint, required)
      .addColumn("tax_amount", bigint, required)
      .addColumn("total_amount", bigint, required)
      .addColumn("description", "text")
      .addColumn("external_system", key)
      .addColumn("external_id", key)
      .addColumn("cancelled_at", timestamp)
      .addColumn("version", "integer", required)
      .addColumn("created_at", timestamp, required)
      .addColumn("updated_at", timestamp, required)
      .addPrimaryKeyConstraint("kb_orders_pk", ["tenant_id", "id"])
      // NULLs never collide on either engine: orders without a quote or reference are unconstrained.
      .addUniqueConstraint("kb_orders_quote_uq", ["tenant_id", "quote_id"])
      .addUniqueConstraint("kb_orders_external_ref_uq", ["tenant_id", "external_system", "external_id"])
      .addForeignKeyConstraint("kb_orders_relation_fk", ["tenant_id", "relation_id"], "kb_relations", byId)
      .addForeignKeyConstraint("kb_orders_deal_fk", ["tenant_id", "deal_id"], "kb_deals", byId)
      .addForeignKeyConstraint("kb_orders_quote_fk", ["tenant_id", "quote_id"], "kb_quotes", byId)
      .addCheckConstraint("kb_orders_amount_ck", sql`net_amount >= 0 and tax_amount >= 0`)
      .execute();
    await index("kb_orders_date_idx", "kb_orders", ["tenant_id", "order_date"]);
    await index("kb_orders_relation_idx", "kb_orders", ["tenant_id", "relation_id", "order_date"]);

    await table("kb_interaction_deals")
      .addColumn("interaction_id", key, required)
      .addColumn("deal_id", key, required)
      .addColumn("occurred_at", timestamp, required)
      .addColumn("position", "integer", required)
      .addPrimaryKeyConstraint("kb_interaction_deals_pk", ["tenant_id", "interaction_id", "deal_id"])
      .addForeignKeyConstraint("kb_interaction_deals_interaction_fk", ["tenant_id", "interaction_id"], "kb_interactions", byId, cascade)
      .addForeignKeyConstraint("kb_interaction_deals_deal_fk", ["tenant_id", "deal_id"], "kb_deals", byId)
      .execute();
    // A deal's timeline reads newest first straight off this index.
    await index("kb_interaction_deals_timeline_idx", "kb_interaction_deals", ["tenant_id", "deal_id", "occurred_at", "interaction_id"]);
  }

  async function down(db: Kysely<unknown>): Promise<void> {
    for (const name of [...SALES_TABLES].reverse()) await db.schema.dropTable(name).ifExists().execute();
  }

  return { up, down };
}
