import fc from "fast-check";
import { afterAll, describe, expect, it } from "vitest";
import type { TenantCrm } from "@kaartenbak/core";
import { createSyncEngine, type SyncEngine, type SyncRunReport } from "@kaartenbak/core/sync";
import { CLIENT_DATA_KEY, googleConnector } from "../src/index.js";
import { personOf, type EventSpec, type FakeGoogle, type GoogleFault } from "../src/testing/index.js";
import { ENGINES, freshTenant, googleAndDb, type TestDb } from "./harness.js";

/**
 * Convergence: random remote changes (People contacts, Gmail messages, Calendar events), local CRM
 * edits (renames, new e-mail addresses, deletions, creates pushed with their CRM id) and sync runs
 * that meet injected faults (429 with and without Retry-After, 403 rate limits, 5xx, connections
 * dropped before or after Google carried the request out, more failures than the engine retries,
 * random chaos, expired tokens: People 400 EXPIRED_SYNC_TOKEN, Gmail 404, Calendar 410) or stop
 * between pages. After the faults end, a clean
 * sync must leave the CRM equal to the fake's account (every contact one relation with its fields,
 * deletions applied, no doubles on either side, every message and meeting one contact moment), and
 * one more sync must write nothing.
 *
 * KB_CONVERGENCE_SEED / _RUNS / _OPS explore beyond the fixed default seed.
 */
const ACCOUNT = "anna@kb.example";
const EXTERNALS = ["x1@ext.example", "x2@ext.example", "x3@gmail.com"];
const SEED = Number(process.env.KB_CONVERGENCE_SEED ?? 20261203);

type Path = "connections" | "contactWrites" | "messages" | "calendar" | "any";
type Op =
  | { op: "contact"; phone: boolean }
  | { op: "renameContact"; pick: number; name: string }
  | { op: "deleteContact"; pick: number }
  | { op: "mail"; from: number; to: number; bulk: boolean }
  | { op: "trashMail"; pick: number }
  | { op: "restoreMail"; pick: number }
  | { op: "deleteMail"; pick: number }
  | { op: "event"; attendee: number; kind: "single" | "series" | "allDay" }
  | { op: "renameEvent"; pick: number; name: string }
  | { op: "moveEvent"; pick: number; hours: number }
  | { op: "cancelEvent"; pick: number }
  | { op: "localRename"; pick: number; name: string }
  | { op: "localEmail"; pick: number }
  | { op: "localDelete"; pick: number }
  | { op: "localCreate" }
  | { op: "fault"; fault: GoogleFault; path: Path; times: number; retryAfter: number | undefined }
  | { op: "expire" }
  | { op: "sync"; maxPages: number | undefined; chaos: number | undefined };

