/**
 * Gmail as contact moments. Incremental: `users.history.list` from the stored `historyId`
 * (`messageAdded`, `messageDeleted`, `labelAdded`, `labelRemoved`); when a page has no
 * `nextPageToken`, the response's `historyId` is the next cursor. A history id Google no longer
 * knows (404) is CURSOR_EXPIRED: the engine runs a full pass (`messages.list` + `messages.get`
 * with `format=metadata`), which starts from the profile's `historyId` read BEFORE listing, so
 * nothing that arrives during the pass is missed. Ids that 404 on `get` were deleted meanwhile and
 * are skipped. A message labelled TRASH or SPAM leaves (removed); taken out of the bin, it returns.
 */
import { SyncError, type SyncChange, type SyncPage } from "@kaartenbak/core/sync";
import { toSyncError } from "./errors.js";
import type { GoogleClients } from "./google-client.js";
import { arr, obj, str, type Json } from "./json.js";
import { EXCLUDED_LABELS, METADATA_HEADERS, messageChange } from "./map-message.js";

/** A mail cursor: `h` the history id to continue from; `page` a token of the listing under way; `full` marks a full pass. */
interface MailCursor {
  readonly h: string;
  readonly page?: string;
  readonly full?: boolean;
}

/** The Gmail half of the connector. */
export function gmailMessages(clients: GoogleClients, pageSize: number, ownAddress?: string) {
  async function call(
    what: string,
    signal: AbortSignal | undefined,
    send: (o: Awaited<ReturnType<GoogleClients["callOptions"]>>) => Promise<{ data: unknown }>,
  ): Promise<Json> {
    try {
      return obj((await send(await clients.callOptions(signal))).data);
    } catch (error) {
      throw toSyncError(error, what);
    }
  }
  let own: Promise<string> | undefined;
  const profile = (signal?: AbortSignal) => call("read the Gmail profile", signal, (o) => clients.gmail.users.getProfile({ userId: "me" }, o));
  const ownOf = (signal?: AbortSignal): Promise<string> => {
    if (ownAddress) return Promise.resolve(ownAddress.toLowerCase());
    own ??= profile(signal)
      .then((p) => (str(p.emailAddress) ?? "").toLowerCase())
      .catch((e: unknown) => {
        own = undefined;
        throw e;
      });
    return own;
  };

  /** Reads messages one by one (reads, unlike mutations, could run in parallel; one at a time keeps quota use even). */
  async function read(ids: readonly string[], signal?: AbortSignal): Promise<SyncChange[]> {
    const me = await ownOf(signal);
    const out: SyncChange[] = [];
    for (const id of ids) {
      try {
        const message = await call("read message", signal, (o) =>
          clients.gmail.users.messages.get({ userId: "me", id, format: "metadata", metadataHeaders: [...METADATA_HEADERS] }, o),
        );
        out.push(messageChange(message, me));
      } catch (error) {
        // Deleted since it was listed: nothing to import; a `removed` drops what an earlier pass imported.
        if (error instanceof SyncError && error.reason === "NOT_FOUND") out.push({ type: "removed", externalId: id });
        else throw error;
      }
    }
    return out;
  }

  return {
    /** The account's own address (lower case), shared with the calendar. */
    own: ownOf,
    async pull(cursorText: string | null, signal?: AbortSignal): Promise<SyncPage> {
      let cursor: MailCursor | undefined;
      if (cursorText) {
        try {
          cursor = JSON.parse(cursorText) as MailCursor;
        } catch {
          throw new SyncError("CURSOR_EXPIRED", "The stored mail cursor is unreadable");
        }
      }
      if (!cursor || cursor.full) {
        const start = cursor?.h ?? str((await profile(signal)).historyId);
        if (!start) throw new SyncError("INVALID", "Gmail answered the profile without a historyId");
        const body = await call("list messages", signal, (o) =>
          clients.gmail.users.messages.list({ userId: "me", maxResults: pageSize, ...(cursor?.page ? { pageToken: cursor.page } : {}) }, o),
        );
        const ids = arr(body.messages).flatMap((m) => str(obj(m).id) ?? []);
        const next = str(body.nextPageToken);
        const changes = await read(ids, signal);
        return { changes, nextCursor: JSON.stringify(next ? { h: start, page: next, full: true } : { h: start }), done: !next };
      }
      let body: Json;
      try {
        body = await call("list history", signal, (o) =>
          clients.gmail.users.history.list(
            {
              userId: "me",
              startHistoryId: cursor.h,
              maxResults: pageSize,
              historyTypes: ["messageAdded", "messageDeleted", "labelAdded", "labelRemoved"],
              ...(cursor.page ? { pageToken: cursor.page } : {}),
            },
            o,
          ),
        );
      } catch (error) {
        if (error instanceof SyncError && error.reason === "NOT_FOUND")
          throw new SyncError("CURSOR_EXPIRED", `Gmail no longer knows history id ${cursor.h}`, { status: 404 });
        throw error;
      }
      // The last record about a message decides: read it again, or it is gone.
      const fate = new Map<string, "read" | "removed">();
      for (const record of arr(body.history).map(obj)) {
        for (const a of arr(record.messagesAdded)) {
          const id = str(obj(obj(a).message).id);
          if (id) fate.set(id, "read");
        }
        for (const d of arr(record.messagesDeleted)) {
          const id = str(obj(obj(d).message).id);
          if (id) fate.set(id, "removed");
        }
        for (const l of arr(record.labelsAdded)) {
          const id = str(obj(obj(l).message).id);
          if (id && arr(obj(l).labelIds).some((x) => typeof x === "string" && EXCLUDED_LABELS.has(x))) fate.set(id, "removed");
        }
        for (const l of arr(record.labelsRemoved)) {
          const id = str(obj(obj(l).message).id);
          if (id && arr(obj(l).labelIds).some((x) => typeof x === "string" && EXCLUDED_LABELS.has(x))) fate.set(id, "read");
        }
      }
      const toRead = [...fate].filter(([, f]) => f === "read").map(([id]) => id);
      const read_ = await read(toRead, signal);
      const changes: SyncChange[] = [...read_, ...[...fate].filter(([, f]) => f === "removed").map(([id]) => ({ type: "removed" as const, externalId: id }))];
      const next = str(body.nextPageToken);
      const historyId = str(body.historyId) ?? cursor.h;
      return { changes, nextCursor: JSON.stringify(next ? { h: cursor.h, page: next } : { h: historyId }), done: !next };
    },
  };
}
