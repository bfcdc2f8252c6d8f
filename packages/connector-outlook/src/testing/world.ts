import { randomBytes } from "node:crypto";
import { publicEvent, syncInstances, utc } from "./calendar.js";
import { keys, type GraphObject, type GraphState, type Mailbox, type StoredItem } from "./state.js";

/** A message to deliver: copies go to the sender's Sent Items and each recipient's Inbox in the fake. */
export interface MailSpec {
  readonly from: string;
  readonly to: readonly string[];
  readonly cc?: readonly string[];
  readonly subject?: string;
  readonly body?: string;
  readonly sentAt?: string;
  /** Internet headers, e.g. `{ "List-Unsubscribe": "<mailto:...>" }` for list mail. */
  readonly headers?: Readonly<Record<string, string>>;
  /** Defaults to a fresh `<...@fake.example>`. */
  readonly internetMessageId?: string;
}

/** A meeting: created in the organiser's calendar and copied to attendees that are fake mailboxes. */
export interface EventSpec {
  readonly subject: string;
  readonly start: string;
  readonly end: string;
  readonly attendees?: readonly string[];
  /** Rooms or equipment booked for the meeting: attendees of `type: "resource"`. */
  readonly resources?: readonly string[];
  readonly body?: string;
  /** A daily or weekly series with a number of occurrences. */
  readonly recurrence?: { readonly type: "daily" | "weekly"; readonly interval?: number; readonly occurrences: number };
}

const address = (a: string, name?: string) => ({ emailAddress: { name: name ?? a.split("@")[0], address: a } });

/**
 * The fake tenant's content API: what a test or a host's own test does to the "remote" side
 * (people editing contacts in Outlook, mail arriving, meetings being planned). Every call writes
 * the collection's change log, so the next delta round reports it.
 */
export class FakeMailboxes {
  constructor(private readonly state: GraphState) {}

  /** Adds a mailbox; use its `token` as the access token. */
  addMailbox(address: string, options: { displayName?: string; token?: string } = {}): Mailbox {
    return this.state.addMailbox(address, options);
  }

  /**
   * Adds a contact folder under `parent` (default: the default Contacts folder; `contacts` names it
   * too) and returns its id.
   */
  addContactFolder(mailbox: string, displayName: string, parent = "contacts"): string {
    const mb = this.state.mailbox(mailbox);
    const parentFolderId = this.folderId(mailbox, parent);
    const id = this.state.newId("Fld");
    mb.contactFolders.set(id, { displayName, parentFolderId });
    return id;
  }

  /** Deletes a contact folder with its child folders and their contacts (logged as removals). */
  deleteContactFolder(mailbox: string, folder: string): void {
    const mb = this.state.mailbox(mailbox);
    const id = this.folderId(mailbox, folder);
    if (id === mb.rootContactFolderId) throw new Error("fake Graph: the default Contacts folder cannot be deleted");
    for (const [child, f] of [...mb.contactFolders]) if (f.parentFolderId === id) this.deleteContactFolder(mailbox, child);
    for (const item of this.contacts(mailbox, id)) this.state.remove(keys.contacts(mb.address, id), item.id);
    mb.contactFolders.delete(id);
  }

  /** The id of a contact folder: `contacts` is the default folder, anything else an id that must exist. */
  folderId(mailbox: string, folder: string): string {
    const mb = this.state.mailbox(mailbox);
    const id = folder === "contacts" ? mb.rootContactFolderId : folder;
    if (!mb.contactFolders.has(id)) throw new Error(`fake Graph: no contact folder ${folder} in ${mailbox}`);
    return id;
  }

  /** Creates a contact from Graph contact JSON; returns the stored item (id and change key). */
  createContact(mailbox: string, contact: GraphObject, folder = "contacts"): StoredItem {
    const mb = this.state.mailbox(mailbox);
    const parentFolderId = this.folderId(mailbox, folder);
    const id = this.state.newId("Cnt");
    const now = new Date().toISOString();
    return this.state.put(keys.contacts(mb.address, parentFolderId), id, { createdDateTime: now, lastModifiedDateTime: now, parentFolderId, ...contact });
  }

  /** Changes fields of a contact (arrays replace, like Graph's PATCH). */
  updateContact(mailbox: string, id: string, patch: GraphObject): StoredItem {
    const { key, item } = this.findContact(mailbox, id);
    return this.state.put(key, id, { ...item.data, ...patch, lastModifiedDateTime: new Date().toISOString() });
  }

  /** Deletes a contact. */
  deleteContact(mailbox: string, id: string): void {
    const { key } = this.findContact(mailbox, id);
    this.state.remove(key, id);
  }

