/**
 * Graph change notifications in the fake, as Microsoft documents them ("Receive change
 * notifications through webhooks", "Reduce missing subscriptions and change notifications", the
 * subscription and changeNotification resource types):
 *
 * - `POST /subscriptions` checks the required properties (`changeType`, `notificationUrl`,
 *   `resource`, `expirationDateTime`), the Outlook resource paths (`me/contacts`,
 *   `me/contactFolders/{id}/contacts`, `me/messages`, `me/mailFolders('{id}')/messages`,
 *   `me/events`, also under `users/{id}`), an expiration in the future and at most the maximum
 *   lifetime ahead, then validates `notificationUrl` (and `lifecycleNotificationUrl`): a POST with
 *   `?validationToken=` that must be answered 200, `text/plain`, with the decoded token, within 10 s.
 *   Otherwise the subscription is not created (400). Success is 201 with the subscription object.
 * - `PATCH /subscriptions/{id}` renews (`expirationDateTime`, same limits) and answers 200;
 *   `GET` reads, `DELETE` answers 204; an unknown or expired id is 404.
 * - Every change of a subscribed collection is POSTed to `notificationUrl` as a
 *   changeNotificationCollection (`{ value: [...] }`, batched per endpoint), with `subscriptionId`,
 *   `subscriptionExpirationDateTime`, `clientState`, `changeType`, `resource`, `resourceData`
 *   (`@odata.type`, `@odata.id`, `@odata.etag`, `id`) and `tenantId`.
 * - {@link FakeSubscriptions.lifecycle} sends `reauthorizationRequired`, `subscriptionRemoved` (which
 *   also removes the subscription) or `missed` to `lifecycleNotificationUrl`, when the subscription has one.
 *
 * Deviations, for local tests: `http:` URLs are accepted on loopback hosts (Graph requires https);
 * rich notifications (`includeResourceData`) are refused; deliveries are not retried.
 */
import { randomUUID } from "node:crypto";
import type { GraphObject, GraphState, ItemChange, Mailbox } from "./state.js";

/** Graph's documented maximum lifetime of a subscription to Outlook messages, events and contacts, in minutes. */
export const OUTLOOK_SUBSCRIPTION_MAX_MINUTES = 10_080;

/** What a subscription watches. */
type Target = { readonly kind: "contacts"; readonly folder?: string } | { readonly kind: "messages"; readonly folder?: string } | { readonly kind: "events" };

/** A subscription as the fake stores it. */
export interface FakeSubscription {
  readonly id: string;
  readonly mailbox: string;
  readonly resource: string;
  readonly changeType: string;
  readonly clientState: string | null;
  readonly notificationUrl: string;
  readonly lifecycleNotificationUrl: string | null;
  expirationDateTime: string;
  /** While true, changes are not delivered (as when Graph throttles an endpoint); `missed` tells the app. */
  paused: boolean;
  readonly target: Target;
}

/** A notification POST the fake made, for assertions. */
export interface Delivery {
  readonly url: string;
  /** The answer's status, 0 when the endpoint did not answer. */
  readonly status: number;
  readonly body: { readonly value: readonly GraphObject[] };
}

/** An error answer of the subscriptions API. */
export class SubscriptionHttpError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

const invalid = (message: string) => new SubscriptionHttpError(400, "InvalidRequest", message);
const notFound = () => new SubscriptionHttpError(404, "ResourceNotFound", "The object was not found.");
const CHANGE_TYPES = new Set(["created", "updated", "deleted"]);
const LOOPBACK = new Set(["127.0.0.1", "localhost", "[::1]"]);

/** Options of the fake's subscriptions. */
export interface FakeSubscriptionOptions {
  /** The fake's clock (expiry and renewal limits). Default `Date.now`. */
  readonly now?: () => number;
  /** Maximum lifetime in minutes. Default {@link OUTLOOK_SUBSCRIPTION_MAX_MINUTES}. */
  readonly maxMinutes?: number;
  /** How long the endpoint has to answer the validation request. Default 10 000 ms, as documented. */
  readonly validationTimeoutMs?: number;
}

