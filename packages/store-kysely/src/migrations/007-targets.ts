import { sql, type ColumnDefinitionBuilder, type Kysely, type Migration } from "kysely";
import type { DialectProfile } from "../dialect-profile.js";

const required = (col: ColumnDefinitionBuilder) => col.notNull();

/** The targets tables, in creation order (dropped in reverse by `down`). */
export const TARGET_TABLES = ["kb_targets"] as const;

/**
 * Sales targets. The key starts with `tenant_id` like every other; the natural key (metric,
 * period, owner, currency) is unique per tenant, and the lookup index serves the attainment report's
 * range scan over periods of one granularity. Owner ids are not a foreign key: owners are the
 * host's users, which Kaartenbak does not store (deals and relations keep them as plain ids too).
 */
export function targetTables(profile: DialectProfile): Migration {
  const { timestamp, key, bigint } = profile.types;

  async function up(db: Kysely<unknown>): Promise<void> {
    await db.schema
      .createTable("kb_targets")
      .addColumn("tenant_id", key, required)
      .addColumn("id", key, required)
      .addColumn("owner_id", key, required)
      .addColumn("metric", key, required)
      .addColumn("granularity", key, required)
      .addColumn("period", key, required)
      .addColumn("currency", key, required)
      .addColumn("amount", bigint, required)
      .addColumn("version", "integer", required)
      .addColumn("created_at", timestamp, required)
      .addColumn("updated_at", timestamp, required)
      .addPrimaryKeyConstraint("kb_targets_pk", ["tenant_id", "id"])
      .addUniqueConstraint("kb_targets_key_uq", ["tenant_id", "metric", "period", "owner_id", "currency"])
      .addCheckConstraint("kb_targets_metric_ck", sql`metric in ('won_value', 'order_value', 'won_count')`)
      .addCheckConstraint("kb_targets_granularity_ck", sql`granularity in ('month', 'quarter')`)
      .addCheckConstraint("kb_targets_amount_ck", sql`amount >= 0`)
      .execute();
    await db.schema.createIndex("kb_targets_period_idx").on("kb_targets").columns(["tenant_id", "granularity", "period"]).execute();
  }

  async function down(db: Kysely<unknown>): Promise<void> {
    for (const name of [...TARGET_TABLES].reverse()) await db.schema.dropTable(name).ifExists().execute();
  }

  return { up, down };
}
