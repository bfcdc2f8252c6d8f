/**
 * Interaction keys that connectors share, so one contact moment seen through several providers
 * (the organiser's Outlook and an attendee's Google Calendar, a sender's Gmail and a recipient's
 * Outlook) is one interaction. Mail is keyed by its RFC 5322 Message-ID as the header has it; a
 * meeting by its iCalendar UID, which every copy of an invitation carries.
 */

/**
 * The interaction key of a meeting: `meeting:<UID>`, and for one instance of a recurring series
 * `meeting:<series UID>:<original start>`, the start the instance was planned for as a UTC instant
 * with milliseconds (`2026-03-10T09:00:00.000Z`), whatever time zone or offset the provider wrote.
 * Graph gives each occurrence its own `iCalUId`, Google gives every instance the series' `iCalUID`:
 * connectors pass the series UID and the original start of an instance, so both providers meet.
 */
export function meetingKey(uid: string, originalStart?: string): string {
  if (originalStart === undefined) return `meeting:${uid}`;
  const ms = Date.parse(originalStart);
  return `meeting:${uid}:${Number.isNaN(ms) ? originalStart : new Date(ms).toISOString()}`;
}
