import type { StorageAdapter } from "@kaartenbak/core";
import { createCrm } from "@kaartenbak/core";
import { createSyncEngine, type SyncEvent } from "@kaartenbak/core/sync";
import { outlookConnector } from "@kaartenbak/connector-outlook";
import type { FakeGraph } from "@kaartenbak/connector-outlook/testing";

/** Where the mailbox is: the fake (with its content API) or a real tenant. */
export type Mailbox =
  | { readonly kind: "fake"; readonly graph: FakeGraph; readonly address: string; readonly token: string }
  | { readonly kind: "real"; readonly address: string; readonly getAccessToken: () => Promise<string> };

/** Seeds the fake mailbox: contacts at a few companies, mail with them, and a weekly meeting. */
export function seedFake(graph: FakeGraph, address: string, contacts = 200, messages = 300): void {
  const companies = ["Bakkerij de Gouden Korst", "Van Dijk Logistiek", "Noordzee Vis BV", "Atelier Rood"];
  for (let i = 0; i < contacts; i++) {
    graph.mailboxes.createContact(address, {
      displayName: `Contact ${i}`,
      givenName: "Contact",
      surname: String(i),
      emailAddresses: [{ address: `contact${i}@client${i % 4}.example`, name: `Contact ${i}` }],
      businessPhones: [`+31 20 555 ${String(1000 + i).slice(-4)}`],
      companyName: companies[i % 4],
      jobTitle: i % 2 ? "Inkoper" : "Directeur",
    });
  }
  for (let i = 0; i < messages; i++) {
    const other = `contact${i % contacts}@client${(i % contacts) % 4}.example`;
    const inbound = i % 3 !== 0;
    graph.mailboxes.sendMail({
      from: inbound ? other : address,
      to: [inbound ? address : other],
      subject: `Order ${1000 + i}`,
      body: "Zie bijlage.",
      sentAt: new Date(Date.UTC(2026, 0, 1) + i * 3_600_000).toISOString(),
    });
  }
  graph.mailboxes.createEvent(address, {
    subject: "Weekly account review",
    start: "2026-02-02T09:00:00Z",
    end: "2026-02-02T09:30:00Z",
    attendees: ["contact1@client1.example"],
    recurrence: { type: "weekly", occurrences: 6 },
  });
}

/** A one-line progress bar for the page events of a run. */
function progress(write: (s: string) => void): (e: SyncEvent) => void {
  const items: Record<string, number> = {};
  return (e) => {
    if (e.type !== "page") return;
    items[e.resource] = (items[e.resource] ?? 0) + e.items;
    const total = Object.values(items).reduce((a, b) => a + b, 0);
    const bar = "#".repeat(Math.min(30, Math.ceil(total / 25))).padEnd(30, ".");
    write(`  [${bar}] ${String(total).padStart(5)} items  ${e.resource.padEnd(14)} page ${e.page}${e.done ? " (done)" : ""}`);
  };
}

/** Runs the demo and reports each step through `log`. */
export async function runDemo(storage: StorageAdapter, mailbox: Mailbox, log: (line: string) => void = console.log): Promise<void> {
  const crm = createCrm({ storage, defaultRegion: "NL" });
  const tenant = crm.tenant("demo", { actor: "user:demo", source: "ui" });
  const connector = outlookConnector({
    getAccessToken: mailbox.kind === "fake" ? async () => mailbox.token : mailbox.getAccessToken,
    ...(mailbox.kind === "fake" ? { endpoint: mailbox.graph.url, calendar: { start: "2026-01-01T00:00:00Z", end: "2026-12-31T00:00:00Z" } } : {}),
  });
  const engine = (onEvent?: (e: SyncEvent) => void) =>
    createSyncEngine({ tenant, connector, account: mailbox.address, unknownAddresses: "create-person-and-organisation", ...(onEvent ? { onEvent } : {}) });

  log(`Initial sync of ${mailbox.address} (${mailbox.kind === "fake" ? "fake Graph" : "Microsoft Graph"}):`);
  const started = Date.now();
  const first = await engine(progress(log)).run();
  const seconds = (Date.now() - started) / 1000;
  const created = first.resources.reduce((n, r) => n + r.counts.created, 0);
  log(`Done in ${seconds.toFixed(1)} s: ${created} records created, status ${first.status}.`);

  const [someone] = await tenant.relations.search({ namePrefix: "Contact 1", limit: 1 });
  if (mailbox.kind === "fake" && someone) {
    const remote = mailbox.graph.mailboxes.contacts(mailbox.address).find((c) => c.data.displayName === "Contact 2");
    if (remote) mailbox.graph.mailboxes.updateContact(mailbox.address, remote.id, { displayName: "Contact 2 (renamed in Outlook)" });
    log(`\nIn Outlook: renamed "Contact 2". In the CRM: gave "${someone.name}" a mobile number.`);
  }
  if (someone)
    await tenant.relations.update(
      someone.id,
      { phones: [...someone.phones.map((p) => ({ number: p.number, ...(p.label ? { label: p.label } : {}) })), { number: "06 12345678", label: "mobile" }] },
      { expectedVersion: someone.version },
    );

  const events: SyncEvent[] = [];
  const second = await engine((e) => events.push(e)).run();
  log("\nSecond sync:");
  for (const e of events) {
    if (e.type === "pushed") log(`  pushed ${e.op} of ${e.entityId} to Outlook contact ${e.externalId.slice(0, 12)}…`);
    if (e.type === "page" && e.created + e.updated + e.deleted > 0)
      log(`  pulled ${e.resource}: ${e.created} created, ${e.updated} updated, ${e.deleted} deleted`);
  }
  log(`  status ${second.status}, ${second.pushed} pushed`);
  const renamed = await tenant.relations.search({ namePrefix: "Contact 2 (renamed", limit: 1 });
  if (renamed[0]) log(`  CRM now has "${renamed[0].name}"`);

  log("\nSync state:");
  for (const s of await engine().states()) {
    log(
      `  ${s.resource.padEnd(15)} ${s.stage.padEnd(12)} items ${String(s.totals.items).padStart(5)}  last success ${s.lastSuccessAt ?? "never"}  failures ${s.failureCount}`,
    );
  }
}
