/**
 * The database a command works on: a SQLite file (`--db crm.db`) or the Postgres server named by
 * `DATABASE_URL` (schema `--schema`, default the adapter's). The command line creates the driver
 * objects itself because it is the application here; everything else goes through the adapters.
 */
import Database from "better-sqlite3";
import pg from "pg";
import { createCrm, type Crm } from "@kaartenbak/core";
import type { StorageAdapter } from "@kaartenbak/core/storage";
import { sqliteAdapter } from "@kaartenbak/adapter-sqlite";
import { postgresAdapter } from "@kaartenbak/adapter-postgres";
import { UsageError } from "./output.js";

/** Options every command takes. */
export interface GlobalOptions {
  readonly db?: string;
  readonly schema?: string;
  readonly tenant: string;
  readonly region: string;
  readonly json?: boolean;
}

/** An open CRM and how to close what was opened for it. */
export interface OpenCrm {
  readonly crm: Crm;
  readonly storage: StorageAdapter;
  close(): Promise<void>;
}

/** Opens the database of the options; `migrate` says whether to migrate first (every command but `migrate` itself does). */
export async function openCrm(options: GlobalOptions, env: NodeJS.ProcessEnv, migrate: boolean): Promise<OpenCrm> {
  const region = options.region.toUpperCase() as Parameters<typeof createCrm>[0]["defaultRegion"];
  if (options.db) {
    const database = new Database(options.db);
    const storage = sqliteAdapter({ database, migrate: migrate ? "on-first-use" : "explicit" });
    return {
      crm: createCrm({ storage, defaultRegion: region }),
      storage,
      async close() {
        await storage.close();
        database.close();
      },
    };
  }
  const url = env.DATABASE_URL;
  if (!url) throw new UsageError("No database: pass --db crm.db (SQLite) or set DATABASE_URL (Postgres)");
  const pool = new pg.Pool({ connectionString: url, max: 2 });
  const storage = postgresAdapter({ pool, ...(options.schema ? { schema: options.schema } : {}), migrate: migrate ? "on-first-use" : "explicit" });
  return {
    crm: createCrm({ storage, defaultRegion: region }),
    storage,
    async close() {
      await storage.close();
      await pool.end();
    },
  };
}
