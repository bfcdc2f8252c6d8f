import Database from "better-sqlite3";
import { testStorageAdapter } from "@kaartenbak/conformance";
import { sqliteAdapter } from "../src/index.js";
import { rawAccess } from "./fixtures.js";

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