  /** Moves a contact to another folder; its (immutable) id stays, as with `Prefer: IdType="ImmutableId"`. */
  moveContact(mailbox: string, id: string, folder: string): StoredItem {
    const mb = this.state.mailbox(mailbox);
    const parentFolderId = this.folderId(mailbox, folder);
    const { key, item } = this.findContact(mailbox, id);
    this.state.remove(key, id);
    return this.state.put(keys.contacts(mb.address, parentFolderId), id, { ...item.data, parentFolderId, lastModifiedDateTime: new Date().toISOString() });
  }

  /** Finds a contact in any folder of the mailbox. */
  findContact(mailbox: string, id: string): { key: string; item: StoredItem } {
    const mb = this.state.mailbox(mailbox);
    for (const folder of mb.contactFolders.keys()) {
      const key = keys.contacts(mb.address, folder);
      const item = this.state.collection(key).items.get(id);
      if (item) return { key, item };
    }
    throw new Error(`fake Graph: no contact ${id} in ${mailbox}`);
  }

  /** Every contact of a folder as stored (data plus id and change key). */
  contacts(mailbox: string, folder = "contacts"): StoredItem[] {
    return [...this.state.collection(keys.contacts(this.state.mailbox(mailbox).address, this.folderId(mailbox, folder))).items.values()];
  }

  /** Delivers a message; returns its internetMessageId and the ids of its copies by mailbox. */
  sendMail(spec: MailSpec): { internetMessageId: string; copies: { mailbox: string; folder: string; id: string }[] } {
    const internetMessageId = spec.internetMessageId ?? `<${randomBytes(8).toString("hex")}@fake.example>`;
    const sentAt = spec.sentAt ?? new Date().toISOString();
    const message: GraphObject = {
      subject: spec.subject ?? "",
      bodyPreview: (spec.body ?? "").slice(0, 255),
      internetMessageId,
      conversationId: `conv-${internetMessageId}`,
      sentDateTime: sentAt,
      receivedDateTime: sentAt,
      createdDateTime: sentAt,
      lastModifiedDateTime: sentAt,
      isRead: false,
      isDraft: false,
      from: address(spec.from),
      sender: address(spec.from),
      toRecipients: spec.to.map((a) => address(a)),
      ccRecipients: (spec.cc ?? []).map((a) => address(a)),
      bccRecipients: [],
      replyTo: [],
      internetMessageHeaders: Object.entries(spec.headers ?? {}).map(([name, value]) => ({ name, value })),
    };
    const copies: { mailbox: string; folder: string; id: string }[] = [];
    const place = (mailbox: string, folder: string) => {
      if (!this.state.mailboxes.has(mailbox.toLowerCase())) return;
      const id = this.putMessage(mailbox, folder, { ...message, isRead: folder === "sentitems" });
      copies.push({ mailbox: mailbox.toLowerCase(), folder, id });
    };
    place(spec.from, "sentitems");
    for (const to of new Set([...spec.to, ...(spec.cc ?? [])].map((a) => a.toLowerCase()))) place(to, "inbox");
    return { internetMessageId, copies };
  }

  /** Puts a message (Graph message JSON) into a folder; returns its id. */
  putMessage(mailbox: string, folder: string, message: GraphObject, id = this.state.newId("Msg")): string {
    const mb = this.state.mailbox(mailbox);
    this.state.put(keys.mail(mb.address, folder), id, { ...message, parentFolderId: folder });
    return id;
  }

  /** Moves a message between folders; its (immutable) id stays. */
  moveMessage(mailbox: string, id: string, from: string, to: string): void {
    const mb = this.state.mailbox(mailbox);
    const item = this.state.collection(keys.mail(mb.address, from)).items.get(id);
    if (!item) throw new Error(`fake Graph: no message ${id} in ${from}`);
    this.state.remove(keys.mail(mb.address, from), id);
    this.state.put(keys.mail(mb.address, to), id, { ...item.data, parentFolderId: to });
  }

  /** Deletes a message from a folder. */
  deleteMessage(mailbox: string, folder: string, id: string): void {
    this.state.remove(keys.mail(this.state.mailbox(mailbox).address, folder), id);
  }

  /** Changes fields of a message (e.g. `isRead`), which Graph reports as an update. */
  updateMessage(mailbox: string, folder: string, id: string, patch: GraphObject): void {
    const key = keys.mail(this.state.mailbox(mailbox).address, folder);
    const item = this.state.collection(key).items.get(id);
    if (!item) throw new Error(`fake Graph: no message ${id} in ${folder}`);
    this.state.put(key, id, { ...item.data, ...patch });
  }

