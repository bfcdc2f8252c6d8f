import { configurationError, type StorageAdapter } from "@kaartenbak/core/storage";
import { createKyselyStorage, migrateMode, migrateOnFirstUse, type KyselyDatabase, type MigrateMode } from "@kaartenbak/store-kysely";
import { Kysely, PostgresDialect, type PostgresPool, type Transaction } from "kysely";
import { postgresProfile } from "./postgres-profile.js";

/** The adapter id reported as `storage.id`. */
export const ADAPTER_ID = "postgres";

/** The default schema for Kaartenbak's tables, so they sit beside the host's without clashing. */
export const DEFAULT_SCHEMA = "crm";

/**
 * The subset of a `pg.Pool` the adapter uses (a real `pg.Pool` fits). Declared structurally so the
 * adapter does not pin the host to one copy of `pg`'s types.
 */
export type PgPool = PostgresPool;

/** Where the adapter gets its connections: exactly one of these. */
export type PostgresConnection =
  /** A pool the host owns; the adapter never ends it. */
  | { readonly pool: PgPool }
  /**
   * A Kysely instance the host owns, on Postgres. To run CRM commands inside a transaction the
   * host opened, build the adapter once and call `storage.bind(trx)` in the transaction (it keeps
   * `schema` and `rowLevelSecurity`); passing a Kysely `Transaction` here works too.
   */
  | {
      /**
       * Any Kysely instance or transaction on Postgres, whatever the host's table types: `any` is
       * the one type every `Kysely<HostDb>` and `Transaction<HostDb>` is assignable to.
       */
      // eslint-disable-next-line @typescript-eslint/no-explicit-any
      readonly kysely: Kysely<any>;
    }
  /** A connection string; the adapter opens a `pg.Pool` and ends it on `close()`. */
  | { readonly connectionString: string; readonly poolSize?: number };

/**
 * When the schema is created or upgraded: `explicit` (default, the host calls `storage.migrate()`)
 * or `on-first-use` (once, before the first transaction). Adapters from `bind(trx)` never migrate.
 */
export type PostgresMigrateMode = MigrateMode;

/** Options of {@link postgresAdapter}. */
export type PostgresAdapterOptions = PostgresConnection & {
  /** Schema of the Kaartenbak tables. Default `crm`. Lower-case letters, digits and `_`. */
  readonly schema?: string;
  /**
   * Set `kaartenbak.tenant_id` at the start of every transaction, for the row-level security
   * policies of {@link enableRowLevelSecurity}. Default false (one round trip less per command).
   */
  readonly rowLevelSecurity?: boolean;
  /** Default `explicit`; see {@link PostgresMigrateMode}. */
  readonly migrate?: PostgresMigrateMode;
};

const SCHEMA = /^[a-z_][a-z0-9_]{0,62}$/;

/** The connection options as plain values, for checking what a (possibly untyped) caller passed. */
interface LooseOptions {
  readonly pool?: unknown;
  readonly kysely?: unknown;
  readonly connectionString?: unknown;
  readonly poolSize?: unknown;
}

/** Exactly one way of connecting, of the right type; a CONFIGURATION error naming the option otherwise. */
function checkConnection(options: LooseOptions): void {
  const given = (["pool", "kysely", "connectionString"] as const).filter((key) => options[key] !== undefined);
  if (given.length !== 1) {
    const got = given.length ? `, got ${given.join(" and ")}` : "";
    throw configurationError(`postgresAdapter needs exactly one of the options pool, kysely or connectionString${got}`, "invalid_options");
  }
  const { pool, kysely, connectionString, poolSize } = options;
  if (kysely !== undefined && typeof (kysely as { selectFrom?: unknown } | null)?.selectFrom !== "function") {
    throw configurationError("Invalid option kysely: expected a Kysely instance on Postgres", "invalid_options");
  }
  if (pool !== undefined && typeof (pool as { connect?: unknown } | null)?.connect !== "function") {
    throw configurationError("Invalid option pool: expected a pg.Pool", "invalid_options");
  }
  if (connectionString !== undefined && (typeof connectionString !== "string" || connectionString === "")) {
    throw configurationError("Invalid option connectionString: expected a postgres:// URL", "invalid_options");
  }
  if (poolSize !== undefined && !(typeof poolSize === "number" && Number.isInteger(poolSize) && poolSize > 0)) {
    throw configurationError(`Invalid option poolSize: ${String(poolSize)}; expected a positive integer`, "invalid_options");
  }
}

/**
 * Kaartenbak on PostgreSQL through `pg`.
 *
 * @example
 * const pool = new pg.Pool({ connectionString: process.env.DATABASE_URL });
 * const storage = postgresAdapter({ pool, schema: "crm" });
 * await storage.migrate();
 * const crm = createCrm({ storage });
 * // Inside the host's own transaction, with the same schema and row-level security:
 * await db.transaction().execute(async (trx) => {
 *   await crm.withTransaction(trx).tenant("acme").interactions.log(moment);
 * });
 */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export function postgresAdapter(options: PostgresAdapterOptions): StorageAdapter<Transaction<any>> {
  if (typeof options !== "object" || options === null) throw configurationError("postgresAdapter needs an options object", "invalid_options");
  checkConnection(options);
  const schema = options.schema ?? DEFAULT_SCHEMA;
  if (typeof schema !== "string" || !SCHEMA.test(schema)) {
    throw configurationError(
      `Invalid option schema: ${JSON.stringify(schema)}; use lower-case letters, digits and _ (at most 63, not starting with a digit)`,
      "invalid_options",
    );
  }
  if (options.rowLevelSecurity !== undefined && typeof options.rowLevelSecurity !== "boolean") {
    throw configurationError(`Invalid option rowLevelSecurity: ${JSON.stringify(options.rowLevelSecurity)}; expected true or false`, "invalid_options");
  }
  const mode = migrateMode(options.migrate);
  const profile = postgresProfile({ rowLevelSecurity: options.rowLevelSecurity === true });
  const owns = (options as LooseOptions).connectionString !== undefined;
  const storage = createKyselyStorage({ db: connect(options), profile, schema, id: ADAPTER_ID, ownsDb: owns });
  return mode === "on-first-use" ? migrateOnFirstUse(storage) : storage;
}

/** The Kysely instance for the connection option; only the `connectionString` one is the adapter's own. */
function connect(options: PostgresConnection): Kysely<KyselyDatabase> {
  const given = options as LooseOptions;
  if (given.kysely !== undefined) return given.kysely as Kysely<KyselyDatabase>;
  if (given.pool !== undefined) return new Kysely<KyselyDatabase>({ dialect: new PostgresDialect({ pool: given.pool as PgPool }) });
  const { connectionString, poolSize } = options as { readonly connectionString: string; readonly poolSize?: number };
  // The adapter opened this pool, so it closes it: Kysely's destroy() ends the pool.
  const pool = async (): Promise<PgPool> => {
    const pg = await import("pg");
    const Pool = pg.default?.Pool ?? (pg as unknown as { Pool: typeof pg.default.Pool }).Pool;
    return new Pool({ connectionString, max: poolSize ?? 10 });
  };
  return new Kysely<KyselyDatabase>({ dialect: new PostgresDialect({ pool }) });
}
