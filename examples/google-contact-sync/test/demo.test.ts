import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import Database from "better-sqlite3";
import { describe, expect, it } from "vitest";
import { sqliteAdapter } from "@kaartenbak/adapter-sqlite";
import { startFakeGoogle } from "@kaartenbak/connector-gmail/testing";
import { runDemo, seedFake } from "../src/demo.js";

const HERE = fileURLToPath(new URL("..", import.meta.url));

describe("google contact sync example", () => {
  it("syncs the fake account, changes a contact on each side, and reports both directions", async () => {
    const storage = sqliteAdapter({ database: new Database(":memory:") });
    await storage.migrate();
    const google = await startFakeGoogle();
    try {
      const account = google.addAccount("demo@kaartenbak.example");
      seedFake(google, account.email, 30, 40);
      const lines: string[] = [];
      await runDemo(storage, { kind: "fake", google, address: account.email, token: account.token }, (l) => lines.push(l));
      const out = lines.join("\n");
      expect(out).toMatch(/Done in [\d.]+ s: \d+ records created, status ok/);
      expect(out).toMatch(/pushed update of .+ to Google contact people\/c/);
      expect(out).toContain('CRM now has "Contact 2 (renamed in Google)"');
      expect(out).toContain("Contact 1 has 4 meetings on the timeline");
      expect(out).toMatch(/contacts\s+incremental/);
      const pushed = [...account.contacts.values()].find((c) => JSON.stringify(c.fields.phoneNumbers ?? []).includes("+31612345678"));
      expect(pushed?.fields.names).toEqual([{ givenName: "Contact", familyName: "1" }]);
    } finally {
      await google.close();
      await storage.close();
    }
  });

  it("runs as `npm start` from the sources, with no build, into a SQLite file", () => {
    const dir = mkdtempSync(join(tmpdir(), "kb-google-example-"));
    try {
      const run = spawnSync("npm", ["run", "start", "--silent"], {
        cwd: HERE,
        env: { ...process.env, KAARTENBAK_DEMO_DB: join(dir, "crm.db"), GOOGLE_ACCESS_TOKEN: "" },
        encoding: "utf8",
        timeout: 120_000,
      });
      expect(run.status, run.stderr).toBe(0);
      expect(run.stdout).toMatch(/Done in [\d.]+ s: \d+ records created, status ok/);
      expect(run.stdout).toContain('CRM now has "Contact 2 (renamed in Google)"');
      const db = new Database(join(dir, "crm.db"), { readonly: true });
      const rows = db.prepare("select count(*) as n from kb_interactions where tenant_id = 'demo' and deleted_at is null").get() as { n: number };
      db.close();
      // 300 messages and 5 meetings (4 weekly instances, 1 all-day fair).
      expect(rows.n).toBe(305);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 180_000);
});