  /** Messages of a folder as stored. */
  messages(mailbox: string, folder: string): StoredItem[] {
    return [...this.state.collection(keys.mail(this.state.mailbox(mailbox).address, folder)).items.values()];
  }

  /** Creates a meeting in the organiser's calendar and the attendees' that exist here; returns the iCalUId. */
  createEvent(organizer: string, spec: EventSpec): string {
    const iCalUId = `040000008200E00074C5B7101A82E008${randomBytes(16).toString("hex").toUpperCase()}`;
    const data: GraphObject = {
      iCalUId,
      subject: spec.subject,
      bodyPreview: spec.body ?? "",
      start: utc(spec.start),
      end: utc(spec.end),
      isAllDay: false,
      isCancelled: false,
      type: spec.recurrence ? "seriesMaster" : "singleInstance",
      organizer: address(organizer),
      attendees: [
        ...(spec.attendees ?? []).map((a) => ({ type: "required", status: { response: "none", time: "0001-01-01T00:00:00Z" }, ...address(a) })),
        ...(spec.resources ?? []).map((a) => ({ type: "resource", status: { response: "accepted", time: "0001-01-01T00:00:00Z" }, ...address(a) })),
      ],
      ...(spec.recurrence
        ? {
            recurrence: {
              pattern: { type: spec.recurrence.type, interval: spec.recurrence.interval ?? 1 },
              range: { type: "numbered", startDate: spec.start.slice(0, 10), numberOfOccurrences: spec.recurrence.occurrences },
            },
          }
        : {}),
    };
    for (const mailbox of [organizer, ...(spec.attendees ?? [])]) {
      const mb = this.state.mailboxes.get(mailbox.toLowerCase());
      if (!mb) continue;
      const id = this.state.newId("Evt");
      this.state.events.get(mb.address)!.set(id, { id, version: 1, changeKey: id, data });
      syncInstances(this.state, mb.address, id, true);
    }
    return iCalUId;
  }

  /** Applies `change` to every copy of the meeting `iCalUId` (organiser and attendees). */
  private eachCopy(iCalUId: string, change: (mailbox: string, id: string, data: GraphObject) => GraphObject | undefined): void {
    for (const [mailbox, events] of this.state.events) {
      for (const [id, event] of [...events]) {
        if (event.data.iCalUId !== iCalUId) continue;
        const next = change(mailbox, id, event.data);
        if (next) events.set(id, { id, version: event.version + 1, changeKey: `${id}.${event.version + 1}`, data: next });
        else events.delete(id);
        syncInstances(this.state, mailbox, id, true);
      }
    }
  }

  /** Changes a meeting (subject, start, end, body...) everywhere. */
  updateEvent(iCalUId: string, patch: Partial<EventSpec>): void {
    this.eachCopy(iCalUId, (_m, _id, data) => ({
      ...data,
      ...(patch.subject !== undefined ? { subject: patch.subject } : {}),
      ...(patch.body !== undefined ? { bodyPreview: patch.body } : {}),
      ...(patch.start !== undefined ? { start: utc(patch.start) } : {}),
      ...(patch.end !== undefined ? { end: utc(patch.end) } : {}),
    }));
  }

  /** The organiser cancels: gone from the organiser's calendar, `isCancelled` in the attendees'. */
  cancelEvent(iCalUId: string): void {
    this.eachCopy(iCalUId, (mailbox, _id, data) => {
      const organizer = ((data.organizer as { emailAddress?: { address?: string } }).emailAddress?.address ?? "").toLowerCase();
      return mailbox === organizer ? undefined : { ...data, isCancelled: true, subject: `Canceled: ${String(data.subject)}` };
    });
  }

  /** Deletes one occurrence (by index) of a series everywhere. */
  deleteOccurrence(iCalUId: string, index: number): void {
    this.eachCopy(iCalUId, (_m, _id, data) => ({ ...data, _deleted: [...((data._deleted as number[] | undefined) ?? []), index] }));
  }

  /** Moves one occurrence of a series (an exception) everywhere. */
  rescheduleOccurrence(iCalUId: string, index: number, start: string, end: string): void {
    this.eachCopy(iCalUId, (_m, _id, data) => ({
      ...data,
      _exceptions: { ...((data._exceptions as Record<string, GraphObject> | undefined) ?? {}), [String(index)]: { start: utc(start), end: utc(end) } },
    }));
  }

  /** Every event (single instances and series masters) of a mailbox, public fields only. */
  events(mailbox: string): GraphObject[] {
    return [...(this.state.events.get(mailbox.toLowerCase())?.entries() ?? [])].map(([id, e]) => ({ id, ...publicEvent(e.data) }));
  }
}
