import { createCrm } from "@kaartenbak/core";
import { createSyncEngine } from "@kaartenbak/core/sync";
import { outlookConnector } from "@kaartenbak/connector-outlook";
import { startFakeGraph } from "@kaartenbak/connector-outlook/testing";
import type { Engine } from "../engines.js";
import type { Figure } from "../measure.js";

/**
 * W6: an initial sync of contacts and messages from the fake Graph server on 127.0.0.1 into the
 * CRM (items per second, through the real Graph client), then a sync with no remote change, whose
 * CRM writes are counted through the raw side: it must write none.
 */
export async function w6Sync(engine: Engine, sizes: { contacts: number; messages: number }): Promise<Figure[]> {
  const graph = await startFakeGraph();
  try {
    const mailbox = graph.mailboxes.addMailbox("bench@kaartenbak.example");
    for (let i = 0; i < sizes.contacts; i++) {
      graph.mailboxes.createContact(mailbox.address, {
        displayName: `Contact ${i}`,
        givenName: "Contact",
        surname: String(i),
        emailAddresses: [{ address: `c${i}@client${i % 50}.example`, name: `Contact ${i}` }],
        businessPhones: [`+31 20 ${String(1_000_000 + i).slice(-7)}`],
        companyName: `Client ${i % 50}`,
      });
    }
    for (let i = 0; i < sizes.messages; i++) {
      const other = `c${i % sizes.contacts}@client${(i % sizes.contacts) % 50}.example`;
      graph.mailboxes.sendMail({
        from: i % 3 ? other : mailbox.address,
        to: [i % 3 ? mailbox.address : other],
        subject: `Order ${i}`,
        body: "-",
        sentAt: new Date(Date.UTC(2026, 0, 1) + i * 60_000).toISOString(),
      });
    }
    const tenant = createCrm({ storage: engine.storage, defaultRegion: "NL" }).tenant("w6");
    const connector = outlookConnector({
      getAccessToken: async () => mailbox.token,
      endpoint: graph.url,
      mailboxAddress: mailbox.address,
      calendar: false,
      pageSize: 200,
    });
    const sync = () => createSyncEngine({ tenant, connector, account: mailbox.address }).run();
    const items = sizes.contacts + sizes.messages;
    const started = performance.now();
    await sync();
    const ms = performance.now() - started;
    const rowsBefore = await engine.raw.rowCount("w6");
    const lastEvent = await lastSequence(tenant);
    await sync();
    const written = (await engine.raw.rowCount("w6")) - rowsBefore + ((await lastSequence(tenant)) - lastEvent);
    return [
      {
        engine: engine.name,
        workload: `W6 initial sync: ${sizes.contacts.toLocaleString("en")} contacts + ${sizes.messages.toLocaleString("en")} messages from the fake Graph server (1 run)`,
        unit: "items/s",
        sdk: (items / ms) * 1000,
        kind: "absolute",
        note: "no raw-driver counterpart: the work is the sync",
      },
      {
        engine: engine.name,
        workload: "W6 resync with no remote change: CRM rows written",
        unit: "rows",
        sdk: written,
        kind: "absolute",
        target: 0,
        note: written === 0 ? "target met (0 rows)" : "MISSED: must write 0 rows",
      },
    ];
  } finally {
    await graph.close();
  }
}

async function lastSequence(tenant: { outbox: { read(o: { after: number; limit: number }): Promise<{ sequence: number }[]> } }): Promise<number> {
  let after = 0;
  for (;;) {
    const page = await tenant.outbox.read({ after, limit: 1000 });
    if (page.length === 0) return after;
    after = page[page.length - 1]!.sequence;
  }
}
