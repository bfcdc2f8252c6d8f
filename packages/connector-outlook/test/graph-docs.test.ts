import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createSyncEngine } from "@kaartenbak/core/sync";
import { outlookConnector, type OutlookConnectorOptions } from "../src/index.js";
import { startFakeGraph, type FakeGraph } from "../src/testing/index.js";
import { ENGINES, freshTenant, openDb, type TestDb } from "./harness.js";

/** Graph as documented: per-folder contact delta with folder enumeration, absolute links on an allowed host, 410 variants. */
for (const engineName of ENGINES) {
  describe(`outlook on documented Graph endpoints: ${engineName}`, () => {
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

    function setup(connectorExtra: Partial<OutlookConnectorOptions> = {}) {
      const mb = graph.mailboxes.addMailbox(`m${Math.random().toString(36).slice(2, 8)}@contoso.example`);
      const tenant = db.crm.tenant(freshTenant(), { actor: "user:1", source: "ui" });
      const engine = (more: Partial<OutlookConnectorOptions> = {}) =>
        createSyncEngine({
          tenant,
          account: mb.address,
          connector: outlookConnector({
            getAccessToken: async () => mb.token,
            endpoint: graph.url,
            pageSize: 3,
            calendar: false,
            mailFolders: [],
            ...connectorExtra,
            ...more,
          }),
          retry: { baseDelayMs: 1 },
        });
      // Every name in these tests starts with one of these letters.
      const names = async () => {
        const found = await Promise.all(["P", "L", "F", "K", "A", "G"].map((namePrefix) => tenant.relations.search({ namePrefix, limit: 100 })));
        return found
          .flat()
          .map((r) => r.name)
          .sort();
      };
      return { mb, tenant, engine, names };
    }

    it("walks the default folder and every folder beneath it through contactFolders/{id}/contacts/delta, never /me/contacts/delta", async () => {
      const { mb, engine, names } = setup();
      const m = graph.mailboxes;
      const clients = m.addContactFolder(mb.address, "Clients");
      const vip = m.addContactFolder(mb.address, "VIP", clients);
      for (const [i, folder] of ["contacts", "contacts", clients, clients, clients, vip].entries()) {
        m.createContact(mb.address, { displayName: `P${i}`, emailAddresses: [{ address: `p${i}@x.example` }] }, folder);
      }
      const start = graph.requests.length;
      expect((await engine().run()).status).toBe("ok");
      expect(await names()).toEqual(["P0", "P1", "P2", "P3", "P4", "P5"]);
      const paths = graph.requests.slice(start).map((r) => r.path);
      expect(paths.some((p) => /\/me\/contacts\/delta/.test(p))).toBe(false);
      const root = m.folderId(mb.address, "contacts");
      for (const id of [root, clients, vip]) expect(paths).toContain(`/me/contactFolders/${id}/contacts/delta`);
      expect(paths).toContain(`/me/contactFolders/${clients}/childFolders`);

      // A move between tracked folders keeps the relation; a new folder joins; a removed folder's contacts go.
      const p0 = m.contacts(mb.address).find((c) => c.data.displayName === "P0")!;
      m.moveContact(mb.address, p0.id, vip);
      const later = m.addContactFolder(mb.address, "Later");
      m.createContact(mb.address, { displayName: "P6", emailAddresses: [{ address: "p6@x.example" }] }, later);
      expect((await engine().run()).status).toBe("ok");
      expect(await names()).toEqual(["P0", "P1", "P2", "P3", "P4", "P5", "P6"]);
      m.deleteContactFolder(mb.address, clients); // with VIP beneath it: P0, P2-P5
      const report = await engine().run();
      expect(report.status).toBe("ok");
      expect(await names()).toEqual(["P1", "P6"]);
    });

    it("an empty default folder without child folders syncs nothing, and its first contact arrives next round", async () => {
      const { mb, engine, names } = setup();
      expect((await engine().run()).status).toBe("ok");
      expect(await names()).toEqual([]);
      graph.mailboxes.createContact(mb.address, { displayName: "First", emailAddresses: [{ address: "first@x.example" }] });
      expect((await engine().run()).status).toBe("ok");
      expect(await names()).toEqual(["First"]);
    });

    it("follows absolute links on the host they name when it is allowed, and refuses any other host without sending the token", async () => {
      const { mb, engine, names } = setup();
      for (let i = 0; i < 5; i++) graph.mailboxes.createContact(mb.address, { displayName: `L${i}` });
      const port = new URL(graph.url).port;
      try {
        // The fake names another host for its links: allowed explicitly, followed there.
        graph.linkOrigin = `http://localhost:${port}`;
        expect((await engine({ allowedHosts: [`127.0.0.1:${port}`, `localhost:${port}`] }).run()).status).toBe("ok");
        expect(await names()).toEqual(["L0", "L1", "L2", "L3", "L4"]);
        // A link to a host outside the default allow-list (the endpoint's host) is refused.
        graph.mailboxes.createContact(mb.address, { displayName: "L5" });
        graph.linkOrigin = "http://forged.example:9";
        const run = await engine().run();
        expect(run.status).toBe("failed");
        expect(run.resources[0]?.error).toMatchObject({ reason: "INVALID" });
        expect(run.resources[0]?.error?.message).toMatch(/localhost:\d+, which is not an allowed host/);
        expect(JSON.stringify(run)).not.toContain(mb.token);
      } finally {
        graph.linkOrigin = graph.url;
      }
    });

    it("a 410 with or without body and Location, and @removed in the initial round, end in the remote state", async () => {
      const { mb, engine, names } = setup();
      const m = graph.mailboxes;
      const gone = m.createContact(mb.address, { displayName: "Gone" });
      m.deleteContact(mb.address, gone.id); // reported as @removed in the initial round
      const keep = m.createContact(mb.address, { displayName: "Keep" });
      expect((await engine().run()).status).toBe("ok");
      expect(await names()).toEqual(["Keep"]);
      for (const as of ["410", "410-bare"] as const) {
        m.createContact(mb.address, { displayName: `After ${as}` });
        graph.expire(mb.address, as);
        expect((await engine().run()).status).toBe("ok");
      }
      m.deleteContact(mb.address, keep.id);
      graph.expire(mb.address, "410-bare");
      expect((await engine().run()).status).toBe("ok");
      expect(await names()).toEqual(["After 410", "After 410-bare"]);
    });
  });
}
