/**
 * @kaartenbak/connector-outlook — Outlook (Microsoft Graph) for the Kaartenbak sync engine:
 * contacts two-way, mail and calendar as contact moments.
 *
 * @example
 * const connector = outlookConnector({ getAccessToken: () => tokens.forMailbox("anna@contoso.com") });
 * const engine = createSyncEngine({ tenant: crm.tenant("acme"), connector, account: "anna@contoso.com" });
 * await engine.run();
 */
export { outlookConnector, contactResource, RELATION_ID_PROPERTY, type OutlookConnectorOptions } from "./connector.js";
export { createGraphClient, GRAPH_ORIGIN, LinkOrigin, type AccessTokenProvider } from "./graph-client.js";
export { followLink, linkPolicy, type LinkPolicy } from "./links.js";
export { toSyncError, retryAfterMs } from "./errors.js";
export { CONTACT_FIELDS, contactChange, contactFromRelation } from "./map-contact.js";
export { MESSAGE_FIELDS, isBulk, messageChange } from "./map-message.js";
export { eventChange, type CancelledMeetingPolicy } from "./map-event.js";
