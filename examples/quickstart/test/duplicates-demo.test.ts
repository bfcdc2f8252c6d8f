import Database from "better-sqlite3";
import { describe, expect, it } from "vitest";
import { sqliteAdapter } from "@kaartenbak/adapter-sqlite";
import { runDemo } from "../src/demo.js";

describe("quickstart demo: a duplicate found, merged and undone", () => {
  it("finds the bakery typed in again, merges the double into it and undoes the merge", async () => {
    const storage = sqliteAdapter({ database: new Database(":memory:") });
    await storage.migrate();
    const lines: string[] = [];
    const t = await runDemo(storage, (l) => lines.push(l));
    const out = lines.join("\n");
    expect(out).toMatch(/Before creating "Bakkerij De Gouden Korst B\.V\.": [1-9]\d* possible duplicate\(s\)/);
    expect(out).toMatch(/Bakkerij de Gouden Korst\s+\d\.\d\d\s+name \d\.\d\d \+ same postcode/);
    expect(out).toMatch(/attributes\.industry\s+retail\s+hospitality\s+survivor/);
    expect(out).toContain('the double\'s id now finds "Bakkerij de Gouden Korst"');
    expect(out).toMatch(/Undone: "Bakkerij De Gouden Korst B\.V\." is back with \d+ row\(s\) restored; the original has 1 e-mail\(s\) again/);
    const [double] = await t.relations.findByEmail("orders@goudenkorst.nl");
    expect(double).toMatchObject({ name: "Bakkerij De Gouden Korst B.V.", deletedAt: null });
    await storage.close();
  });
});
