/**
 * Following Graph's `@odata.nextLink` / `@odata.deltaLink`: absolute URLs, used as they are on
 * whatever host they name (a proxy, a national cloud, a test server) — but only on hosts the host
 * app allows, because the request carries the mailbox's access token. The allow-list defaults to
 * the configured endpoint's host, so a forged link in a response cannot send the token elsewhere.
 */
import type { Client, GraphRequest } from "@microsoft/microsoft-graph-client";
import { SyncError } from "@kaartenbak/core/sync";
import { GRAPH_ORIGIN, LinkOrigin } from "./graph-client.js";

/** Decides which links may be followed. */
export interface LinkPolicy {
  /** Hosts (`host` or `host:port`, lower case) links may name. */
  readonly hosts: ReadonlySet<string>;
  /** True when the connector's own client is used (its last middleware honours {@link LinkOrigin}). */
  readonly ownClient: boolean;
}

/** The allow-list: `allowedHosts`, else the endpoint's host (default graph.microsoft.com). */
export function linkPolicy(endpoint: string | undefined, allowedHosts: readonly string[] | undefined, ownClient: boolean): LinkPolicy {
  const hosts = allowedHosts ?? [new URL(endpoint ?? GRAPH_ORIGIN).host];
  return { hosts: new Set(hosts.map((h) => h.trim().toLowerCase()).filter((h) => h !== "")), ownClient };
}

/**
 * A Graph request for an absolute link. Refuses (SyncError INVALID, naming the host and not the
 * link's tokens) a link that is not http(s), or names a host outside the allow-list.
 */
export function followLink(client: Client, policy: LinkPolicy, link: string): GraphRequest {
  let url: URL;
  try {
    url = new URL(link);
  } catch {
    throw new SyncError("INVALID", "Graph answered with a paging link that is not an absolute URL");
  }
  if (url.protocol !== "https:" && url.protocol !== "http:") throw new SyncError("INVALID", `Graph answered with a ${url.protocol} paging link`);
  if (!policy.hosts.has(url.host.toLowerCase())) {
    throw new SyncError(
      "INVALID",
      `Graph answered with a paging link to ${url.host}, which is not an allowed host (allowedHosts: ${[...policy.hosts].join(", ")})`,
    );
  }
  if (!policy.ownClient) {
    // A host's own client sends https links to the host they name; it cannot reach plain http.
    if (url.protocol !== "https:") throw new SyncError("INVALID", `A custom Graph client cannot follow the http link to ${url.host}`);
    return client.api(url.href);
  }
  // Inside the client the request addresses Graph (so the token is attached as in production);
  // the last middleware sends it to the link's own origin.
  return client.api(`${GRAPH_ORIGIN}${url.pathname}${url.search}`).middlewareOptions([new LinkOrigin(url.origin)]);
}
