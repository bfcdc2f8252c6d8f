import { sql, type Kysely, type Migration } from "kysely";
import type { DialectProfile } from "../dialect-profile.js";

/**
 * Unmatched contact moments. Two indexes, no new table:
 *
 * - `kb_interaction_participants_unclaimed_idx` (tenant_id, address) over participants without a
 *   relation only (a partial index, the same on both engines): every write that gives a relation
 *   an e-mail address probes it for participants to claim, so the probe must stay an index lookup
 *   however many participants are already claimed. Claimed participants leave the index.
 * - `kb_interactions_recent_idx` (tenant_id, occurred_at, id) over live interactions: the
 *   unmatched list reads the tenant's interactions newest first from it and skips linked ones.
 *
 * Existing rows are left as they are: participants stored before this migration are claimed by
 * the next write that gives a live relation their address.
 */
export function unmatchedIndexes(_profile: DialectProfile): Migration {
  async function up(db: Kysely<unknown>): Promise<void> {
    await db.schema
      .createIndex("kb_interaction_participants_unclaimed_idx")
      .on("kb_interaction_participants")
      .columns(["tenant_id", "address"])
      .where(sql.ref("relation_id"), "is", null)
      .execute();
    await db.schema
      .createIndex("kb_interactions_recent_idx")
      .on("kb_interactions")
      .columns(["tenant_id", "occurred_at", "id"])
      .where(sql.ref("deleted_at"), "is", null)
      .execute();
  }

  async function down(db: Kysely<unknown>): Promise<void> {
    await db.schema.dropIndex("kb_interactions_recent_idx").ifExists().execute();
    await db.schema.dropIndex("kb_interaction_participants_unclaimed_idx").ifExists().execute();
  }

  return { up, down };
}
