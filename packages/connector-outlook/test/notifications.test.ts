import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { createSyncEngine, type Connector, type SyncEvent, type SyncRunOptions } from "@kaartenbak/core/sync";
import {
  createGraphClient,
  nodeNotificationListener,
  outlookConnector,
  outlookNotifications,
  outlookSubscriptions,
  type NotificationEvent,
  type NotificationResponse,
} from "../src/index.js";
import { startFakeGraph, type FakeGraph } from "../src/testing/index.js";
import { ENGINES, freshTenant, openDb, type TestDb } from "./harness.js";

const WINDOW = { start: "2026-01-01T00:00:00Z", end: "2027-01-01T00:00:00Z" };
const DAY = 86_400_000;

/** A gate a test opens when it wants a blocked call to go on. */
function gate() {
  let open!: () => void;
  const opened = new Promise<void>((resolve) => (open = resolve));
  return { open, opened };
}

for (const engineName of ENGINES) {
  describe(`outlook change notifications: ${engineName}`, () => {
    let graph: FakeGraph;
    let db: TestDb;
    let offset = 0; // the fake's and the subscriptions' clock runs `offset` ahead of the wall clock
    const now = () => Date.now() + offset;
    const servers: Server[] = [];
    beforeAll(async () => {
      graph = await startFakeGraph({ now });
      db = await openDb(engineName);
    });
    afterAll(async () => {
      await Promise.all(servers.map((s) => new Promise((resolve) => s.close(resolve))));
      await db?.close();
      await graph?.close();
    });

    async function listen(handler: Parameters<typeof createServer>[1]): Promise<string> {
      const server = createServer(handler);
      servers.push(server);
      await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
      return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    }

    async function setup(options: { gateFirstRun?: Promise<void> } = {}) {
      const token = `secret-${Math.random().toString(36).slice(2)}-${Date.now()}`;
      const mb = graph.mailboxes.addMailbox(`n${Math.random().toString(36).slice(2, 8)}@contoso.example`, { token });
      const tenant = db.crm.tenant(freshTenant(), { actor: "user:1", source: "ui" });
      const syncEvents: SyncEvent[] = [];
      const connector = outlookConnector({ getAccessToken: async () => token, endpoint: graph.url, calendar: WINDOW, mailFolders: ["inbox"] });
      const engine = createSyncEngine({ tenant, account: mb.address, connector, onEvent: (e) => syncEvents.push(e), retry: { baseDelayMs: 1 } });
      const runs: SyncRunOptions[] = [];
      let gated = options.gateFirstRun;
      const counted = {
        async run(o?: SyncRunOptions) {
          runs.push(o ?? {});
          const wait = gated;
          gated = undefined;
          if (wait) await wait;
          return engine.run(o);
        },
      };
      const notes: NotificationEvent[] = [];
      const responses: NotificationResponse[] = [];
      const late: { handler?: ReturnType<typeof outlookNotifications> } = {}; // the URL is needed before the handler exists
      const base = await listen(
        nodeNotificationListener({
          handle: async (request) => {
            const response = await late.handler!.handle(request);
            responses.push(response);
            return response;
          },
        }),
      );
      const url = `${base}/graph/notify`;
      const subscriptions = outlookSubscriptions({
        resources: connector.resources.map((r) => r.id),
        notificationUrl: url,
        getAccessToken: async () => token,
        endpoint: graph.url,
        now,
      });
      const handler = (late.handler = outlookNotifications({ engine: counted, subscriptions, onEvent: (e) => notes.push(e), busyRetryMs: 20 }));
      const settle = async () => {
        for (let i = 0; i < 3; i++) {
          await graph.subscriptions.idle();
          await handler.drain();
        }
      };
      const subscriptionOf = async (resource: string) => (await subscriptions.list()).find((r) => r.resource === resource)!;
      const post = (body: string, query = "") => fetch(`${url}${query}`, { method: "POST", headers: { "content-type": "application/json" }, body });
      return { token, mb, tenant, engine, connector, runs, notes, responses, syncEvents, url, subscriptions, handler, settle, subscriptionOf, post };
    }

    it("answers the validation handshake, and subscribes each resource with Graph validating the endpoint", async () => {
      const { url, handler, responses, mb } = await setup();
      const token = "Validation: Testing client application reachability for subscription Request-Id: 1+2/3 <x>";
      const res = await fetch(`${url}?validationToken=${encodeURIComponent(token)}`, { method: "POST", headers: { "content-type": "text/plain" } });
      expect(res.status).toBe(200);
      expect(res.headers.get("content-type")).toMatch(/^text\/plain/);
      expect(await res.text()).toBe(token);
      expect((await fetch(url)).status).toBe(405);

      const before = responses.length;
      const report = await handler.maintain();
      expect(report).toEqual({ created: ["contacts", "mail:inbox", "calendar"], renewed: [], recreated: [], failed: [] });
      // Graph validated both URLs of each subscription (the same URL here) before creating it.
      expect(responses.slice(before).map((r) => r.status)).toEqual([200, 200, 200, 200, 200, 200]);
      const subs = graph.subscriptions.list().filter((s) => s.mailbox === mb.address);
      expect(subs.map((s) => s.resource).sort()).toEqual(["me/contacts", "me/events", "me/mailFolders('inbox')/messages"]);
      for (const s of subs) {
        expect(s).toMatchObject({ notificationUrl: url, lifecycleNotificationUrl: url, changeType: "created,updated,deleted" });
        expect(Date.parse(s.expirationDateTime)).toBeLessThanOrEqual(now() + 10_080 * 60_000);
        expect(Date.parse(s.expirationDateTime)).toBeGreaterThan(now() + 6.9 * DAY);
      }
      expect(await handler.maintain()).toEqual({ created: [], renewed: [], recreated: [], failed: [] });
    });

    it("the fake refuses endpoints that do not echo the token in time, expirations beyond the maximum, and unknown ids", async () => {
      const strict = await startFakeGraph({ validationTimeoutMs: 300 });
      try {
        const mb = strict.mailboxes.addMailbox("strict@contoso.example");
        const client = createGraphClient(async () => mb.token, strict.url);
        const wrong = await listen((_req, res) => res.writeHead(200, { "content-type": "text/plain" }).end("not the token"));
        const json = await listen((req, res) => {
          const t = new URL(req.url!, "http://x").searchParams.get("validationToken") ?? "";
          res.writeHead(200, { "content-type": "application/json" }).end(t);
        });
        const slow = await listen((req, res) => {
          const t = new URL(req.url!, "http://x").searchParams.get("validationToken") ?? "";
          setTimeout(() => res.writeHead(200, { "content-type": "text/plain" }).end(t), 1000);
        });
        const echo = await listen((req, res) => {
          const t = new URL(req.url!, "http://x").searchParams.get("validationToken") ?? "";
          res.writeHead(200, { "content-type": "text/plain" }).end(t);
        });
        const body = (notificationUrl: string, minutes = 60) => ({
          changeType: "created",
          notificationUrl,
          resource: "me/contacts",
          expirationDateTime: new Date(Date.now() + minutes * 60_000).toISOString(),
          clientState: "s",
        });
        for (const bad of [wrong, json, slow]) {
          await expect(client.api("/subscriptions").post(body(bad))).rejects.toMatchObject({ statusCode: 400, code: "ValidationError" });
        }
        await expect(client.api("/subscriptions").post(body(echo, 10_081))).rejects.toMatchObject({ statusCode: 400 });
        await expect(client.api("/subscriptions").post(body("https://example.invalid/", 60))).rejects.toMatchObject({ statusCode: 400 });
        await expect(client.api("/subscriptions").post({ ...body(echo), resource: "me/drive/root" })).rejects.toMatchObject({ statusCode: 400 });
        expect(strict.subscriptions.list()).toEqual([]);
        const made = (await client.api("/subscriptions").post(body(echo, 10_080))) as Record<string, unknown>;
        expect(made).toMatchObject({
          resource: "me/contacts",
          changeType: "created",
          clientState: "s",
          notificationUrl: `${echo}/`,
          lifecycleNotificationUrl: null,
        });
        await expect(
          client.api(`/subscriptions/${String(made.id)}`).patch({ expirationDateTime: new Date(Date.now() + 10_081 * 60_000).toISOString() }),
        ).rejects.toMatchObject({
          statusCode: 400,
        });
        await expect(
          client.api("/subscriptions/00000000-0000-0000-0000-000000000000").patch({ expirationDateTime: new Date().toISOString() }),
        ).rejects.toMatchObject({
          statusCode: 404,
        });
        await expect(client.api("/subscriptions/00000000-0000-0000-0000-000000000000").delete()).rejects.toMatchObject({ statusCode: 404 });
        await client.api(`/subscriptions/${String(made.id)}`).delete();
        expect(strict.subscriptions.list()).toEqual([]);
      } finally {
        await strict.close();
      }
    });

    it("brings a contact, a message and a meeting created remotely into the CRM through notifications, without a poll", async () => {
      const { mb, tenant, handler, runs, settle, subscriptionOf } = await setup();
      await handler.maintain();
      const delivered = graph.subscriptions.deliveries.length;
      const ann = graph.mailboxes.createContact(mb.address, { displayName: "Ann Notified", emailAddresses: [{ address: "ann@notified.example" }] });
      await settle();
      expect(runs).toEqual([{ resources: ["contacts"] }]);
      expect((await tenant.relations.findByExternalRef("outlook", ann.id))?.name).toBe("Ann Notified");
      // The notification as Graph documents it.
      const contacts = await subscriptionOf("contacts");
      const [note] = graph.subscriptions.deliveries.slice(delivered).flatMap((d) => d.body.value);
      expect(note).toEqual({
        id: expect.any(String),
        subscriptionId: contacts.id,
        subscriptionExpirationDateTime: contacts.expirationDateTime,
        clientState: contacts.clientState,
        changeType: "created",
        resource: `Users/${mb.id}/Contacts/${ann.id}`,
        tenantId: graph.subscriptions.tenantId,
        resourceData: {
          "@odata.type": "#Microsoft.Graph.Contact",
          "@odata.id": `Users/${mb.id}/Contacts/${ann.id}`,
          "@odata.etag": `W/"${ann.changeKey}"`,
          id: ann.id,
        },
      });

      const mail = graph.mailboxes.sendMail({ from: "ann@notified.example", to: [mb.address], subject: "Hello by notification" });
      await settle();
      expect(runs.at(-1)).toEqual({ resources: ["mail:inbox"] });
      expect((await tenant.interactions.findByExternalKey(mail.internetMessageId))?.subject).toBe("Hello by notification");

      const meeting = graph.mailboxes.createEvent(mb.address, {
        subject: "Notified meeting",
        start: "2026-06-01T10:00:00Z",
        end: "2026-06-01T11:00:00Z",
        attendees: ["ann@notified.example"],
      });
      await settle();
      expect(runs.at(-1)).toEqual({ resources: ["calendar"] });
      expect((await tenant.interactions.findByExternalKey(`meeting:${meeting}`))?.subject).toBe("Notified meeting");
      expect(runs).toHaveLength(3);
    });

    it("ignores notifications with a wrong or missing clientState or an unknown subscription: nothing runs", async () => {
      const { handler, runs, notes, post, subscriptionOf, settle } = await setup();
      await handler.maintain();
      const contacts = await subscriptionOf("contacts");
      const item = (extra: Record<string, unknown>) => ({ subscriptionId: contacts.id, changeType: "created", resource: "Users/x/Contacts/y", ...extra });
      const answers = [
        await post(JSON.stringify({ value: [item({ clientState: `${contacts.clientState.slice(0, -1)}${contacts.clientState.endsWith("x") ? "y" : "x"}` })] })),
        await post(JSON.stringify({ value: [item({})] })),
        await post(JSON.stringify({ value: [item({ clientState: contacts.clientState, subscriptionId: "5f0ab8a3-0000-4000-8000-000000000000" })] })),
        await post(JSON.stringify({ value: [item({ clientState: contacts.clientState, lifecycleEvent: "missed", subscriptionId: "nope" })] })),
      ];
      expect(answers.map((a) => a.status)).toEqual([202, 202, 202, 202]);
      expect((await post("{not json")).status).toBe(400);
      expect((await post(JSON.stringify({ nothing: true }))).status).toBe(400);
      await settle();
      expect(runs).toEqual([]);
      expect(notes.filter((n) => n.type === "notification-ignored").map((n) => (n.type === "notification-ignored" ? n.reason : ""))).toEqual([
        "client-state",
        "client-state",
        "unknown-subscription",
        "unknown-subscription",
      ]);
      // The right clientState does run.
      expect((await post(JSON.stringify({ value: [item({ clientState: contacts.clientState })] }))).status).toBe(202);
      await settle();
      expect(runs).toEqual([{ resources: ["contacts"] }]);
    });

    it("coalesces a burst of notifications for one resource into one extra run", async () => {
      const hold = gate();
      const { mb, tenant, handler, runs, notes, settle } = await setup({ gateFirstRun: hold.opened });
      await handler.maintain();
      const first = graph.mailboxes.createContact(mb.address, { displayName: "Burst 0" });
      await graph.subscriptions.idle();
      await vi.waitFor(() => expect(runs).toHaveLength(1)); // the first run started (and waits at the gate)
      const ids = [first.id];
      for (let i = 1; i < 10; i++) {
        ids.push(graph.mailboxes.createContact(mb.address, { displayName: `Burst ${i}` }).id);
        await graph.subscriptions.idle(); // each change is its own POST
      }
      expect(notes.filter((n) => n.type === "notification")).toHaveLength(10);
      hold.open();
      await settle();
      expect(runs).toEqual([{ resources: ["contacts"] }, { resources: ["contacts"] }]);
      for (const id of ids) expect(await tenant.relations.findByExternalRef("outlook", id)).toBeDefined();
    });

    it("does not lose a notification that arrives while another runner holds the lease: it runs afterwards", async () => {
      const { mb, tenant, token, handler, notes, settle } = await setup();
      await handler.maintain();
      // Another worker syncs the mailbox's inbox and is slow: it holds the account's lease.
      const hold = gate();
      const reached = gate();
      const inbox = outlookConnector({ getAccessToken: async () => token, endpoint: graph.url, calendar: false, mailFolders: ["inbox"], contactFolders: [] });
      const slow: Connector = {
        ...inbox,
        async pull(resource, cursor, signal) {
          reached.open();
          await hold.opened;
          return inbox.pull(resource, cursor, signal);
        },
      };
      const other = createSyncEngine({ tenant, account: mb.address, connector: slow, retry: { baseDelayMs: 1 } });
      const otherRun = other.run();
      await reached.opened;
      const cas = graph.mailboxes.createContact(mb.address, { displayName: "Cas During Poll" });
      await graph.subscriptions.idle();
      await vi.waitFor(() => expect(notes.some((n) => n.type === "run-busy")).toBe(true));
      expect(await tenant.relations.findByExternalRef("outlook", cas.id)).toBeUndefined();
      hold.open();
      expect((await otherRun).status).toBe("ok");
      await settle();
      expect(notes.filter((n) => n.type === "run-finished")).toEqual([{ type: "run-finished", resources: ["contacts"], status: "ok" }]);
      expect((await tenant.relations.findByExternalRef("outlook", cas.id))?.name).toBe("Cas During Poll");
    });

    it("renews subscriptions before they expire, and recreates a lapsed one with a catch-up run", async () => {
      const { mb, tenant, handler, subscriptions, runs, settle } = await setup();
      offset = 0;
      try {
        await handler.maintain();
        const first = new Map((await subscriptions.list()).map((r) => [r.resource, r]));
        offset = 5 * DAY;
        expect(await subscriptions.renewDue()).toEqual([]);
        expect((await handler.maintain()).renewed).toEqual([]);
        offset = 6.5 * DAY; // inside the default one-day margin
        expect(await subscriptions.renewDue()).toHaveLength(3);
        expect(await handler.maintain()).toEqual({ created: [], renewed: ["contacts", "mail:inbox", "calendar"], recreated: [], failed: [] });
        for (const r of await subscriptions.list()) {
          expect(r.id).toBe(first.get(r.resource)!.id);
          expect(Date.parse(r.expirationDateTime)).toBeGreaterThan(Date.parse(first.get(r.resource)!.expirationDateTime));
          expect(graph.subscriptions.get(r.id)?.expirationDateTime).toBe(r.expirationDateTime);
        }
        const ours = new Set([...first.values()].map((r) => `/subscriptions/${r.id}`));
        expect(graph.requests.filter((q) => q.method === "PATCH" && ours.has(q.path)).map((q) => q.status)).toEqual([200, 200, 200]);

        // Nobody maintains for eight days: Graph removes the subscriptions; a change then is not notified.
        offset = 14.5 * DAY;
        expect(graph.subscriptions.list().filter((s) => s.mailbox === mb.address)).toEqual([]);
        const dee = graph.mailboxes.createContact(mb.address, { displayName: "Dee Unnotified" });
        await settle();
        expect(runs).toEqual([]);
        const report = await handler.maintain();
        expect(report.recreated).toEqual(["contacts", "mail:inbox", "calendar"]);
        await settle();
        expect((await tenant.relations.findByExternalRef("outlook", dee.id))?.name).toBe("Dee Unnotified");
        expect(graph.subscriptions.list().filter((s) => s.mailbox === mb.address)).toHaveLength(3);
      } finally {
        offset = 0;
      }
    });

    it("handles lifecycle notifications: reauthorizationRequired renews, missed runs, subscriptionRemoved recreates and catches up", async () => {
      const { mb, tenant, token, handler, notes, runs, settle, subscriptionOf, subscriptions, post } = await setup();
      await handler.maintain();
      const contacts = await subscriptionOf("contacts");
      const patches = () => graph.requests.filter((q) => q.method === "PATCH" && q.path === `/subscriptions/${contacts.id}`).length;
      expect(await graph.subscriptions.lifecycle(contacts.id, "reauthorizationRequired")).toBe(true);
      await settle();
      expect(patches()).toBe(1);
      expect(notes).toContainEqual({ type: "subscription-renewed", subscriptionId: contacts.id, resource: "contacts" });
      expect(runs).toEqual([]);

      // Graph could not deliver (throttled): the change is missed, then announced as `missed`.
      graph.subscriptions.get(contacts.id)!.paused = true;
      const eve = graph.mailboxes.createContact(mb.address, { displayName: "Eve Missed" });
      await settle();
      expect(runs).toEqual([]);
      await graph.subscriptions.lifecycle(contacts.id, "missed");
      await settle();
      expect(runs).toEqual([{ resources: ["contacts"] }]);
      expect((await tenant.relations.findByExternalRef("outlook", eve.id))?.name).toBe("Eve Missed");

      // Removed: the change made meanwhile arrives with the catch-up run after the subscription is made again.
      const fay = graph.mailboxes.createContact(mb.address, { displayName: "Fay Removed" });
      await graph.subscriptions.idle(); // paused: not delivered
      await graph.subscriptions.lifecycle(contacts.id, "subscriptionRemoved");
      await settle();
      expect(graph.subscriptions.get(contacts.id)).toBeUndefined();
      const again = await subscriptionOf("contacts");
      expect(again.id).not.toBe(contacts.id);
      expect(graph.subscriptions.get(again.id)).toMatchObject({ resource: "me/contacts", clientState: again.clientState });
      expect((await subscriptions.list()).filter((r) => r.resource === "contacts")).toHaveLength(1);
      expect(runs).toEqual([{ resources: ["contacts"] }, { resources: ["contacts"] }]);
      expect((await tenant.relations.findByExternalRef("outlook", fay.id))?.name).toBe("Fay Removed");

      // A reauthorization challenge for a subscription Graph has meanwhile dropped: the renewal is a 404, so it is made again.
      const mailSub = await subscriptionOf("mail:inbox");
      await createGraphClient(async () => token, graph.url)
        .api(`/subscriptions/${mailSub.id}`)
        .delete();
      const challenge = {
        subscriptionId: mailSub.id,
        subscriptionExpirationDateTime: mailSub.expirationDateTime,
        tenantId: graph.subscriptions.tenantId,
        clientState: mailSub.clientState,
        lifecycleEvent: "reauthorizationRequired",
      };
      expect((await post(JSON.stringify({ value: [challenge] }))).status).toBe(202);
      await settle();
      const mailAgain = await subscriptionOf("mail:inbox");
      expect(mailAgain.id).not.toBe(mailSub.id);
      expect(graph.subscriptions.get(mailAgain.id)?.resource).toBe("me/mailFolders('inbox')/messages");
      expect(notes.filter((n) => n.type === "subscription-recreated").map((n) => (n.type === "subscription-recreated" ? n.resource : ""))).toEqual([
        "contacts",
        "mail:inbox",
      ]);
      expect(runs.at(-1)).toEqual({ resources: ["mail:inbox"] });
    });

    it("never puts the access token in a response, an error or an event", async () => {
      const { token, mb, handler, notes, responses, syncEvents, subscriptions, post, settle, subscriptionOf } = await setup();
      await handler.maintain();
      graph.mailboxes.createContact(mb.address, { displayName: "Gus" });
      await settle();
      await graph.subscriptions.lifecycle((await subscriptionOf("contacts")).id, "missed");
      await post(JSON.stringify({ value: [{ subscriptionId: "x", clientState: token, changeType: "created" }] }));
      await settle();
      // Failures of Graph are errors without the token.
      graph.faults.add({ status: 401, path: /^\/subscriptions/ });
      const failed = await subscriptions.create("contacts").catch((e: unknown) => e);
      expect(failed).toMatchObject({ name: "SyncError", reason: "AUTH" });
      graph.faults.add({ status: 403, path: /^\/subscriptions/ });
      const denied = await subscriptions.renew((await subscriptionOf("mail:inbox")).id).catch((e: unknown) => e);
      expect(denied).toMatchObject({ name: "SyncError", reason: "PERMISSION" });
      const everything = JSON.stringify({
        responses,
        notes,
        syncEvents,
        errors: [failed, denied].map((e) => ({ message: (e as Error).message, stack: (e as Error).stack, cause: String((e as Error).cause), json: e })),
        records: await subscriptions.list(),
        deliveries: graph.subscriptions.deliveries,
      });
      expect(everything).not.toContain(token);
      expect(notes.some((n) => n.type === "run-finished")).toBe(true);
    });
  });
}
