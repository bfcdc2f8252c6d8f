import type { StorageAdapter } from "@kaartenbak/core";
import { createCrm } from "@kaartenbak/core";
import { createSyncEngine, type SyncEvent } from "@kaartenbak/core/sync";
import { googleConnector } from "@kaartenbak/connector-gmail";
import type { FakeGoogle } from "@kaartenbak/connector-gmail/testing";

/** Where the account is: the fake (with its content API) or a real Google account. */
export type GoogleAccount =
  | { readonly kind: "fake"; readonly google: FakeGoogle; readonly address: string; readonly token: string }
  | { readonly kind: "real"; readonly address: string; readonly getAccessToken: () => Promise<string> };

/** Seeds the fake account: contacts at a few companies, mail with them, a weekly meeting and an all-day fair. */
export function seedFake(google: FakeGoogle, address: string, contacts = 200, messages = 300): void {
  const companies = ["Bakkerij de Gouden Korst", "Van Dijk Logistiek", "Noordzee Vis BV", "Atelier Rood"];
  for (let i = 0; i < contacts; i++) {
    google.createContact(address, {
      names: [{ givenName: "Contact", familyName: String(i) }],
      emailAddresses: [{ value: `contact${i}@client${i % 4}.example`, type: "work" }],
      phoneNumbers: [{ value: `+31 20 555 ${String(1000 + i).slice(-4)}`, type: "work" }],
      organizations: [{ name: companies[i % 4], title: i % 2 ? "Inkoper" : "Directeur" }],
      addresses: [{ type: "work", streetAddress: `Damrak ${i + 1}`, city: "Amsterdam", postalCode: "1012 LG", countryCode: "NL" }],
    });
  }
  for (let i = 0; i < messages; i++) {
    const other = `contact${i % contacts}@client${(i % contacts) % 4}.example`;
    const inbound = i % 3 !== 0;
    google.sendMail(address, {
      from: inbound ? `Contact ${i % contacts} <${other}>` : address,
      to: inbound ? address : other,
      subject: `Order ${1000 + i}`,
      sentAt: new Date(Date.UTC(2026, 0, 1) + i * 3_600_000).toISOString(),
    });
  }
  const weeks = [2, 9, 16, 23].map((d) => ({
    start: `2026-02-${String(d).padStart(2, "0")}T09:00:00Z`,
    end: `2026-02-${String(d).padStart(2, "0")}T09:30:00Z`,
  }));
  google.createSeries(address, { summary: "Weekly account review", attendees: [{ email: address }, { email: "contact1@client1.example" }] }, weeks);
  google.putEvent(address, {
    summary: "Horecava",
    start: { date: "2026-03-09" },
    end: { date: "2026-03-13" },
    attendees: [{ email: "contact2@client2.example" }],
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
    write(`  [${bar}] ${String(total).padStart(5)} items  ${e.resource.padEnd(10)} page ${e.page}${e.done ? " (done)" : ""}`);
  };
}

/** Runs the demo and reports each step through `log`. */
export async function runDemo(storage: StorageAdapter, account: GoogleAccount, log: (line: string) => void = console.log): Promise<void> {
  const crm = createCrm({ storage, defaultRegion: "NL" });
  const tenant = crm.tenant("demo", { actor: "user:demo", source: "ui" });
  const connector = googleConnector({
    getAccessToken: account.kind === "fake" ? async () => account.token : account.getAccessToken,
    ...(account.kind === "fake" ? { rootUrl: account.google.url, accountAddress: account.address } : {}),
  });
  const engine = (onEvent?: (e: SyncEvent) => void) =>
    createSyncEngine({ tenant, connector, account: account.address, unknownAddresses: "create-person-and-organisation", ...(onEvent ? { onEvent } : {}) });

  log(`Initial sync of ${account.address} (${account.kind === "fake" ? "fake Google" : "Google"}):`);
  const started = Date.now();
  const first = await engine(progress(log)).run();
  const seconds = (Date.now() - started) / 1000;
  const created = first.resources.reduce((n, r) => n + r.counts.created, 0);
  log(`Done in ${seconds.toFixed(1)} s: ${created} records created, status ${first.status}.`);

  const [someone] = await tenant.relations.search({ namePrefix: "Contact 1", limit: 1 });
  if (account.kind === "fake" && someone) {
    const remote = [...account.google.account(account.address).contacts.values()].find(
      (c) => !c.deleted && JSON.stringify(c.fields.names) === JSON.stringify([{ givenName: "Contact", familyName: "2" }]),
    );
    if (remote)
      account.google.updateContact(account.address, `people/c${remote.id}`, { names: [{ givenName: "Contact 2", familyName: "(renamed in Google)" }] });
    log(`\nIn Google Contacts: renamed "Contact 2". In the CRM: gave "${someone.name}" a mobile number.`);
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
    if (e.type === "pushed") log(`  pushed ${e.op} of ${e.entityId} to Google contact ${e.externalId}`);
    if (e.type === "page" && e.created + e.updated + e.deleted > 0)
      log(`  pulled ${e.resource}: ${e.created} created, ${e.updated} updated, ${e.deleted} deleted`);
  }
  log(`  status ${second.status}, ${second.pushed} pushed`);
  const renamed = await tenant.relations.search({ namePrefix: "Contact 2 (renamed", limit: 1 });
  if (renamed[0]) log(`  CRM now has "${renamed[0].name}"`);
  const review = (await tenant.relations.findByEmail("contact1@client1.example"))[0];
  if (review) {
    const meetings = (await tenant.interactions.timeline(review.id)).items.filter((i) => i.kind === "meeting");
    log(`  ${review.name} has ${meetings.length} meetings on the timeline`);
  }

  log("\nSync state:");
  for (const s of await engine().states()) {
    log(
      `  ${s.resource.padEnd(10)} ${s.stage.padEnd(12)} items ${String(s.totals.items).padStart(5)}  last success ${s.lastSuccessAt ?? "never"}  failures ${s.failureCount}`,
    );
  }
}
