/**
 * Graph change-notification subscriptions for the connector's resources: one subscription per
 * resource id (`contacts`, `contacts:<folderId>`, `mail:<folder>`, `calendar`), created with
 * `POST /subscriptions`, renewed with `PATCH /subscriptions/{id}` before it expires, removed with
 * `DELETE /subscriptions/{id}`. Requests go through the connector's Graph client (the token comes
 * from the host's provider per request and is never kept); failures are {@link SyncError}s that
 * carry Graph's status, code and message only.
 *
 * Each subscription gets its own random `clientState`, kept in the {@link SubscriptionStore} with
 * the subscription id and the resource it stands for. The store is the host's: persist it (the
 * client states are secrets) so a restarted process recognises its subscriptions.
 */
import { randomBytes } from "node:crypto";
import type { Client } from "@microsoft/microsoft-graph-client";
import { SyncError } from "@kaartenbak/core/sync";
import { toSyncError } from "./errors.js";
import { createGraphClient, type AccessTokenProvider } from "./graph-client.js";
import { str, type GraphJson } from "./graph-json.js";

/** Graph's maximum lifetime of a subscription to Outlook messages, events or contacts: 10 080 minutes (under 7 days). */
export const OUTLOOK_MAX_SUBSCRIPTION_MINUTES = 10_080;

/** A subscription the connector made. */
export interface SubscriptionRecord {
  /** Graph's subscription id. */
  readonly id: string;
  /** The connector resource id it triggers, e.g. `contacts` or `mail:inbox`. */
  readonly resource: string;
  /** The Graph resource path subscribed to, e.g. `me/mailFolders('inbox')/messages`. */
  readonly graphResource: string;
  /** The secret Graph echoes in every notification of this subscription. */
  readonly clientState: string;
  /** When Graph removes it unless renewed (ISO instant). */
  readonly expirationDateTime: string;
}

/** Where subscription records live. The host's persistence; {@link memorySubscriptionStore} for one process. */
export interface SubscriptionStore {
  /** Every record. */
  list(): Promise<readonly SubscriptionRecord[]>;
  /** Inserts or replaces the record with this id. */
  put(record: SubscriptionRecord): Promise<void>;
  /** Removes the record with this id (no error when absent). */
  delete(id: string): Promise<void>;
}

/** A {@link SubscriptionStore} in memory: subscriptions are forgotten when the process ends. */
export function memorySubscriptionStore(initial: readonly SubscriptionRecord[] = []): SubscriptionStore {
  const records = new Map(initial.map((r) => [r.id, r]));
  return {
    list: () => Promise.resolve([...records.values()]),
    put: (record) => Promise.resolve(void records.set(record.id, record)),
    delete: (id) => Promise.resolve(void records.delete(id)),
  };
}

/** Options of {@link outlookSubscriptions}. */
export interface OutlookSubscriptionOptions {
  /** The connector resource ids to subscribe for, e.g. `connector.resources.map((r) => r.id)`. */
  readonly resources: readonly string[];
  /** The public https URL Graph POSTs change notifications to (the host's endpoint). */
  readonly notificationUrl: string;
  /** Where lifecycle notifications go. Default: `notificationUrl` (the handler tells them apart). `null` for none. */
  readonly lifecycleNotificationUrl?: string | null;
  /** Returns an access token for the mailbox, as for the connector. Called per request; never stored. */
  readonly getAccessToken?: AccessTokenProvider;
  /** Another Graph origin (the fake's `url` in tests). */
  readonly endpoint?: string;
  /** A ready Graph client instead of `getAccessToken` and `endpoint`. */
  readonly client?: Client;
  /** Another user's mailbox (`users/{user}`, application permissions) instead of `me`. */
  readonly user?: string;
  /** Where records are kept. Default: {@link memorySubscriptionStore}. */
  readonly store?: SubscriptionStore;
  /** Lifetime asked for, in minutes; at most {@link OUTLOOK_MAX_SUBSCRIPTION_MINUTES}. Default 10 065 (a quarter hour of clock skew spare). */
  readonly lifetimeMinutes?: number;
  /** Renew a subscription when it expires within this many milliseconds. Default one day. */
  readonly renewBeforeMs?: number;
  /** The changes to be told of. Default `created,updated,deleted`. */
  readonly changeType?: string;
  /** The clock. Default `Date.now`. */
  readonly now?: () => number;
}

/** What {@link OutlookSubscriptions.maintain} did. */
export interface MaintainReport {
  /** Resources that had no subscription and got one. */
  readonly created: readonly string[];
  /** Resources whose subscription was renewed. */
  readonly renewed: readonly string[];
  /** Resources whose subscription was gone at Graph (expired or removed) and was made again: changes may have been missed. */
  readonly recreated: readonly string[];
  /** Resources that could not be subscribed or renewed, with the error. */
  readonly failed: readonly { readonly resource: string; readonly error: SyncError }[];
}

/** Subscription management for one mailbox. */
export interface OutlookSubscriptions {
  /** The store's records. */
  list(): Promise<readonly SubscriptionRecord[]>;
  /** The record of a subscription id, if it is one of ours. */
  find(subscriptionId: string): Promise<SubscriptionRecord | undefined>;
  /** Records that expire within the renewal margin (or already expired). */
  renewDue(): Promise<readonly SubscriptionRecord[]>;
  /** Creates the subscriptions that are missing and renews those due. Run it from the host's scheduler, e.g. hourly. */
  maintain(): Promise<MaintainReport>;
  /** Creates a subscription for a resource (replacing the record of an earlier one). */
  create(resource: string): Promise<SubscriptionRecord>;
  /** Renews (and so reauthorizes) a subscription; a NOT_FOUND SyncError when Graph no longer has it. */
  renew(subscriptionId: string): Promise<SubscriptionRecord>;
  /** Deletes a subscription at Graph (gone already is fine) and forgets it. */
  remove(subscriptionId: string): Promise<void>;
  /** Deletes every subscription of the store. */
  removeAll(): Promise<void>;
}

