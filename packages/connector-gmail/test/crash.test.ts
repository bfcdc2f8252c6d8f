import { spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { randomBytes } from "node:crypto";
import { afterAll, describe, expect, it } from "vitest";
import { startFakeGoogle, type FakeGoogle } from "../src/testing/index.js";
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
          // Sometimes between pages, sometimes inside the next one.
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

function seed(google: FakeGoogle, email: string, round: number): void {
  for (let i = 0; i < 6; i++)
    google.createContact(email, { names: [{ givenName: `R${round} C${i}` }], emailAddresses: [{ value: `r${round}c${i}@crash.example` }] });
  const live = [...google.account(email).contacts.values()].filter((c) => !c.deleted);
  for (const c of live.filter((_, i) => i % 7 === round % 7)) {
    const given = String((c.fields.names?.[0] as { givenName?: string } | undefined)?.givenName ?? "");
    google.updateContact(email, `people/c${c.id}`, { names: [{ givenName: `${given} v${round}` }] });
  }
  const victim = live.find((_, i) => i % 11 === round % 11);
  if (victim) google.deleteContact(email, `people/c${victim.id}`);
  for (let i = 0; i < 4; i++)
    google.sendMail(email, { from: `r${round}c${i}@crash.example`, to: email, subject: `R${round} M${i}`, sentAt: "2026-02-01T10:00:00Z" });
  const inbox = [...google.account(email).messages.values()].filter((m) => !m.deleted);
  if (round % 5 === 2 && inbox[0]) google.relabel(email, inbox[0].id, ["TRASH"], ["INBOX"]);
  if (round % 4 === 1) google.expire(email);
}

for (const engine of ENGINES) {
  describe(`google crash test: ${engine}`, () => {
    const dir = mkdtempSync(join(tmpdir(), "kb-gcrash-"));
    afterAll(() => rmSync(dir, { recursive: true, force: true }));

    it(`a worker killed with SIGKILL at random points ${RUNS} times resumes to exactly the remote state`, async () => {
      const google = await startFakeGoogle({ latencyMs: 2 });
      const account = google.addAccount("crash@kb.example");
      const tenant = freshTenant();
      const schema = `kb_gcrash_${randomBytes(5).toString("hex")}`;
      const file = join(dir, "crm.db");
      const db = await openDb(engine, engine === "sqlite" ? { filename: file } : { schema });
      const env = {
        KB_ENGINE: engine,
        KB_SQLITE_FILE: file,
        KB_PG_SCHEMA: schema,
        DATABASE_URL,
        GOOGLE_URL: google.url,
        KB_TOKEN: account.token,
        KB_ACCOUNT: account.email,
        KB_TENANT: tenant,
      };
      try {
        let kills = 0;
        for (let round = 0; round < RUNS; round++) {
          seed(google, account.email, round);
          const result = await runWorker(env, 1 + Math.floor(Math.random() * 8));
          if (!result.done) kills++;
        }
        expect(kills).toBeGreaterThanOrEqual(RUNS / 2);
        expect((await runWorker(env, undefined)).done).toBe(true);

        const t = db.crm.tenant(tenant);
        const contacts = [...account.contacts.values()].filter((c) => !c.deleted);
        for (const c of contacts) {
          const r = await t.relations.findByExternalRef("google", `people/c${c.id}`);
          expect(r?.deletedAt).toBeNull();
          expect(r?.name).toBe((c.fields.names?.[0] as { givenName: string }).givenName);
        }
        const visible = [...account.messages.values()].filter((m) => !m.deleted && !m.labelIds.includes("TRASH"));
        const keys = new Set(visible.map((m) => m.headers.find((h) => h.name === "Message-ID")!.value));
        for (const key of keys) expect((await t.interactions.findByExternalKey(key))?.deletedAt).toBeNull();
        const counts = await db.counts(tenant);
        // No doubles: one sync item per live contact and per visible message.
        expect(counts.kb_sync_items).toBe(contacts.length + keys.size);
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
        await google.close();
      }
    }, 480_000);
  });
}
