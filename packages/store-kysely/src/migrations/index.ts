import type { Migration, MigrationProvider } from "kysely";
import type { DialectProfile } from "../dialect-profile.js";
import { foundation } from "./001-foundation.js";
import { sales } from "./002-sales.js";
import { syncTables } from "./003-sync.js";
import { segmentTables } from "./004-segments.js";
import { duplicateTables } from "./005-duplicates.js";
import { verificationTables } from "./006-verification.js";
import { targetTables } from "./007-targets.js";
import { privacyTables } from "./012-privacy.js";
import { searchTables } from "./013-search.js";
import { mergeTables } from "./014-merges.js";
import { unmatchedIndexes } from "./015-unmatched.js";
import { meetingKeys } from "./016-meeting-keys.js";

/** Names of every migration, in the order they apply. New migrations sort after the last one. */
export const MIGRATION_NAMES = [
  "001-foundation",
  "002-sales",
  "003-sync",
  "004-segments",
  "005-duplicates",
  "006-verification",
  "007-targets",
  "012-privacy",
  "013-search",
  "014-merges",
  "015-unmatched",
  "016-meeting-keys",
] as const;

/**
 * The Kaartenbak migrations for an engine, as a Kysely {@link MigrationProvider}. Hosts that run
 * their own Kysely `Migrator` can use this directly; it takes the profile because column types
 * (JSON, timestamps, 64-bit integers, binary-collated keys) differ per engine.
 *
 * @example
 * new Migrator({ db, provider: migrations(sqliteProfile), migrationTableName: "kb_migration",
 *   migrationLockTableName: "kb_migration_lock" })
 */
export function migrations(profile: DialectProfile): MigrationProvider {
  const all: Record<(typeof MIGRATION_NAMES)[number], Migration> = {
    "001-foundation": foundation(profile),
    "002-sales": sales(profile),
    "003-sync": syncTables(profile),
    "004-segments": segmentTables(profile),
    "005-duplicates": duplicateTables(profile),
    "006-verification": verificationTables(profile),
    "007-targets": targetTables(profile),
    "012-privacy": privacyTables(profile),
    "013-search": searchTables(profile),
    "014-merges": mergeTables(profile),
    "015-unmatched": unmatchedIndexes(profile),
    "016-meeting-keys": meetingKeys(),
  };
  return { getMigrations: () => Promise.resolve(all) };
}
