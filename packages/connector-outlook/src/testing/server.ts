import { randomUUID } from "node:crypto";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { inWindow, publicEvent } from "./calendar.js";
import { decodeToken, deltaPage, encodeToken, type DeltaToken } from "./delta.js";
import { EXTENDED, matches, mergeProperties, parseExpand, parseFilter, type ExtendedProperties } from "./extended-properties.js";
import { FaultQueue } from "./faults.js";
import { GraphState, keys, type Collection, type GraphObject, type Mailbox, type StoredItem } from "./state.js";
import { FakeSubscriptions, SubscriptionHttpError } from "./subscriptions.js";
import { FakeMailboxes } from "./world.js";

/** Graph's public origin; pass it as `linkOrigin` to make the fake write production-looking links. */
export const GRAPH_ORIGIN = "https://graph.microsoft.com";

/** Options of {@link startFakeGraph}. */
export interface FakeGraphOptions {
  /** Port on 127.0.0.1; default a free one. */
  readonly port?: number;
  /** Page size when the client sends no `Prefer: odata.maxpagesize`. Default 10. */
  readonly defaultPageSize?: number;
  /** Delay before every answer, in milliseconds, to make a sync take long enough to interrupt. Default 0. */
  readonly latencyMs?: number;
  /**
   * The origin written into `@odata.nextLink`, `@odata.deltaLink` and `Location` links. Default:
   * the fake's own `http://127.0.0.1:<port>`, as a proxy or national cloud names its own host.
   */
  readonly linkOrigin?: string;
  /** The fake's clock for subscription expiry, so tests can move time. Default `Date.now`. */
  readonly now?: () => number;
  /** Maximum subscription lifetime in minutes. Default 10 080 (Outlook resources, under 7 days). */
  readonly maxSubscriptionMinutes?: number;
  /** Time the notification endpoint has to answer the validation request. Default 10 000 ms. */
  readonly validationTimeoutMs?: number;
}

/** A request the fake answered, for assertions (never with headers, so no token is kept). */
export interface RequestRecord {
  readonly method: string;
  readonly path: string;
  readonly status: number;
}

/** A running fake Graph server. */
export interface FakeGraph {
  /** `http://127.0.0.1:<port>`: pass it as the connector's `endpoint`. */
  readonly url: string;
  /** The content API: mailboxes, contacts, mail, meetings. */
  readonly mailboxes: FakeMailboxes;
  /** Fault injection: throttling, 5xx, dropped connections. */
  readonly faults: FaultQueue;
  /** Change notification subscriptions: deliveries, lifecycle notifications, pausing. */
  readonly subscriptions: FakeSubscriptions;
  /** The raw state, for assertions. */
  readonly state: GraphState;
  /** Every request answered so far. */
  readonly requests: RequestRecord[];
  /** The origin the fake writes into its links (see {@link FakeGraphOptions.linkOrigin}); settable. */
  linkOrigin: string;
  /**
   * Expires every delta and skip token of a mailbox (all mailboxes when absent): the next request
   * with one is answered 410 Gone with an error body and a `Location` to restart from, 410 with
   * neither (`"410-bare"`), or 400 `syncStateNotFound`.
   */
  expire(mailbox?: string, as?: "410" | "410-bare" | "syncStateNotFound"): void;
  /** Stops the server. */
  close(): Promise<void>;
}

class HttpError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
  }
}

/** Runs a parser whose failure is the client's: a 400 with its message. */
function bad<T>(parse: () => T): T {
  try {
    return parse();
  } catch (error) {
    throw new HttpError(400, "BadRequest", error instanceof Error ? error.message : String(error));
  }
}

/** The entity type a collection holds, for `@odata.context`. */
const entityOf = (key: string) => (key.includes("|contacts|") ? "contact" : key.includes("|mail|") ? "message" : "event");

const etag = (item: StoredItem) => `W/"${item.changeKey}"`;

