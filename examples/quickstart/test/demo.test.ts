import Database from "better-sqlite3";
import { describe, expect, it } from "vitest";
import { sqliteAdapter } from "@kaartenbak/adapter-sqlite";
import { runDemo } from "../src/demo.js";

describe("quickstart demo", () => {
  it("runs on SQLite and reports what it did", async () => {
    const storage = sqliteAdapter({ database: new Database(":memory:") });
    await storage.migrate();
    const lines: string[] = [];
    const t = await runDemo(storage, (l) => lines.push(l));
    const out = lines.join("\n");
    expect(out).toContain("first created=true, second created=false (same id: true)");
    expect(out).toContain('by phone "0612345678"          -> Anna de Vries');
    expect(out).toContain("by ERP number DEB-1042          -> Bakkerij de Gouden Korst");
    expect(out).toMatch(/Acknowledged up to \d+; 0 events left/);
    const timeline = await t.interactions.timeline((await t.relations.findByExternalRef("erp", "DEB-1042"))!.id, { rollUp: true });
    expect(timeline.items.map((i) => i.kind)).toEqual(["meeting", "email", "call"]);
    await storage.close();
  });
});
