import { CrmError } from "@kaartenbak/core";
import { type MigrationReport } from "@kaartenbak/core/storage";
import { Migrator, type Kysely, type MigrationInfo } from "kysely";
import type { DialectProfile } from "./dialect-profile.js";
import { migrations } from "./migrations/index.js";
import { MIGRATION_LOCK_TABLE, MIGRATION_TABLE, type KyselyDatabase } from "./schema.js";

/** What {@link migrateSchema} needs. */
export interface MigrateOptions {
  /** The database; a Kysely `Transaction` is only checked, never migrated (see below). */
  readonly db: Kysely<KyselyDatabase>;
  /** The engine's profile (column types). */
  readonly profile: DialectProfile;
  /** A Postgres schema for the Kaartenbak tables and the migration bookkeeping; the default schema when absent. */
  readonly schema?: string;
}

/**
 * Brings the schema up to date with Kysely's `Migrator` and reports what it did. Idempotent: a
 * second call applies nothing.
 *
 * Inside a host transaction the migrator cannot run (it manages its own connection and
 * transaction), so this only verifies that the schema is current and throws UNSUPPORTED when it is
 * not: migrate once with the plain Kysely instance at startup instead.
 */
export async function migrateSchema(options: MigrateOptions): Promise<MigrationReport> {
  const { profile, schema } = options;
  const db = schema ? options.db.withSchema(schema) : options.db;
  const migrator = new Migrator({
    db,
    provider: migrations(profile),
    migrationTableName: MIGRATION_TABLE,
    migrationLockTableName: MIGRATION_LOCK_TABLE,
    ...(schema ? { migrationTableSchema: schema } : {}),
  });

  if (db.isTransaction) {
    const all = await readMigrations(migrator);
    const current = executedNames(all);
    const pending = all.length - current.length;
    if (pending > 0) {
      throw new CrmError(
        "CONFIGURATION",
        `The schema lacks ${pending} migration(s), and migrations cannot run inside a host transaction; call migrate() on an adapter built from the Kysely instance itself`,
        { reason: "migrate_in_transaction" },
      );
    }
    return { applied: [], current };
  }

  const { error, results = [] } = await migrator.migrateToLatest();
  if (error !== undefined) {
    const failed = results.find((r) => r.status === "Error")?.migrationName;
    const message = error instanceof Error ? error.message : String(error);
    throw new CrmError("STORAGE", `Migration ${failed ?? "bookkeeping"} failed: ${message}`, { cause: error, reason: "migration_failed" });
  }
  return {
    applied: results.filter((r) => r.status === "Success").map((r) => r.migrationName),
    current: executedNames(await readMigrations(migrator)),
  };
}

function executedNames(all: readonly MigrationInfo[]): string[] {
  return all.filter((m) => m.executedAt !== undefined).map((m) => m.name);
}

async function readMigrations(migrator: Migrator): Promise<readonly MigrationInfo[]> {
  try {
    return await migrator.getMigrations();
  } catch (error) {
    throw new CrmError("STORAGE", `Could not read the migration state: ${error instanceof Error ? error.message : String(error)}`, { cause: error });
  }
}