const name = fc.constantFrom("Alpha", "Beta", "Gamma", "Delta", "Epsilon");
const pick = fc.nat(50);
const opArb: fc.Arbitrary<Op> = fc.oneof(
  { weight: 4, arbitrary: fc.record({ op: fc.constant("contact" as const), phone: fc.boolean() }) },
  { weight: 2, arbitrary: fc.record({ op: fc.constant("renameContact" as const), pick, name }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constant("deleteContact" as const), pick }) },
  { weight: 3, arbitrary: fc.record({ op: fc.constant("mail" as const), from: fc.nat(20), to: fc.nat(20), bulk: fc.nat(9).map((n) => n < 2) }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constant("trashMail" as const), pick }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constant("restoreMail" as const), pick }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constant("deleteMail" as const), pick }) },
  {
    weight: 2,
    arbitrary: fc.record({
      op: fc.constant("event" as const),
      attendee: fc.nat(20),
      kind: fc.constantFrom("single" as const, "series" as const, "allDay" as const),
    }),
  },
  { weight: 1, arbitrary: fc.record({ op: fc.constant("renameEvent" as const), pick, name }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constant("moveEvent" as const), pick, hours: fc.integer({ min: 1, max: 30 }) }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constant("cancelEvent" as const), pick }) },
  { weight: 2, arbitrary: fc.record({ op: fc.constant("localRename" as const), pick, name }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constant("localEmail" as const), pick }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constant("localDelete" as const), pick }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constant("localCreate" as const) }) },
  {
    weight: 3,
    arbitrary: fc.record({
      op: fc.constant("fault" as const),
      fault: fc.constantFrom<GoogleFault>("429", "rateLimitExceeded", "userRateLimitExceeded", "500", "503", "drop", "dropAfter"),
      path: fc.constantFrom<Path>("connections", "contactWrites", "contactWrites", "messages", "calendar", "any"),
      // Up to 6: more than the engine's 4 attempts fails the resource for this run.
      times: fc.integer({ min: 1, max: 6 }),
      retryAfter: fc.option(fc.integer({ min: 0, max: 5 }), { nil: undefined }),
    }),
  },
  { weight: 1, arbitrary: fc.record({ op: fc.constant("expire" as const) }) },
  {
    weight: 3,
    arbitrary: fc.record({
      op: fc.constant("sync" as const),
      maxPages: fc.option(fc.integer({ min: 0, max: 3 }), { nil: undefined }),
      chaos: fc.option(fc.integer({ min: 1, max: 1_000_000 }), { nil: undefined, freq: 3 }),
    }),
  },
);

const PATHS: Record<Path, RegExp | undefined> = {
  connections: /^\/v1\/people/,
  // Pushes only: a create, update or delete, so a fault lands on a write rather than the reads before it.
  contactWrites: /^\/v1\/people[^?]*:(createContact|updateContact|deleteContact)$/,
  messages: /^\/gmail\//,
  calendar: /^\/calendar\//,
  any: undefined,
};

/** A small seeded generator for the fake's chaos faults. */
function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** What the property compared, over all runs (reported, so an empty property is visible). */
const stats = { runs: 0, contacts: 0, messages: 0, meetings: 0, failedRuns: 0, faults: 0, waitsFromRetryAfter: 0 };
afterAll(() => console.log(`[google convergence] ${JSON.stringify(stats)}`));

for (const engineName of ENGINES) {
  describe(`google convergence: ${engineName}`, () => {
    const shared = googleAndDb(engineName);

    it("after random remote changes, local edits and faults, a clean sync converges and the next writes nothing", async () => {
      await fc.assert(
        fc.asyncProperty(fc.array(opArb, { minLength: 5, maxLength: Number(process.env.KB_CONVERGENCE_OPS ?? 24) }), async (ops) => {
          shared.google.faults.clear();
          await runScenario(shared.google, shared.db, ops);
        }),
        { seed: SEED, numRuns: Number(process.env.KB_CONVERGENCE_RUNS ?? 20), endOnFailure: true },
      );
    }, 300_000);
  });
}

