import Database from "better-sqlite3";
import type { StorageAdapter } from "@kaartenbak/core";
import { sqliteAdapter } from "@kaartenbak/adapter-sqlite";
import { postgresAdapter } from "@kaartenbak/adapter-postgres";
import { runSalesDemo } from "./demo.js";

/**
 * An in-memory SQLite database by default (set KAARTENBAK_DEMO_DB to keep a file). With
 * DATABASE_URL set, the same demo runs on Postgres, in schema `crm_sales_demo`.
 */
function openStorage(): { storage: StorageAdapter; where: string } {
  const url = process.env.DATABASE_URL;
  if (url)
    return {
      storage: postgresAdapter({ connectionString: url, schema: "crm_sales_demo" }),
      where: `Postgres ${url.replace(/:[^:@/]*@/, ":***@")}, schema crm_sales_demo`,
    };
  const filename = process.env.KAARTENBAK_DEMO_DB ?? ":memory:";
  return { storage: sqliteAdapter({ database: new Database(filename) }), where: `SQLite database ${filename}` };
}

const { storage, where } = openStorage();
try {
  const migrated = await storage.migrate();
  console.log(`${where}: ${migrated.applied.length ? `applied ${migrated.applied.join(", ")}` : "schema up to date"}\n`);
  await runSalesDemo(storage);
} finally {
  await storage.close();
}
