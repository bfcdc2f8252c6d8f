import Database from "better-sqlite3";
import { describe, expect, it } from "vitest";
import { sqliteAdapter } from "@kaartenbak/adapter-sqlite";
import { runDemo } from "../src/demo.js";

describe("quickstart demo: verification after a logged call", () => {
  it("asks about the fields due, confirms them, and completes a follow-up", async () => {
    const storage = sqliteAdapter({ database: new Database(":memory:") });
    await storage.migrate();
    const lines: string[] = [];
    const t = await runDemo(storage, (l) => lines.push(l));
    const out = lines.join("\n");
    expect(out).toContain("Logged a call with Piet de Vries; still right? 1 field(s) to check");
    expect(out).toMatch(/jobTitle\s+Accountant\s+never/);
    expect(out).toMatch(/Confirmed jobTitle \(no change to the relation, version \d+\)/);
    expect(out).toContain("Due a year from now: name, email:piet@devries.example, jobTitle");
    expect(out).toContain('Follow-up "Check the new invoice address" done; logged contact moment call (address confirmed)');
    const [piet] = await t.relations.findByEmail("piet@devries.example");
    const job = (await t.verification.list(piet!.id)).find((v) => v.field === "jobTitle");
    expect(job).toMatchObject({ verifiedBy: "user:sanne", source: "user" });
    expect((await t.activities.withoutNextStep({ limit: 500 })).relationIds).toContain(piet!.id);
    await storage.close();
  });
});
