/**
 * The endpoint for Microsoft Graph change notifications, framework-neutral: the host passes the
 * request's method, URL, headers and body text, and writes back the status, headers and body this
 * returns (see notifications-node.ts for Node's http server). It does what Graph documents:
 *
 * - **Validation**: a POST with a `validationToken` query parameter is answered at once with 200,
 *   `text/plain`, and the URL-decoded token (Graph allows 10 seconds).
 * - **Change notifications** (`{ value: [...] }`) are answered 202 Accepted straight away; each item
 *   is then checked in the background: its `subscriptionId` must be one of ours and its
 *   `clientState` must equal that subscription's (a constant-time comparison). Items that fail are
 *   ignored (reported as `notification-ignored`, nothing runs); the answer is 202 regardless, so a
 *   sender learns nothing about which subscriptions exist, and Graph does not retry for hours.
 *   A valid item asks for a targeted run of its resource (see notification-queue.ts).
 * - **Lifecycle notifications** (`lifecycleEvent`, on the same URL or a separate
 *   `lifecycleNotificationUrl` served by this same handler), after the same checks:
 *   `reauthorizationRequired` renews the subscription (a renewal also reauthorizes; one Graph no
 *   longer has is created again, followed by a catch-up run); `subscriptionRemoved` creates the
 *   subscription again and runs the resource to catch up on what was not notified; `missed` runs it.
 *   A catch-up run is a delta run from the resource's stored cursor, which returns every change since
 *   the last run — what Graph recommends after missed notifications.
 *
 * Sync never runs inside `handle`: runs go through the core engine's `run`, which takes the
 * account's lease, so a notification never runs beside a poll.
 */
import { createHash, timingSafeEqual } from "node:crypto";
import type { SyncError } from "@kaartenbak/core/sync";
import { arr, obj, str, type GraphJson } from "./graph-json.js";
import { RunQueue, type RunnableEngine, type RunQueueEvent } from "./notification-queue.js";
import type { MaintainReport, OutlookSubscriptions, SubscriptionRecord } from "./subscriptions.js";

/** A request as the host's web framework has it. */
export interface NotificationRequest {
  /** The HTTP method. */
  readonly method: string;
  /** The request URL: a path with query (`/graph/notify?validationToken=...`) or an absolute URL. */
  readonly url: string;
  /** Request headers (not needed by Graph's protocol; accepted for adapters). */
  readonly headers?: Readonly<Record<string, string | readonly string[] | undefined>>;
  /** The body as text (UTF-8). */
  readonly body?: string;
}

/** What to answer. */
export interface NotificationResponse {
  readonly status: number;
  readonly headers: Readonly<Record<string, string>>;
  readonly body: string;
}

/** Why a notification was not acted on. */
export type IgnoredReason = "unknown-subscription" | "client-state" | "malformed";

/** What the handler reports: its own events plus the run queue's. Never carries a token or a client state. */
export type NotificationEvent =
  | RunQueueEvent
  /** A valid change notification asked for a run of `resource`. */
  | { readonly type: "notification"; readonly subscriptionId: string; readonly resource: string; readonly changeType: string }
  /** A notification that failed the checks; nothing ran for it. */
  | { readonly type: "notification-ignored"; readonly reason: IgnoredReason; readonly subscriptionId?: string }
  /** A valid lifecycle notification. */
  | { readonly type: "lifecycle"; readonly lifecycleEvent: string; readonly subscriptionId: string; readonly resource: string }
  /** A subscription was renewed (reauthorized) or created again after Graph removed it. */
  | { readonly type: "subscription-renewed" | "subscription-recreated"; readonly subscriptionId: string; readonly resource: string };

/** Options of {@link outlookNotifications}. */
export interface OutlookNotificationsOptions {
  /** The account's sync engine (`createSyncEngine` for the mailbox the subscriptions belong to). */
  readonly engine: RunnableEngine;
  /** The mailbox's subscriptions (`outlookSubscriptions`). */
  readonly subscriptions: OutlookSubscriptions;
  /** Progress and rejections. */
  readonly onEvent?: (event: NotificationEvent) => void;
  /** Wait between tries while another runner holds the lease. Default 1000 ms. */
  readonly busyRetryMs?: number;
  /** Give up waiting for a held lease after this long (the next poll catches up). Default 10 minutes. */
  readonly maxBusyWaitMs?: number;
  /** Larger bodies are refused with 413. Default 1 MiB. */
  readonly maxBodyBytes?: number;
}

