import {
  assertTenantId,
  configurationError,
  CrmError,
  type MigrationReport,
  type StorageAdapter,
  type TenantStore,
  type TransactionOptions,
} from "@kaartenbak/core/storage";
import { sql, type Kysely, type Transaction } from "kysely";
import { attributeModelStore } from "./attribute-model-store.js";
import { bulkStore } from "./bulk-store.js";
import type { DialectProfile } from "./dialect-profile.js";
import type { ColumnTypes } from "./store-context.js";
import { interactionStore } from "./interaction-store.js";
import { journalStore } from "./journal-store.js";
import { linkStore } from "./link-store.js";
import { mapError, withMappedErrors } from "./map-error.js";
import { migrateSchema } from "./migrate.js";
import { relationStore } from "./relation-store.js";
import { dealStore } from "./deal-store.js";
import { orderStore } from "./order-store.js";
import { lostReasonStore, pipelineStore } from "./pipeline-store.js";
import { productStore } from "./product-store.js";
import { quoteStore } from "./quote-store.js";
import { reportStore } from "./report-store.js";
import { syncStore } from "./sync-store.js";
import { segmentStore } from "./segment-store.js";
import { consentStore } from "./consent-store.js";
import { privacyStore } from "./privacy-store.js";
import { mergeStore } from "./merge-store.js";
import { campaignStore } from "./campaign-store.js";
import { valueStore } from "./value-store.js";
import { targetStore } from "./target-store.js";
import { verificationStore } from "./verification-store.js";
import { dataQualityStore } from "./data-quality-store.js";
import { activityStore } from "./activity-store.js";
import { duplicateStore } from "./duplicate-store.js";
import type { KyselyDatabase } from "./schema.js";
import { hotReads } from "./relation-reads.js";
import { unmatchedStore } from "./unmatched-store.js";
import { searchStore } from "./search-store.js";

/** How many tenants' read-only stores a storage keeps for single-statement reads. */
const READERS = 256;

/** Options of {@link createKyselyStorage}. */
export interface KyselyStorageOptions {
  /**
   * The database. A Kysely `Transaction` puts the store in host-transaction mode: it never begins
   * or commits, and runs each `transaction()` call in a savepoint of the host's transaction.
   * Typed `any` because it may be the host's own `Kysely<HostDb>`; the store only ever touches
   * the kb_* tables.
   */
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  readonly db: Kysely<any>;
  /** What differs for this engine. */
  readonly profile: DialectProfile;
  /** A Postgres schema holding the Kaartenbak tables; the connection's default schema when absent. */
  readonly schema?: string;
  /** True when the store created `db` itself, so `close()` destroys it. Default false. */
  readonly ownsDb?: boolean;
  /** The adapter id reported as {@link StorageAdapter.id}. Defaults to the profile's name. */
  readonly id?: string;
}

