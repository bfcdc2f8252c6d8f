/**
 * An import worker for the crash test, run as a real child process and killed with SIGKILL at
 * random points. It imports KB_FILE into a SQLite file or a Postgres schema, resuming from the
 * checkpoint file when there is one, and stores each checkpoint before printing `chunk`.
 */
import { existsSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import Database from "better-sqlite3";
import pg from "pg";
import { createCrm } from "@kaartenbak/core";
import type { StorageAdapter } from "@kaartenbak/core/storage";
import { sqliteAdapter } from "@kaartenbak/adapter-sqlite";
import { postgresAdapter } from "@kaartenbak/adapter-postgres";
import { importCsv, type ImportCheckpoint } from "../src/index.js";
import { crashMapping } from "./crash-file.js";

const env = (name: string) => {
  const value = process.env[name];
  if (!value) throw new Error(`crash worker: ${name} is not set`);
  return value;
};

let storage: StorageAdapter;
let pool: pg.Pool | undefined;
if (env("KB_ENGINE") === "sqlite") storage = sqliteAdapter({ database: new Database(env("KB_SQLITE_FILE")) });
else {
  pool = new pg.Pool({ connectionString: env("DATABASE_URL"), max: 2 });
  storage = postgresAdapter({ pool, schema: env("KB_PG_SCHEMA") });
}
const crm = createCrm({ storage, defaultRegion: "NL" });
const checkpointFile = env("KB_CHECKPOINT");
const resumeFrom = existsSync(checkpointFile) ? (JSON.parse(readFileSync(checkpointFile, "utf8")) as ImportCheckpoint) : undefined;
await importCsv(
  crm.tenant(env("KB_TENANT")),
  { path: env("KB_FILE") },
  {
    mapping: crashMapping,
    chunkSize: 3,
    ...(resumeFrom ? { resumeFrom } : {}),
    onCheckpoint(checkpoint) {
      // Written whole or not at all: a kill mid-write leaves the previous checkpoint.
      writeFileSync(`${checkpointFile}.tmp`, JSON.stringify(checkpoint));
      renameSync(`${checkpointFile}.tmp`, checkpointFile);
      process.stdout.write("chunk\n");
    },
  },
);
process.stdout.write("done\n");
await storage.close();
await pool?.end();
