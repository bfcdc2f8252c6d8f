import type { MigrationReport, StorageAdapter } from "@kaartenbak/core";
import { createKyselyStorage, mapError, type KyselyDatabase } from "@kaartenbak/store-kysely";
import { Kysely, type SqliteDatabase } from "kysely";
import { applyPragmas, ensureForeignKeys } from "./pragmas.js";
import { KaartenbakSqliteDialect } from "./sqlite-dialect.js";
import { withStatementCache } from "./statement-cache.js";
import { sqliteProfile } from "./sqlite-profile.js";

/** The adapter id, as reported by {@link StorageAdapter.id}. */
export const ADAPTER_ID = "sqlite";

/**
 * The subset of a better-sqlite3 `Database` the adapter uses (the same shape Kysely's SQLite
 * dialect needs), so this package's types do not depend on better-sqlite3's.
 */
export interface SqliteDatabaseLike extends SqliteDatabase {
  /** True for an in-memory database (better-sqlite3 sets it); WAL is skipped then. */
  readonly memory?: boolean;
}

/** When the schema is created or upgraded. */
export type SqliteMigrateMode =
  /** The host calls `storage.migrate()` (e.g. at startup or in a deploy step). */
  | "explicit"
  /** Migrations run before the first transaction; handy for scripts, tests and single-process apps. */
  | "on-first-use";

/** Options every way of connecting shares. */
export interface SqliteCommonOptions {
  /** Default `explicit`. */
  readonly migrate?: SqliteMigrateMode;
}

/** Use an open better-sqlite3 database. The adapter sets its pragmas and never closes it. */
export interface SqliteDatabaseOptions extends SqliteCommonOptions {
  readonly database: SqliteDatabaseLike;
  readonly kysely?: never;
  readonly filename?: never;
}

/**
 * Use the host's Kysely instance on SQLite, or a Kysely `Transaction` of it: then every CRM call
 * runs in a savepoint of the host's transaction and commits or rolls back with it. The adapter
 * ensures `foreign_keys = ON` and leaves the other pragmas to the host.
 */
export interface SqliteKyselyOptions extends SqliteCommonOptions {
  /**
   * Any Kysely instance or transaction on SQLite, whatever the host's table types: `any` is the
   * one type every `Kysely<HostDb>` and `Transaction<HostDb>` is assignable to.
   */
  readonly kysely: Kysely<any>;
  readonly database?: never;
  readonly filename?: never;
}

/** Open (and own) a database file with better-sqlite3; `:memory:` gives a private in-memory database. */
export interface SqliteFileOptions extends SqliteCommonOptions {
  readonly filename: string;
  readonly database?: never;
  readonly kysely?: never;
}

/** How {@link sqliteAdapter} reaches the database: an open database, a Kysely instance, or a file name. */
export type SqliteAdapterOptions = SqliteDatabaseOptions | SqliteKyselyOptions | SqliteFileOptions;

const isMemory = (filename: string) => filename === ":memory:" || filename === "" || filename.startsWith("file::memory:");

/** Builds the Kysely instance for the options, and whether the adapter owns it and must check pragmas itself. */
function connect(options: SqliteAdapterOptions): { kysely: Kysely<KyselyDatabase>; owns: boolean; checkPragmas: boolean } {
  if (options.kysely) return { kysely: options.kysely as Kysely<KyselyDatabase>, owns: false, checkPragmas: true };
  if (options.database) {
    const database = options.database;
    applyPragmas(database, { memory: database.memory === true });
    // Kysely closes the database when destroyed; a borrowed one must outlive the adapter.
    const borrowed = withStatementCache(database, () => undefined);
    return { kysely: new Kysely({ dialect: new KaartenbakSqliteDialect({ database: borrowed }) }), owns: true, checkPragmas: false };
  }
  const { filename } = options;
  const open = async (): Promise<SqliteDatabase> => {
    // Loaded on demand so hosts that pass their own database or Kysely need not install it here.
    const { default: Database } = await import("better-sqlite3");
    const database = new Database(filename);
    applyPragmas(database, { memory: isMemory(filename) });
    return withStatementCache(database, () => database.close());
  };
  return { kysely: new Kysely({ dialect: new KaartenbakSqliteDialect({ database: open }) }), owns: true, checkPragmas: false };
}

/** Runs `task` once; a failure is forgotten so the next call tries again. */
function once<T>(task: () => Promise<T>): () => Promise<T> {
  let pending: Promise<T> | undefined;
  return () => {
    pending ??= task().catch((error: unknown) => {
      pending = undefined;
      throw error;
    });
    return pending;
  };
}

/**
 * Kaartenbak on SQLite through better-sqlite3: the embedded default.
 *
 * @example
 * const storage = sqliteAdapter({ database: new Database("crm.db") });
 * await storage.migrate();
 * const crm = createCrm({ storage, defaultRegion: "NL" });
 */
export function sqliteAdapter(options: SqliteAdapterOptions): StorageAdapter {
  const { kysely, owns, checkPragmas } = connect(options);
  const storage = createKyselyStorage({ db: kysely, profile: sqliteProfile, ownsDb: owns, id: ADAPTER_ID });
  const prepare = once(async () => {
    if (!checkPragmas) return;
    try {
      await ensureForeignKeys(kysely);
    } catch (error) {
      throw mapError(sqliteProfile, error);
    }
  });
  const migrateFirst = options.migrate === "on-first-use" ? once(() => storage.migrate()) : undefined;

  return {
    id: storage.id,
    capabilities: storage.capabilities,
    async migrate(): Promise<MigrationReport> {
      await prepare();
      return storage.migrate();
    },
    async transaction(tenantId, fn, transactionOptions) {
      await prepare();
      await migrateFirst?.();
      return storage.transaction(tenantId, fn, transactionOptions);
    },
    close: () => storage.close(),
  };
}
