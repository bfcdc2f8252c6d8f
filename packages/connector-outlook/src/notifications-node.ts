/**
 * A Node `http` adapter for the notification handler: reads the body (refusing more than
 * `maxBodyBytes` with 413), passes method, URL, headers and body to `handle`, writes the answer.
 * A failure of the handler itself answers 500, so Graph delivers the notification again.
 */
import type { IncomingMessage, ServerResponse } from "node:http";
import type { NotificationRequest, NotificationResponse } from "./notifications.js";

/** Options of {@link nodeNotificationListener}. */
export interface NodeListenerOptions {
  /** Larger bodies are refused with 413 without reading further. Default 1 MiB. */
  readonly maxBodyBytes?: number;
}

/** Anything with the handler's `handle` (an `outlookNotifications(...)` result). */
export interface NotificationEndpoint {
  /** Answers one request. */
  handle(request: NotificationRequest): Promise<NotificationResponse>;
}

/**
 * A `(req, res)` listener for `http.createServer` or a route of a framework that hands out Node's
 * request and response (Express, Fastify's `raw`, Koa's `ctx.req`/`ctx.res`).
 *
 * @example
 * import http from "node:http";
 * import { nodeNotificationListener, outlookNotifications, outlookSubscriptions } from "@kaartenbak/connector-outlook";
 * const getAccessToken = async () => "a token from the host's cache";
 * const connector = outlookConnector({ getAccessToken });
 * const engine = createSyncEngine({ tenant: acme, connector, account: "anna@contoso.com" });
 * const resources = connector.resources.map((r) => r.id);
 * const subscriptions = outlookSubscriptions({ resources, notificationUrl: "https://crm.example.com/graph/notify", getAccessToken });
 * const listener = nodeNotificationListener(outlookNotifications({ engine, subscriptions }));
 * http
 *   .createServer((req, res) => {
 *     if (req.url?.startsWith("/graph/notify")) return listener(req, res);
 *     res.writeHead(404).end();
 *   })
 *   .listen(8080);
 */
export function nodeNotificationListener(
  endpoint: NotificationEndpoint,
  options: NodeListenerOptions = {},
): (req: IncomingMessage, res: ServerResponse) => void {
  const max = options.maxBodyBytes ?? 1_048_576;
  return (req, res) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let refused = false;
    const answer = (r: NotificationResponse) => {
      if (res.headersSent) return;
      res.writeHead(r.status, r.headers);
      res.end(r.body);
    };
    req.on("data", (chunk: Buffer) => {
      if (refused) return;
      size += chunk.length;
      if (size > max) {
        refused = true;
        answer({ status: 413, headers: { "content-type": "text/plain; charset=utf-8", connection: "close" }, body: "" });
        req.resume();
        return;
      }
      chunks.push(chunk);
    });
    req.on("error", () => res.destroy());
    req.on("end", () => {
      if (refused) return;
      const request: NotificationRequest = {
        method: req.method ?? "GET",
        url: req.url ?? "/",
        headers: req.headers,
        body: Buffer.concat(chunks).toString("utf8"),
      };
      endpoint.handle(request).then(answer, () => answer({ status: 500, headers: { "content-type": "text/plain; charset=utf-8" }, body: "" }));
    });
  };
}
