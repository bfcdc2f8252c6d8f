import { testConnector, type ConnectorFake } from "@kaartenbak/conformance";
import { outlookConnector } from "../src/index.js";
import { startFakeGraph } from "../src/testing/index.js";
import { ENGINES, openDb } from "./harness.js";

/** The fake Graph driven as the connector suite expects, plus what the connector factory needs. */
interface OutlookFake extends ConnectorFake {
  readonly url: string;
  readonly token: string;
}

async function startOutlookFake(): Promise<OutlookFake> {
  const graph = await startFakeGraph();
  const mb = graph.mailboxes.addMailbox("suite@contoso.example");
  const m = graph.mailboxes;
  return {
    account: mb.address,
    url: graph.url,
    token: mb.token,
    createContact: async ({ name, email }) => m.createContact(mb.address, { displayName: name, emailAddresses: [{ name, address: email }] }).id,
    renameContact: async (id, name) => void m.updateContact(mb.address, id, { displayName: name }),
    deleteContact: async (id) => m.deleteContact(mb.address, id),
    contacts: async () =>
      new Map(
        m.contacts(mb.address).map((c) => {
          const emails = c.data.emailAddresses as { address: string }[];
          return [c.id, { name: String(c.data.displayName), email: emails[0]!.address }];
        }),
      ),
    expireCursors: async () => graph.expire(mb.address, "410"),
    throttle: async (times) => void graph.faults.add({ status: 429, retryAfter: 0, times }),
    close: () => graph.close(),
  };
}

testConnector({
  name: "outlook",
  startFake: startOutlookFake,
  connector: (fake, { pageSize }) => {
    const { url, token } = fake as OutlookFake;
    return outlookConnector({ getAccessToken: async () => token, endpoint: url, pageSize, calendar: false, mailFolders: [] });
  },
  storages: ENGINES.map((name) => ({
    name,
    open: async () => {
      const db = await openDb(name);
      return { storage: db.storage, close: () => db.close() };
    },
  })),
});
