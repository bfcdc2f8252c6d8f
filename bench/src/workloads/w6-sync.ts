import { createCrm } from "@kaartenbak/core";
import { createSyncEngine, type Connector, type SyncRunReport } from "@kaartenbak/core/sync";
import { outlookConnector } from "@kaartenbak/connector-outlook";
import { startFakeGraph } from "@kaartenbak/connector-outlook/testing";
import type { Engine } from "../engines.js";
import type { Figure } from "../measure.js";

/**
 * W6: an initial sync of contacts and messages from the fake Graph server on 127.0.0.1 into the
 * CRM (items per second and database statements per item, through the real Graph client), then a
 * sync with no remote change, whose CRM writes are counted through the raw side: it must write
 * none. Both runs' reports (status and counts per resource) are recorded in the figures' notes,
 * and a run that is not ok fails the bench with its report instead of producing a figure.
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
    const connector = outlookConnector({
      getAccessToken: async () => mailbox.token,
      endpoint: graph.url,
      mailboxAddress: mailbox.address,
      calendar: false,
      pageSize: 200,
    });
    const label = `${sizes.contacts.toLocaleString("en")} contacts + ${sizes.messages.toLocaleString("en")} messages from the fake Graph server`;
    return await measureSync(engine, { workload: "W6", label, items: sizes.contacts + sizes.messages, connector, account: mailbox.address, tenantId: "w6" });
  } finally {
    await graph.close();
  }
}

/** What {@link measureSync} runs: a connector and account, the items the remote holds, a label for the figures. */
export interface SyncWorkload {
  /** `W6` (Outlook) or `W6g` (Google): the prefix of the figures' names. */
  readonly workload: string;
  readonly label: string;
  readonly items: number;
  readonly connector: Connector;
  readonly account: string;
  /** A tenant of its own, so the resync's row count sees only this sync's rows. */
  readonly tenantId: string;
}

/**
 * An initial sync (items per second and statements per item), then a sync with no remote change
 * whose CRM writes are counted through the raw side: it must write none. A run that is not ok
 * fails the bench with its report instead of producing a figure.
 */
export async function measureSync(engine: Engine, w: SyncWorkload): Promise<Figure[]> {
  const tenant = createCrm({ storage: engine.storage, defaultRegion: "NL" }).tenant(w.tenantId);
  const sync = async (which: string) => {
    const report = await createSyncEngine({ tenant, connector: w.connector, account: w.account }).run();
    if (report.status !== "ok") throw new Error(`${w.workload} ${which} on ${engine.name} ended ${report.status}: ${JSON.stringify(report)}`);
    return report;
  };
  const queriesBefore = engine.queries();
  const started = performance.now();
  const initial = await sync("initial sync");
  const ms = performance.now() - started;
  const queries = engine.queries() - queriesBefore;
  const rowsBefore = await engine.raw.rowCount(w.tenantId);
  const lastEvent = await lastSequence(tenant);
  const resync = await sync("no-change resync");
  const written = (await engine.raw.rowCount(w.tenantId)) - rowsBefore + ((await lastSequence(tenant)) - lastEvent);
  return [
    {
      engine: engine.name,
      workload: `${w.workload} initial sync: ${w.label} (1 run)`,
      unit: "items/s",
      sdk: (w.items / ms) * 1000,
      kind: "absolute",
      note: `no raw-driver counterpart: the work is the sync; report: ${summary(initial)}`,
    },
    {
      engine: engine.name,
      workload: `${w.workload} initial sync: database statements per item`,
      unit: "queries/item",
      sdk: queries / w.items,
      kind: "absolute",
      target: 3,
      note: `${queries.toLocaleString("en")} statements for ${w.items.toLocaleString("en")} items${queries / w.items <= 3 ? "" : "; MISSED: at most 3 per item"}`,
    },
    {
      engine: engine.name,
      workload: `${w.workload} resync with no remote change: CRM rows written`,
      unit: "rows",
      sdk: written,
      kind: "absolute",
      target: 0,
      note: `${written === 0 ? "target met (0 rows)" : "MISSED: must write 0 rows"}; report: ${summary(resync)}`,
    },
  ];
}

/** A run's report in one line: status, then per resource its status, pages and non-zero counts. */
function summary(report: SyncRunReport): string {
  const resources = report.resources.map((r) => {
    const counts = Object.entries(r.counts)
      .filter(([, n]) => n > 0)
      .map(([k, n]) => `${k} ${n}`)
      .join(", ");
    return `${r.resource} ${r.status} (${r.pages} pages${counts ? `; ${counts}` : ""})`;
  });
  return `${report.status}: ${resources.join("; ")}`;
}

async function lastSequence(tenant: { outbox: { read(o: { after: number; limit: number }): Promise<{ sequence: number }[]> } }): Promise<number> {
  let after = 0;
  for (;;) {
    const page = await tenant.outbox.read({ after, limit: 1000 });
    if (page.length === 0) return after;
    after = page[page.length - 1]!.sequence;
  }
}
