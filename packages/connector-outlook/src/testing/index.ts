/**
 * @kaartenbak/connector-outlook/testing — a stateful fake of the Microsoft Graph endpoints the
 * connector uses, on 127.0.0.1, for this package's tests and for hosts' own.
 *
 * @example
 * const graph = await startFakeGraph();
 * const anna = graph.mailboxes.addMailbox("anna@contoso.example");
 * graph.mailboxes.createContact(anna.address, { displayName: "Bob", emailAddresses: [{ address: "bob@x.example" }] });
 * const connector = outlookConnector({ getAccessToken: async () => anna.token, endpoint: graph.url });
 */
export { startFakeGraph, GRAPH_ORIGIN, type FakeGraph, type FakeGraphOptions, type RequestRecord } from "./server.js";
export { FakeMailboxes, type EventSpec, type MailSpec } from "./world.js";
export { FaultQueue, type FaultSpec } from "./faults.js";
export { GraphState, changeKeyOf, type Collection, type GraphObject, type ItemChange, type Mailbox, type StoredItem } from "./state.js";
export {
  FakeSubscriptions,
  OUTLOOK_SUBSCRIPTION_MAX_MINUTES,
  SubscriptionHttpError,
  type Delivery,
  type FakeSubscription,
  type FakeSubscriptionOptions,
} from "./subscriptions.js";
export { decodeToken, encodeToken, type DeltaToken } from "./delta.js";
