import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { TenantCrm } from "@kaartenbak/core";
import { createSyncEngine, type SyncEngine } from "@kaartenbak/core/sync";
import { outlookConnector } from "../src/index.js";
import { meetingKey } from "@kaartenbak/core/sync";
import { startFakeGraph, type FakeGraph } from "../src/testing/index.js";
import { ENGINES, freshTenant, openDb, type TestDb } from "./harness.js";

/**
 * Convergence: random remote changes (contacts, mail, meetings), local edits and injected faults
 * (429, 503, dropped connections, expired tokens, a worker stopping between pages), then a clean
 * sync: the CRM must equal the fake's mailboxes (nothing missing, nothing doubled, deletions
 * applied), and one more sync must write nothing.
 */
const MAILBOXES = ["anna@kb.example", "bob@kb.example"] as const;
const EXTERNALS = ["x1@ext.example", "x2@ext.example", "x3@gmail.com"];
const WINDOW = { start: "2026-01-01T00:00:00Z", end: "2027-01-01T00:00:00Z" };

type Op =
  | { op: "contact"; mb: number }
  | { op: "renameContact"; mb: number; pick: number; name: string }
  | { op: "deleteContact"; mb: number; pick: number }
  | { op: "mail"; from: number; to: number; bulk: boolean }
  | { op: "deleteMail"; mb: number; pick: number }
  | { op: "moveMail"; mb: number; pick: number }
  | { op: "event"; mb: number; attendee: number; recurring: boolean }
  | { op: "renameEvent"; pick: number; name: string }
  | { op: "cancelEvent"; pick: number }
  | { op: "dropOccurrence"; pick: number }
  | { op: "localRename"; pick: number; name: string }
  | { op: "localDelete"; pick: number }
  | { op: "fault"; kind: "429" | "503" | "drop" | "expire410" | "expireState" }
  | { op: "sync"; mb: number; maxPages: number | undefined };

const name = fc.constantFrom("Alpha", "Beta", "Gamma", "Delta", "Epsilon");
const pick = fc.nat(50);
const mbIdx = fc.nat(1);
const opArb: fc.Arbitrary<Op> = fc.oneof(
  { weight: 4, arbitrary: fc.record({ op: fc.constant("contact" as const), mb: mbIdx }) },
  { weight: 2, arbitrary: fc.record({ op: fc.constant("renameContact" as const), mb: mbIdx, pick, name }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constant("deleteContact" as const), mb: mbIdx, pick }) },
  { weight: 3, arbitrary: fc.record({ op: fc.constant("mail" as const), from: fc.nat(20), to: fc.nat(20), bulk: fc.nat(9).map((n) => n < 2) }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constant("deleteMail" as const), mb: mbIdx, pick }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constant("moveMail" as const), mb: mbIdx, pick }) },
  { weight: 2, arbitrary: fc.record({ op: fc.constant("event" as const), mb: mbIdx, attendee: fc.nat(20), recurring: fc.boolean() }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constant("renameEvent" as const), pick, name }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constant("cancelEvent" as const), pick }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constant("dropOccurrence" as const), pick }) },
  { weight: 2, arbitrary: fc.record({ op: fc.constant("localRename" as const), pick, name }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constant("localDelete" as const), pick }) },
  { weight: 2, arbitrary: fc.record({ op: fc.constant("fault" as const), kind: fc.constantFrom("429", "503", "drop", "expire410", "expireState") }) },
  { weight: 3, arbitrary: fc.record({ op: fc.constant("sync" as const), mb: mbIdx, maxPages: fc.option(fc.integer({ min: 0, max: 3 }), { nil: undefined }) }) },
);

for (const engineName of ENGINES) {
  describe(`outlook convergence: ${engineName}`, () => {
    let db: TestDb;
    beforeAll(async () => {
      db = await openDb(engineName);
    });
    afterAll(async () => db?.close());

    it("after random remote changes, local edits and faults, a clean sync converges and the next writes nothing", async () => {
      await fc.assert(
        fc.asyncProperty(fc.array(opArb, { minLength: 5, maxLength: Number(process.env.KB_CONVERGENCE_OPS ?? 22) }), async (ops) => {
          const graph = await startFakeGraph();
          try {
            await runScenario(graph, db, ops);
          } finally {
            await graph.close();
          }
        }),
        { numRuns: Number(process.env.KB_CONVERGENCE_RUNS ?? (engineName === "sqlite" ? 30 : 20)), endOnFailure: true },
      );
    }, 300_000);
  });
}

