import type { StorageAdapter } from "@kaartenbak/core";
import { createKyselyStorage, type KyselyDatabase } from "@kaartenbak/store-kysely";
import { Kysely, PostgresDialect, type PostgresPool } from "kysely";
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
   * A Kysely instance the host owns, on Postgres. Pass a Kysely `Transaction` to run every CRM
   * command inside the host's open transaction (each in a savepoint): the host's commit or
   * rollback then decides for the CRM rows, history and outbox events as well.
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

/** Options of {@link postgresAdapter}. */
export type PostgresAdapterOptions = PostgresConnection & {
  /** Schema of the Kaartenbak tables. Default `crm`. Lower-case letters, digits and `_`. */
  readonly schema?: string;
  /**
   * Set `kaartenbak.tenant_id` at the start of every transaction, for the row-level security
   * policies of {@link enableRowLevelSecurity}. Default false (one round trip less per command).
   */
  readonly rowLevelSecurity?: boolean;
};

const SCHEMA = /^[a-z_][a-z0-9_]{0,62}$/;

/**
 * Kaartenbak on PostgreSQL through `pg`.
 *
 * @example
 * const pool = new pg.Pool({ connectionString: process.env.DATABASE_URL });
 * const storage = postgresAdapter({ pool, schema: "crm" });
 * await storage.migrate();
 * const crm = createCrm({ storage });
 */
export function postgresAdapter(options: PostgresAdapterOptions): StorageAdapter {
  const schema = options.schema ?? DEFAULT_SCHEMA;
  if (!SCHEMA.test(schema)) throw new TypeError(`Invalid schema name ${JSON.stringify(schema)}: use lower-case letters, digits and _`);
  const profile = postgresProfile({ rowLevelSecurity: options.rowLevelSecurity === true });
  if ("kysely" in options) {
    return createKyselyStorage({ db: options.kysely as Kysely<KyselyDatabase>, profile, schema, id: ADAPTER_ID });
  }
  if ("pool" in options) {
    return createKyselyStorage({ db: new Kysely<KyselyDatabase>({ dialect: new PostgresDialect({ pool: options.pool }) }), profile, schema, id: ADAPTER_ID });
  }
  // The adapter opened this pool, so it closes it: Kysely's destroy() ends the pool.
  const pool = async (): Promise<PgPool> => {
    const pg = await import("pg");
    const Pool = pg.default?.Pool ?? (pg as unknown as { Pool: typeof pg.default.Pool }).Pool;
    return new Pool({ connectionString: options.connectionString, max: options.poolSize ?? 10 });
  };
  return createKyselyStorage({ db: new Kysely<KyselyDatabase>({ dialect: new PostgresDialect({ pool }) }), profile, schema, id: ADAPTER_ID, ownsDb: true });
}
