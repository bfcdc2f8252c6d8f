import { testConnector, type ConnectorFake } from "@kaartenbak/conformance";
import { googleConnector } from "../src/index.js";
import { startFakeGoogle } from "../src/testing/index.js";
import { ENGINES, openDb } from "./harness.js";

/** The fake Google driven as the connector suite expects, plus what the connector factory needs. */
interface GoogleFake extends ConnectorFake {
  readonly url: string;
  readonly token: string;
}

/** A display name as a user types it into Google Contacts: the last word is the family name. */
function names(name: string) {
  const parts = name.trim().split(/\s+/);
  const familyName = parts.length > 1 ? parts.pop()! : undefined;
  return [{ givenName: parts.join(" "), ...(familyName ? { familyName } : {}), unstructuredName: name }];
}

async function startGoogleFake(): Promise<GoogleFake> {
  const google = await startFakeGoogle();
  const account = google.addAccount("suite@example.com");
  const email = account.email;
  return {
    account: email,
    url: google.url,
    token: account.token,
    createContact: async ({ name, email: address }) => google.createContact(email, { names: names(name), emailAddresses: [{ value: address }] }),
    renameContact: async (id, name) => {
      const stored = google.contact(email, id)!;
      google.updateContact(email, id, { names: names(name), emailAddresses: stored.fields.emailAddresses as Record<string, unknown>[] });
    },
    deleteContact: async (id) => google.deleteContact(email, id),
    contacts: async () =>
      new Map(
        [...google.account(email).contacts.values()]
          .filter((c) => !c.deleted)
          .map((c) => {
            const name = (c.fields.names?.[0] ?? {}) as { unstructuredName?: string; givenName?: string; familyName?: string };
            const address = (c.fields.emailAddresses?.[0] as { value: string } | undefined)?.value ?? "";
            return [`people/c${c.id}`, { name: name.unstructuredName ?? [name.givenName, name.familyName].filter(Boolean).join(" "), email: address }];
          }),
      ),
    expireCursors: async () => google.expire(email),
    throttle: async (times) => void google.faults.add({ fault: "429", times }),
    close: () => google.close(),
  };
}

testConnector({
  name: "google",
  startFake: startGoogleFake,
  connector: (fake, { pageSize }) => {
    const { url, token } = fake as GoogleFake;
    return googleConnector({ getAccessToken: async () => token, rootUrl: url, pageSize, mail: false, calendar: false, accountAddress: fake.account });
  },
  storages: ENGINES.map((name) => ({
    name,
    open: async () => {
      const db = await openDb(name);
      return { storage: db.storage, close: () => db.close() };
    },
  })),
});