/** The Graph resource path that notifies about a connector resource. */
export function subscriptionResource(resource: string, user?: string): string {
  const base = user ? `users/${encodeURIComponent(user)}` : "me";
  if (resource === "contacts") return `${base}/contacts`;
  if (resource.startsWith("contacts:")) return `${base}/contactFolders/${encodeURIComponent(resource.slice("contacts:".length))}/contacts`;
  if (resource.startsWith("mail:")) return `${base}/mailFolders('${resource.slice("mail:".length).replace(/'/g, "''")}')/messages`;
  if (resource === "calendar") return `${base}/events`;
  throw new SyncError("INVALID", `The Outlook connector has no change notifications for resource ${resource}`);
}

/** Creates the subscription manager for one mailbox. */
export function outlookSubscriptions(options: OutlookSubscriptionOptions): OutlookSubscriptions {
  if (!options.client && !options.getAccessToken) throw new SyncError("INVALID", "outlookSubscriptions needs getAccessToken or client");
  const client = options.client ?? createGraphClient(options.getAccessToken!, options.endpoint);
  const store = options.store ?? memorySubscriptionStore();
  const now = options.now ?? Date.now;
  const lifetime = Math.min(options.lifetimeMinutes ?? OUTLOOK_MAX_SUBSCRIPTION_MINUTES - 15, OUTLOOK_MAX_SUBSCRIPTION_MINUTES);
  const margin = options.renewBeforeMs ?? 86_400_000;
  const lifecycleUrl = options.lifecycleNotificationUrl === undefined ? options.notificationUrl : options.lifecycleNotificationUrl;
  for (const r of options.resources) subscriptionResource(r, options.user); // refuses unknown resources up front
  const expiry = () => new Date(now() + lifetime * 60_000).toISOString();

  async function call<T>(what: string, send: () => Promise<T>): Promise<T> {
    try {
      return await send();
    } catch (error) {
      throw toSyncError(error, what);
    }
  }

  const list = () => store.list();
  const find = async (id: string) => (await list()).find((r) => r.id === id);

  async function create(resource: string): Promise<SubscriptionRecord> {
    const graphResource = subscriptionResource(resource, options.user);
    const clientState = randomBytes(32).toString("base64url");
    const body = {
      changeType: options.changeType ?? "created,updated,deleted",
      notificationUrl: options.notificationUrl,
      ...(lifecycleUrl ? { lifecycleNotificationUrl: lifecycleUrl } : {}),
      resource: graphResource,
      expirationDateTime: expiry(),
      clientState,
    };
    const made = await call(`create subscription for ${resource}`, () => client.api("/subscriptions").post(body) as Promise<GraphJson>);
    const id = str(made.id);
    if (!id) throw new SyncError("INVALID", `Graph created a subscription for ${resource} without returning its id`);
    for (const old of (await list()).filter((r) => r.resource === resource)) await store.delete(old.id);
    const record = { id, resource, graphResource, clientState, expirationDateTime: str(made.expirationDateTime) ?? body.expirationDateTime };
    await store.put(record);
    return record;
  }

  async function renew(subscriptionId: string): Promise<SubscriptionRecord> {
    const record = await find(subscriptionId);
    if (!record) throw new SyncError("NOT_FOUND", "Not a subscription of this mailbox");
    const expirationDateTime = expiry();
    const renewed = await call(
      `renew subscription for ${record.resource}`,
      () => client.api(`/subscriptions/${encodeURIComponent(subscriptionId)}`).patch({ expirationDateTime }) as Promise<GraphJson | undefined>,
    );
    const next = { ...record, expirationDateTime: str(renewed?.expirationDateTime) ?? expirationDateTime };
    await store.put(next);
    return next;
  }

  async function remove(subscriptionId: string): Promise<void> {
    await call("delete subscription", () => client.api(`/subscriptions/${encodeURIComponent(subscriptionId)}`).delete() as Promise<unknown>).catch(
      (error: unknown) => (error instanceof SyncError && error.reason === "NOT_FOUND" ? undefined : Promise.reject(error)),
    );
    await store.delete(subscriptionId);
  }

  async function renewDue(): Promise<readonly SubscriptionRecord[]> {
    return (await list()).filter((r) => Date.parse(r.expirationDateTime) - now() <= margin);
  }

  return {
    list,
    find,
    renewDue,
    create,
    renew,
    remove,
    async removeAll() {
      for (const r of await list()) await remove(r.id);
    },
    async maintain() {
      const created: string[] = [];
      const renewed: string[] = [];
      const recreated: string[] = [];
      const failed: { resource: string; error: SyncError }[] = [];
      const due = new Set((await renewDue()).map((r) => r.id));
      const records = await list();
      for (const resource of options.resources) {
        const record = records.find((r) => r.resource === resource);
        try {
          if (!record) {
            await create(resource);
            created.push(resource);
          } else if (Date.parse(record.expirationDateTime) <= now()) {
            // Expired: Graph has removed it; notifications were lost since then.
            await create(resource);
            recreated.push(resource);
          } else if (due.has(record.id)) {
            try {
              await renew(record.id);
              renewed.push(resource);
            } catch (error) {
              if (!(error instanceof SyncError && error.reason === "NOT_FOUND")) throw error;
              await create(resource);
              recreated.push(resource);
            }
          }
        } catch (error) {
          failed.push({ resource, error: toSyncError(error, `maintain subscription for ${resource}`) });
        }
      }
      return { created, renewed, recreated, failed };
    },
  };
}