/** True for a Kysely `Transaction` (or `ControlledTransaction`), the only thing `bind()` accepts. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
function isKyselyTransaction(value: unknown): value is Transaction<any> {
  return typeof value === "object" && value !== null && (value as { isTransaction?: unknown }).isTransaction === true;
}

/**
 * The storage contract on Kysely: one implementation for every SQL engine, parameterised by a
 * {@link DialectProfile}. Adapters (`@kaartenbak/adapter-sqlite`, `@kaartenbak/adapter-postgres`)
 * are thin wrappers that open the driver and pass their profile.
 *
 * `bind(trx)` returns a new storage with the same profile (so the same row-level security hook),
 * schema and id on the host's Kysely `Transaction`; it never owns, commits or closes that
 * transaction. Its type parameter is `Transaction<any>` because the host's transaction is typed
 * with the host's own tables (`Transaction<HostDb>`); the store only ever touches the kb_* tables.
 */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export function createKyselyStorage(options: KyselyStorageOptions): StorageAdapter<Transaction<any>> {
  const { profile, schema, ownsDb = false } = options;
  const db = options.db as Kysely<KyselyDatabase>;
  const root = schema ? db.withSchema(schema) : db;
  const hostTransaction = root.isTransaction;
  let savepoints = 0;
  let queue: Promise<unknown> = Promise.resolve();
  // Compiled once per storage: the hot reads' statements, shared by every tenant and transaction.
  const reads = hotReads(profile.functions);
  // Tenant stores on the storage's own connection (no transaction), reused across calls.
  const readers = new Map<string, TenantStore>();
  const columnTypes = profile.columnTypes ? columnTypeCache(profile, schema) : undefined;

  function tenantStore(trx: Kysely<KyselyDatabase>, tenantId: string): TenantStore {
    const context = { db: trx, tenantId, reads, ...(columnTypes ? { columnTypes } : {}) };
    return {
      tenantId,
      relations: withMappedErrors(profile, relationStore(context)),
      links: withMappedErrors(profile, linkStore(context)),
      interactions: withMappedErrors(profile, interactionStore(context)),
      journal: withMappedErrors(profile, journalStore(context)),
      attributeModels: withMappedErrors(profile, attributeModelStore(context)),
      pipelines: withMappedErrors(profile, pipelineStore(context)),
      lostReasons: withMappedErrors(profile, lostReasonStore(context)),
      deals: withMappedErrors(profile, dealStore(context)),
      products: withMappedErrors(profile, productStore(context)),
      quotes: withMappedErrors(profile, quoteStore(context)),
      orders: withMappedErrors(profile, orderStore(context)),
      reports: withMappedErrors(profile, reportStore(context, profile.functions)),
      sync: withMappedErrors(profile, syncStore(context)),
      bulk: withMappedErrors(profile, bulkStore(context, profile)),
      segments: withMappedErrors(profile, segmentStore(context, profile)),
      consent: withMappedErrors(profile, consentStore(context)),
      campaigns: withMappedErrors(profile, campaignStore(context, profile)),
      valueReports: withMappedErrors(profile, valueStore(context, profile)),
      privacy: withMappedErrors(profile, privacyStore(context)),
      targets: withMappedErrors(profile, targetStore(context, profile.functions)),
      verification: withMappedErrors(profile, verificationStore(context)),
      dataQuality: withMappedErrors(profile, dataQualityStore(context)),
      activities: withMappedErrors(profile, activityStore(context)),
      duplicates: withMappedErrors(profile, duplicateStore(context, profile)),
      merges: withMappedErrors(profile, mergeStore(context)),
      search: withMappedErrors(profile, searchStore(context, profile)),
      unmatched: withMappedErrors(profile, unmatchedStore(context)),
    };
  }

  /**
   * The tenant store for a single-statement read outside any transaction: each statement runs in
   * autocommit on a free connection (on SQLite's one connection it waits for an open transaction
   * to end, so it never sees uncommitted rows). Built once per tenant and kept (up to
   * {@link READERS} tenants), so a hot read allocates no repository wiring.
   */
  function readerFor(tenantId: string): TenantStore {
    let store = readers.get(tenantId);
    if (!store) {
      if (readers.size >= READERS) readers.delete(readers.keys().next().value!);
      store = tenantStore(root, tenantId);
      readers.set(tenantId, store);
    }
    return store;
  }

  async function run<T>(trx: Kysely<KyselyDatabase>, tenantId: string, fn: (store: TenantStore) => Promise<T>): Promise<T> {
    await profile.onTransactionStart?.(trx, tenantId);
    return fn(tenantStore(trx, tenantId));
  }

  /**
   * Host-transaction mode: a savepoint makes each call all-or-nothing inside the host's
   * transaction, so a failed CRM command leaves nothing of itself behind and the host can still
   * commit its own work.
   */
  async function inSavepoint<T>(tenantId: string, fn: (store: TenantStore) => Promise<T>): Promise<T> {
    const name = sql.raw(`kb_sp_${++savepoints}`);
    await sql`savepoint ${name}`.execute(root);
    let result: T;
    try {
      result = await run(root, tenantId, fn);
    } catch (error) {
      try {
        await sql`rollback to savepoint ${name}`.execute(root);
        await sql`release savepoint ${name}`.execute(root);
      } catch (rollbackError) {
        // The command's writes may still be in the host's transaction: it must not commit.
        throw new CrmError("STORAGE", `Could not roll back a failed command (${mapError(profile, error).message}); roll back the host transaction`, {
          cause: rollbackError,
          reason: "rollback_failed",
        });
      }
      throw error;
    }
    await sql`release savepoint ${name}`.execute(root);
    return result;
  }

  /** Savepoints on one connection must not interleave, so host-transaction calls run one at a time. */
  function serialise<T>(task: () => Promise<T>): Promise<T> {
    const result = queue.then(task, task);
    queue = result.then(
      () => undefined,
      () => undefined,
    );
    return result;
  }

  // drainOnClose refuses calls after close() and lets the started ones finish before the
  // database is destroyed, whatever the engine queues them on (SQLite's one connection, a pool).
  return drainOnClose({
    id: options.id ?? profile.name,
    capabilities: { ...profile.capabilities, hostTransaction, searchStemming: profile.search.stemming },

    async migrate() {
      try {
        return await migrateSchema({ db, profile, ...(schema ? { schema } : {}) });
      } catch (error) {
        throw mapError(profile, error);
      }
    },

    async transaction<T>(tenantId: string, fn: (store: TenantStore) => Promise<T>, txOptions?: TransactionOptions): Promise<T> {
      assertTenantId(tenantId);
      // Errors thrown by `fn` are the caller's (repository calls map their own database errors), so
      // they pass through untouched; only what begin, commit or savepoints throw is mapped here.
      let fromCaller: { error: unknown } | undefined;
      const guarded = async (store: TenantStore): Promise<T> => {
        try {
          return await fn(store);
        } catch (error) {
          fromCaller = { error };
          throw error;
        }
      };
      try {
        if (hostTransaction) return await serialise(() => inSavepoint(tenantId, guarded));
        // One read of one statement needs no transaction, unless the profile scopes tenants per
        // transaction (row-level security's setting): then it keeps its transaction.
        if (txOptions?.readOnly && txOptions.singleStatement && !profile.onTransactionStart) return await guarded(readerFor(tenantId));
        let builder = root.transaction();
        if (txOptions?.readOnly) builder = builder.setAccessMode("read only");
        return await builder.execute((trx) => run(trx, tenantId, guarded));
      } catch (error) {
        if (fromCaller && fromCaller.error === error) throw error;
        throw mapError(profile, error);
      }
    },

    bind(transaction) {
      if (!isKyselyTransaction(transaction)) {
        throw configurationError(
          "storage.bind() needs the Kysely Transaction the host opened: pass the `trx` of `db.transaction().execute(async (trx) => ...)`",
          "invalid_options",
        );
      }
      // Same profile (engine, row-level security hook), schema and id; only the connection differs.
      // Never owned: the host commits, rolls back and releases its own transaction.
      return createKyselyStorage({ ...options, db: transaction, ownsDb: false });
    },

    async close() {
      if (ownsDb && !hostTransaction) await db.destroy();
    },
  });
}

