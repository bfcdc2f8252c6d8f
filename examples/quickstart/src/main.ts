import Database from "better-sqlite3";
import { sqliteAdapter } from "@kaartenbak/adapter-sqlite";
import { runDemo } from "./demo.js";

// The embedded default: a SQLite file next to where the demo runs. Delete it to start over.
const filename = process.env.KAARTENBAK_DEMO_DB ?? "kaartenbak-demo.db";
const storage = sqliteAdapter({ database: new Database(filename) });
const migrated = await storage.migrate();
console.log(`SQLite database ${filename}: ${migrated.applied.length ? `applied ${migrated.applied.join(", ")}` : "schema up to date"}\n`);
try {
  await runDemo(storage);
} finally {
  await storage.close();
}
