import Database from "better-sqlite3";
import { describe, expect, it } from "vitest";
import { KB_TABLES, PERSONAL_DATA_COLUMNS } from "@kaartenbak/store-kysely";
import { sqliteAdapter } from "../src/index.js";

// Erasure finds personal data through PERSONAL_DATA_COLUMNS. A text or JSON column added by a
// migration and not classified there would be a place where an erased person's data survives.
describe("privacy: every text and JSON column is classified", () => {
  it("lists each text column of each kb_ table (ids and timestamps aside), and nothing that does not exist", async () => {
    const db = new Database(":memory:");
    const storage = sqliteAdapter({ database: db });
    await storage.migrate();
    const exempt = (name: string) => name === "tenant_id" || name === "id" || /_at$/.test(name) || (/_id$/.test(name) && name !== "external_id");
    const unclassified: string[] = [];
    const stale: string[] = [];
    for (const table of KB_TABLES) {
      const columns = (db.prepare(`pragma table_info(${table})`).all() as { name: string; type: string }[]).filter((c) => !/int/i.test(c.type));
      const known = PERSONAL_DATA_COLUMNS[table]?.columns ?? {};
      for (const c of columns) if (!exempt(c.name) && !(c.name in known)) unclassified.push(`${table}.${c.name}`);
      for (const name of Object.keys(known)) if (!columns.some((c) => c.name === name)) stale.push(`${table}.${name}`);
    }
    expect(unclassified).toEqual([]);
    expect(stale).toEqual([]);
    await storage.close();
    db.close();
  });
});
