import Database from "better-sqlite3";
import { describe, expect, it } from "vitest";
import { sqliteAdapter } from "@kaartenbak/adapter-sqlite";
import { runSalesDemo } from "../src/demo.js";

describe("sales demo", () => {
  it("runs on SQLite: a pipeline with deals, a quote accepted into an order, funnel and forecast tables", async () => {
    const storage = sqliteAdapter({ database: new Database(":memory:") });
    await storage.migrate();
    const lines: string[] = [];
    const t = await runSalesDemo(storage, (l) => lines.push(l));
    const out = lines.join("\n");
    // Oven €12,500 − 5 % = €11,875.00 + 1.5 days × €850 = €1,275.00 → €13,150.00 net, 21 % tax €2,761.50.
    expect(out).toContain("subtotal EUR 13,150.00, tax EUR 2,761.50, total EUR 15,911.50");
    expect(out).toMatch(/accepted: order \w+ of EUR 13,150\.00 net on 2026-01-19; deal "Deck oven for the new shop" is won/);
    expect(out).toContain("revisions kept: r1 superseded EUR 16,667.75, r2 accepted EUR 15,911.50");
    expect(out).toMatch(/Funnel[\s\S]*Negotiation/);
    expect(out).toMatch(/2026-03 +1 +EUR 3,600\.00 +EUR 2,700\.00/);
    expect(out).toMatch(/2026-04 +1 +USD 4,800\.00 +USD 2,400\.00/);
    expect(out).toMatch(/2026-04 +1 +EUR 4,422\.24 +EUR 2,211\.12/);
    expect(out).toMatch(/user:sanne +1 +1 +50\.0%/);
    expect(out).toMatch(/Hotel Amstelzicht +1 +EUR 1,825\.00/);
    const orders = await t.orders.findByExternalRef("erp", "SO-2026-0042");
    expect(orders?.version).toBe(1);
    await storage.close();
  });
});