async function runScenario(google: FakeGoogle, db: TestDb, ops: readonly Op[]): Promise<void> {
  stats.runs++;
  // A fresh account per run (the fake is shared by the runs of one engine), synced into a fresh tenant.
  const email = `r${stats.runs}.${ACCOUNT}`;
  const account = google.addAccount(email);
  const tenant = db.crm.tenant(freshTenant(), { actor: "user:1", source: "ui" });
  const waits: number[] = [];
  const engine: SyncEngine = createSyncEngine({
    tenant,
    account: email,
    connector: googleConnector({ getAccessToken: async () => account.token, rootUrl: google.url, pageSize: 3 }),
    unknownAddresses: "create-person",
    pushCreates: (r) => r.tags.includes("push"),
    retry: { baseDelayMs: 0, maxAttempts: 4, sleep: async (ms) => void waits.push(ms) },
    leaseTtlMs: 60_000,
  });
  let contactNo = 0;
  let localNo = 0;
  const contactEmails: string[] = [];
  const localCreates: string[] = [];
  const events: string[] = [];
  const addresses = () => [email, ...EXTERNALS, ...contactEmails];
  const at = <T>(list: readonly T[], i: number): T | undefined => list[i % list.length];
  const liveContacts = () => [...account.contacts.values()].filter((c) => !c.deleted);
  const messages = () => [...account.messages.values()].filter((m) => !m.deleted);
  const liveEvents = () => events.map((id) => account.calendar("primary").get(id)!).filter((e) => e.body.status !== "cancelled");

  for (const step of ops) {
    switch (step.op) {
      case "contact": {
        const n = ++contactNo;
        const address = `c${n}@ext.example`;
        contactEmails.push(address);
        google.createContact(email, {
          names: [{ givenName: `C${n}`, familyName: "Test" }],
          emailAddresses: [{ value: `C${n}@Ext.example`, type: "work" }],
          ...(step.phone ? { phoneNumbers: [{ value: `+31 20 555 ${String(1000 + n)}`, type: "work" }] } : {}),
        });
        break;
      }
      case "renameContact": {
        const c = at(liveContacts(), step.pick);
        if (c) google.updateContact(email, `people/c${c.id}`, { names: [{ givenName: step.name, familyName: `R${c.id.slice(-3)}` }] });
        break;
      }
      case "deleteContact": {
        const c = at(liveContacts(), step.pick);
        if (c) google.deleteContact(email, `people/c${c.id}`);
        break;
      }
      case "mail": {
        const from = at(addresses(), step.from)!;
        const to = at(
          addresses().filter((a) => a !== from),
          step.to,
        )!;
        const no = account.messages.size;
        google.sendMail(email, {
          from,
          to,
          subject: `Mail ${no} ${from} to ${to}`,
          sentAt: new Date(Date.UTC(2026, 2, 1, 10) + no * 60_000).toISOString(),
          ...(step.bulk ? { headers: [{ name: "List-Id", value: "<list.ext.example>" }] } : {}),
        });
        break;
      }
      case "trashMail":
      case "restoreMail":
      case "deleteMail": {
        const list = messages().filter((m) => (step.op === "restoreMail") === m.labelIds.includes("TRASH"));
        const m = at(list, step.pick);
        if (!m) break;
        if (step.op === "deleteMail") google.deleteMessage(email, m.id);
        else if (step.op === "trashMail") google.relabel(email, m.id, ["TRASH"], ["INBOX", "SENT"]);
        else google.relabel(email, m.id, ["INBOX"], ["TRASH"]);
        break;
      }
      case "event": {
        const attendee = at(
          addresses().filter((a) => a !== email),
          step.attendee,
        )!;
        const day = 1 + (events.length % 27);
        const date = `2026-05-${String(day).padStart(2, "0")}`;
        const spec = { summary: `Meeting ${events.length}`, attendees: [{ email }, { email: attendee }] };
        if (step.kind === "single")
          events.push(google.putEvent(email, { ...spec, start: { dateTime: `${date}T09:00:00Z` }, end: { dateTime: `${date}T10:00:00Z` } }));
        else if (step.kind === "allDay")
          events.push(google.putEvent(email, { ...spec, start: { date }, end: { date: `2026-05-${String(day + 1).padStart(2, "0")}` } }));
        else {
          const slots = [0, 1, 2].map((w) => ({
            start: `2026-06-${String(day).padStart(2, "0")}T0${7 + w}:00:00Z`,
            end: `2026-06-${String(day).padStart(2, "0")}T0${7 + w}:30:00Z`,
          }));
          events.push(...google.createSeries(email, { ...spec, organizer: { email: attendee } }, slots));
        }
        break;
      }
      case "renameEvent":
      case "moveEvent": {
        const e = at(liveEvents(), step.pick);
        if (!e) break;
        const body = e.body as Record<string, unknown> & { start: Record<string, string>; end: Record<string, string> };
        const moved = (t: Record<string, string>): Record<string, string> => {
          if (t.date)
            return {
              date: new Date(Date.parse(`${t.date}T00:00:00Z`) + Math.ceil(step.op === "moveEvent" ? step.hours / 24 : 0) * 86_400_000)
                .toISOString()
                .slice(0, 10),
            };
          return { dateTime: new Date(Date.parse(t.dateTime!) + (step.op === "moveEvent" ? step.hours : 0) * 3_600_000).toISOString() };
        };
        google.putEvent(email, {
          ...(body as unknown as EventSpec),
          id: e.id,
          ...(step.op === "renameEvent" ? { summary: `${step.name} meeting` } : { start: moved(body.start), end: moved(body.end) }),
        });
        break;
      }
      case "cancelEvent": {
        const e = at(liveEvents(), step.pick);
        if (e) google.cancelEvent(email, e.id);
        break;
      }
      case "localRename":
      case "localEmail":
      case "localDelete": {
        const synced = (await syncedRelations(tenant)).filter((r) => !r.deletedAt);
        const r = at(synced, step.pick);
        if (!r) break;
        if (step.op === "localRename") await tenant.relations.update(r.id, { name: `${step.name} local` }, { expectedVersion: r.version });
        else if (step.op === "localEmail")
          await tenant.relations.update(r.id, { emails: [...r.emails.map((e) => e.address), `alt${++localNo}@ext.example`] }, { expectedVersion: r.version });
        else await tenant.relations.delete(r.id, { expectedVersion: r.version });
        break;
      }
      case "localCreate": {
        const n = ++localNo;
        const created = await tenant.relations.create({
          kind: "person",
          name: `Local ${n}`,
          givenName: "Local",
          familyName: String(n),
          emails: [`l${n}@ext.example`],
          tags: ["push"],
        });
        localCreates.push(created.id);
        break;
      }
      case "fault":
        stats.faults++;
        google.faults.add({
          fault: step.fault,
          times: step.times,
          ...(PATHS[step.path] ? { path: PATHS[step.path] } : {}),
          ...(step.retryAfter !== undefined ? { retryAfter: step.retryAfter } : {}),
        });
        break;
      case "expire":
        google.expire(email);
        break;
      case "sync": {
        if (step.chaos !== undefined) google.faults.chaos = { rate: 0.2, faults: ["429", "503", "drop", "dropAfter", "500"], random: mulberry32(step.chaos) };
        const waited = waits.length;
        const report = await engine.run(step.maxPages === undefined ? {} : { maxPages: step.maxPages });
        google.faults.chaos = undefined;
        if (report.status !== "ok") stats.failedRuns++;
        stats.waitsFromRetryAfter += waits.slice(waited).filter((w) => w > 0 && w % 1000 === 0).length;
        // A fault the engine gave up on fails its resource, never the mapping of what was committed.
        for (const r of report.resources) if (r.status === "failed") expect(["RATE_LIMITED", "TRANSIENT"]).toContain(r.error?.reason);
        break;
      }
    }
  }

  // Faults end; two clean rounds (a push made in the first is pulled back in the second).
  google.faults.clear();
  for (let round = 0; round < 2; round++) {
    const report = await engine.run();
    expect(report.status, JSON.stringify(report.resources.map((r) => r.error))).toBe("ok");
  }
  await expectConverged(google, email, tenant, localCreates);
  const before = await db.counts(tenant.tenantId);
  const quiet: SyncRunReport = await engine.run();
  expect(quiet.status).toBe("ok");
  expect(quiet.pushed).toBe(0);
  expect(quiet.resources.map((r) => [r.resource, r.counts.created, r.counts.updated, r.counts.deleted])).toEqual(
    quiet.resources.map((r) => [r.resource, 0, 0, 0]),
  );
  expect(await db.counts(tenant.tenantId)).toEqual(before);
}