/** The fake's subscriptions and their deliveries. */
export class FakeSubscriptions {
  /** The tenant id written into notifications. */
  readonly tenantId = randomUUID();
  /** Every notification POST so far. */
  readonly deliveries: Delivery[] = [];
  private readonly byId = new Map<string, FakeSubscription>();
  private readonly outbox = new Map<string, GraphObject[]>();
  private readonly inFlight = new Set<Promise<void>>();
  private flushTimer: NodeJS.Timeout | undefined;
  private readonly now: () => number;

  constructor(
    private readonly state: GraphState,
    private readonly options: FakeSubscriptionOptions = {},
  ) {
    this.now = options.now ?? Date.now;
    state.listeners.add((change) => this.changed(change));
  }

  /** The live subscriptions (expired ones are dropped). */
  list(): FakeSubscription[] {
    this.expire();
    return [...this.byId.values()];
  }

  /** A live subscription, or undefined. */
  get(id: string): FakeSubscription | undefined {
    this.expire();
    return this.byId.get(id);
  }

  /**
   * Sends a lifecycle notification to the subscription's `lifecycleNotificationUrl`; false when it
   * has none (Graph sends lifecycle notifications only to subscriptions created with one).
   * `subscriptionRemoved` also removes the subscription.
   */
  async lifecycle(id: string, event: "reauthorizationRequired" | "subscriptionRemoved" | "missed"): Promise<boolean> {
    const s = this.get(id);
    if (!s) throw new Error(`fake Graph: no subscription ${id}`);
    if (event === "subscriptionRemoved") this.byId.delete(id);
    if (!s.lifecycleNotificationUrl) return false;
    const item = {
      subscriptionId: s.id,
      subscriptionExpirationDateTime: s.expirationDateTime,
      tenantId: this.tenantId,
      clientState: s.clientState,
      lifecycleEvent: event,
    };
    await this.post(s.lifecycleNotificationUrl, [item]);
    return true;
  }

  /** Resolves when every queued notification has been POSTed and answered. */
  async idle(): Promise<void> {
    while (this.flushTimer || this.inFlight.size > 0) {
      if (this.flushTimer) {
        clearTimeout(this.flushTimer);
        this.flushTimer = undefined;
        this.flush();
      }
      await Promise.all([...this.inFlight]);
    }
  }

  /** Stops delivering (the server is closing). */
  close(): void {
    if (this.flushTimer) clearTimeout(this.flushTimer);
    this.flushTimer = undefined;
    this.outbox.clear();
    this.byId.clear();
  }

  /** Answers `/subscriptions` and `/subscriptions/{id}` for the calling mailbox. */
  async route(method: string, id: string | undefined, body: GraphObject, caller: Mailbox): Promise<{ status: number; body?: GraphObject }> {
    this.expire();
    if (id === undefined) {
      if (method === "POST") return { status: 201, body: this.render(await this.create(body, caller)) };
      if (method === "GET")
        return {
          status: 200,
          body: {
            value: this.list()
              .filter((s) => s.mailbox === caller.address)
              .map((s) => this.render(s)),
          },
        };
      throw invalid(`The fake Graph does not serve ${method} /subscriptions`);
    }
    const s = this.byId.get(id);
    if (!s || s.mailbox !== caller.address) throw notFound();
    if (method === "GET") return { status: 200, body: this.render(s) };
    if (method === "DELETE") {
      this.byId.delete(id);
      return { status: 204 };
    }
    if (method === "PATCH") {
      if (body.expirationDateTime === undefined) throw invalid("expirationDateTime is required to renew a subscription.");
      s.expirationDateTime = this.expiration(body.expirationDateTime);
      return { status: 200, body: this.render(s) };
    }
    throw invalid(`The fake Graph does not serve ${method} /subscriptions/{id}`);
  }

