/**
 * The Outlook connector: Microsoft Graph delta queries for contacts (two-way), mail folders and the
 * calendar view, behind the core connector contract. Cursors are Graph's own `@odata.nextLink` /
 * `@odata.deltaLink` URLs, stored whole and never parsed (contacts: one per folder, see
 * contact-folders.ts), and followed on the host they name when the allow-list permits it.
 */
import type { Client, GraphRequest } from "@microsoft/microsoft-graph-client";
import { SyncError, type Connector, type PushChange, type PushResult, type SyncChange, type SyncPage, type SyncResource } from "@kaartenbak/core/sync";
import { toSyncError } from "./errors.js";
import { contactFolders, type FolderScope } from "./contact-folders.js";
import { createGraphClient, type AccessTokenProvider } from "./graph-client.js";
import { followLink, linkPolicy } from "./links.js";
import { arr, obj, str, type GraphJson } from "./graph-json.js";
import { CONTACT_FIELDS, contactChange, contactFromRelation } from "./map-contact.js";
import { eventChange, type CancelledMeetingPolicy } from "./map-event.js";
import { MESSAGE_FIELDS, messageChange } from "./map-message.js";

/** Options of {@link outlookConnector}. */
export interface OutlookConnectorOptions {
  /** Returns an access token for the mailbox (delegated or application). Called per request; never stored or logged. */
  readonly getAccessToken: AccessTokenProvider;
  /** Another Graph origin, e.g. the fake's `url` in tests. Default: https://graph.microsoft.com. */
  readonly endpoint?: string;
  /** A ready Graph client instead (then `getAccessToken` and `endpoint` are not used). */
  readonly client?: Client;
  /** Sync another user's mailbox (`/users/{user}`, application permissions) instead of `/me`. */
  readonly user?: string;
  /** The mailbox's own address, for direction and to never turn it into a relation. Default: read from Graph. */
  readonly mailboxAddress?: string;
  /**
   * Contact folders to sync two-way. `"all"` (default): one resource `contacts` over the default
   * Contacts folder and every folder beneath it, enumerated each round. A list: one resource per
   * entry, `contacts` for the default folder alone, `contacts:<id>` for the folder with that id;
   * `[]` for none.
   */
  readonly contactFolders?: "all" | readonly string[];
  /**
   * Hosts (`host` or `host:port`) whose `@odata.nextLink` / `@odata.deltaLink` are followed; a link
   * to any other host fails the resource (INVALID) without sending the token. Default: the host of
   * `endpoint` (graph.microsoft.com without one).
   */
  readonly allowedHosts?: readonly string[];
  /** Mail folders (well-known names or ids). Default `["inbox", "sentitems"]`; `[]` for none. */
  readonly mailFolders?: readonly string[];
  /** The calendar window; `false` for no calendar. Default 30 days back to 90 days ahead, fixed at creation. */
  readonly calendar?: false | { readonly start: Date | string; readonly end: Date | string };
  /** What a cancelled meeting becomes. Default `mark` (outcome `cancelled`). */
  readonly cancelledMeetings?: CancelledMeetingPolicy;
  /** `Prefer: odata.maxpagesize`. Default 100. */
  readonly pageSize?: number;
  /** The connector id (and external-reference system). Default `outlook`. */
  readonly id?: string;
}

const DAY = 86_400_000;

/**
 * The extended property every pushed create carries: the CRM relation id, in a named property of
 * our own GUID namespace. Before a create the connector looks for a contact that has it, so a
 * create replayed after a crash (remote POST done, local commit lost) adopts the first contact
 * instead of making a second one.
 */
export const RELATION_ID_PROPERTY = "String {6f1c2a4e-8b3d-4f7a-9e25-4b61d0c8a7f3} Name kaartenbakRelationId";

/** The resource id of a contact folder. */
export const contactResource = (folder: string) => (folder === "contacts" ? "contacts" : `contacts:${folder}`);

