import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createSyncEngine } from "@kaartenbak/core/sync";
import { outlookConnector } from "@kaartenbak/connector-outlook";
import { startFakeGraph, type FakeGraph } from "@kaartenbak/connector-outlook/testing";
import { parseAddresses } from "../src/index.js";
import { startFakeGoogle, type FakeGoogle } from "../src/testing/index.js";
import { ENGINES, openDb, type TestDb } from "./harness.js";
import { scenario } from "./scenario.js";

describe("address lists", () => {
  it("parses quoted names with commas, groups and RFC 2047 encoded words", () => {
    expect(parseAddresses('"Doe, Jane" <Jane@X.example>, undisclosed-recipients:;, =?UTF-8?Q?J=C3=B6rg_M=C3=BCller?= <j@y.example>')).toEqual([
      { address: "jane@x.example", name: "Doe, Jane" },
      { address: "j@y.example", name: "Jörg Müller" },
    ]);
    expect(parseAddresses("Team: a@x.example, b@x.example;")).toEqual([
      { address: "a@x.example", name: null },
      { address: "b@x.example", name: null },
    ]);
    expect(parseAddresses("not an address")).toEqual([]);
  });
});

for (const engineName of ENGINES) {
  describe(`google mail: ${engineName}`, () => {
    let google: FakeGoogle;
    let graph: FakeGraph;
    let db: TestDb;
    beforeAll(async () => {
      google = await startFakeGoogle();
      graph = await startFakeGraph();
      db = await openDb(engineName);
    });
    afterAll(async () => {
      await db?.close();
      await google?.close();
      await graph?.close();
    });

    it("full sync, then history: added, trashed, restored and deleted messages; headers in any case; bulk skipped", async () => {
      const { account, tenant, engine, counts } = scenario(google, db, {}, { contacts: false });
      const first = google.sendMail(account.email, {
        from: '"Buyer, Bea" <bea@client.example>',
        to: `${account.email}, undisclosed-recipients:;`,
        subject: "=?UTF-8?B?T2ZmZXJ0ZSDigqw=?=",
        sentAt: "2026-03-01T09:00:00Z",
      });
      for (let i = 0; i < 9; i++)
        google.sendMail(account.email, {
          from: account.email,
          to: `lead${i}@prospect.example`,
          subject: `Intro ${i}`,
          sentAt: `2026-03-0${(i % 8) + 2}T09:00:00Z`,
        });
      google.sendMail(account.email, {
        from: "news@shop.example",
        to: account.email,
        subject: "Sale",
        headers: [{ name: "list-unsubscribe", value: "<mailto:u@shop.example>" }],
      });
      google.sendMail(account.email, { from: "x@client.example", to: account.email, subject: "trashed", labels: ["TRASH"] });
      expect((await engine().run()).status).toBe("ok");
      const bea = (await tenant.relations.findByEmail("bea@client.example"))[0]!;
      expect(bea.name).toBe("Buyer, Bea");
      const list = await tenant.interactions.timeline(bea.id);
      expect(list.items.map((i) => [i.subject, i.direction, i.occurredAt])).toEqual([["Offerte €", "inbound", "2026-03-01T09:00:00.000Z"]]);
      const c = await counts();
      expect(c.kb_interactions).toBe(10);

      // Incremental: a new message with a lower-case message-id header, one trashed, one deleted.
      google.sendMail(account.email, {
        from: "bea@client.example",
        to: account.email,
        subject: "Re",
        messageId: "<re-1@client.example>",
        headers: [{ name: "Message-Id", value: "<ignored-second@client.example>" }],
      });
      const second = [...google.account(account.email).messages.values()].find((m) => m.headers.some((h) => h.value === "Intro 3"))!;
      google.relabel(account.email, second.id, ["TRASH"], ["SENT"]);
      expect((await engine().run()).status).toBe("ok");
      expect((await counts()).kb_interactions).toBe(11);
      expect(await tenant.interactions.findByExternalKey("<re-1@client.example>")).toBeDefined();
      const intro3 = second.headers.find((h) => h.name === "Message-ID")!.value;
      expect((await tenant.interactions.findByExternalKey(intro3))?.deletedAt).not.toBeNull();
      google.relabel(account.email, second.id, ["SENT"], ["TRASH"]);
      google.deleteMessage(account.email, first);
      await engine().run();
      expect((await tenant.interactions.findByExternalKey(intro3))?.deletedAt).toBeNull();
      expect(await tenant.interactions.timeline(bea.id).then((l) => l.items.map((i) => i.subject))).toEqual(["Re"]);

      // History too old (404) → full pass; a no-change resync afterwards writes nothing.
      google.expire(account.email);
      expect((await engine().run()).status).toBe("ok");
      const settled = await counts();
      expect(settled.kb_interactions).toBe(11);
      await engine().run();
      expect(await counts()).toEqual(settled);
    });

    it("an empty mailbox syncs, and mail arriving afterwards comes through history (its profile historyId is usable)", async () => {
      const { account, tenant, engine } = scenario(google, db, {}, { contacts: false, calendar: false });
      const first = await engine().run();
      expect(first.status).toBe("ok");
      google.sendMail(account.email, { from: "first@client.example", to: account.email, subject: "First", messageId: "<first-after-empty@client.example>" });
      const second = await engine().run();
      expect(second.status, JSON.stringify(second.resources.map((r) => r.error))).toBe("ok");
      expect((await tenant.interactions.findByExternalKey("<first-after-empty@client.example>"))?.subject).toBe("First");
      expect(google.requests.some((r) => r.path.endsWith("/history") && r.status === 200)).toBe(true);
    });

    it("one contact moment per Message-ID across a Gmail and an Outlook mailbox", async () => {
      const { account, tenant, engine } = scenario(google, db, {}, { contacts: false });
      const mb = graph.mailboxes.addMailbox(`o${Math.random().toString(36).slice(2, 8)}@contoso.example`);
      const messageId = `<shared-${Math.random().toString(36).slice(2)}@client.example>`;
      graph.mailboxes.sendMail({ from: "kim@client.example", to: [mb.address], subject: "Both", sentAt: "2026-05-01T10:00:00Z", internetMessageId: messageId });
      google.sendMail(account.email, { from: "Kim <kim@client.example>", to: account.email, subject: "Both", sentAt: "2026-05-01T10:00:00Z", messageId });
      await engine().run();
      const outlook = createSyncEngine({
        tenant,
        account: mb.address,
        connector: outlookConnector({ getAccessToken: async () => mb.token, endpoint: graph.url, calendar: false, contactFolders: [] }),
        unknownAddresses: "create-person-and-organisation",
      });
      expect((await outlook.run()).status).toBe("ok");
      const kim = (await tenant.relations.findByEmail("kim@client.example"))[0]!;
      const moments = await tenant.interactions.timeline(kim.id);
      expect(moments.items).toHaveLength(1);
      expect(moments.items[0]!.externalKey).toBe(messageId);
    });
  });
}
