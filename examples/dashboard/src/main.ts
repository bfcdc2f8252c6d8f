import Database from "better-sqlite3";
import { serve } from "@hono/node-server";
import { createCrm, type StorageAdapter } from "@kaartenbak/core";
import { sqliteAdapter } from "@kaartenbak/adapter-sqlite";
import { postgresAdapter } from "@kaartenbak/adapter-postgres";
import { seedDashboard } from "./seed.js";
import { dashboardApp } from "./server.js";

/** The demo's SQLite file (KAARTENBAK_DEMO_DB, default kaartenbak-demo.db), or Postgres with DATABASE_URL. */
function openStorage(): StorageAdapter {
  const url = process.env.DATABASE_URL;
  if (url) return postgresAdapter({ connectionString: url, schema: "crm_dashboard" });
  return sqliteAdapter({ database: new Database(process.env.KAARTENBAK_DEMO_DB ?? "kaartenbak-demo.db") });
}

const storage = openStorage();
await storage.migrate();
const crm = createCrm({ storage, defaultRegion: "NL" });
const tenant = crm.tenant(process.env.KAARTENBAK_TENANT ?? "dashboard-demo", { actor: "user:sanne", source: "dashboard" });
await seedDashboard(tenant);
const port = Number(process.env.PORT ?? 3000);
serve({ fetch: dashboardApp(tenant).fetch, port, hostname: "127.0.0.1" }, (info) => {
  console.log(`Kaartenbak dashboard: http://127.0.0.1:${info.port}/ (English: http://127.0.0.1:${info.port}/?lang=en)`);
});
