/**
 * The Gmail part of the fake: `users.getProfile`, `users.messages.list` (newest first, paged,
 * TRASH and SPAM left out), `users.messages.get` with `format=metadata` and `metadataHeaders`
 * (headers served as the message has them, so their case varies), and `users.history.list` from a
 * `startHistoryId` (404 once the id is older than the account's history floor). `historyId` and
 * `internalDate` are strings, as documented.
 */
import type { FakeAccount, StoredMessage } from "./account.js";
import { legacyError } from "./errors.js";

const notFound = () => legacyError(404, "notFound", "Requested entity was not found.");

/** The Message resource in `format=metadata` (or `minimal`). */
export function messageOf(m: StoredMessage, format: string, wanted: readonly string[]): Record<string, unknown> {
  const out: Record<string, unknown> = {
    id: m.id,
    threadId: m.threadId,
    labelIds: [...m.labelIds],
    snippet: m.snippet,
    historyId: String(m.seq),
    internalDate: String(m.internalDate),
    sizeEstimate: 1000 + m.snippet.length,
  };
  if (format !== "minimal") {
    const names = new Set(wanted.map((w) => w.toLowerCase()));
    out.payload = {
      partId: "",
      mimeType: "multipart/alternative",
      filename: "",
      headers: m.headers.filter((h) => names.size === 0 || names.has(h.name.toLowerCase())).map((h) => ({ ...h })),
    };
  }
  return out;
}

/** Handles a Gmail request; undefined when the path is not a Gmail path. */
export function handleGmail(account: FakeAccount, method: string, path: string, query: URLSearchParams, _body: unknown, pageSizeDefault: number): unknown {
  const base = /^\/gmail\/v1\/users\/([^/]+)(\/.*)$/.exec(path);
  if (!base || method !== "GET") return undefined;
  if (base[1] !== "me" && base[1]!.toLowerCase() !== account.email) throw legacyError(403, "forbidden", "Delegation denied");
  const rest = base[2]!;
  const size = (max: number) => Math.min(Number(query.get("maxResults") ?? pageSizeDefault) || pageSizeDefault, max);
  if (rest === "/profile") {
    const live = [...account.messages.values()].filter((m) => !m.deleted);
    return {
      emailAddress: account.email,
      messagesTotal: live.length,
      threadsTotal: new Set(live.map((m) => m.threadId)).size,
      historyId: String(account.head),
    };
  }
  if (rest === "/messages") {
    const listed = [...account.messages.values()]
      .filter((m) => !m.deleted && !m.labelIds.includes("TRASH") && !m.labelIds.includes("SPAM"))
      .sort((a, b) => b.internalDate - a.internalDate || (a.id < b.id ? 1 : -1));
    const offset = Number(query.get("pageToken") ?? 0) || 0;
    const page = listed.slice(offset, offset + size(500));
    const out: Record<string, unknown> = { resultSizeEstimate: listed.length };
    if (page.length) out.messages = page.map((m) => ({ id: m.id, threadId: m.threadId }));
    if (offset + page.length < listed.length) out.nextPageToken = String(offset + page.length);
    return out;
  }
  const one = /^\/messages\/([^/]+)$/.exec(rest);
  if (one) {
    const m = account.messages.get(one[1]!);
    if (!m || m.deleted) throw notFound();
    return messageOf(m, query.get("format") ?? "full", query.getAll("metadataHeaders"));
  }
  if (rest === "/history") {
    const start = Number(query.get("startHistoryId"));
    if (!Number.isFinite(start) || start <= 0) throw legacyError(400, "invalidArgument", "Invalid startHistoryId");
    if (start < account.historyFloor) throw notFound();
    const records = account.history.filter((h) => h.seq > start);
    const offset = Number(query.get("pageToken") ?? 0) || 0;
    // Records of one history id are grouped, as Google groups the changes of one mailbox change.
    const ids = [...new Set(records.map((r) => r.seq))];
    const pageIds = ids.slice(offset, offset + size(500));
    const history = pageIds.map((seq) => {
      const at = records.filter((r) => r.seq === seq);
      const ref = (id: string) => ({ id, threadId: account.messages.get(id)?.threadId ?? id });
      const entry: Record<string, unknown> = { id: String(seq), messages: at.map((r) => ref(r.messageId)) };
      const added = at.filter((r) => r.type === "messageAdded");
      const deleted = at.filter((r) => r.type === "messageDeleted");
      const labelsAdded = at.filter((r) => r.type === "labelAdded");
      const labelsRemoved = at.filter((r) => r.type === "labelRemoved");
      const withLabels = (id: string) => ({ ...ref(id), labelIds: [...(account.messages.get(id)?.labelIds ?? [])] });
      if (added.length) entry.messagesAdded = added.map((r) => ({ message: withLabels(r.messageId) }));
      if (deleted.length) entry.messagesDeleted = deleted.map((r) => ({ message: ref(r.messageId) }));
      if (labelsAdded.length) entry.labelsAdded = labelsAdded.map((r) => ({ message: withLabels(r.messageId), labelIds: [...(r.labelIds ?? [])] }));
      if (labelsRemoved.length) entry.labelsRemoved = labelsRemoved.map((r) => ({ message: withLabels(r.messageId), labelIds: [...(r.labelIds ?? [])] }));
      return entry;
    });
    const out: Record<string, unknown> = { historyId: String(account.head) };
    if (history.length) out.history = history;
    if (offset + pageIds.length < ids.length) out.nextPageToken = String(offset + pageIds.length);
    return out;
  }
  return undefined;
}