  private async create(body: GraphObject, caller: Mailbox): Promise<FakeSubscription> {
    for (const field of ["changeType", "notificationUrl", "resource", "expirationDateTime"]) {
      if (typeof body[field] !== "string" || body[field] === "") throw invalid(`${field} is required.`);
    }
    const changeType = String(body.changeType);
    if (!changeType.split(",").every((t) => CHANGE_TYPES.has(t.trim()))) throw invalid(`Invalid changeType ${changeType}.`);
    if (body.includeResourceData === true) throw invalid("The fake Graph does not send notifications with resource data.");
    const clientState = typeof body.clientState === "string" ? body.clientState : null;
    if (clientState !== null && clientState.length > 128) throw invalid("clientState is longer than 128 characters.");
    const notificationUrl = endpoint(String(body.notificationUrl), "notificationUrl");
    const lifecycleNotificationUrl =
      typeof body.lifecycleNotificationUrl === "string" ? endpoint(body.lifecycleNotificationUrl, "lifecycleNotificationUrl") : null;
    const resource = String(body.resource);
    const target = this.parseResource(resource, caller);
    const expirationDateTime = this.expiration(body.expirationDateTime);
    for (const url of [notificationUrl, ...(lifecycleNotificationUrl ? [lifecycleNotificationUrl] : [])]) await this.validate(url);
    const s: FakeSubscription = {
      id: randomUUID(),
      mailbox: caller.address,
      resource,
      changeType,
      clientState,
      notificationUrl,
      lifecycleNotificationUrl,
      expirationDateTime,
      paused: false,
      target,
    };
    this.byId.set(s.id, s);
    return s;
  }

  /** The validation handshake: 200, text/plain, the decoded token, within the time limit. */
  private async validate(url: string): Promise<void> {
    const token = `Validation: Testing client application reachability for subscription Request-Id: ${randomUUID()}`;
    const target = new URL(url);
    target.searchParams.set("validationToken", token);
    const refused = new SubscriptionHttpError(
      400,
      "ValidationError",
      "Subscription validation request failed. Notification endpoint must respond with 200 OK to validation request.",
    );
    try {
      const res = await fetch(target, {
        method: "POST",
        headers: { "content-type": "text/plain; charset=utf-8" },
        signal: AbortSignal.timeout(this.options.validationTimeoutMs ?? 10_000),
      });
      const text = await res.text();
      if (res.status !== 200 || !/^text\/plain\b/i.test(res.headers.get("content-type") ?? "") || text !== token) throw refused;
    } catch {
      throw refused;
    }
  }