/** The CONFIGURATION error of a call made after `close()`. */
function closedError() {
  return configurationError("The storage adapter is closed: close() was called; make a new adapter to continue", "closed");
}

/**
 * The close() behaviour of every Kaartenbak adapter, around any adapter: `close()` drains. Calls
 * made before it (running, or still queued for a connection) finish; calls made after it are
 * refused with CONFIGURATION (`closed`); once the last started call settled, the inner adapter's
 * `close()` runs. Every `close()` returns the same promise. A call is "started" when its
 * `transaction()` or `migrate()` was called, so a wrapper that does work of its own first (a
 * pragma check, a first migration) must be inside this one. Never await `close()` inside a
 * transaction of the same adapter: it would wait for that very transaction.
 */
export function drainOnClose<Tx>(storage: StorageAdapter<Tx>): StorageAdapter<Tx> {
  let active = 0;
  let idle: (() => void) | undefined;
  let closing: Promise<void> | undefined;
  function admit<T>(task: () => Promise<T>): Promise<T> {
    if (closing) return Promise.reject(closedError());
    active += 1;
    let result: Promise<T>;
    try {
      result = task();
    } catch (error) {
      result = Promise.reject(error);
    }
    return result.finally(() => {
      active -= 1;
      if (active === 0) idle?.();
    });
  }
  return {
    id: storage.id,
    capabilities: storage.capabilities,
    migrate: () => admit(() => storage.migrate()),
    transaction: (tenantId, fn, transactionOptions) => admit(() => storage.transaction(tenantId, fn, transactionOptions)),
    bind(transaction) {
      if (closing) throw closedError();
      return drainOnClose(storage.bind(transaction));
    },
    close() {
      closing ??= (async () => {
        if (active > 0) await new Promise<void>((resolve) => (idle = resolve));
        await storage.close();
      })();
      return closing;
    },
  };
}

