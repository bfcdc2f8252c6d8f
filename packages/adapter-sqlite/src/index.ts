/**
 * @kaartenbak/adapter-sqlite — Kaartenbak on SQLite (better-sqlite3): the embedded default.
 *
 * A thin wrapper around `@kaartenbak/store-kysely`: it opens or adopts the database, sets the
 * pragmas Kaartenbak needs, and contributes the SQLite {@link sqliteProfile}.
 */
export {
  ADAPTER_ID,
  sqliteAdapter,
  type SqliteAdapterOptions,
  type SqliteCommonOptions,
  type SqliteDatabaseLike,
  type SqliteDatabaseOptions,
  type SqliteFileOptions,
  type SqliteKyselyOptions,
  type SqliteMigrateMode,
} from "./adapter.js";
export { classifySqliteError, sqliteProfile } from "./sqlite-profile.js";
