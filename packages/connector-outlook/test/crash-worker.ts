/**
 * A sync worker for the crash test, run as a real child process and killed with SIGKILL at random
 * points. It syncs one mailbox from the fake Graph (GRAPH_URL) into a SQLite file or a Postgres
 * schema, printing one line per committed page so the parent can choose when to kill it.
 */
import Database from "better-sqlite3";
import pg from "pg";
import { createCrm } from "@kaartenbak/core";
import { type StorageAdapter } from "@kaartenbak/core/storage";
import { createSyncEngine } from "@kaartenbak/core/sync";
import { sqliteAdapter } from "@kaartenbak/adapter-sqlite";
import { postgresAdapter } from "@kaartenbak/adapter-postgres";
import { outlookConnector } from "../src/index.js";

const env = (name: string) => {
  const value = process.env[name];
  if (!value) throw new Error(`crash worker: ${name} is not set`);
  return value;
};

let storage: StorageAdapter;
let pool: pg.Pool | undefined;
if (env("KB_ENGINE") === "sqlite") {
  storage = sqliteAdapter({ database: new Database(env("KB_SQLITE_FILE")) });
} else {
  pool = new pg.Pool({ connectionString: env("DATABASE_URL"), max: 3 });
  storage = postgresAdapter({ pool, schema: env("KB_PG_SCHEMA") });
}
const crm = createCrm({ storage, defaultRegion: "NL" });
const connector = outlookConnector({
  getAccessToken: async () => env("KB_TOKEN"),
  endpoint: env("GRAPH_URL"),
  pageSize: 4,
  calendar: { start: "2026-01-01T00:00:00Z", end: "2027-01-01T00:00:00Z" },
});
// KB_KILL_AFTER_CREATE: die right after Graph created a pushed contact, before the local commit.
const push = connector.push!.bind(connector);
const killAfterCreate = process.env.KB_KILL_AFTER_CREATE === "1";
const worker = {
  ...connector,
  push: async (...args: Parameters<typeof push>) => {
    const result = await push(...args);
    if (killAfterCreate && args[0].op === "create") process.kill(process.pid, "SIGKILL");
    return result;
  },
};
const engine = createSyncEngine({
  tenant: crm.tenant(env("KB_TENANT")),
  account: env("KB_ACCOUNT"),
  connector: worker,
  pushCreates: () => process.env.KB_PUSH_CREATES === "1",
  unknownAddresses: "create-person",
  leaseTtlMs: 800,
  retry: { baseDelayMs: 5 },
  onEvent: (e) => {
    if (e.type === "page") process.stdout.write(`page ${e.resource} ${e.page}\n`);
  },
});
for (;;) {
  const report = await engine.run();
  if (report.status === "ok") break;
  // A killed predecessor's lease is still held until it expires.
  await new Promise((r) => setTimeout(r, 100));
}
process.stdout.write("done\n");
await storage.close();
await pool?.end();