/** When an adapter creates or upgrades its schema. */
export type MigrateMode =
  /** The host calls `storage.migrate()` (e.g. at startup or in a deploy step). The default. */
  | "explicit"
  /** Migrations run once, before the adapter's first transaction; handy for scripts, tests and single-process apps. */
  | "on-first-use";

/** Checks an adapter's `migrate` option; absent means `explicit`. */
export function migrateMode(value: unknown): MigrateMode {
  if (value === undefined || value === "explicit" || value === "on-first-use") return value ?? "explicit";
  throw configurationError(`Invalid option migrate: ${JSON.stringify(value)}; use "explicit" (the default) or "on-first-use"`, "invalid_options");
}

/** Runs `task` once and shares its result; a failure is forgotten so the next call tries again. */
export function once<T>(task: () => Promise<T>): () => Promise<T> {
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
 * The `migrate: "on-first-use"` behaviour, for any adapter: `migrate()` runs once before the first
 * `transaction()` (concurrent first calls share one run; a failed run is retried by the next call),
 * and an explicit `migrate()` that succeeds counts as that run.
 *
 * Adapters from `bind(trx)` never migrate: migrations cannot run inside the host's transaction, and
 * running them on another connection while the host holds its transaction can wait on that very
 * transaction (SQLite has one writer; a Postgres pool may have no free connection). A bound adapter
 * on an unmigrated database fails with CONFIGURATION (`not_migrated`) instead: migrate at startup.
 */
export function migrateOnFirstUse<Tx>(storage: StorageAdapter<Tx>): StorageAdapter<Tx> {
  let migrated = false;
  const first = once(async () => {
    await storage.migrate();
    migrated = true;
  });
  // Draining from here: a call waiting for the first migration has started, so close() lets it finish.
  return drainOnClose({
    id: storage.id,
    capabilities: storage.capabilities,
    async migrate(): Promise<MigrationReport> {
      const report = await storage.migrate();
      migrated = true;
      return report;
    },
    async transaction(tenantId, fn, transactionOptions) {
      if (!migrated) await first();
      return storage.transaction(tenantId, fn, transactionOptions);
    },
    bind: (transaction) => storage.bind(transaction),
    close: () => storage.close(),
  });
}

/**
 * Column types by profile, then by schema and table: read once per table for as long as the
 * profile lives (the schema does not change under a running storage). Keyed by the profile, not
 * the storage, because `bind(trx)` makes a storage per host transaction with the same profile, and
 * a catalog read per table per transaction would land on the host's hot path.
 */
const columnTypeReads = new WeakMap<DialectProfile, Map<string, Promise<ReadonlyMap<string, string>>>>();

function columnTypeCache(profile: DialectProfile, schema: string | undefined): ColumnTypes {
  let tables = columnTypeReads.get(profile);
  if (!tables) columnTypeReads.set(profile, (tables = new Map()));
  const known = tables;
  return (db, table) => {
    const key = `${schema ?? ""}\u0000${table}`;
    let types = known.get(key);
    if (!types) {
      types = profile.columnTypes!(db, schema, table);
      // A failed read (say, in an aborted transaction) is not remembered.
      types.catch(() => known.delete(key));
      known.set(key, types);
    }
    return types;
  };
}