/** Creates the Outlook connector for one mailbox. Pass it to `createSyncEngine` with the mailbox as account. */
export function outlookConnector(options: OutlookConnectorOptions): Connector {
  const client = options.client ?? createGraphClient(options.getAccessToken, options.endpoint);
  const base = options.user ? `/users/${encodeURIComponent(options.user)}` : "/me";
  const pageSize = options.pageSize ?? 100;
  const cancelled = options.cancelledMeetings ?? "mark";
  const folderSetting = options.contactFolders ?? "all";
  const folders = folderSetting === "all" ? ["contacts"] : folderSetting;
  const links = linkPolicy(options.client ? undefined : options.endpoint, options.allowedHosts, !options.client);
  const follow = (link: string) => followLink(client, links, link);
  const scopeOf = (resource: string): FolderScope => {
    const folder = folderOf(resource);
    if (folder !== "contacts") return { kind: "folder", id: folder };
    return folderSetting === "all" ? { kind: "all" } : { kind: "default" };
  };
  const mailFolders = options.mailFolders ?? ["inbox", "sentitems"];
  const now = Date.now();
  const window =
    options.calendar === false
      ? undefined
      : { start: new Date(options.calendar?.start ?? now - 30 * DAY).toISOString(), end: new Date(options.calendar?.end ?? now + 90 * DAY).toISOString() };

  const resources: SyncResource[] = [
    ...folders.map((f) => ({ id: contactResource(f), entity: "relation" as const, writable: true })),
    ...mailFolders.map((f) => ({ id: `mail:${f}`, entity: "interaction" as const })),
    ...(window ? [{ id: "calendar", entity: "interaction" as const }] : []),
  ];
  const folderOf = (resource: string) => (resource === "contacts" ? "contacts" : resource.slice("contacts:".length));
  const contactsPath = (folder: string) => (folder === "contacts" ? `${base}/contacts` : `${base}/contactFolders/${encodeURIComponent(folder)}/contacts`);

  async function call<T>(what: string, request: GraphRequest, send: (r: GraphRequest) => Promise<T>, signal?: AbortSignal): Promise<T> {
    try {
      return await send(signal ? request.option("signal", signal) : request);
    } catch (error) {
      throw toSyncError(error, what);
    }
  }

  let own: Promise<string> | undefined;
  function ownAddress(signal?: AbortSignal): Promise<string> {
    if (options.mailboxAddress) return Promise.resolve(options.mailboxAddress.toLowerCase());
    own ??= call("read the mailbox", client.api(base).select(["mail", "userPrincipalName"]), (r) => r.get() as Promise<GraphJson>, signal)
      .then((me) => (str(me.mail) ?? str(me.userPrincipalName) ?? "").toLowerCase())
      .catch((error: unknown) => {
        own = undefined;
        throw error;
      });
    return own;
  }

  const prefer = (request: GraphRequest) => request.header("Prefer", `odata.maxpagesize=${pageSize}, IdType="ImmutableId", outlook.timezone="UTC"`);

  function firstRequest(resource: string): GraphRequest {
    if (resource.startsWith("mail:")) {
      return client.api(`${base}/mailFolders/${encodeURIComponent(resource.slice(5))}/messages/delta`).select([...MESSAGE_FIELDS]);
    }
    if (resource === "calendar" && window) return client.api(`${base}/calendarView/delta`).query({ startDateTime: window.start, endDateTime: window.end });
    throw new SyncError("NOT_FOUND", `The Outlook connector has no resource ${resource}`);
  }

  const contactsDelta = contactFolders({
    base,
    api: (path) => client.api(path),
    follow,
    get: (what, request, signal) => call(what, prefer(request), (r) => r.get() as Promise<GraphJson>, signal),
    firstDelta: (id) => client.api(`${base}/contactFolders/${encodeURIComponent(id)}/contacts/delta`).select([...CONTACT_FIELDS]),
    map: (items) => items.map((i) => contactChange(obj(i) ?? {})),
  });

  async function mapItems(resource: string, items: readonly unknown[], signal?: AbortSignal): Promise<SyncChange[]> {
    if (resource.startsWith("contacts")) return items.map((i) => contactChange(obj(i) ?? {}));
    const me = await ownAddress(signal);
    if (resource.startsWith("mail:")) return items.map((i) => messageChange(obj(i) ?? {}, me));
    const masters = new Map<string, Promise<GraphJson | undefined>>();
    const master = (id: string) => {
      if (!masters.has(id)) {
        const read = call(`read series ${id}`, client.api(`${base}/events/${encodeURIComponent(id)}`), (r) => r.get() as Promise<GraphJson>, signal);
        masters.set(
          id,
          read.catch((error: unknown) => (error instanceof SyncError && error.reason === "NOT_FOUND" ? undefined : Promise.reject(error))),
        );
      }
      return masters.get(id)!;
    };
    const out: SyncChange[] = [];
    for (const item of items) {
      const event = obj(item) ?? {};
      const seriesId = str(event.seriesMasterId);
      const m = seriesId && event["@removed"] === undefined ? await master(seriesId) : undefined;
      out.push(eventChange(event, me, m, cancelled));
    }
    return out;
  }

  return {
    id: options.id ?? "outlook",
    resources,

    async pull(resource, cursor, signal): Promise<SyncPage> {
      if (resources.some((r) => r.id === resource && r.entity === "relation")) return contactsDelta.pull(scopeOf(resource), cursor, signal);
      const request = prefer(cursor ? follow(cursor) : firstRequest(resource));
      const body = await call(`delta of ${resource}`, request, (r) => r.get() as Promise<GraphJson>, signal);
      const next = str(body["@odata.nextLink"]);
      const deltaLink = str(body["@odata.deltaLink"]);
      if (!Array.isArray(body.value) || (!next && !deltaLink)) {
        throw new SyncError("INVALID", `Graph delta of ${resource} answered without value and nextLink/deltaLink`);
      }
      return { changes: await mapItems(resource, arr(body.value), signal), nextCursor: (next ?? deltaLink)!, done: !next };
    },

    async push(change: PushChange, signal): Promise<PushResult> {
      const folder = folderOf(change.resource);
      if (change.op === "create") {
        const relationId = change.relation.id.replace(/'/g, "''");
        const found = await call(
          "look up a pushed contact",
          client
            .api(contactsPath(folder))
            .filter(`singleValueExtendedProperties/Any(ep: ep/id eq '${RELATION_ID_PROPERTY}' and ep/value eq '${relationId}')`)
            .select(["id", "changeKey"]),
          (r) => r.get() as Promise<GraphJson>,
          signal,
        );
        const earlier = str(obj(arr(found.value)[0])?.id);
        if (earlier) {
          // Adopted: write the relation as it is now, which may be newer than what the lost push sent.
          const adopted = await call(
            "update adopted contact",
            client.api(`${base}/contacts/${encodeURIComponent(earlier)}`),
            (r) => r.patch(contactFromRelation(change.relation)) as Promise<GraphJson>,
            signal,
          );
          return { externalId: earlier, changeKey: str(adopted?.changeKey) ?? null };
        }
        const body = { ...contactFromRelation(change.relation), singleValueExtendedProperties: [{ id: RELATION_ID_PROPERTY, value: change.relation.id }] };
        const created = await call("create contact", client.api(contactsPath(folder)), (r) => r.post(body) as Promise<GraphJson>, signal);
        const id = str(created.id);
        if (!id) throw new SyncError("INVALID", "Graph created a contact without returning its id");
        return { externalId: id, changeKey: str(created.changeKey) ?? null };
      }
      const request = client.api(`${base}/contacts/${encodeURIComponent(change.externalId)}`);
      if (change.op === "delete") {
        await call("delete contact", request, (r) => r.delete() as Promise<unknown>, signal);
        return { externalId: change.externalId, changeKey: null };
      }
      if (change.changeKey) request.header("If-Match", `W/"${change.changeKey}"`);
      const updated = await call("update contact", request, (r) => r.patch(contactFromRelation(change.relation)) as Promise<GraphJson>, signal);
      return { externalId: change.externalId, changeKey: str(updated?.changeKey) ?? null };
    },

    async fetch(resource, externalId, signal) {
      if (!resource.startsWith("contacts")) return undefined;
      try {
        const contact = await call(
          "read contact",
          client.api(`${base}/contacts/${encodeURIComponent(externalId)}`).select([...CONTACT_FIELDS]),
          (r) => r.get() as Promise<GraphJson>,
          signal,
        );
        return contactChange(contact);
      } catch (error) {
        if (error instanceof SyncError && error.reason === "NOT_FOUND") return undefined;
        throw error;
      }
    },
  };
}
