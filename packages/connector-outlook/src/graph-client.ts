/**
 * The Microsoft Graph client the connector talks through: `@microsoft/microsoft-graph-client`
 * with its default middleware chain (authentication, retry honouring Retry-After, redirects,
 * telemetry). The access token comes from the host's provider on every request and is never kept.
 *
 * Only the last link of the chain is the connector's own: a plain global `fetch` that sends the
 * request to the origin it is meant for. Inside the client every request addresses
 * `https://graph.microsoft.com`, so authentication behaves as in production; the final fetch goes
 * to `endpoint` (a proxy, a national cloud, a test server) or, for a paging link, to the origin
 * that link named (a {@link LinkOrigin} option, set only after the host allow-list accepted it).
 */
import { Client, MiddlewareFactory, type Context, type Middleware } from "@microsoft/microsoft-graph-client";

/** A function the host supplies that returns a valid access token for the mailbox. */
export type AccessTokenProvider = () => Promise<string>;

/** Graph's global origin: what requests address inside the client. */
export const GRAPH_ORIGIN = "https://graph.microsoft.com";
const GRAPH = /^https:\/\/graph\.microsoft\.com/;

/**
 * A per-request middleware option: the origin a next/delta link named. The connector sets it
 * only for hosts on its allow-list, so a forged link cannot send the token elsewhere.
 */
export class LinkOrigin {
  /** `origin` as in `new URL(link).origin`, e.g. `http://127.0.0.1:8080`. */
  constructor(readonly origin: string) {}
}

/** The last middleware: a plain global `fetch` to the link's origin, else `endpoint`, else Graph. */
function fetchTo(endpoint: string | undefined): Middleware {
  const fallback = endpoint?.replace(/\/+$/, "");
  return {
    async execute(context: Context): Promise<void> {
      const request = context.request;
      const url = typeof request === "string" ? request : request.url;
      const init = typeof request === "string" ? context.options : { ...context.options, method: request.method, headers: request.headers };
      const link = context.middlewareControl?.getMiddlewareOptions(LinkOrigin) as LinkOrigin | undefined;
      const origin = link?.origin ?? fallback;
      context.response = await fetch(origin ? url.replace(GRAPH, origin) : url, init as RequestInit);
    },
    setNext() {
      // The last link of the chain.
    },
  };
}

/** Builds a Graph client on the default middleware chain; `endpoint` replaces Graph's origin. */
export function createGraphClient(getAccessToken: AccessTokenProvider, endpoint?: string): Client {
  const chain = MiddlewareFactory.getDefaultMiddlewareChain({ getAccessToken: () => getAccessToken() });
  chain[chain.length - 1] = fetchTo(endpoint);
  return Client.initWithMiddleware({ middleware: chain });
}
