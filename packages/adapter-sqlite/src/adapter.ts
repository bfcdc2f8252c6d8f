import { configurationError, type MigrationReport, type StorageAdapter } from "@kaartenbak/core/storage";
import {
  createKyselyStorage,
  drainOnClose,
  mapError,
  migrateMode,
  migrateOnFirstUse,
  once,
  type KyselyDatabase,
  type MigrateMode,
} from "@kaartenbak/store-kysely";
import { Kysely, type SqliteDatabase, type Transaction } from "kysely";
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

/**
 * When the schema is created or upgraded: `explicit` (the host calls `storage.migrate()`, e.g. at
 * startup or in a deploy step) or `on-first-use` (once, before the first transaction; handy for
 * scripts, tests and single-process apps). Adapters from `bind(trx)` never migrate.
 */
export type SqliteMigrateMode = MigrateMode;

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
 * Use the host's Kysely instance on SQLite. The adapter ensures `foreign_keys = ON` and leaves the
 * other pragmas to the host. To run CRM calls inside a transaction the host opened, call
 * `storage.bind(trx)` in it (passing a Kysely `Transaction` here works too): every CRM call then
 * runs in a savepoint of the host's transaction and commits or rolls back with it.
 */
export interface SqliteKyselyOptions extends SqliteCommonOptions {
  /**
   * Any Kysely instance or transaction on SQLite, whatever the host's table types: `any` is the
   * one type every `Kysely<HostDb>` and `Transaction<HostDb>` is assignable to.
   */
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
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

/** Exactly one way of connecting, of the right type; a CONFIGURATION error naming the option otherwise. */
function checkOptions(options: SqliteAdapterOptions): void {
  if (typeof options !== "object" || options === null) throw configurationError("sqliteAdapter needs an options object", "invalid_options");
  const { database, kysely, filename } = options as { readonly database?: unknown; readonly kysely?: unknown; readonly filename?: unknown };
  const given = (["database", "kysely", "filename"] as const).filter((key) => options[key] !== undefined);
  if (given.length !== 1) {
    const got = given.length ? `, got ${given.join(" and ")}` : "";
    throw configurationError(`sqliteAdapter needs exactly one of the options database, kysely or filename${got}`, "invalid_options");
  }
  if (database !== undefined && typeof (database as { prepare?: unknown } | null)?.prepare !== "function") {
    throw configurationError("Invalid option database: expected an open better-sqlite3 Database", "invalid_options");
  }
  if (kysely !== undefined && typeof (kysely as { selectFrom?: unknown } | null)?.selectFrom !== "function") {
    throw configurationError("Invalid option kysely: expected a Kysely instance on SQLite", "invalid_options");
  }
  if (filename !== undefined && typeof filename !== "string") {
    throw configurationError(`Invalid option filename: expected a file name or ":memory:", got ${typeof filename}`, "invalid_options");
  }
}

/**
 * Checks `foreign_keys` once on `connection` (a host's Kysely instance or transaction) before the
 * first migrate or transaction; `undefined` when the adapter set the pragmas itself. Adapters from
 * `bind(trx)` check the host's transaction, since it may be on a connection the adapter never saw.
 * The caller wraps the result in `drainOnClose`, so a call still waiting for the check counts as
 * started and finishes before the store is closed.
 */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
function withForeignKeyCheck(storage: StorageAdapter<Transaction<any>>, connection: Kysely<any> | undefined): StorageAdapter<Transaction<any>> {
  const prepare = connection
    ? once(async () => {
        try {
          await ensureForeignKeys(connection);
        } catch (error) {
          throw mapError(sqliteProfile, error);
        }
      })
    : async () => undefined;
  return {
    id: storage.id,
    capabilities: storage.capabilities,
    migrate: async (): Promise<MigrationReport> => (await prepare(), storage.migrate()),
    transaction: async (tenantId, fn, transactionOptions) => (await prepare(), storage.transaction(tenantId, fn, transactionOptions)),
    // The store refuses anything but a Kysely transaction before it is used here.
    bind: (transaction) => drainOnClose(withForeignKeyCheck(storage.bind(transaction), transaction)),
    close: () => storage.close(),
  };
}

/**
 * Kaartenbak on SQLite through better-sqlite3: the embedded default.
 *
 * `bind(trx)` gives the same adapter on a Kysely transaction the host opened on the same database
 * file; it checks `foreign_keys` on that connection and never migrates, even in `on-first-use`
 * mode (migrations cannot run inside the host's transaction, and SQLite's single writer would make
 * running them beside it wait on the host): migrate at startup.
 *
 * @example
 * const storage = sqliteAdapter({ database: new Database("crm.db") });
 * await storage.migrate();
 * const crm = createCrm({ storage, defaultRegion: "NL" });
 */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export function sqliteAdapter(options: SqliteAdapterOptions): StorageAdapter<Transaction<any>> {
  checkOptions(options);
  const mode = migrateMode(options.migrate);
  const { kysely, owns, checkPragmas } = connect(options);
  const storage = createKyselyStorage({ db: kysely, profile: sqliteProfile, ownsDb: owns, id: ADAPTER_ID });
  // Foreign keys are checked before the first migration runs, as the migrations rely on them.
  return drainOnClose(withForeignKeyCheck(mode === "on-first-use" ? migrateOnFirstUse(storage) : storage, checkPragmas ? kysely : undefined));
}
