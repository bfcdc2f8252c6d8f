import type { CrmError, StorageCapabilities } from "@kaartenbak/core";
import type { ColumnDataType, Expression, Kysely } from "kysely";
import type { KyselyDatabase } from "./schema.js";

/**
 * A column type as a migration writes it: a Kysely data type name, or a raw SQL expression for
 * types Kysely cannot spell (e.g. `text collate "C"` on Postgres).
 */
export type ColumnTypeSpec = ColumnDataType | Expression<unknown>;

/** The column types that differ between engines; everything else is plain `text` or `integer`. */
export interface DialectColumnTypes {
  /** JSON documents: `text` on SQLite, `jsonb` on Postgres. */
  readonly json: ColumnTypeSpec;
  /** Instants: `text` (ISO-8601, which sorts correctly as text) on SQLite, `timestamptz` on Postgres. */
  readonly timestamp: ColumnTypeSpec;
  /** 64-bit counters (outbox sequence, checkpoints): `integer` on SQLite, `bigint` on Postgres. */
  readonly bigint: ColumnTypeSpec;
  /**
   * Ids and search keys that are compared, range-scanned and sorted. Must order by code point, the
   * way JavaScript sorts strings, so paging and prefix search agree across engines: `text` on
   * SQLite (binary collation), `text collate "C"` on Postgres (a locale collation would both
   * reorder ids and break the `name_key` range scan).
   */
  readonly key: ColumnTypeSpec;
}

/**
 * Everything that differs between SQL engines, kept out of the shared queries. The store writes
 * each query once with Kysely builders that run on every supported engine; an adapter contributes
 * only this profile.
 */
export interface DialectProfile {
  /** The engine family. */
  readonly name: "sqlite" | "postgres";
  /** Column types for the migrations. */
  readonly types: DialectColumnTypes;
  /**
   * Maps a native driver error to a {@link CrmError} (DUPLICATE, INTEGRITY, CONFLICT with
   * `retryable`), or returns undefined when the error is none of those, so the store reports it as
   * STORAGE.
   */
  classifyError(error: unknown): CrmError | undefined;
  /**
   * Runs first inside every transaction (or savepoint) the store opens for a tenant. Postgres uses
   * it to `set_config('kaartenbak.tenant_id', tenantId, true)` so row-level security policies see
   * the tenant.
   */
  onTransactionStart?(trx: Kysely<KyselyDatabase>, tenantId: string): Promise<void>;
  /**
   * What the engine can do. `hostTransaction` is decided per adapter instance (by whether it was
   * given a transaction), so the store overrides that one field.
   */
  readonly capabilities: StorageCapabilities;
}
