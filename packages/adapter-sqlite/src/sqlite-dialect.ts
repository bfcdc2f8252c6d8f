import {
  CompiledQuery,
  SqliteAdapter,
  SqliteDialect,
  SqliteDriver,
  type DatabaseConnection,
  type DialectAdapter,
  type Driver,
  type SqliteDialectConfig,
  type TransactionSettings,
} from "kysely";

/**
 * Begins write transactions with `BEGIN IMMEDIATE`. A plain (deferred) `BEGIN` takes the write
 * lock only at the first write; if another connection wrote in between, SQLite cannot wait for the
 * lock and fails with SQLITE_BUSY at once, whatever the busy timeout. Taking the lock up front
 * makes writers queue on `busy_timeout` instead. Read-only transactions stay deferred.
 */
class ImmediateSqliteDriver extends SqliteDriver {
  override async beginTransaction(connection: DatabaseConnection, settings?: TransactionSettings): Promise<void> {
    await connection.executeQuery(CompiledQuery.raw(settings?.accessMode === "read only" ? "begin" : "begin immediate"));
  }
}

/** SQLite rolls DDL back like any other statement, so a failed migration leaves no half-made schema. */
class TransactionalDdlSqliteAdapter extends SqliteAdapter {
  override get supportsTransactionalDdl(): boolean {
    return true;
  }
}

/** Kysely's SQLite dialect with immediate write transactions and transactional migrations. */
export class KaartenbakSqliteDialect extends SqliteDialect {
  readonly #config: SqliteDialectConfig;

  constructor(config: SqliteDialectConfig) {
    super(config);
    this.#config = config;
  }

  override createDriver(): Driver {
    return new ImmediateSqliteDriver(this.#config);
  }

  override createAdapter(): DialectAdapter {
    return new TransactionalDdlSqliteAdapter();
  }
}