async function runScenario(graph: FakeGraph, db: TestDb, ops: readonly Op[]): Promise<void> {
  const m = graph.mailboxes;
  const boxes = MAILBOXES.map((a) => m.addMailbox(a));
  const tenant = db.crm.tenant(freshTenant(), { actor: "user:1", source: "ui" });
  const engines: SyncEngine[] = boxes.map((mb) =>
    createSyncEngine({
      tenant,
      account: mb.address,
      connector: outlookConnector({ getAccessToken: async () => mb.token, endpoint: graph.url, pageSize: 3, calendar: WINDOW }),
      unknownAddresses: "create-person",
      retry: { baseDelayMs: 0, maxAttempts: 4 },
      leaseTtlMs: 60_000,
    }),
  );
  let contactNo = 0;
  const contactEmails: string[] = [];
  const meetings: string[] = [];
  const addresses = () => [...MAILBOXES, ...EXTERNALS, ...contactEmails];
  const at = <T>(list: readonly T[], i: number): T | undefined => list[i % list.length];

  for (const step of ops) {
    const mb = "mb" in step ? boxes[step.mb]!.address : "";
    const contacts = mb ? m.contacts(mb) : [];
    switch (step.op) {
      case "contact": {
        const email = `c${++contactNo}@ext.example`;
        contactEmails.push(email);
        m.createContact(mb, { displayName: `Contact ${contactNo}`, emailAddresses: [{ address: email, name: `Contact ${contactNo}` }] });
        break;
      }
      case "renameContact": {
        const c = at(contacts, step.pick);
        if (c) m.updateContact(mb, c.id, { displayName: `${step.name} ${c.id.slice(-4)}` });
        break;
      }
      case "deleteContact": {
        const c = at(contacts, step.pick);
        if (c) m.deleteContact(mb, c.id);
        break;
      }
      case "mail": {
        const from = at(addresses(), step.from)!;
        const to = at(
          addresses().filter((a) => a !== from),
          step.to,
        )!;
        m.sendMail({
          from,
          to: [to],
          subject: `Mail ${from} to ${to}`,
          sentAt: "2026-03-01T10:00:00Z",
          ...(step.bulk ? { headers: { "List-Id": "<list.ext.example>" } } : {}),
        });
        break;
      }
      case "deleteMail":
      case "moveMail": {
        const folder = step.pick % 2 ? "inbox" : "sentitems";
        const msg = at(m.messages(mb, folder), step.pick);
        if (!msg) break;
        if (step.op === "deleteMail") m.deleteMessage(mb, folder, msg.id);
        else m.moveMessage(mb, msg.id, folder, "deleteditems");
        break;
      }
      case "event": {
        const attendee = at(
          addresses().filter((a) => a !== mb),
          step.attendee,
        )!;
        const day = String(1 + (meetings.length % 27)).padStart(2, "0");
        meetings.push(
          m.createEvent(mb, {
            subject: `Meeting ${meetings.length}`,
            start: `2026-05-${day}T09:00:00Z`,
            end: `2026-05-${day}T10:00:00Z`,
            attendees: [attendee],
            ...(step.recurring ? { recurrence: { type: "daily" as const, occurrences: 3 } } : {}),
          }),
        );
        break;
      }
      case "renameEvent":
      case "cancelEvent":
      case "dropOccurrence": {
        const ical = at(meetings, step.pick);
        if (!ical) break;
        if (step.op === "renameEvent") m.updateEvent(ical, { subject: `${step.name} meeting` });
        else if (step.op === "cancelEvent") m.cancelEvent(ical);
        else m.deleteOccurrence(ical, step.pick % 3);
        break;
      }
      case "localRename":
      case "localDelete": {
        const synced = (await syncedRelations(tenant)).filter((r) => !r.deletedAt);
        const r = at(synced, step.pick);
        if (!r) break;
        if (step.op === "localRename") await tenant.relations.update(r.id, { name: `${step.name} local` }, { expectedVersion: r.version });
        else await tenant.relations.delete(r.id, { expectedVersion: r.version });
        break;
      }
      case "fault": {
        if (step.kind === "429") graph.faults.add({ status: 429, retryAfter: 0, times: 2 });
        else if (step.kind === "503") graph.faults.add({ status: 503, retryAfter: 0, times: 1 });
        else if (step.kind === "drop") graph.faults.add({ drop: true, times: 1 });
        else graph.expire(undefined, step.kind === "expire410" ? "410" : "syncStateNotFound");
        break;
      }
      case "sync":
        await engines[step.mb]!.run(step.maxPages === undefined ? {} : { maxPages: step.maxPages });
        break;
    }
  }

  // Faults end; two clean rounds (a push in one account can change what the other must pull).
  graph.faults.clear();
  for (let round = 0; round < 2; round++) for (const engine of engines) expect((await engine.run()).status).toBe("ok");
  const checked = await expectConverged(graph, tenant);
  stats.checked += checked;
  const before = await db.counts(tenant.tenantId);
  for (const engine of engines) await engine.run();
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

async function syncedRelations(tenant: TenantCrm) {
  const out = [];
  for (const e of await allEvents(tenant)) {
    if (e.type !== "relation.created") continue;
    const r = await tenant.relations.get(e.entityId, { includeDeleted: true });
    if (r?.externalRefs.some((x) => x.system === "outlook")) out.push(r);
  }
  return out;
}

/** How many items the property compared, over all runs (reported, so an empty property is visible). */
const stats = { checked: 0 };
afterAll(() => console.log(`[convergence] compared ${stats.checked} remote items with the CRM`));

async function expectConverged(graph: FakeGraph, tenant: TenantCrm): Promise<number> {
  const m = graph.mailboxes;
  // Contacts: every contact is exactly one live relation with its name and e-mails; deleted ones are gone.
  const live = new Set<string>();
  for (const mb of MAILBOXES) {
    for (const c of m.contacts(mb)) {
      live.add(c.id);
      const r = await tenant.relations.findByExternalRef("outlook", c.id);
      expect(r?.deletedAt, `contact ${c.id} missing`).toBeNull();
      expect(r?.name).toBe(c.data.displayName);
      const emails = (c.data.emailAddresses as { address: string }[]).map((e) => e.address);
      expect(r?.emails.map((e) => e.address)).toEqual(emails);
      for (const email of emails) expect((await tenant.relations.findByEmail(email)).length, `duplicates of ${email}`).toBe(1);
    }
  }
  for (const r of await syncedRelations(tenant)) {
    for (const ref of r.externalRefs.filter((x) => x.system === "outlook")) {
      if (!live.has(ref.externalId)) expect(r.deletedAt, `relation ${r.name} of deleted contact ${ref.externalId}`).not.toBeNull();
    }
  }
  // Mail: one live interaction per message present in a synced folder (list mail never).
  const present = new Map<string, { subject: string; bulk: boolean }>();
  for (const mb of MAILBOXES) {
    for (const folder of ["inbox", "sentitems", "deleteditems"]) {
      for (const msg of m.messages(mb, folder)) {
        const key = msg.data.internetMessageId as string;
        const bulk = (msg.data.internetMessageHeaders as unknown[]).length > 0;
        if (folder !== "deleteditems") present.set(key, { subject: msg.data.subject as string, bulk });
        else if (!present.has(key)) present.set(key, { subject: "", bulk: true }); // only in a folder we do not sync
      }
    }
  }
  for (const [key, { subject, bulk }] of present) {
    const i = await tenant.interactions.findByExternalKey(key);
    if (bulk) expect(i?.deletedAt ?? "absent", `list mail ${key}`).not.toBeNull();
    else expect(i && !i.deletedAt ? i.subject : `missing ${key}`).toBe(subject);
  }
  // Meetings: every instance in a synced calendar is one live interaction; removed ones are deleted.
  const expected = new Map<string, string>();
  for (const mb of MAILBOXES) {
    for (const inst of graph.state.collection(`${mb}|calendarView`).items.values()) {
      const master = inst.data.seriesMasterId ? graph.state.events.get(mb)!.get(inst.data.seriesMasterId as string)!.data : inst.data;
      const start = new Date(`${(inst.data.start as { dateTime: string }).dateTime.slice(0, 23)}Z`).toISOString();
      expected.set(meetingKey(master.iCalUId as string, inst.data.seriesMasterId ? start : undefined), master.subject as string);
    }
  }
  for (const [key, subject] of expected) {
    const i = await tenant.interactions.findByExternalKey(key);
    expect(i && !i.deletedAt ? i.subject : `missing ${key}`).toBe(subject);
  }
  const interactions = (await allEvents(tenant)).filter((e) => e.type === "interaction.logged");
  for (const e of interactions) {
    const i = (await tenant.interactions.get(e.entityId, { includeDeleted: true }))!;
    if (!i.deletedAt && i.kind === "meeting") expect(expected.has(i.externalKey!), `stale meeting ${i.externalKey}`).toBe(true);
    if (!i.deletedAt && i.kind === "email") expect(present.get(i.externalKey!)?.bulk, `stale mail ${i.externalKey}`).toBe(false);
  }
  return live.size + present.size + expected.size;
}
