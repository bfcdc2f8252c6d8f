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

    // Segmentation: a segment and its count, a campaign with consent exclusions, an RFM table.
    expect(out).toContain('Segment "Newsletter audience": 5 relations (count preview');
    expect(out).toContain('Campaign "Christmas newsletter" launched: targeted 2, excluded 3');
    expect(out).toMatch(/Lotte Visser\s+no_address/);
    expect(out).toMatch(/Piet de Vries\s+opted_out/);
    expect(out).toMatch(/Sophie Bakker\s+suppressed/);
    const csv = out.slice(out.indexOf("relation_id,name,given_name,family_name,address,status"), out.indexOf("Results:"));
    expect(csv.match(/,targeted/g)).toHaveLength(2);
    expect(csv).toMatch(/,Anna de Vries,Anna,de Vries,anna@goudenkorst\.nl,targeted/);
    expect(csv).not.toContain("Piet");
    expect(out).toContain("Results: 2 sent, response rate 50%");
    expect(out).toContain("RFM over the last 12 months (3 customers");
    expect(out).toMatch(/Bakkerij de Gouden Korst\s+\d{4}-\d\d-\d\d\s+3\s+4\s+EUR 4890\.00\s+5\s+5\s+5\s+555/);
    expect(out).toMatch(/Café de Hoek\s+\S+\s+300\s+1\s+EUR 125\.00\s+2\s+2\s+2\s+222/);
    const segment = (await t.segments.list()).find((s) => s.name === "Newsletter audience")!;
    const [campaign] = await t.campaigns.list();
    expect((await t.campaigns.members(campaign!.id, { status: "excluded" })).items.map((m) => m.reason).sort()).toEqual([
      "no_address",
      "opted_out",
      "suppressed",
    ]);
    expect(await t.segments.countMembers(segment.id)).toBe(5);
    await storage.close();
  });
});