/** The change-notification endpoint of one mailbox. */
export interface OutlookNotifications {
  /** Answers one request to the notification (or lifecycle) URL. Never runs sync itself. */
  handle(request: NotificationRequest): Promise<NotificationResponse>;
  /**
   * `subscriptions.maintain()`, and a catch-up run for every resource whose subscription had to be
   * created again (its notifications were lost meanwhile). Run it from the host's scheduler.
   */
  maintain(): Promise<MaintainReport>;
  /** Resolves when every background check, subscription action and run has finished. */
  drain(): Promise<void>;
  /** Stops accepting work; pending runs are dropped. */
  close(): void;
}

/** Compares two secrets in constant time (hashed first, so unequal lengths leak nothing either). */
function sameSecret(given: string, expected: string): boolean {
  const a = createHash("sha256").update(given).digest();
  const b = createHash("sha256").update(expected).digest();
  return timingSafeEqual(a, b) && given.length === expected.length;
}

const text = (status: number, body = "", headers: Record<string, string> = {}): NotificationResponse => ({
  status,
  headers: { "content-type": "text/plain; charset=utf-8", "x-content-type-options": "nosniff", ...headers },
  body,
});

/** Creates the notification handler for one mailbox. */
export function outlookNotifications(options: OutlookNotificationsOptions): OutlookNotifications {
  const emit = (event: NotificationEvent) => options.onEvent?.(event);
  const queue = new RunQueue({
    engine: options.engine,
    emit,
    ...(options.busyRetryMs !== undefined ? { busyRetryMs: options.busyRetryMs } : {}),
    ...(options.maxBusyWaitMs !== undefined ? { maxBusyWaitMs: options.maxBusyWaitMs } : {}),
  });
  const subscriptions = options.subscriptions;
  const maxBody = options.maxBodyBytes ?? 1_048_576;

  const recreate = async (record: SubscriptionRecord) => {
    const made = await subscriptions.create(record.resource);
    emit({ type: "subscription-recreated", subscriptionId: made.id, resource: record.resource });
    queue.request(record.resource);
  };

  async function lifecycle(event: string, record: SubscriptionRecord): Promise<void> {
    emit({ type: "lifecycle", lifecycleEvent: event, subscriptionId: record.id, resource: record.resource });
    if (event === "missed") return queue.request(record.resource);
    if (event === "subscriptionRemoved") return recreate(record);
    if (event === "reauthorizationRequired") {
      try {
        const renewed = await subscriptions.renew(record.id);
        emit({ type: "subscription-renewed", subscriptionId: renewed.id, resource: renewed.resource });
      } catch (error) {
        if ((error as SyncError | undefined)?.reason !== "NOT_FOUND") throw error;
        await recreate(record);
      }
    }
  }

  /** Checks and acts on the items of one collection (in the background). */
  async function process(items: readonly unknown[]): Promise<void> {
    const records = await subscriptions.list();
    for (const raw of items) {
      const item: GraphJson = obj(raw) ?? {};
      const subscriptionId = str(item.subscriptionId);
      const record = subscriptionId ? records.find((r) => r.id === subscriptionId) : undefined;
      if (!subscriptionId || !record) {
        emit({ type: "notification-ignored", reason: subscriptionId ? "unknown-subscription" : "malformed", ...(subscriptionId ? { subscriptionId } : {}) });
        continue;
      }
      const clientState = typeof item.clientState === "string" ? item.clientState : "";
      if (!sameSecret(clientState, record.clientState)) {
        emit({ type: "notification-ignored", reason: "client-state", subscriptionId });
        continue;
      }
      const event = str(item.lifecycleEvent);
      const changeType = str(item.changeType);
      if (event) queue.task(() => lifecycle(event, record));
      else if (changeType) {
        emit({ type: "notification", subscriptionId, resource: record.resource, changeType });
        queue.request(record.resource);
      } else emit({ type: "notification-ignored", reason: "malformed", subscriptionId });
    }
  }

  return {
    async handle(request) {
      if (request.method.toUpperCase() !== "POST") return text(405, "", { allow: "POST" });
      const url = new URL(request.url, "http://localhost");
      const token = url.searchParams.get("validationToken");
      if (token !== null) return token.length <= 4096 ? text(200, token) : text(400);
      const body = request.body ?? "";
      if (Buffer.byteLength(body) > maxBody) return text(413);
      let parsed: unknown;
      try {
        parsed = JSON.parse(body);
      } catch {
        return text(400);
      }
      const value = obj(parsed)?.value;
      if (!Array.isArray(value)) return text(400);
      const items = arr(value);
      queue.task(() => process(items));
      return text(202);
    },
    async maintain() {
      const report = await subscriptions.maintain();
      for (const resource of report.recreated) queue.request(resource);
      return report;
    },
    drain: () => queue.drain(),
    close: () => queue.close(),
  };
}
