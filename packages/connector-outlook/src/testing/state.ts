import { createHash, randomBytes } from "node:crypto";

/** A JSON object as Graph returns it. */
export type GraphObject = Record<string, unknown>;

/** An item of a collection: its Graph JSON without `id`/`changeKey`, and its version. */
export interface StoredItem {
  readonly id: string;
  readonly changeKey: string;
  readonly version: number;
  readonly data: GraphObject;
}

/**
 * A collection with a change log: what one delta query walks (a contact folder, a mail folder, a
 * mailbox's calendar instances). Every change appends `(seq, id)`; a delta token is a position in
 * the log, so "changes since the token" are the ids logged after it.
 */
export interface Collection {
  readonly key: string;
  readonly items: Map<string, StoredItem>;
  readonly log: { seq: number; id: string }[];
  /** Raised by `expire`: tokens of an older epoch are refused. */
  epoch: number;
  /** How an expired token is refused: 410 Gone (with or without body and Location), or 400 syncStateNotFound. */
  expiredAs: "410" | "410-bare" | "syncStateNotFound";
}

/** A mailbox of the fake tenant. */
export interface Mailbox {
  readonly address: string;
  readonly displayName: string;
  /** The bearer token that opens this mailbox as `/me`. */
  readonly token: string;
  readonly id: string;
  /** The id of the default Contacts folder (opaque, as in Graph; `contacts` in the content API is an alias). */
  readonly rootContactFolderId: string;
  /** Contact folders by id, the default one included, with their parent (null for the default folder). */
  readonly contactFolders: Map<string, { readonly displayName: string; readonly parentFolderId: string | null }>;
}

/** A change to an item of a collection, as change notifications report it. */
export interface ItemChange {
  /** The collection key (see {@link keys}). */
  readonly key: string;
  readonly id: string;
  readonly changeType: "created" | "updated" | "deleted";
  /** The item after the change (before it, for a deletion). */
  readonly item: StoredItem | undefined;
}

/** The whole fake tenant: mailboxes and their collections, with one global change sequence. */
export class GraphState {
  readonly mailboxes = new Map<string, Mailbox>();
  /** Called after every logged change (the fake's subscriptions deliver change notifications from here). */
  readonly listeners = new Set<(change: ItemChange) => void>();
  readonly collections = new Map<string, Collection>();
  /** Events and series masters by mailbox, for `GET /events/{id}` (instances live in `calendarView`). */
  readonly events = new Map<string, Map<string, StoredItem>>();
  private seq = 0;
  private counter = 0;

  /** An id that looks like Graph's (long, opaque, URL-safe) and is unique in the fake. */
  newId(prefix: string): string {
    const n = (++this.counter).toString(36).padStart(6, "0");
    return `AAMk${prefix}${n}${randomBytes(6).toString("base64url")}`;
  }

  /** Adds a mailbox; the token defaults to a random one. */
  addMailbox(address: string, options: { displayName?: string; token?: string } = {}): Mailbox {
    const key = address.toLowerCase();
    const existing = this.mailboxes.get(key);
    if (existing) return existing;
    const root = this.newId("Root");
    const mailbox: Mailbox = {
      address: key,
      rootContactFolderId: root,
      displayName: options.displayName ?? address.split("@")[0]!,
      token: options.token ?? `token-${randomBytes(12).toString("hex")}`,
      id: createHash("sha1").update(key).digest("hex").slice(0, 12),
      contactFolders: new Map([[root, { displayName: "Contacts", parentFolderId: null }]]),
    };
    this.mailboxes.set(key, mailbox);
    this.events.set(key, new Map());
    return mailbox;
  }

  /** The mailbox with this address, or throws. */
  mailbox(address: string): Mailbox {
    const mailbox = this.mailboxes.get(address.toLowerCase());
    if (!mailbox) throw new Error(`fake Graph: no mailbox ${address}`);
    return mailbox;
  }

  /** The collection under `key`, created empty on first use. */
  collection(key: string): Collection {
    let c = this.collections.get(key);
    if (!c) {
      c = { key, items: new Map(), log: [], epoch: 0, expiredAs: "410" };
      this.collections.set(key, c);
    }
    return c;
  }

  /** The current end of the change log. */
  get position(): number {
    return this.seq;
  }

  /** Creates or replaces an item, giving it a new change key; returns it. */
  put(key: string, id: string, data: GraphObject): StoredItem {
    const c = this.collection(key);
    const existed = c.items.has(id);
    const version = (c.items.get(id)?.version ?? 0) + 1;
    const item: StoredItem = { id, version, changeKey: changeKeyOf(id, version), data };
    c.items.set(id, item);
    c.log.push({ seq: ++this.seq, id });
    this.emit({ key, id, changeType: existed ? "updated" : "created", item });
    return item;
  }

  /** Removes an item and logs the removal. */
  remove(key: string, id: string): boolean {
    const c = this.collection(key);
    const item = c.items.get(id);
    if (!c.items.delete(id)) return false;
    c.log.push({ seq: ++this.seq, id });
    this.emit({ key, id, changeType: "deleted", item });
    return true;
  }

  private emit(change: ItemChange): void {
    for (const listener of this.listeners) listener(change);
  }

  /** Logs an item as changed without changing it (Graph does this, e.g. for a read flag). */
  touch(key: string, id: string): void {
    const c = this.collection(key);
    c.log.push({ seq: ++this.seq, id });
    this.emit({ key, id, changeType: "updated", item: c.items.get(id) });
  }
}

/** A change key: a short hash of id and version, as opaque as Graph's. */
export function changeKeyOf(id: string, version: number): string {
  return createHash("sha1").update(`${id}:${version}`).digest("base64").slice(0, 20);
}

/** Collection keys. */
export const keys = {
  contacts: (mailbox: string, folder: string) => `${mailbox}|contacts|${folder}`,
  mail: (mailbox: string, folder: string) => `${mailbox}|mail|${folder.toLowerCase()}`,
  calendarView: (mailbox: string) => `${mailbox}|calendarView`,
};
