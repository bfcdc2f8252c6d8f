/**
 * Google Calendar events (`singleEvents: true`) → meeting interactions.
 *
 * Keys are core's provider-neutral `meetingKey` (iCalUID, plus the original start of an instance
 * as a UTC instant), so the organiser's and the attendees' copies of one meeting, in Google or in
 * Outlook, meet in one contact moment. With `singleEvents` every instance of a series carries the
 * series' `iCalUID`, and `originalStartTime` names the slot it was planned for even when it was moved.
 *
 * All-day events have `start.date`/`end.date`, with the end date EXCLUSIVE (a one-day event on
 * 10 March ends on 11 March); the moment is dated 00:00 UTC of the start date.
 */
import { meetingKey, type ParticipantDraft, type SyncChange } from "@kaartenbak/core/sync";
import { arr, obj, str, type Json } from "./json.js";

/** A UTC instant of an EventDateTime: `dateTime` (RFC 3339 with offset) or an all-day `date`. */
export function eventInstant(value: unknown): string | undefined {
  const o = obj(value);
  const dateTime = str(o.dateTime);
  const date = str(o.date);
  const text = dateTime ?? (date && /^\d{4}-\d\d-\d\d$/.test(date) ? `${date}T00:00:00Z` : undefined);
  if (!text) return undefined;
  const ms = Date.parse(text);
  return Number.isNaN(ms) ? undefined : new Date(ms).toISOString();
}

/** Maps one event of `events.list` to a sync change; `own` is the account's address (lower case). */
export function calendarEventChange(event: Json, own: string): SyncChange {
  const id = str(event.id);
  if (!id) return { type: "invalid", externalId: "(no id)", reason: "event without an id" };
  // Deleted events and cancelled exceptions arrive with little more than id and status.
  if (str(event.status) === "cancelled") return { type: "removed", externalId: id };
  const iCalUID = str(event.iCalUID);
  const start = eventInstant(event.start);
  if (!iCalUID || !start) return { type: "invalid", externalId: id, reason: "event without iCalUID or start" };
  const inSeries = str(event.recurringEventId) !== undefined;
  const originalStart = inSeries ? (eventInstant(event.originalStartTime) ?? start) : undefined;
  const person = (value: unknown) => {
    const o = obj(value);
    const address = str(o.email)?.toLowerCase();
    return address && address.includes("@") ? { address, name: str(o.displayName) ?? null, self: o.self === true } : undefined;
  };
  const participants: ParticipantDraft[] = [];
  const add = (role: ParticipantDraft["role"], p: ReturnType<typeof person>) => {
    if (p && !participants.some((x) => x.address === p.address))
      participants.push({ role, address: p.address, name: p.name, ...(p.self || p.address === own ? { own: true } : {}) });
  };
  const attendees = arr(event.attendees).map(obj);
  const organizer = person(attendees.find((a) => a.organizer === true)) ?? person(event.organizer);
  add("organizer", organizer);
  // Rooms and other resources are not people: the core model has no participant kind for them.
  for (const attendee of attendees) if (attendee.resource !== true) add(attendee.organizer === true ? "organizer" : "attendee", person(attendee));
  const mine = organizer !== undefined && (organizer.self || organizer.address === own);
  return {
    type: "interaction",
    externalId: id,
    key: meetingKey(iCalUID, originalStart),
    interaction: {
      kind: "meeting",
      channel: "calendar",
      direction: mine ? "outbound" : "inbound",
      occurredAt: start,
      subject: str(event.summary)?.slice(0, 1000) ?? null,
      body: str(event.description)?.slice(0, 4000) ?? null,
      outcome: null,
      participants,
    },
  };
}
