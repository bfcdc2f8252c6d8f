import Database from "better-sqlite3";
import { describe, expect, it } from "vitest";
import { KB_TABLES, MERGE_TABLES_TOUCHED, MERGE_TABLES_UNTOUCHED, PERSONAL_DATA_COLUMNS } from "@kaartenbak/store-kysely";
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

// Merge moves a relation's rows through MERGE_TABLES_TOUCHED. A table with a relation id that is
// not listed there (nor deliberately left alone) would keep rows with a merged-away relation.
describe("merge: every table that refers to a relation is handled", () => {
  it("lists each kb_ table with a relation id column, and nothing that does not exist", async () => {
    const db = new Database(":memory:");
    const storage = sqliteAdapter({ database: db });
    await storage.migrate();
    const relationColumns = /^(relation_id|from_id|to_id|first_id|second_id|entity_id|survivor_id|loser_id)$/;
    const handled = new Map(MERGE_TABLES_TOUCHED.map((t) => [t.table, t]));
    const missing: string[] = [];
    for (const table of KB_TABLES) {
      const columns = (db.prepare(`pragma table_info(${table})`).all() as { name: string }[]).map((c) => c.name);
      if (MERGE_TABLES_UNTOUCHED.includes(table)) continue;
      for (const c of columns.filter((name) => relationColumns.test(name))) {
        if (!handled.get(table)?.refs.includes(c)) missing.push(`${table}.${c}`);
      }
      for (const k of handled.get(table)?.key ?? []) expect(columns, `${table}.${k}`).toContain(k);
    }
    expect(missing).toEqual([]);
    for (const t of MERGE_TABLES_TOUCHED) expect(KB_TABLES as readonly string[], t.table).toContain(t.table);
    await storage.close();
    db.close();
  });
});
