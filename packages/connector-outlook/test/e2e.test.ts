import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createSyncEngine, type SyncEngineOptions, type SyncEvent } from "@kaartenbak/core/sync";
import { outlookConnector, type OutlookConnectorOptions } from "../src/index.js";
import { startFakeGraph, type FakeGraph } from "../src/testing/index.js";
import { ENGINES, freshTenant, openDb, type TestDb } from "./harness.js";

const WINDOW = { start: "2026-01-01T00:00:00Z", end: "2027-01-01T00:00:00Z" };

for (const engineName of ENGINES) {
  describe(`outlook end to end: ${engineName}`, () => {
    let graph: FakeGraph;
    let db: TestDb;
    beforeAll(async () => {
      graph = await startFakeGraph();
      db = await openDb(engineName);
    });
    afterAll(async () => {
      await db?.close();
      await graph?.close();
    });

    function setup(
      mailbox = `m${Math.random().toString(36).slice(2, 8)}@contoso.example`,
      extra: Partial<SyncEngineOptions> = {},
      connectorExtra: Partial<OutlookConnectorOptions> = {},
    ) {
      const mb = graph.mailboxes.addMailbox(mailbox);
      const tenant = db.crm.tenant(freshTenant(), { actor: "user:1", source: "ui" });
      const events: SyncEvent[] = [];
      const engine = (more: Partial<SyncEngineOptions> = {}) =>
        createSyncEngine({
          tenant,
          account: mb.address,
          connector: outlookConnector({ getAccessToken: async () => mb.token, endpoint: graph.url, pageSize: 7, calendar: WINDOW, ...connectorExtra }),
          onEvent: (e) => events.push(e),
          retry: { baseDelayMs: 1 },
          unknownAddresses: "create-person-and-organisation",
          ...extra,
          ...more,
        });
      return { mb, tenant, events, engine, counts: () => db.counts(tenant.tenantId) };
    }

    it("syncs contacts, mail and meetings; a second sync writes nothing", async () => {
      const { mb, tenant, engine, counts } = setup();
      const m = graph.mailboxes;
      for (let i = 0; i < 20; i++) {
        m.createContact(mb.address, {
          displayName: `Contact ${i}`,
          givenName: "Contact",
          surname: String(i),
          emailAddresses: [{ name: `Contact ${i}`, address: `Contact${i}@Client.example` }],
          businessPhones: ["+31 20 555 01" + String(i).padStart(2, "0")],
          companyName: i < 10 ? "Client BV" : "Other NV",
          jobTitle: "Buyer",
          businessAddress: { street: "Damrak 1", city: "Amsterdam", state: "", postalCode: "1012 LG", countryOrRegion: "NL" },
        });
      }
      const hello = m.sendMail({ from: "contact1@client.example", to: [mb.address], subject: "Quote?", sentAt: "2026-03-01T09:00:00Z" });
      m.sendMail({ from: mb.address, to: ["new.lead@prospect.example"], cc: ["friend@gmail.com"], subject: "Intro", sentAt: "2026-03-02T09:00:00Z" });
      m.sendMail({ from: "news@shop.example", to: [mb.address], subject: "Sale!", headers: { "List-Unsubscribe": "<mailto:u@shop.example>" } });
      m.sendMail({ from: "noreply@tool.example", to: [mb.address], subject: "Your report" });
      const series = m.createEvent(mb.address, {
        subject: "Weekly",
        start: "2026-04-06T09:00:00Z",
        end: "2026-04-06T09:30:00Z",
        attendees: ["contact2@client.example"],
        recurrence: { type: "weekly", occurrences: 4 },
      });
      m.createEvent("contact3@client.example", { subject: "never here", start: "2026-04-06T09:00:00Z", end: "2026-04-06T10:00:00Z" }); // not a mailbox of the fake

      const report = await engine().run();
      expect(report.status).toBe("ok");
      const c = await counts();
      // 20 contacts + 2 organisations (companies) + lead + the prospect organisation + the gmail friend (no organisation).
      expect(c.kb_relations).toBe(25);
      expect(c.kb_interactions).toBe(2 + 4);
      const contact1 = (await tenant.relations.findByEmail("contact1@client.example"))[0]!;
      expect(contact1).toMatchObject({ name: "Contact 1", givenName: "Contact", familyName: "1", phones: [{ number: "+31205550101", label: "business" }] });
      expect(contact1.addresses).toEqual([{ label: "business", street: "Damrak 1", city: "Amsterdam", postalCode: "1012 LG", country: "NL" }]);
      const [job] = await tenant.links.list(contact1.id);
      expect(job).toMatchObject({ kind: "employment", jobTitle: "Buyer" });
      expect((await tenant.relations.get(job!.kind === "employment" ? job!.organisationId : ""))?.name).toBe("Client BV");
      const quote = await tenant.interactions.findByExternalKey(hello.internetMessageId);
      expect(quote).toMatchObject({ kind: "email", direction: "inbound", subject: "Quote?", relationIds: [contact1.id] });
      expect((await tenant.relations.findByEmail("new.lead@prospect.example"))[0]?.name).toBe("New Lead");
      const weekly = (await tenant.interactions.timeline((await tenant.relations.findByEmail("contact2@client.example"))[0]!.id)).items;
      expect(weekly.map((i) => i.occurredAt).sort()).toEqual(["2026-04-06", "2026-04-13", "2026-04-20", "2026-04-27"].map((d) => `${d}T09:00:00.000Z`));
      expect(weekly[0]?.externalKey).toMatch(new RegExp(`^meeting:${series}:2026-04`));
      const states = await engine().states();
      expect(states.map((s) => s.resource)).toEqual(["calendar", "contacts", "mail:inbox", "mail:sentitems"]);
      expect(states.find((s) => s.resource === "mail:inbox")?.skipped.map((s) => s.reason)).toEqual(["bulk_mail", "bulk_mail"]);

      const before = await counts();
      const again = await engine().run();
      expect(again.resources.every((r) => r.counts.created + r.counts.updated + r.counts.deleted === 0)).toBe(true);
      expect(await counts()).toEqual(before);
    });

    it("applies remote updates, deletions, moves, cancellations and deleted occurrences", async () => {
      const { mb, tenant, engine } = setup();
      const m = graph.mailboxes;
      const a = m.createContact(mb.address, { displayName: "Ann", emailAddresses: [{ address: "ann@a.example" }] });
      const b = m.createContact(mb.address, { displayName: "Ben", emailAddresses: [{ address: "ben@b.example" }] });
      const mail = m.sendMail({ from: "ann@a.example", to: [mb.address], subject: "Moved later" });
      const single = m.createEvent(mb.address, { subject: "Demo", start: "2026-05-01T10:00:00Z", end: "2026-05-01T11:00:00Z", attendees: ["ben@b.example"] });
      const daily = m.createEvent("ann@a.example", { subject: "x", start: "2026-05-01T10:00:00Z", end: "2026-05-01T11:00:00Z" });
      expect(daily).toBeTruthy();
      const series = m.createEvent(mb.address, {
        subject: "Daily",
        start: "2026-06-01T08:00:00Z",
        end: "2026-06-01T08:15:00Z",
        attendees: ["ann@a.example"],
        recurrence: { type: "daily", occurrences: 3 },
      });
      await engine().run();
      m.updateContact(mb.address, a.id, { displayName: "Ann Updated", companyName: "Ann Inc" });
      m.deleteContact(mb.address, b.id);
      const copy = mail.copies.find((c) => c.mailbox === mb.address)!;
      m.moveMessage(mb.address, copy.id, "inbox", "sentitems");
      m.cancelEvent(single);
      m.deleteOccurrence(series, 1);
      m.updateEvent(series, { subject: "Daily standup" });
      const report = await engine().run();
      expect(report.status).toBe("ok");
      expect((await tenant.relations.findByExternalRef("outlook", a.id))?.name).toBe("Ann Updated");
      expect((await tenant.relations.findByExternalRef("outlook", b.id))?.deletedAt).not.toBeNull();
      const moved = await tenant.interactions.findByExternalKey(mail.internetMessageId);
      expect(moved?.deletedAt).toBeNull(); // one interaction, still there after the move
      // The organiser cancelled: the meeting left the organiser's calendar, so it is removed here.
      expect((await tenant.interactions.findByExternalKey(`meeting:${single}`))?.deletedAt).not.toBeNull();
      const occurrences = await Promise.all(
        ["01", "02", "03"].map((d) => tenant.interactions.findByExternalKey(`meeting:${series}:2026-06-${d}T08:00:00.000Z`)),
      );
      expect(occurrences.map((o) => (o?.deletedAt ? "deleted" : o?.subject))).toEqual(["Daily standup", "deleted", "Daily standup"]);
    });

    it("pushes local edits with If-Match; a stale change key is a conflict resolved by the policy", async () => {
      const { mb, tenant, engine, events } = setup();
      const m = graph.mailboxes;
      const c = m.createContact(mb.address, { displayName: "Cas", emailAddresses: [{ address: "cas@c.example" }] });
      await engine().run();
      const cas = (await tenant.relations.findByExternalRef("outlook", c.id))!;
      await tenant.relations.update(cas.id, { name: "Cas Local", phones: [{ number: "+31612345678", label: "mobile" }] }, { expectedVersion: cas.version });
      expect((await engine().run()).pushed).toBe(1);
      expect(m.findContact(mb.address, c.id).item.data).toMatchObject({ displayName: "Cas Local", mobilePhone: "+31612345678" });
      const patch = graph.requests.filter((r) => r.method === "PATCH");
      expect(patch.map((r) => r.status)).toEqual([200]);

      // Remote and local both change: the PATCH gets 412; remote-wins applies the remote version.
      const now = (await tenant.relations.get(cas.id))!;
      await tenant.relations.update(cas.id, { name: "Cas Local 2" }, { expectedVersion: now.version });
      m.updateContact(mb.address, c.id, { displayName: "Cas Remote" });
      await engine().run();
      expect(graph.requests.filter((r) => r.method === "PATCH").map((r) => r.status)).toEqual([200, 412]);
      expect(events.some((e) => e.type === "conflict" && e.resolution === "remote")).toBe(true);
      expect((await tenant.relations.get(cas.id))?.name).toBe("Cas Remote");

      // local-wins: the local version is written over the remote one with the fresh change key.
      const then = (await tenant.relations.get(cas.id))!;
      await tenant.relations.update(cas.id, { name: "Cas Local 3" }, { expectedVersion: then.version });
      m.updateContact(mb.address, c.id, { displayName: "Cas Remote 3" });
      await engine({ conflictPolicy: "local-wins" }).run();
      expect(m.findContact(mb.address, c.id).item.data.displayName).toBe("Cas Local 3");
      expect((await tenant.relations.get(cas.id))?.name).toBe("Cas Local 3");

      // A local create is pushed when the host opts in; a local delete deletes the contact.
      const made = await tenant.relations.create({ kind: "person", name: "Dee New", emails: ["dee@d.example"] });
      await engine({ pushCreates: (r) => r.emails.length > 0 }).run();
      const dee = m.contacts(mb.address).find((x) => x.data.displayName === "Dee New");
      expect(dee).toBeDefined();
      expect((await tenant.relations.get(made.id))?.externalRefs).toEqual([{ system: "outlook", externalId: dee!.id }]);
      const gone = (await tenant.relations.get(cas.id))!;
      await tenant.relations.delete(cas.id, { expectedVersion: gone.version });
      await engine().run();
      expect(m.contacts(mb.address).some((x) => x.id === c.id)).toBe(false);
    });

    it("recovers from throttling, 5xx, dropped connections and expired delta tokens", async () => {
      const { mb, tenant, engine, events, counts } = setup();
      const m = graph.mailboxes;
      const ids = Array.from(
        { length: 15 },
        (_, i) => m.createContact(mb.address, { displayName: `T${i}`, emailAddresses: [{ address: `t${i}@t.example` }] }).id,
      );
      graph.faults.add({ status: 429, retryAfter: 0, path: /contacts\/delta/, times: 5 });
      graph.faults.add({ drop: true, path: /contacts\/delta/ });
      graph.faults.add({ status: 503, retryAfter: 0.01, path: /mailFolders/, times: 2 });
      graph.faults.add({ status: 500, path: /calendarView/ });
      expect((await engine().run()).status).toBe("ok");
      expect(events.filter((e) => e.type === "retry").length).toBeGreaterThanOrEqual(2);
      expect(await tenant.relations.findByExternalRef("outlook", ids[14]!)).toBeDefined();
      // Tokens expire (410 Gone, then 400 syncStateNotFound); a deletion lost with them is still applied.
      const gone = m.findContact(mb.address, ids[0]!);
      graph.state.collection(gone.key).items.delete(ids[0]!); // removed without a log entry
      graph.expire(mb.address, "410");
      expect((await engine().run()).status).toBe("ok");
      expect((await tenant.relations.findByExternalRef("outlook", ids[0]!))?.deletedAt).not.toBeNull();
      graph.expire(mb.address, "syncStateNotFound");
      const before = await counts();
      expect((await engine().run()).status).toBe("ok");
      expect(events.filter((e) => e.type === "full-pass" && e.cause === "cursor-expired").length).toBeGreaterThanOrEqual(4);
      const after = await counts();
      expect({ ...after, kb_sync_items: 0 }).toEqual({ ...before, kb_sync_items: 0 });
    });

    it("reports AUTH failures in state, and never puts the access token in errors, state or events", async () => {
      const secret = `secret-${Math.random().toString(36).slice(2)}`;
      const mb = graph.mailboxes.addMailbox(`tok${Math.random().toString(36).slice(2, 8)}@contoso.example`, { token: secret });
      graph.mailboxes.createContact(mb.address, { displayName: "Eve", emailAddresses: [{ address: "eve@e.example" }] });
      const tenant = db.crm.tenant(freshTenant());
      const events: SyncEvent[] = [];
      let token = "wrong-token";
      const engine = createSyncEngine({
        tenant,
        account: mb.address,
        onEvent: (e) => events.push(e),
        retry: { baseDelayMs: 1 },
        connector: outlookConnector({ getAccessToken: async () => token, endpoint: graph.url, calendar: false }),
      });
      const failed = await engine.run();
      expect(failed.status).toBe("failed");
      expect(failed.resources[0]?.error?.reason).toBe("AUTH");
      expect((await engine.states())[0]).toMatchObject({ failureCount: 1, lastError: { reason: "AUTH" } });
      token = secret;
      graph.faults.add({ status: 500, path: /mailFolders\/inbox/, times: 10 });
      const report = await engine.run();
      expect(report.status).toBe("failed");
      const everything = JSON.stringify({ report, failed, events, states: await engine.states(), outbox: await tenant.outbox.read({ limit: 1000 }) });
      expect(everything).not.toContain(secret);
      expect(everything).toContain("mail:inbox");
    });

    it("keeps a meeting room as a resource participant without making a person of it", async () => {
      graph.faults.clear(); // earlier tests leave unused injected faults behind
      const { mb, tenant, engine } = setup();
      graph.mailboxes.createEvent(mb.address, {
        subject: "Planning",
        start: "2026-05-04T09:00:00Z",
        end: "2026-05-04T10:00:00Z",
        attendees: ["client@planning.example"],
        resources: ["room.amstel@contoso.example"],
      });
      const report = await engine().run();
      expect(report.resources.filter((r) => r.status !== "ok")).toEqual([]);
      expect(await tenant.relations.findByEmail("room.amstel@contoso.example")).toEqual([]);
      const client = (await tenant.relations.findByEmail("client@planning.example"))[0]!;
      expect(client).toBeDefined();
      const [meeting] = (await tenant.interactions.timeline(client.id)).items;
      expect(meeting?.participants.map((p) => [p.role, p.address, p.relationId])).toEqual([
        ["organizer", mb.address, null],
        ["attendee", "client@planning.example", client.id],
        ["resource", "room.amstel@contoso.example", null],
      ]);
    });
  });
}
