/**
 * The Google connector: People contacts (two-way), Gmail and Google Calendar (contact moments)
 * behind the core connector contract. Cursors are small JSON documents holding Google's own page
 * and sync tokens (or Gmail history ids), never a credential.
 */
import { SyncError, type Connector, type SyncResource } from "@kaartenbak/core/sync";
import { peopleContacts } from "./contacts.js";
import { calendarEvents } from "./calendar.js";
import { gmailMessages } from "./mail.js";
import { createGoogleClients, type AccessTokenProvider, type GoogleAuthClient, type GoogleClients } from "./google-client.js";

/** Options of {@link googleConnector}. */
export interface GoogleConnectorOptions {
  /** An OAuth2Client (or other google-auth-library client) for the account; it refreshes itself. */
  readonly auth?: GoogleAuthClient;
  /** Or: a function returning an access token, asked on every call; never stored or logged. */
  readonly getAccessToken?: AccessTokenProvider;
  /** Another API root for all three APIs, e.g. the fake's `url` in tests. Default: Google's. */
  readonly rootUrl?: string;
  /** Sync contacts two-way. Default true. */
  readonly contacts?: boolean;
  /** Sync Gmail messages as contact moments. Default true. */
  readonly mail?: boolean;
  /** Sync primary-calendar events as meetings. Default true. */
  readonly calendar?: boolean;
  /** The account's own address (direction; never turned into a relation). Default: read from the Gmail profile. */
  readonly accountAddress?: string;
  /** People `pageSize` and Gmail `maxResults`. Default 200. */
  readonly pageSize?: number;
  /** The connector id (and external-reference system). Default `google`. */
  readonly id?: string;
}

/** Creates the Google connector for one account. Pass it to `createSyncEngine` with the account's address. */
export function googleConnector(options: GoogleConnectorOptions): Connector {
  const clients: GoogleClients = createGoogleClients(options);
  const contacts = peopleContacts(clients, options.pageSize ?? 200);
  const mail = gmailMessages(clients, options.pageSize ?? 200, options.accountAddress);
  const calendar = calendarEvents(clients, options.pageSize ?? 200, mail.own);
  const resources: SyncResource[] = [
    ...(options.contacts === false ? [] : [{ id: "contacts", entity: "relation" as const, writable: true }]),
    ...(options.mail === false ? [] : [{ id: "mail", entity: "interaction" as const }]),
    ...(options.calendar === false ? [] : [{ id: "calendar", entity: "interaction" as const }]),
  ];
  const unknown = (resource: string) => new SyncError("NOT_FOUND", `The Google connector has no resource ${resource}`);
  return {
    id: options.id ?? "google",
    resources,
    async pull(resource, cursor, signal) {
      if (resource === "contacts") return contacts.pull(cursor, signal);
      if (resource === "mail") return mail.pull(cursor, signal);
      if (resource === "calendar") return calendar.pull(cursor, signal);
      throw unknown(resource);
    },
    async push(change, signal) {
      if (change.resource !== "contacts") throw unknown(change.resource);
      return contacts.push(change, signal);
    },
    async fetch(resource, externalId, signal) {
      return resource === "contacts" ? contacts.fetch(externalId, signal) : undefined;
    },
  };
}
