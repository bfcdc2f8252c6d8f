import { mkdirSync, mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import type { AddressInfo } from "node:net";
import Database from "better-sqlite3";
import { serve } from "@hono/node-server";
import { chromium } from "playwright-core";
import { describe, expect, it } from "vitest";
import { createCrm } from "@kaartenbak/core";
import { sqliteAdapter } from "@kaartenbak/adapter-sqlite";
import { seedDashboard, thisMonth } from "../src/seed.js";
import { dashboardApp } from "../src/server.js";

const output = fileURLToPath(new URL("../test-output/", import.meta.url));

describe("dashboard in a real browser", () => {
  it("shows the SDK's numbers, links to a relation's timeline, and saves a screenshot", async () => {
    const storage = sqliteAdapter({ database: new Database(":memory:") });
    await storage.migrate();
    const t = createCrm({ storage }).tenant("dashboard-test");
    await seedDashboard(t);
    const server = serve({ fetch: dashboardApp(t).fetch, port: 0, hostname: "127.0.0.1" });
    await new Promise((r) => server.once("listening", r));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    // Fails, never skips, when Chromium cannot start.
    // A fresh profile directory each run (playwright passes it as --user-data-dir).
    const browser = await chromium.launchPersistentContext(mkdtempSync(join(tmpdir(), "kb-chromium-")), {
      executablePath: "/usr/bin/chromium",
      args: [
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
      ],
      viewport: { width: 1280, height: 1400 },
    });
    try {
      const page = await browser.newPage();
      await page.goto(`${url}/?lang=en`);
      await expect(page.locator("h1").first().textContent()).resolves.toContain("Sales dashboard");
      // Numbers on the page equal the SDK's reports for the same data.
      const month = thisMonth();
      const owners = await t.reports.ownerResults({ from: `${month}-01` });
      for (const o of owners.owners)
        for (const m of o.wonValue) expect(Number(await page.getAttribute(`[data-testid="won-${o.ownerId}-${m.currency}"]`, "data-value"))).toBe(m.amount);
      const attainment = await t.targets.attainment({ from: month, to: month });
      expect(attainment.rows.length).toBe(4);
      for (const r of attainment.rows) {
        const row = page.locator(`[data-testid="attainment-${r.ownerId}-${r.metric}"]`);
        expect(Number(await row.getAttribute("data-actual"))).toBe(r.actual);
        expect(Number(await row.getAttribute("data-target"))).toBe(r.target);
      }
      const segments = await t.segments.list();
      const sizes = await Promise.all(segments.map((s) => t.segments.countMembers(s.id)));
      expect((await page.locator('[data-testid="segment-size"]').allTextContents()).map(Number)).toEqual(sizes);
      expect(await page.locator('[data-testid="attention"]').count()).toBeGreaterThanOrEqual(2);
      expect(await page.locator("canvas").count()).toBeGreaterThanOrEqual(3);
      mkdirSync(output, { recursive: true });
      await page.screenshot({ path: join(output, "dashboard.png"), fullPage: true });
      // Through to a relation's timeline.
      await page.locator('[data-testid="relation-link"]', { hasText: "Bakkerij de Vries" }).click();
      await page.waitForSelector('[data-testid="relation-name"]');
      expect(await page.locator('[data-testid="timeline-item"]').allTextContents()).toEqual([
        expect.stringContaining("Offerte ovens besproken"),
        expect.stringContaining("Levertijd koelcel"),
      ]);
    } finally {
      await browser.close();
      server.close();
      await storage.close();
    }
  }, 120_000);
});