  private parseResource(resource: string, caller: Mailbox): Target {
    const path = resource
      .replace(/^\/+/, "")
      .replace(/\('([^']*)'\)/g, "/$1")
      .replace(/^v1\.0\//i, "");
    if (path.includes("?")) throw invalid("The fake Graph does not support query options in subscription resources.");
    const m = /^(?:me|users\/([^/]+))\/(.+)$/i.exec(path);
    const owner = m?.[1]?.toLowerCase();
    if (!m || (owner !== undefined && owner !== caller.address && owner !== caller.id)) throw invalid(`Unsupported resource ${resource}.`);
    const rest = m[2]!;
    let f: RegExpExecArray | null;
    if (/^contacts$/i.test(rest)) return { kind: "contacts" };
    if ((f = /^contactFolders\/([^/]+)\/contacts$/i.exec(rest))) {
      if (!caller.contactFolders.has(f[1]!)) throw new SubscriptionHttpError(404, "ErrorItemNotFound", "The specified object was not found in the store.");
      return { kind: "contacts", folder: f[1]! };
    }
    if (/^messages$/i.test(rest)) return { kind: "messages" };
    if ((f = /^mailFolders\/([^/]+)\/messages$/i.exec(rest))) return { kind: "messages", folder: f[1]!.toLowerCase() };
    if (/^events$/i.test(rest)) return { kind: "events" };
    throw invalid(`Unsupported resource ${resource}.`);
  }

  /** An expirationDateTime in the future and at most the maximum lifetime ahead, as ISO text. */
  private expiration(value: unknown): string {
    const at = typeof value === "string" ? Date.parse(value) : Number.NaN;
    if (Number.isNaN(at)) throw invalid("expirationDateTime is not a valid date.");
    const max = this.options.maxMinutes ?? OUTLOOK_SUBSCRIPTION_MAX_MINUTES;
    if (at <= this.now()) throw invalid("Subscription expiration must be in the future.");
    if (at > this.now() + max * 60_000) throw invalid(`Subscription expiration can only be ${max} minutes in the future.`);
    return new Date(at).toISOString();
  }

  private expire(): void {
    for (const [id, s] of this.byId) if (Date.parse(s.expirationDateTime) <= this.now()) this.byId.delete(id);
  }

  private render(s: FakeSubscription): GraphObject {
    return {
      "@odata.context": "https://graph.microsoft.com/v1.0/$metadata#subscriptions/$entity",
      id: s.id,
      resource: s.resource,
      applicationId: "00000000-0000-0000-0000-00000000fa4e",
      changeType: s.changeType,
      clientState: s.clientState,
      notificationUrl: s.notificationUrl,
      notificationQueryOptions: null,
      lifecycleNotificationUrl: s.lifecycleNotificationUrl,
      expirationDateTime: s.expirationDateTime,
      creatorId: this.state.mailboxes.get(s.mailbox)?.id ?? null,
      includeResourceData: null,
      latestSupportedTlsVersion: "v1_2",
      encryptionCertificate: null,
      encryptionCertificateId: null,
      notificationUrlAppId: null,
    };
  }

  /** Queues a change notification for every live subscription that watches the changed collection. */
  private changed(change: ItemChange): void {
    const [address, kind, folder] = change.key.split("|");
    const mb = this.state.mailboxes.get(address ?? "");
    if (!mb) return;
    // A calendar view instance reports the event it belongs to.
    const eventId = kind === "calendarView" ? String(change.item?.data.seriesMasterId ?? change.id.replace(/_\d+$/, "")) : change.id;
    const type = kind === "contacts" ? "Contact" : kind === "mail" ? "Message" : "Event";
    for (const s of this.list()) {
      if (s.mailbox !== mb.address || s.paused || !s.changeType.split(",").some((t) => t.trim() === change.changeType)) continue;
      const t = s.target;
      const watches =
        (t.kind === "contacts" && kind === "contacts" && (t.folder === undefined || t.folder === folder)) ||
        (t.kind === "messages" && kind === "mail" && (t.folder === undefined || t.folder === folder)) ||
        (t.kind === "events" && kind === "calendarView");
      if (!watches) continue;
      const id = kind === "calendarView" ? eventId : change.id;
      const path = `Users/${mb.id}/${type}s/${id}`;
      const queued = this.outbox.get(s.notificationUrl) ?? [];
      if (queued.some((n) => n.subscriptionId === s.id && n.changeType === change.changeType && n.resource === path)) continue;
      queued.push({
        id: randomUUID(),
        subscriptionId: s.id,
        subscriptionExpirationDateTime: s.expirationDateTime,
        clientState: s.clientState,
        changeType: change.changeType,
        resource: path,
        tenantId: this.tenantId,
        resourceData: {
          "@odata.type": `#Microsoft.Graph.${type}`,
          "@odata.id": path,
          ...(change.item ? { "@odata.etag": `W/"${change.item.changeKey}"` } : {}),
          id,
        },
      });
      this.outbox.set(s.notificationUrl, queued);
      this.flushTimer ??= setTimeout(() => {
        this.flushTimer = undefined;
        this.flush();
      }, 0);
    }
  }

  private flush(): void {
    const batches = [...this.outbox];
    this.outbox.clear();
    for (const [url, value] of batches) void this.post(url, value);
  }

  /** POSTs a changeNotificationCollection; Graph waits 3 s for a 2xx. */
  private post(url: string, value: GraphObject[]): Promise<void> {
    const body = { value };
    const sent = fetch(url, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body), signal: AbortSignal.timeout(3000) })
      .then(async (res) => {
        await res.arrayBuffer();
        this.deliveries.push({ url, status: res.status, body });
      })
      .catch(() => {
        this.deliveries.push({ url, status: 0, body });
      })
      .finally(() => this.inFlight.delete(sent));
    this.inFlight.add(sent);
    return sent;
  }
}

/** A notification endpoint URL: https, or http on a loopback host (a local test endpoint). */
function endpoint(value: string, field: string): string {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw invalid(`${field} is not an absolute URL.`);
  }
  if (url.protocol !== "https:" && !(url.protocol === "http:" && LOOPBACK.has(url.hostname))) throw invalid(`${field} must use the HTTPS protocol.`);
  return url.href;
}
