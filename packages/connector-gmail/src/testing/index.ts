/**
 * @kaartenbak/connector-gmail/testing — a stateful fake of the People, Gmail and Calendar
 * endpoints the connector uses, on 127.0.0.1, that the real `@googleapis/*` clients reach through
 * `rootUrl`.
 *
 * @example
 * const google = await startFakeGoogle();
 * const anna = google.addAccount("anna@example.com");
 * google.createContact(anna.email, { names: [{ givenName: "Bob" }], emailAddresses: [{ value: "bob@x.example" }] });
 * const connector = googleConnector({ getAccessToken: async () => anna.token, rootUrl: google.url });
 */
export { startFakeGoogle, type ContactSpec, type MailSpec, type FakeGoogle, type FakeGoogleOptions, type RequestRecord, type RouteHandler } from "./server.js";
export { FakeAccount, type HistoryRecord, type StoredContact, type StoredEvent, type StoredMessage } from "./account.js";
export { FaultQueue, type FaultSpec, type GoogleFault, type TakenFault } from "./faults.js";
export { GoogleHttpError, legacyError, rpcError } from "./errors.js";
export { PERSON_FIELDS as FAKE_PERSON_FIELDS, personOf } from "./people.js";
export { decodeToken, encodeToken, pageOf, type FakeToken } from "./tokens.js";
export { handleGmail, messageOf } from "./gmail.js";
export { eventOf, fullSyncRequired, handleCalendar, type EventSpec } from "./calendar.js";
