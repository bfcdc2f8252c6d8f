import { sql, type Kysely, type Migration } from "kysely";
import type { DialectProfile } from "../dialect-profile.js";

/** The search tables, in creation order (dropped in reverse by `down`). */
export const SEARCH_TABLES = ["kb_search_documents"] as const;

/**
 * Search documents: one row per live relation and contact moment, holding the folded tokens core
 * derives from it (`relationSearchText`, `interactionSearchText`) in two weighted parts. The store
 * rewrites a document in the same transaction as every write of what it is derived from, so the
 * index is never behind; a deleted relation or contact moment has no document at all.
 *
 * The table is the same on every engine; the engine's own full-text index over it comes from the
 * profile (`profile.search.createIndex`): FTS5 tables kept by triggers on SQLite, generated
 * tsvector columns with GIN indexes on Postgres. The key starts with `tenant_id` like every other
 * (the table is distributed with the rest on Citus); `entity` tells relations from contact moments.
 */
export function searchTables(profile: DialectProfile): Migration {
  const { key } = profile.types;

  async function up(db: Kysely<unknown>): Promise<void> {
    await db.schema
      .createTable("kb_search_documents")
      .addColumn("tenant_id", key, (c) => c.notNull())
      .addColumn("entity", key, (c) => c.notNull())
      .addColumn("entity_id", key, (c) => c.notNull())
      .addColumn("title", "text", (c) => c.notNull())
      .addColumn("body", "text", (c) => c.notNull())
      .addPrimaryKeyConstraint("kb_search_documents_pk", ["tenant_id", "entity", "entity_id"])
      .addCheckConstraint("kb_search_documents_entity_ck", sql`entity in ('relation', 'interaction')`)
      .execute();
    await profile.search.createIndex(db);
  }

  async function down(db: Kysely<unknown>): Promise<void> {
    await profile.search.dropIndex(db);
    for (const name of [...SEARCH_TABLES].reverse()) await db.schema.dropTable(name).ifExists().execute();
  }

  return { up, down };
}
