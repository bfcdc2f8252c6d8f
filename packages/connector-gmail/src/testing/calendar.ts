/**
 * The Calendar part of the fake: `events.list` on a calendar (`primary` or the account's address)
 * as Google documents it. The fake stores instances, as `singleEvents=true` serves them: every
 * instance of a series is an event with `recurringEventId`, `originalStartTime` and the series'
 * `iCalUID`. A listing without `syncToken` leaves cancelled events out (unless `showDeleted`);
 * one with a `syncToken` returns everything changed after the token's position, cancelled events
 * as the minimal tombstones Google sends. `nextSyncToken` only comes on the last page, and a
 * token of an older epoch is 410 `fullSyncRequired` with Google's error body.
 */
import type { FakeAccount, StoredEvent } from "./account.js";
import { GoogleHttpError, legacyError } from "./errors.js";
import { decodeToken, encodeToken, pageOf, type FakeToken } from "./tokens.js";

/** An event as a test creates it: the writable fields of the Events resource. */
export interface EventSpec {
  readonly id?: string;
  readonly summary?: string;
  readonly description?: string;
  readonly location?: string;
  /** `{ dateTime, timeZone? }` or `{ date }` (all-day; the end date is exclusive). */
  readonly start: Readonly<Record<string, string>>;
  readonly end: Readonly<Record<string, string>>;
  /** Default the account itself. */
  readonly organizer?: { readonly email: string; readonly displayName?: string };
  readonly attendees?: readonly { readonly email: string; readonly displayName?: string; readonly resource?: boolean; readonly responseStatus?: string }[];
  readonly iCalUID?: string;
  readonly recurringEventId?: string;
  readonly originalStartTime?: Readonly<Record<string, string>>;
}

/** 410 exactly as Google sends it for an expired sync token. */
export function fullSyncRequired(): GoogleHttpError {
  const message = "Sync token is no longer valid, a full sync is required.";
  return new GoogleHttpError(410, { error: { errors: [{ domain: "global", reason: "fullSyncRequired", message }], code: 410, message } });
}

const etagOf = (e: StoredEvent) => `"${3_400_000_000_000_000 + e.seq * 1000 + e.version}"`;
const updatedOf = (e: StoredEvent) => new Date(Date.UTC(2026, 0, 1) + e.seq * 1000).toISOString();

/** The Events resource of a stored event, as served. */
export function eventOf(account: FakeAccount, e: StoredEvent): Record<string, unknown> {
  const b = e.body;
  if (b.status === "cancelled") {
    // Tombstones carry only what identifies the event (and, for an instance, its series slot).
    return {
      kind: "calendar#event",
      etag: etagOf(e),
      id: e.id,
      status: "cancelled",
      ...(b.recurringEventId ? { recurringEventId: b.recurringEventId, originalStartTime: b.originalStartTime } : {}),
    };
  }
  const self = (x: { email?: unknown }) => (String(x.email).toLowerCase() === account.email ? { self: true } : {});
  const organizer = b.organizer as { email: string; displayName?: string };
  const attendees = (b.attendees as Record<string, unknown>[] | undefined)?.map((a) => ({
    ...a,
    ...(String(a.email).toLowerCase() === organizer.email.toLowerCase() ? { organizer: true } : {}),
    ...self(a),
    responseStatus: a.responseStatus ?? "needsAction",
  }));
  return {
    kind: "calendar#event",
    etag: etagOf(e),
    id: e.id,
    status: b.status ?? "confirmed",
    htmlLink: `https://www.google.com/calendar/event?eid=${Buffer.from(`${e.id} ${account.email}`).toString("base64url")}`,
    created: b.created,
    updated: updatedOf(e),
    ...(b.summary !== undefined ? { summary: b.summary } : {}),
    ...(b.description !== undefined ? { description: b.description } : {}),
    ...(b.location !== undefined ? { location: b.location } : {}),
    creator: { email: organizer.email, ...self(organizer) },
    organizer: { ...organizer, ...self(organizer) },
    start: b.start,
    end: b.end,
    ...(b.recurringEventId ? { recurringEventId: b.recurringEventId, originalStartTime: b.originalStartTime } : {}),
    iCalUID: b.iCalUID,
    sequence: e.version - 1,
    ...(attendees ? { attendees } : {}),
    reminders: { useDefault: true },
    eventType: "default",
  };
}

function tokenOf(text: string, account: FakeAccount, api: string): FakeToken {
  const token = decodeToken(text);
  if (!token || token.api !== api) throw legacyError(400, "invalid", "Invalid Value");
  if (token.epoch !== account.epoch) throw fullSyncRequired();
  return token;
}

/** Handles a Calendar request; undefined when the path is not a Calendar events path. */
export function handleCalendar(account: FakeAccount, method: string, path: string, query: URLSearchParams, _body: unknown, pageSizeDefault: number): unknown {
  const match = /^\/calendar\/v3\/calendars\/([^/]+)\/events$/.exec(path);
  if (!match || method !== "GET") return undefined;
  const calendarId = match[1]!.toLowerCase();
  if (calendarId !== "primary" && calendarId !== account.email) throw legacyError(404, "notFound", "Not Found");
  const api = "calendar:primary";
  const syncText = query.get("syncToken");
  const pageText = query.get("pageToken");
  if (syncText && (query.has("timeMin") || query.has("timeMax") || query.has("orderBy") || query.has("q") || query.has("updatedMin")))
    throw legacyError(400, "invalid", "Sync token cannot be used with other query parameters.");
  let token: FakeToken;
  if (pageText) token = tokenOf(pageText, account, api);
  else if (syncText) token = { ...tokenOf(syncText, account, api), full: false };
  else token = { api, epoch: account.epoch, after: 0, full: true };
  const showDeleted = query.get("showDeleted") === "true";
  const all = [...account.calendar("primary").values()].filter((e) => !(token.full && !showDeleted && e.body.status === "cancelled"));
  const size = Math.min(Number(query.get("maxResults") ?? pageSizeDefault) || pageSizeDefault, 2500);
  const { page, next, until } = pageOf(all, token, size, account.head);
  return {
    kind: "calendar#events",
    etag: `"p${until}"`,
    summary: account.email,
    description: "",
    updated: new Date(Date.UTC(2026, 0, 1) + until * 1000).toISOString(),
    timeZone: "Europe/Amsterdam",
    accessRole: "owner",
    defaultReminders: [{ method: "popup", minutes: 10 }],
    ...(next ? { nextPageToken: encodeToken(next) } : { nextSyncToken: encodeToken({ api, epoch: account.epoch, after: until }) }),
    items: page.map((e) => eventOf(account, e)),
  };
}
