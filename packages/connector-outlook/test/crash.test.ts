import { spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { randomBytes } from "node:crypto";
import { afterAll, describe, expect, it } from "vitest";
import { startFakeGraph, type FakeGraph } from "../src/testing/index.js";
import { DATABASE_URL, ENGINES, freshTenant, openDb } from "./harness.js";

const WORKER = fileURLToPath(new URL("./crash-worker.ts", import.meta.url));
const RUNS = Number(process.env.KB_CRASH_RUNS ?? 20);

/** Runs the worker; kills it with SIGKILL after `killAfterPages` committed pages (plus a random few ms). */
function runWorker(env: Record<string, string>, killAfterPages: number | undefined): Promise<{ pages: number; done: boolean }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ["--conditions=dev-source", "--import", "tsx", WORKER], {
      env: { ...process.env, ...env },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let pages = 0;
    let done = false;
    let stderr = "";
    child.stdout.setEncoding("utf8").on("data", (chunk: string) => {
      for (const line of chunk.split("\n")) {
        if (line.startsWith("page ")) pages++;
        if (line === "done") done = true;
        if (killAfterPages !== undefined && pages >= killAfterPages && !child.killed) {
          // Sometimes at once (between pages), sometimes a moment later (inside the next page).
          setTimeout(() => child.kill("SIGKILL"), Math.floor(Math.random() * 15));
        }
      }
    });
    child.stderr.setEncoding("utf8").on("data", (chunk: string) => (stderr += chunk));
    child.on("error", reject);
    child.on("exit", (code, signal) => {
      if (signal === "SIGKILL" || code === 0) resolve({ pages, done });
      else reject(new Error(`crash worker exited with ${code}: ${stderr}`));
    });
  });
}

function seed(graph: FakeGraph, address: string, round: number): void {
  const m = graph.mailboxes;
  for (let i = 0; i < 6; i++) m.createContact(address, { displayName: `R${round} C${i}`, emailAddresses: [{ address: `r${round}c${i}@crash.example` }] });
  for (const c of m.contacts(address).filter((_, i) => i % 7 === round % 7))
    m.updateContact(address, c.id, { displayName: `${String(c.data.displayName)} v${round}` });
  const victims = m.contacts(address).filter((_, i) => i % 11 === round % 11);
  for (const c of victims.slice(0, 1)) m.deleteContact(address, c.id);
  for (let i = 0; i < 4; i++) m.sendMail({ from: `r${round}c${i}@crash.example`, to: [address], subject: `R${round} M${i}`, sentAt: "2026-02-01T10:00:00Z" });
  if (round % 3 === 0)
    m.createEvent(address, {
      subject: `R${round} series`,
      start: `2026-03-${String(1 + round).padStart(2, "0")}T09:00:00Z`,
      end: `2026-03-${String(1 + round).padStart(2, "0")}T09:30:00Z`,
      attendees: [`r${round}c0@crash.example`],
      recurrence: { type: "daily", occurrences: 3 },
    });
  if (round % 4 === 1) graph.expire(address);
}

for (const engine of ENGINES) {
  describe(`crash test: ${engine}`, () => {
    const dir = mkdtempSync(join(tmpdir(), "kb-crash-"));
    afterAll(() => rmSync(dir, { recursive: true, force: true }));

    it(`a worker killed with SIGKILL at random points ${RUNS} times resumes to exactly the remote state`, async () => {
      const graph = await startFakeGraph({ latencyMs: 2 });
      const mb = graph.mailboxes.addMailbox("crash@kb.example");
      const tenant = freshTenant();
      const schema = `kb_crash_${randomBytes(5).toString("hex")}`;
      const file = join(dir, "crm.db");
      const db = await openDb(engine, engine === "sqlite" ? { filename: file } : { schema });
      const env = {
        KB_ENGINE: engine,
        KB_SQLITE_FILE: file,
        KB_PG_SCHEMA: schema,
        DATABASE_URL,
        GRAPH_URL: graph.url,
        KB_TOKEN: mb.token,
        KB_ACCOUNT: mb.address,
        KB_TENANT: tenant,
      };
      try {
        let kills = 0;
        for (let round = 0; round < RUNS; round++) {
          seed(graph, mb.address, round);
          const result = await runWorker(env, 1 + Math.floor(Math.random() * 8));
          if (!result.done) kills++;
        }
        expect(kills).toBeGreaterThanOrEqual(RUNS / 2);
        expect((await runWorker(env, undefined)).done).toBe(true);

        const t = db.crm.tenant(tenant);
        const contacts = graph.mailboxes.contacts(mb.address);
        for (const c of contacts) {
          const r = await t.relations.findByExternalRef("outlook", c.id);
          expect(r?.deletedAt).toBeNull();
          expect(r?.name).toBe(c.data.displayName);
        }
        const keys = new Set(graph.mailboxes.messages(mb.address, "inbox").map((m) => m.data.internetMessageId as string));
        for (const key of keys) expect((await t.interactions.findByExternalKey(key))?.deletedAt).toBeNull();
        const counts = await db.counts(tenant);
        const instances = graph.state.collection(`${mb.address}|calendarView`).items.size;
        // No doubles: exactly one relation per contact plus one per mail sender that is not a
        // contact any more (created by the unknown-address policy), one interaction per key.
        expect(counts.kb_interactions).toBe(keys.size + instances);
        expect(counts.kb_sync_items).toBe(contacts.length + keys.size + instances);
        const before = await db.counts(tenant);
        expect((await runWorker(env, undefined)).done).toBe(true);
        expect(await db.counts(tenant)).toEqual(before);
      } finally {
        await db.close();
        if (engine === "postgres") {
          const pg = await import("pg");
          const pool = new pg.default.Pool({ connectionString: DATABASE_URL });
          await pool.query(`drop schema if exists ${schema} cascade`);
          await pool.end();
        }
        await graph.close();
      }
    }, 480_000); // 20 worker processes on a shared machine: generous, never a speed assertion
  });
}