function render(item: StoredItem, select?: string): GraphObject {
  // Extended properties are never part of a plain read (see extended-properties.ts).
  const { [EXTENDED]: _hidden, ...data } = item.data;
  const full: GraphObject = { "@odata.etag": etag(item), id: item.id, changeKey: item.changeKey, ...publicEvent(data) };
  if (!select) return full;
  const wanted = new Set(["id", "@odata.etag", ...select.split(",").map((s) => s.trim())]);
  return Object.fromEntries(Object.entries(full).filter(([k]) => wanted.has(k)));
}

function pageSizeOf(req: IncomingMessage, fallback: number): number {
  const match = /odata\.maxpagesize=(\d+)/.exec(String(req.headers.prefer ?? ""));
  return match ? Math.min(1000, Math.max(1, Number(match[1]))) : fallback;
}

async function bodyOf(req: IncomingMessage): Promise<GraphObject> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  const text = Buffer.concat(chunks).toString("utf8");
  if (!text) return {};
  try {
    return JSON.parse(text) as GraphObject;
  } catch {
    throw new HttpError(400, "BadRequest", "Invalid JSON body");
  }
}

/** Starts a stateful fake of the Microsoft Graph endpoints the Outlook connector uses, on 127.0.0.1. */
export async function startFakeGraph(options: FakeGraphOptions = {}): Promise<FakeGraph> {
  const state = new GraphState();
  const mailboxes = new FakeMailboxes(state);
  const faults = new FaultQueue();
  const subscriptions = new FakeSubscriptions(state, {
    ...(options.now ? { now: options.now } : {}),
    ...(options.maxSubscriptionMinutes ? { maxMinutes: options.maxSubscriptionMinutes } : {}),
    ...(options.validationTimeoutMs ? { validationTimeoutMs: options.validationTimeoutMs } : {}),
  });
  const requests: RequestRecord[] = [];
  const defaultPageSize = options.defaultPageSize ?? 10;

  let linkOrigin = options.linkOrigin ?? "";

  /** A list (not delta) of `all`, paged with `$top`/`$skip` and an absolute `@odata.nextLink`. */
  function list(url: URL, path: string, all: GraphObject[], fallback = defaultPageSize): GraphObject {
    const top = Math.min(1000, Math.max(1, Number(url.searchParams.get("$top") ?? fallback) || fallback));
    const skip = Math.max(0, Number(url.searchParams.get("$skip") ?? 0) || 0);
    const select = url.searchParams.get("$select") ?? undefined;
    const wanted = select ? new Set(["id", "@odata.etag", ...select.split(",").map((x) => x.trim())]) : undefined;
    const value = all.slice(skip, skip + top).map((o) => (wanted ? Object.fromEntries(Object.entries(o).filter(([k]) => wanted.has(k))) : o));
    const next = new URLSearchParams(url.searchParams);
    next.set("$top", String(top));
    next.set("$skip", String(skip + top));
    return {
      "@odata.context": `${linkOrigin}/v1.0/$metadata#Collection`,
      value,
      ...(skip + top < all.length ? { "@odata.nextLink": `${linkOrigin}/v1.0${path}?${next.toString()}` } : {}),
    };
  }

  function delta(req: IncomingMessage, url: URL, collection: Collection, path: string, visible?: (t: DeltaToken) => (i: StoredItem) => boolean): GraphObject {
    const raw = url.searchParams.get("$skiptoken") ?? url.searchParams.get("$deltatoken");
    let token: DeltaToken;
    if (raw === null) {
      const ws = url.searchParams.get("startDateTime") ?? undefined;
      const we = url.searchParams.get("endDateTime") ?? undefined;
      const sel = url.searchParams.get("$select") ?? undefined;
      token = { c: collection.key, e: collection.epoch, m: "full", f: 0, ...(sel ? { sel } : {}), ...(ws ? { ws, we } : {}) };
    } else {
      const decoded = decodeToken(raw);
      if (!decoded || decoded.c !== collection.key) throw new HttpError(400, "BadRequest", "Invalid delta or skip token");
      token = decoded;
    }
    if (token.e !== collection.epoch) {
      if (collection.expiredAs === "syncStateNotFound") throw new HttpError(400, "syncStateNotFound", "The sync state generation is not found.");
      if (collection.expiredAs === "410-bare") throw new HttpError(410, "", "");
      throw new HttpError(410, "resyncRequired", "Resync required. Replace any local cache with the server's version and restart the sync.", {
        Location: `${linkOrigin}/v1.0${path}?$deltatoken=`,
      });
    }
    const page = deltaPage(state, collection, token, pageSizeOf(req, defaultPageSize), (item) => render(item, token.sel), visible?.(token));
    const link = `${linkOrigin}/v1.0${path}?${page.done ? "$deltatoken" : "$skiptoken"}=${encodeToken(page.next)}`;
    return {
      "@odata.context": `${linkOrigin}/v1.0/$metadata#Collection(${entityOf(collection.key)})`,
      value: page.value,
      [page.done ? "@odata.deltaLink" : "@odata.nextLink"]: link,
    };
  }

  function findContact(mb: Mailbox, id: string): { key: string; item: StoredItem } {
    try {
      return mailboxes.findContact(mb.address, id);
    } catch {
      throw new HttpError(404, "ErrorItemNotFound", "The specified object was not found in the store.");
    }
  }

  /** A contact folder as Graph's contactFolder resource: id, displayName, parentFolderId. */
  const folderJson = (mb: Mailbox, id: string): GraphObject => {
    const f = mb.contactFolders.get(id)!;
    // The default folder's parent is the mailbox's (hidden) root; Graph names an id there too.
    return { id, displayName: f.displayName, parentFolderId: f.parentFolderId ?? `${mb.rootContactFolderId}-parent` };
  };
  const childFolders = (mb: Mailbox, parent: string) => [...mb.contactFolders.keys()].filter((id) => mb.contactFolders.get(id)!.parentFolderId === parent);
  const folderOr404 = (mb: Mailbox, id: string) => {
    if (!mb.contactFolders.has(id)) throw new HttpError(404, "ErrorItemNotFound", "The specified object was not found in the store.");
    return id;
  };

  async function route(req: IncomingMessage, url: URL, mb: Mailbox, rest: string, path: string): Promise<{ status: number; body?: GraphObject }> {
    const method = req.method ?? "GET";
    let m: RegExpMatchArray | null;
    if (rest === "" && method === "GET")
      return { status: 200, body: { id: mb.id, displayName: mb.displayName, mail: mb.address, userPrincipalName: mb.address } };
    // GET /me/contactFolders: "the contact folder collection in the default Contacts folder".
    if (rest === "/contactFolders" && method === "GET") {
      return {
        status: 200,
        body: list(
          url,
          path,
          childFolders(mb, mb.rootContactFolderId).map((id) => folderJson(mb, id)),
        ),
      };
    }
    if ((m = rest.match(/^\/contactFolders\/([^/]+)\/childFolders$/)) && method === "GET") {
      return {
        status: 200,
        body: list(
          url,
          path,
          childFolders(mb, folderOr404(mb, m[1]!)).map((id) => folderJson(mb, id)),
        ),
      };
    }
    if ((m = rest.match(/^\/contactFolders\/([^/]+)$/)) && method === "GET") {
      return { status: 200, body: folderJson(mb, folderOr404(mb, m[1]!)) };
    }
    // Only the documented per-folder delta; `/me/contacts/delta` is not in Graph v1.0's reference.
    if ((m = rest.match(/^\/contactFolders\/([^/]+)\/contacts\/delta$/)) && method === "GET") {
      const folder = folderOr404(mb, m[1]!);
      return { status: 200, body: delta(req, url, state.collection(keys.contacts(mb.address, folder)), path) };
    }
    // GET /me/contacts lists the default Contacts folder; .../contactFolders/{id}/contacts another.
    if ((m = rest.match(/^(?:\/contactFolders\/([^/]+))?\/contacts$/)) && method === "GET") {
      const folder = folderOr404(mb, m[1] ?? mb.rootContactFolderId);
      let items = [...state.collection(keys.contacts(mb.address, folder)).items.values()].sort((a, b) => (a.id < b.id ? -1 : 1));
      if (url.searchParams.has("$expand")) throw new HttpError(400, "BadRequest", "The fake Graph expands extended properties on a single contact only");
      const filter = url.searchParams.get("$filter");
      if (filter !== null) {
        const f = bad(() => parseFilter(filter));
        items = items.filter((i) => matches(i.data[EXTENDED] as ExtendedProperties | undefined, f));
      }
      return {
        status: 200,
        body: list(
          url,
          path,
          items.map((i) => render(i)),
        ),
      };
    }
    if ((m = rest.match(/^(?:\/contactFolders\/([^/]+))?\/contacts$/)) && method === "POST") {
      const folder = folderOr404(mb, m[1] ?? mb.rootContactFolderId);
      const { id: _id, changeKey: _ck, singleValueExtendedProperties: props, ...contact } = await bodyOf(req);
      const extended = bad(() => mergeProperties(undefined, props));
      return { status: 201, body: render(mailboxes.createContact(mb.address, { ...contact, [EXTENDED]: extended }, folder)) };
    }
    if ((m = rest.match(/^(?:\/contactFolders\/[^/]+)?\/contacts\/([^/]+)$/))) {
      const { key, item } = findContact(mb, m[1]!);
      if (method === "GET") {
        const expand = url.searchParams.get("$expand");
        if (expand === null) return { status: 200, body: render(item) };
        const id = bad(() => parseExpand(expand));
        const p = (item.data[EXTENDED] as ExtendedProperties | undefined)?.[id];
        return { status: 200, body: { ...render(item), ...(p ? { singleValueExtendedProperties: [p] } : {}) } };
      }
      if (method === "DELETE") {
        state.remove(key, item.id);
        return { status: 204 };
      }
      if (method === "PATCH") {
        const ifMatch = req.headers["if-match"];
        if (ifMatch !== undefined && ifMatch !== "*" && ifMatch !== etag(item) && ifMatch !== item.changeKey) {
          throw new HttpError(
            412,
            "ErrorIrresolvableConflict",
            "The send or update operation could not be performed because the change key passed in the request does not match the current change key for the item.",
          );
        }
        const { id: _id, changeKey: _ck, singleValueExtendedProperties: props, ...patch } = await bodyOf(req);
        const extended = bad(() => mergeProperties(item.data[EXTENDED] as ExtendedProperties | undefined, props));
        return { status: 200, body: render(mailboxes.updateContact(mb.address, item.id, { ...patch, [EXTENDED]: extended })) };
      }
    }
    if ((m = rest.match(/^\/mailFolders\/([^/]+)\/messages\/delta$/)) && method === "GET") {
      return { status: 200, body: delta(req, url, state.collection(keys.mail(mb.address, m[1]!)), path) };
    }
    if (rest === "/calendarView/delta" && method === "GET") {
      if (
        !url.searchParams.has("$skiptoken") &&
        !url.searchParams.has("$deltatoken") &&
        !(url.searchParams.has("startDateTime") && url.searchParams.has("endDateTime"))
      ) {
        throw new HttpError(
          400,
          "ErrorInvalidParameter",
          "This request requires a time window specified by the query string parameters StartDateTime and EndDateTime.",
        );
      }
      return { status: 200, body: delta(req, url, state.collection(keys.calendarView(mb.address)), path, (t) => (i) => inWindow(i, t.ws, t.we)) };
    }
    if ((m = rest.match(/^\/events\/([^/]+)$/)) && method === "GET") {
      const event = state.events.get(mb.address)?.get(m[1]!);
      if (!event) throw new HttpError(404, "ErrorItemNotFound", "The specified object was not found in the store.");
      return { status: 200, body: render(event) };
    }
    throw new HttpError(400, "BadRequest", `The fake Graph does not serve ${method} ${rest}`);
  }

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? "/", "http://fake");
    const method = req.method ?? "GET";
    // Graph accepts mailFolders('inbox') as well as mailFolders/inbox; normalise to the latter.
    const path = decodeURIComponent(url.pathname)
      .replace(/\('([^']*)'\)/g, "/$1")
      .replace(/^\/(v1\.0|beta)/, "");
    const send = (status: number, body?: GraphObject, headers: Record<string, string> = {}) => {
      requests.push({ method, path, status });
      res.writeHead(status, { "content-type": "application/json", "request-id": randomUUID(), ...headers });
      res.end(body === undefined ? undefined : JSON.stringify(body));
    };
    if (options.latencyMs) await new Promise((r) => setTimeout(r, options.latencyMs));
    const fault = faults.take(method, path);
    if (fault?.drop) {
      requests.push({ method, path, status: 0 });
      req.socket.destroy();
      return;
    }
    if (fault) {
      const status = fault.status ?? 503;
      const retry: Record<string, string> = status === 429 || status === 503 ? { "Retry-After": String(fault.retryAfter ?? 0) } : {};
      const code = status === 429 ? "TooManyRequests" : status === 401 ? "InvalidAuthenticationToken" : "ServiceUnavailable";
      send(status, { error: { code, message: `Injected ${status}` } }, retry);
      return;
    }
    try {
      const token = /^Bearer (.+)$/.exec(String(req.headers.authorization ?? ""))?.[1];
      const caller = token ? [...state.mailboxes.values()].find((mb) => mb.token === token) : undefined;
      if (!caller) throw new HttpError(401, "InvalidAuthenticationToken", "Access token is empty or invalid.");
      const sub = /^\/subscriptions(?:\/([^/]+))?$/.exec(path);
      if (sub) {
        const body = method === "POST" || method === "PATCH" ? await bodyOf(req) : {};
        const answer = await subscriptions.route(method, sub[1], body, caller).catch((error: unknown) => {
          throw error instanceof SubscriptionHttpError ? new HttpError(error.status, error.code, error.message) : error;
        });
        send(answer.status, answer.body);
        return;
      }
      const m = path.match(/^\/(?:me|users\/([^/]+))(\/.*)?$/);
      if (!m) throw new HttpError(400, "BadRequest", `Unsupported path ${path}`);
      const mb = m[1] ? state.mailboxes.get(m[1].toLowerCase()) : caller;
      if (!mb) throw new HttpError(404, "ErrorInvalidUser", "The requested user is invalid.");
      if (mb !== caller) throw new HttpError(403, "ErrorAccessDenied", "Access is denied. Check credentials and try again.");
      const { status, body } = await route(req, url, mb, m[2] ?? "", path);
      send(status, body);
    } catch (error) {
      if (error instanceof HttpError)
        send(error.status, error.code === "" ? undefined : { error: { code: error.code, message: error.message } }, error.headers);
      else send(500, { error: { code: "InternalServerError", message: error instanceof Error ? error.message : String(error) } });
    }
  }

  const server = createServer((req, res) => void handle(req, res));
  await new Promise<void>((resolve) => server.listen(options.port ?? 0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  if (!linkOrigin) linkOrigin = `http://127.0.0.1:${port}`;

  return {
    url: `http://127.0.0.1:${port}`,
    mailboxes,
    faults,
    subscriptions,
    state,
    requests,
    get linkOrigin() {
      return linkOrigin;
    },
    set linkOrigin(origin: string) {
      linkOrigin = origin.replace(/\/+$/, "");
    },
    expire(mailbox, as = "410") {
      const prefix = mailbox ? `${mailbox.toLowerCase()}|` : "";
      for (const c of state.collections.values()) {
        if (!c.key.startsWith(prefix)) continue;
        c.epoch++;
        c.expiredAs = as;
      }
    },
    close: () =>
      new Promise<void>((resolve, reject) => {
        subscriptions.close();
        server.closeAllConnections();
        server.close((error) => (error ? reject(error) : resolve()));
      }),
  };
}
