/**
 * The Microsoft Graph client the connector talks through: `@microsoft/microsoft-graph-client`
 * with its default middleware chain (authentication, retry honouring Retry-After, redirects,
 * telemetry). The access token comes from the host's provider on every request and is never kept.
 *
 * With `endpoint` (a fake Graph in tests, or a proxy), only the last link of the chain changes:
 * requests still address `https://graph.microsoft.com` inside the client, so authentication and
 * paging links behave as in production, and the final fetch goes to the endpoint instead.
 */
import { Client, MiddlewareFactory, type Context, type Middleware } from "@microsoft/microsoft-graph-client";

/** A function the host supplies that returns a valid access token for the mailbox. */
export type AccessTokenProvider = () => Promise<string>;

const GRAPH = /^https:\/\/graph\.microsoft\.com/;

/** The last middleware: a plain global `fetch` to `endpoint` instead of graph.microsoft.com. */
function fetchTo(endpoint: string): Middleware {
  const origin = endpoint.replace(/\/+$/, "");
  return {
    async execute(context: Context): Promise<void> {
      const request = context.request;
      const url = typeof request === "string" ? request : request.url;
      const init = typeof request === "string" ? context.options : { ...context.options, method: request.method, headers: request.headers };
      context.response = await fetch(url.replace(GRAPH, origin), init as RequestInit);
    },
    setNext() {
      // The last link of the chain.
    },
  };
}

/** Builds a Graph client on the default middleware chain. */
export function createGraphClient(getAccessToken: AccessTokenProvider, endpoint?: string): Client {
  const chain = MiddlewareFactory.getDefaultMiddlewareChain({ getAccessToken: () => getAccessToken() });
  if (endpoint) chain[chain.length - 1] = fetchTo(endpoint);
  return Client.initWithMiddleware({ middleware: chain });
}
