import { spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { randomBytes } from "node:crypto";
import { afterAll, describe, expect, it } from "vitest";
import type { TenantCrm } from "@kaartenbak/core";
import { startFakeGoogle, type EventSpec, type FakeGoogle } from "../src/testing/index.js";
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
  seedCalendar(google, email, round);
  if (round % 4 === 1) google.expire(email);
}

/**
 * Calendar changes of a round. Round 0: a single meeting, a weekly series of four whose third
 * instance moved an hour and whose fourth is cancelled, and a two-day all-day event. Later rounds
 * rename, move and cancel some of them and add new ones, so killed runs meet every kind of change.
 */
function seedCalendar(google: FakeGoogle, email: string, round: number): void {
  const events = google.account(email).calendar("primary");
  if (round === 0) {
    google.putEvent(email, {
      id: "kickoff",
      summary: "Kick-off",
      description: "Agenda",
      start: { dateTime: "2026-04-01T10:00:00+02:00", timeZone: "Europe/Amsterdam" },
      end: { dateTime: "2026-04-01T11:00:00+02:00", timeZone: "Europe/Amsterdam" },
      attendees: [
        { email, responseStatus: "accepted" },
        { email: "r0c1@crash.example", displayName: "Bea Buyer" },
        { email: "room@resource.calendar.google.com", resource: true },
      ],
    });
    const slots = [1, 8, 15, 22].map((d) => ({
      start: `2026-05-${String(d).padStart(2, "0")}T09:00:00Z`,
      end: `2026-05-${String(d).padStart(2, "0")}T09:30:00Z`,
    }));
    const series = google.createSeries(
      email,
      {
        id: "weekly",
        summary: "Weekly",
        organizer: { email: "r0c2@crash.example", displayName: "Kim" },
        attendees: [{ email }, { email: "r0c2@crash.example" }],
      },
      slots,
    );
    const third = events.get(series[2]!)!;
    google.putEvent(email, {
      ...(third.body as unknown as EventSpec),
      id: third.id,
      start: { dateTime: "2026-05-15T10:00:00Z" },
      end: { dateTime: "2026-05-15T10:30:00Z" },
    });
    google.cancelEvent(email, series[3]!);
    google.putEvent(email, {
      id: "fair",
      summary: "Fair",
      start: { date: "2026-06-10" },
      end: { date: "2026-06-12" },
      attendees: [{ email: "r0c3@crash.example" }],
    });
    return;
  }
  google.putEvent(email, {
    id: `round${round}`,
    summary: `Round ${round} call`,
    start: { dateTime: `2026-07-${String(round).padStart(2, "0")}T08:00:00Z` },
    end: { dateTime: `2026-07-${String(round).padStart(2, "0")}T08:45:00Z` },
    attendees: [{ email: `r${round}c0@crash.example` }],
  });
  const live = [...events.values()].filter((e) => e.body.status !== "cancelled");
  const renamed = live[round % live.length]!;
  google.putEvent(email, { ...(renamed.body as unknown as EventSpec), id: renamed.id, summary: `${String(renamed.body.summary).split(" v")[0]} v${round}` });
  if (round % 3 === 2) {
    const moved = live[(round * 5) % live.length]!;
    const start = moved.body.start as Record<string, string>;
    if (start.dateTime) {
      const shift = (t: unknown) => ({ dateTime: new Date(Date.parse((t as Record<string, string>).dateTime!) + 3_600_000).toISOString() });
      google.putEvent(email, { ...(moved.body as unknown as EventSpec), id: moved.id, start: shift(moved.body.start), end: shift(moved.body.end) });
    }
  }
  if (round % 6 === 5) google.cancelEvent(email, live[(round * 7) % live.length]!.id);
}

/** A UTC instant of an event time as the fake stores it (`dateTime` with offset, or an all-day `date`). */
const instant = (t: unknown) => {
  const v = t as { dateTime?: string; date?: string };
  return new Date(v.dateTime ?? `${v.date}T00:00:00Z`).toISOString();
};

/** The live contact moments of a tenant by key, with the fields a sync sets (relation ids differ per tenant). */
async function liveMoments(tenant: TenantCrm): Promise<Map<string, unknown>> {
  const ids = new Set<string>();
  for (let after = 0; ;) {
    const page = await tenant.outbox.read({ after, limit: 1000 });
    if (page.length === 0) break;
    for (const e of page) if (e.type === "interaction.logged") ids.add(e.entityId);
    after = page[page.length - 1]!.sequence;
  }
  const out = new Map<string, unknown>();
  for (const id of ids) {
    const i = await tenant.interactions.get(id);
    if (!i || i.deletedAt) continue;
    expect(out.has(i.externalKey!), `two live moments with key ${i.externalKey}`).toBe(false);
    out.set(i.externalKey!, {
      kind: i.kind,
      channel: i.channel,
      direction: i.direction,
      occurredAt: i.occurredAt,
      subject: i.subject,
      body: i.body,
      participants: i.participants.map((p) => [p.role, p.address, p.name, p.relationId !== null]),
    });
  }
  return out;
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
        // Calendar: every event that is not cancelled is one live meeting, keyed per instance, with its fields.
        const meetings = [...account.calendar("primary").values()].filter((e) => e.body.status !== "cancelled");
        const weekly = account.calendar("primary").get("weekly_20260501T090000Z")!.body.iCalUID as string;
        expect(await t.interactions.findByExternalKey(`meeting:${weekly}:2026-05-22T09:00:00.000Z`).then((i) => i?.deletedAt ?? "absent")).not.toBeNull();
        expect((await t.interactions.findByExternalKey("meeting:fair@google.com"))?.occurredAt).toBe("2026-06-10T00:00:00.000Z");
        for (const e of meetings) {
          const uid = e.body.iCalUID as string;
          const key = e.body.recurringEventId ? `meeting:${uid}:${instant(e.body.originalStartTime)}` : `meeting:${uid}`;
          const i = await t.interactions.findByExternalKey(key);
          expect(i && !i.deletedAt ? [i.kind, i.subject, i.occurredAt] : `missing ${key}`).toEqual(["meeting", e.body.summary, instant(e.body.start)]);
        }
        const counts = await db.counts(tenant);
        // No doubles: one sync item per live contact, per visible message and per live event.
        expect(counts.kb_sync_items).toBe(contacts.length + keys.size + meetings.length);
        const before = await db.counts(tenant);
        expect((await runWorker(env, undefined)).done).toBe(true);
        expect(await db.counts(tenant)).toEqual(before);

        // The crashed tenant equals a clean run of the same account into a fresh tenant: the same live
        // contact moments (mail and meetings), each once, with the same fields.
        const clean = freshTenant();
        expect((await runWorker({ ...env, KB_TENANT: clean }, undefined)).done).toBe(true);
        const crashed = await liveMoments(t);
        const reference = await liveMoments(db.crm.tenant(clean));
        expect([...crashed.keys()].filter((k) => k.startsWith("meeting:"))).toHaveLength(meetings.length);
        expect(new Map([...crashed].sort(([a], [b]) => (a < b ? -1 : 1)))).toEqual(new Map([...reference].sort(([a], [b]) => (a < b ? -1 : 1))));
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
