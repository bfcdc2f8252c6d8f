import type { Kysely, Migration } from "kysely";
import type { DialectProfile } from "../dialect-profile.js";

/** The privacy tables, in creation order. */
export const PRIVACY_TABLES = ["kb_erasure_keys"] as const;

/**
 * Erasure keys: digests of the e-mail addresses, phone numbers, external references and remote
 * items of erased relations, so a later sync page or import cannot bring them back. The key is
 * the primary key (with the tenant): recognising an identifier is one index probe. No foreign
 * key to the relation: the pseudonymised relation row stays anyway, and the key must outlive any
 * later clean-up of it.
 */
export function privacyTables(profile: DialectProfile): Migration {
  const { timestamp, key } = profile.types;

  async function up(db: Kysely<unknown>): Promise<void> {
    await db.schema
      .createTable("kb_erasure_keys")
      .addColumn("tenant_id", key, (c) => c.notNull())
      .addColumn("key", key, (c) => c.notNull())
      .addColumn("kind", "text", (c) => c.notNull())
      .addColumn("relation_id", key, (c) => c.notNull())
      .addColumn("erased_at", timestamp, (c) => c.notNull())
      .addPrimaryKeyConstraint("kb_erasure_keys_pk", ["tenant_id", "key"])
      .execute();
  }

  async function down(db: Kysely<unknown>): Promise<void> {
    for (const name of [...PRIVACY_TABLES].reverse()) await db.schema.dropTable(name).ifExists().execute();
  }

  return { up, down };
}
