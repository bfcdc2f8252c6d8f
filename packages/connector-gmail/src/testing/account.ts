/**
 * The fake's state of one Google account: one change sequence shared by its contacts, mail and
 * calendar, so every change has a position that sync tokens and history ids can point at.
 */
import { randomBytes } from "node:crypto";

/** A fake contact as stored: the CONTACT source's fields, plus an optional PROFILE source merged in. */
export interface StoredContact {
  /** The id in `people/c<id>`. */
  readonly id: string;
  seq: number;
  /** Bumped on every change; the etag encodes it. */
  version: number;
  deleted: boolean;
  /** Person fields of the CONTACT source, in the documented shapes (without `metadata`). */
  fields: Record<string, unknown[]>;
  /** Names and e-mail addresses the linked Google profile adds (repeated per source, as Google does). */
  profile?: { readonly id: string; readonly fields: Record<string, unknown[]> };
}

/** A fake Gmail message as stored. */
export interface StoredMessage {
  readonly id: string;
  readonly threadId: string;
  labelIds: string[];
  readonly internalDate: number;
  readonly headers: readonly { readonly name: string; readonly value: string }[];
  readonly snippet: string;
  seq: number;
  deleted: boolean;
}

/** One Gmail history record. */
export interface HistoryRecord {
  readonly seq: number;
  readonly type: "messageAdded" | "messageDeleted" | "labelAdded" | "labelRemoved";
  readonly messageId: string;
  readonly labelIds?: readonly string[];
}

/** A fake calendar event (a series master, a single event or an exception), in the documented shape. */
export interface StoredEvent {
  readonly id: string;
  seq: number;
  version: number;
  /** The event resource without `kind`, `etag`, `updated` (added when served). */
  body: Record<string, unknown>;
}

/** One account of the fake. */
export class FakeAccount {
  /** The bearer token that authenticates as this account. */
  readonly token = `ya29.fake-${randomBytes(12).toString("hex")}`;
  /** Bumped by expiry: tokens of an older epoch are refused. */
  epoch = 1;
  /**
   * The last change sequence (also the Gmail history id). It starts above 0, as a real mailbox's
   * history id does: Gmail refuses `startHistoryId=0`, so an empty account must not serve it.
   */
  head = 1000;
  readonly contacts = new Map<string, StoredContact>();
  readonly messages = new Map<string, StoredMessage>();
  readonly history: HistoryRecord[] = [];
  /** Events per calendar id (`primary` included). */
  readonly calendars = new Map<string, Map<string, StoredEvent>>();
  /** Gmail history ids below this are too old (404). */
  historyFloor = 0;

  constructor(readonly email: string) {}

  /** The next change sequence. */
  next(): number {
    return ++this.head;
  }

  /** The events of a calendar, created on first use. */
  calendar(id: string): Map<string, StoredEvent> {
    const key = id === this.email ? "primary" : id;
    let events = this.calendars.get(key);
    if (!events) this.calendars.set(key, (events = new Map()));
    return events;
  }
}