async function allEvents(tenant: TenantCrm) {
  const out = [];
  for (let after = 0; ;) {
    const page = await tenant.outbox.read({ after, limit: 1000 });
    if (page.length === 0) return out;
    out.push(...page);
    after = page[page.length - 1]!.sequence;
  }
}

/** Every relation that ever carried a Google reference (deleted ones included). */
async function syncedRelations(tenant: TenantCrm) {
  const out = [];
  const seen = new Set<string>();
  for (const e of await allEvents(tenant)) {
    if (e.entityType !== "relation" || seen.has(e.entityId)) continue;
    seen.add(e.entityId);
    const r = await tenant.relations.get(e.entityId, { includeDeleted: true });
    if (r?.externalRefs.some((x) => x.system === "google")) out.push(r);
  }
  return out;
}

/** A UTC instant of an event time as the fake stores it (`dateTime` with offset, or an all-day `date`). */
const instant = (t: unknown) => {
  const v = t as { dateTime?: string; date?: string };
  return new Date(v.dateTime ?? `${v.date}T00:00:00Z`).toISOString();
};

async function expectConverged(google: FakeGoogle, email: string, tenant: TenantCrm, localCreates: readonly string[]): Promise<void> {
  const account = google.account(email);
  // Contacts: every live contact is exactly one live relation with the mapped fields.
  const live = new Map<string, string>();
  const clientIds = new Map<string, string>();
  for (const c of [...account.contacts.values()].filter((x) => !x.deleted)) {
    const resourceName = `people/c${c.id}`;
    const served = personOf(c, new Set(["names", "emailAddresses", "phoneNumbers", "clientData"])) as {
      names?: { displayName: string; givenName?: string; familyName?: string }[];
      emailAddresses?: { value: string }[];
      phoneNumbers?: { canonicalForm?: string; value: string }[];
      clientData?: { key: string; value: string }[];
    };
    const r = await tenant.relations.findByExternalRef("google", resourceName);
    expect(r?.deletedAt, `contact ${resourceName} missing`).toBeNull();
    live.set(resourceName, r!.id);
    const name = served.names![0]!;
    expect([r!.name, r!.givenName ?? "", r!.familyName ?? ""], resourceName).toEqual([name.displayName, name.givenName ?? "", name.familyName ?? ""]);
    const emails = (served.emailAddresses ?? []).map((e) => e.value.toLowerCase());
    expect(r!.emails.map((e) => e.address).sort(), resourceName).toEqual([...new Set(emails)].sort());
    expect(r!.phones.map((p) => p.number).sort()).toEqual((served.phoneNumbers ?? []).map((p) => p.canonicalForm ?? p.value).sort());
    for (const address of emails)
      expect(
        (await tenant.relations.findByEmail(address)).map((x) => x.id),
        `relations with ${address}`,
      ).toEqual([r!.id]);
    // No double on Google's side: one live contact per CRM id it carries.
    const carried = served.clientData?.find((d) => d.key === CLIENT_DATA_KEY)?.value;
    if (carried) {
      expect(clientIds.get(carried), `two contacts carry ${carried}`).toBeUndefined();
      clientIds.set(carried, resourceName);
      expect(carried).toBe(r!.id);
    }
    stats.contacts++;
  }
  // A relation is live with a Google reference only for a live contact; one reference each.
  for (const r of await syncedRelations(tenant)) {
    const refs = r.externalRefs.filter((x) => x.system === "google");
    if (r.deletedAt) continue;
    expect(refs, `relation ${r.name}`).toHaveLength(1);
    expect(live.get(refs[0]!.externalId), `relation ${r.name} of deleted contact ${refs[0]!.externalId}`).toBe(r.id);
  }
  // Every contact deleted in Google is gone from the CRM: a relation sync created is deleted, one the
  // CRM had before (matched by e-mail, or created locally and pushed) loses its Google reference.
  const deletedIds = new Map<string, string>();
  for (const c of [...account.contacts.values()].filter((x) => x.deleted)) {
    const r = await tenant.relations.findByExternalRef("google", `people/c${c.id}`);
    expect(r === undefined || r.deletedAt !== null, `relation of deleted contact people/c${c.id}`).toBe(true);
    const carried = (c.fields.clientData as { key: string; value: string }[] | undefined)?.find((d) => d.key === CLIENT_DATA_KEY)?.value;
    if (carried) deletedIds.set(carried, `people/c${c.id}`);
  }
  // Locally created relations were pushed once: a live one is carried by exactly one live contact,
  // or its contact was deleted in Google afterwards and it lives on without a Google reference.
  for (const id of localCreates) {
    const r = await tenant.relations.get(id, { includeDeleted: true });
    if (!r || r.deletedAt) continue;
    if (clientIds.has(r.id)) continue;
    expect(deletedIds.has(r.id), `pushed create of ${r.name}`).toBe(true);
    expect(
      r.externalRefs.filter((x) => x.system === "google"),
      `unlinked ${r.name}`,
    ).toEqual([]);
  }

  // Mail: one live contact moment per visible message; list mail, the bin and deleted mail never.
  const visible = new Map<string, { subject: string; at: string; outbound: boolean; bulk: boolean }>();
  for (const m of account.messages.values()) {
    const header = (n: string) => m.headers.find((h) => h.name.toLowerCase() === n.toLowerCase())?.value;
    const key = header("Message-ID")!;
    if (m.deleted || m.labelIds.includes("TRASH")) continue;
    visible.set(key, {
      subject: header("Subject")!,
      at: new Date(m.internalDate).toISOString(),
      outbound: header("From") === email,
      bulk: header("List-Id") !== undefined,
    });
  }
  for (const [key, expected] of visible) {
    const i = await tenant.interactions.findByExternalKey(key);
    if (expected.bulk) {
      expect(i?.deletedAt ?? "absent", `list mail ${key}`).not.toBeNull();
      continue;
    }
    expect(i && !i.deletedAt ? [i.kind, i.subject, i.occurredAt, i.direction] : `missing ${key}`).toEqual([
      "email",
      expected.subject,
      expected.at,
      expected.outbound ? "outbound" : "inbound",
    ]);
    stats.messages++;
  }
  // Meetings: one live contact moment per event that is not cancelled, keyed per instance.
  const meetings = new Map<string, { subject: string; at: string }>();
  for (const e of account.calendar("primary").values()) {
    if (e.body.status === "cancelled") continue;
    const uid = e.body.iCalUID as string;
    const key = e.body.recurringEventId ? `meeting:${uid}:${instant(e.body.originalStartTime)}` : `meeting:${uid}`;
    meetings.set(key, { subject: e.body.summary as string, at: instant(e.body.start) });
  }
  for (const [key, expected] of meetings) {
    const i = await tenant.interactions.findByExternalKey(key);
    expect(i && !i.deletedAt ? [i.kind, i.channel, i.subject, i.occurredAt] : `missing ${key}`).toEqual(["meeting", "calendar", expected.subject, expected.at]);
    stats.meetings++;
  }
  // Nothing else is live: no stale or doubled contact moments.
  const logged = new Set<string>();
  for (const e of await allEvents(tenant)) {
    if (e.type !== "interaction.logged" || logged.has(e.entityId)) continue;
    logged.add(e.entityId);
    const i = (await tenant.interactions.get(e.entityId, { includeDeleted: true }))!;
    if (i.deletedAt) continue;
    if (i.kind === "meeting") expect(meetings.has(i.externalKey!), `stale meeting ${i.externalKey}`).toBe(true);
    else expect(visible.get(i.externalKey!)?.bulk, `stale mail ${i.externalKey}`).toBe(false);
  }
  let liveMoments = 0;
  for (const id of logged) if (!(await tenant.interactions.get(id))?.deletedAt && (await tenant.interactions.get(id))) liveMoments++;
  expect(liveMoments, "live contact moments").toBe(meetings.size + [...visible.values()].filter((v) => !v.bulk).length);
}
