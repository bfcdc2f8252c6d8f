import { googleConnector } from "@kaartenbak/connector-gmail";
import { startFakeGoogle } from "@kaartenbak/connector-gmail/testing";
import type { Engine } from "../engines.js";
import type { Figure } from "../measure.js";
import { measureSync } from "./w6-sync.js";

/**
 * W6 for Google: the same contacts and messages as the Outlook W6 (a company per 200 contacts'
 * fiftieth, a third of the mail sent, the rest received), synced from the fake Google server on
 * 127.0.0.1 through the real `@googleapis/people` and `@googleapis/gmail` clients. Gmail has no
 * delta of message content: a full pass lists the ids and reads each message's headers with one
 * `messages.get` (format `metadata`), so mail costs one HTTP request per message here.
 */
export async function w6Google(engine: Engine, sizes: { contacts: number; messages: number }): Promise<Figure[]> {
  const google = await startFakeGoogle();
  try {
    const address = "bench@kaartenbak.example";
    const account = google.addAccount(address);
    for (let i = 0; i < sizes.contacts; i++) {
      google.createContact(address, {
        names: [{ givenName: "Contact", familyName: String(i) }],
        emailAddresses: [{ value: `c${i}@client${i % 50}.example`, type: "work" }],
        phoneNumbers: [{ value: `+31 20 ${String(1_000_000 + i).slice(-7)}`, type: "work" }],
        organizations: [{ name: `Client ${i % 50}` }],
      });
    }
    for (let i = 0; i < sizes.messages; i++) {
      const other = `c${i % sizes.contacts}@client${(i % sizes.contacts) % 50}.example`;
      google.sendMail(address, {
        from: i % 3 ? other : address,
        to: i % 3 ? address : other,
        subject: `Order ${i}`,
        sentAt: new Date(Date.UTC(2026, 0, 1) + i * 60_000).toISOString(),
      });
    }
    const connector = googleConnector({
      getAccessToken: async () => account.token,
      rootUrl: google.url,
      accountAddress: address,
      calendar: false,
      pageSize: 200,
    });
    const label = `${sizes.contacts.toLocaleString("en")} contacts + ${sizes.messages.toLocaleString("en")} messages from the fake Google server`;
    return await measureSync(engine, { workload: "W6g", label, items: sizes.contacts + sizes.messages, connector, account: address, tenantId: "w6g" });
  } finally {
    await google.close();
  }
}
