import Database from "better-sqlite3";
import type { StorageAdapter } from "@kaartenbak/core";
import { sqliteAdapter } from "@kaartenbak/adapter-sqlite";
import { postgresAdapter } from "@kaartenbak/adapter-postgres";
import { runDemo } from "./demo.js";

/**
 * The embedded default is a SQLite file next to where the demo runs (delete it to start over).
 * With DATABASE_URL set, the same demo runs on Postgres, in schema `crm_demo`.
 */
function openStorage(): { storage: StorageAdapter; where: string } {
  const url = process.env.DATABASE_URL;
  if (url)
    return { storage: postgresAdapter({ connectionString: url, schema: "crm_demo" }), where: `Postgres ${url.replace(/:[^:@/]*@/, ":***@")}, schema crm_demo` };
  const filename = process.env.KAARTENBAK_DEMO_DB ?? "kaartenbak-demo.db";
  return { storage: sqliteAdapter({ database: new Database(filename) }), where: `SQLite database ${filename}` };
}

const { storage, where } = openStorage();
try {
  const migrated = await storage.migrate();
  console.log(`${where}: ${migrated.applied.length ? `applied ${migrated.applied.join(", ")}` : "schema up to date"}\n`);
  await runDemo(storage);
} finally {
  await storage.close();
}
