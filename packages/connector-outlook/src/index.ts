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
export {
  outlookSubscriptions,
  memorySubscriptionStore,
  subscriptionResource,
  OUTLOOK_MAX_SUBSCRIPTION_MINUTES,
  type MaintainReport,
  type OutlookSubscriptionOptions,
  type OutlookSubscriptions,
  type SubscriptionRecord,
  type SubscriptionStore,
} from "./subscriptions.js";
export {
  outlookNotifications,
  type IgnoredReason,
  type NotificationEvent,
  type NotificationRequest,
  type NotificationResponse,
  type OutlookNotifications,
  type OutlookNotificationsOptions,
} from "./notifications.js";
export { RunQueue, type RunnableEngine, type RunQueueEvent, type RunQueueOptions } from "./notification-queue.js";
export { nodeNotificationListener, type NodeListenerOptions, type NotificationEndpoint } from "./notifications-node.js";
