/**
 * Contacts over the documented per-folder delta (`GET /me/contactFolders/{id}/contacts/delta`).
 * Graph tracks delta per folder, so a contacts resource that spans several folders walks them one
 * after the other, and its cursor is the set of per-folder delta links plus the position within
 * the current round. The folder set is read again at the start of every round: a new folder starts
 * with its initial round; a folder that disappeared makes the cursor expire, so the engine's full
 * pass removes what that folder held.
 *
 * The default Contacts folder has no documented well-known name; its id is the `parentFolderId`
 * of the folders (`GET /me/contactFolders`) or contacts (`GET /me/contacts`) in it. An empty
 * default folder without child folders has nothing to sync yet: the round is empty, and the next
 * one looks again.
 */
import type { GraphRequest } from "@microsoft/microsoft-graph-client";
import { SyncError, type SyncChange, type SyncPage } from "@kaartenbak/core/sync";
import { arr, obj, str, type GraphJson } from "./graph-json.js";

/** What a contacts resource covers: the default folder and everything beneath it, or one folder. */
export type FolderScope = { readonly kind: "all" } | { readonly kind: "default" } | { readonly kind: "folder"; readonly id: string };

/** The stored cursor: per-folder delta links (null before the first round) and the round position. */
interface FolderCursor {
  readonly v: 1;
  readonly folders: readonly (readonly [id: string, deltaLink: string | null])[];
  /** The folder being walked; 0 with `link` null is the start of a round. */
  readonly at: number;
  /** The nextLink within folder `at`, or null to start it from its delta link. */
  readonly link: string | null;
}

/** What the folder walker needs from the connector. */
export interface FolderIo {
  /** The path of the mailbox, `/me` or `/users/{id}`. */
  readonly base: string;
  /** A request for a path on Graph. */
  api(path: string): GraphRequest;
  /** A request for an absolute next/delta link (checked against the host allow-list). */
  follow(link: string): GraphRequest;
  /** Sends a GET (with the page-size preference) and maps failures to SyncError. */
  get(what: string, request: GraphRequest, signal?: AbortSignal): Promise<GraphJson>;
  /** The first delta request of a folder ($select goes only into the first request). */
  firstDelta(folderId: string): GraphRequest;
  /** Maps a page of contacts. */
  map(items: readonly unknown[]): SyncChange[];
}

const encode = (c: FolderCursor) => JSON.stringify(c);

function decode(text: string): FolderCursor {
  try {
    const c = JSON.parse(text) as FolderCursor;
    if (c.v === 1 && Array.isArray(c.folders) && typeof c.at === "number") return c;
  } catch {
    // fall through
  }
  // A cursor from before folder walking (a bare delta link) or a damaged one: start over.
  throw new SyncError("CURSOR_EXPIRED", "The stored contacts cursor is not a folder cursor; a full resync follows");
}

/** Creates the walker for one mailbox. */
export function contactFolders(io: FolderIo) {
  let root: string | undefined;

  /** Every item of a folder list, following nextLinks. */
  async function listAll(what: string, first: GraphRequest, signal?: AbortSignal): Promise<GraphJson[]> {
    const out: GraphJson[] = [];
    let body = await io.get(what, first, signal);
    for (;;) {
      for (const v of arr(body.value)) if (obj(v)) out.push(obj(v)!);
      const next = str(body["@odata.nextLink"]);
      if (!next) return out;
      body = await io.get(what, io.follow(next), signal);
    }
  }

  async function rootId(signal?: AbortSignal): Promise<string | undefined> {
    if (root) return root;
    const folders = await io.get("list contact folders", io.api(`${io.base}/contactFolders`).top(1).select(["id", "parentFolderId"]), signal);
    root = str(obj(arr(folders.value)[0])?.parentFolderId);
    if (!root) {
      const contacts = await io.get("list contacts", io.api(`${io.base}/contacts`).top(1).select(["id", "parentFolderId"]), signal);
      root = str(obj(arr(contacts.value)[0])?.parentFolderId);
    }
    return root;
  }

  /** The folder ids a scope covers now, parents before children. */
  async function folderIds(scope: FolderScope, signal?: AbortSignal): Promise<string[]> {
    if (scope.kind === "folder") return [scope.id];
    const top = await rootId(signal);
    if (!top) return [];
    if (scope.kind === "default") return [top];
    const ids = [top];
    for (let i = 0; i < ids.length; i++) {
      const children = await listAll(
        "list child folders",
        io.api(`${io.base}/contactFolders/${encodeURIComponent(ids[i]!)}/childFolders`).select(["id"]),
        signal,
      );
      for (const child of children) {
        const id = str(child.id);
        if (id && !ids.includes(id)) ids.push(id);
      }
    }
    return ids;
  }

  /**
   * In a resource of several folders, a contact moved between them is `@removed` in one folder and
   * added in the other; the removal is dropped when the contact now lives in one of the folders.
   */
  async function dropMoves(changes: SyncChange[], folders: ReadonlySet<string>, signal?: AbortSignal): Promise<SyncChange[]> {
    const out: SyncChange[] = [];
    for (const change of changes) {
      if (change.type === "removed") {
        const now = await io
          .get("read contact", io.api(`${io.base}/contacts/${encodeURIComponent(change.externalId)}`).select(["id", "parentFolderId"]), signal)
          .catch((error: unknown) => (error instanceof SyncError && error.reason === "NOT_FOUND" ? undefined : Promise.reject(error)));
        const folder = str(now?.parentFolderId);
        if (folder && folders.has(folder)) continue;
      }
      out.push(change);
    }
    return out;
  }

  return {
    /** Pulls the next page of a contacts resource. */
    async pull(scope: FolderScope, cursor: string | null, signal?: AbortSignal): Promise<SyncPage> {
      let c = cursor === null ? undefined : decode(cursor);
      if (!c || (c.at === 0 && c.link === null)) {
        const ids = await folderIds(scope, signal);
        const known = new Map(c?.folders ?? []);
        const gone = [...known.keys()].filter((id) => !ids.includes(id));
        if (gone.length > 0) throw new SyncError("CURSOR_EXPIRED", `${gone.length} contact folder(s) disappeared; a full resync follows`);
        c = { v: 1, folders: ids.map((id) => [id, known.get(id) ?? null] as const), at: 0, link: null };
      }
      if (c.folders.length === 0) return { changes: [], nextCursor: encode(c), done: true };
      const [id, saved] = c.folders[c.at] ?? c.folders[0]!;
      const request = c.link ? io.follow(c.link) : saved ? io.follow(saved) : io.firstDelta(id);
      const body = await io.get(`contacts delta of folder ${c.at + 1}/${c.folders.length}`, request, signal);
      const next = str(body["@odata.nextLink"]);
      const deltaLink = str(body["@odata.deltaLink"]);
      if (!Array.isArray(body.value) || (!next && !deltaLink))
        throw new SyncError("INVALID", "Graph contacts delta answered without value and nextLink/deltaLink");
      let changes = io.map(arr(body.value));
      if (c.folders.length > 1) changes = await dropMoves(changes, new Set(c.folders.map(([f]) => f)), signal);
      if (next) return { changes, nextCursor: encode({ ...c, link: next }), done: false };
      const folders = c.folders.map(([f, link], i) => (i === c.at ? ([f, deltaLink!] as const) : ([f, link] as const)));
      const last = c.at + 1 >= folders.length;
      return { changes, nextCursor: encode({ v: 1, folders, at: last ? 0 : c.at + 1, link: null }), done: last };
    },
  };
}
