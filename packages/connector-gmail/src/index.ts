/**
 * @kaartenbak/connector-gmail — Google (People, Gmail, Calendar) for the Kaartenbak sync engine:
 * contacts two-way, mail and meetings as contact moments.
 *
 * @example
 * const connector = googleConnector({ getAccessToken: () => tokens.forAccount("anna@example.com") });
 * const engine = createSyncEngine({ tenant: crm.tenant("acme"), connector, account: "anna@example.com" });
 * await engine.run();
 */
export { googleConnector, type GoogleConnectorOptions } from "./connector.js";
export { createGoogleClients, GOOGLE_ROOT_URL, type AccessTokenProvider, type GoogleAuthClient, type GoogleClients } from "./google-client.js";
export { googleFailure, retryAfterMs, toSyncError, type GoogleFailure } from "./errors.js";
export { CLIENT_DATA_KEY, PERSON_FIELDS, UPDATE_PERSON_FIELDS, personChange, personFromRelation, relationIdOf } from "./map-person.js";
export { EXCLUDED_LABELS, METADATA_HEADERS, headerOf, messageChange, parseAddresses } from "./map-message.js";
