import Database from "better-sqlite3";
import { testStorageAdapter, type RawAccess } from "@kaartenbak/conformance";
import { sqliteAdapter } from "../src/index.js";

/** The raw side channel: prepared statements on the same better-sqlite3 database, not the store. */
function rawAccess(db: Database.Database): RawAccess {
  return {
    async rows(table, where) {
      const keys = Object.keys(where);
      const clause = keys.length ? ` where ${keys.map((k) => `${k} = ?`).join(" and ")}` : "";
      return db.prepare(`select * from ${table}${clause}`).all(...keys.map((k) => where[k])) as Record<string, unknown>[];
    },
  };
}

testStorageAdapter({
  name: "sqlite",
  async setup() {
    const db = new Database(":memory:");
    const storage = sqliteAdapter({ database: db });
    await storage.migrate();
    return {
      storage,
      raw: rawAccess(db),
      async teardown() {
        await storage.close();
        db.close();
      },
    };
  },
});
