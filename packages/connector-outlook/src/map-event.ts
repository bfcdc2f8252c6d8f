/**
 * Outlook calendar instances → meeting interactions.
 *
 * A single meeting is keyed by its `iCalUId`, shared by the organiser's and attendees' copies. An
 * occurrence of a series is keyed by the series' `iCalUId` plus its original start, because
 * Graph's per-occurrence `iCalUId` differs per occurrence and delta returns occurrences bare (`id,
 * type, seriesMasterId, start, end`): their subject and attendees come from the series master.
 * Keys are core's provider-neutral `meetingKey`, so the same meeting synced from Google Calendar too
 * is one contact moment. Cancelled meetings are removed or kept with outcome `cancelled`, as configured.
 */
import { meetingKey, type ParticipantDraft, type SyncChange } from "@kaartenbak/core/sync";
import { arr, instant, instantOfDateTime, obj, recipient, str, type GraphJson } from "./graph-json.js";

/** What to do with a cancelled meeting: remove the interaction, or keep it marked `cancelled`. */
export type CancelledMeetingPolicy = "remove" | "mark";

/**
 * Maps a calendar-view instance to a sync change. `master` is the series master of an occurrence
 * or exception (undefined for single meetings, or when it could not be read).
 */
export function eventChange(event: GraphJson, own: string, master: GraphJson | undefined, cancelled: CancelledMeetingPolicy): SyncChange {
  const id = str(event.id);
  if (!id) return { type: "invalid", externalId: "(no id)", reason: "event without an id" };
  if (event["@removed"] !== undefined) return { type: "removed", externalId: id };
  const type = str(event.type) ?? "singleInstance";
  // calendarView holds instances; a master never becomes a contact moment itself.
  if (type === "seriesMaster") return { type: "removed", externalId: id };
  const inSeries = type === "occurrence" || type === "exception";
  if (inSeries && !master)
    return { type: "invalid", externalId: id, reason: `the series master ${String(event.seriesMasterId)} of this ${type} could not be read` };
  // An exception carries its own fields; a bare occurrence takes them from the master.
  const source: GraphJson = type === "occurrence" ? { ...master, ...event } : { ...(master ?? {}), ...event };
  const iCalUId = str(inSeries ? master?.iCalUId : event.iCalUId);
  const start = instantOfDateTime(event.start);
  if (!iCalUId || !start) return { type: "invalid", externalId: id, reason: "event without iCalUId or a UTC start" };
  const originalStart = inSeries ? (instant(event.originalStart) ?? start) : undefined;
  const isCancelled = source.isCancelled === true;
  if (isCancelled && cancelled === "remove") return { type: "removed", externalId: id };
  const organizer = recipient(source.organizer);
  const participants: ParticipantDraft[] = [];
  const add = (role: ParticipantDraft["role"], r: { address: string; name: string | null } | undefined) => {
    if (r && !participants.some((p) => p.address === r.address))
      participants.push({ role, address: r.address, name: r.name, ...(r.address === own ? { own: true } : {}) });
  };
  add("organizer", organizer);
  // Rooms and equipment are kept as `resource` participants; core never makes persons of them.
  for (const attendee of arr(source.attendees)) add(str(obj(attendee)?.type) === "resource" ? "resource" : "attendee", recipient(attendee));
  return {
    type: "interaction",
    externalId: id,
    key: meetingKey(iCalUId, originalStart),
    interaction: {
      kind: "meeting",
      channel: "calendar",
      direction: organizer?.address === own ? "outbound" : "inbound",
      occurredAt: start,
      subject: str(source.subject)?.slice(0, 1000) ?? null,
      body: str(source.bodyPreview) ?? null,
      outcome: isCancelled ? "cancelled" : null,
      participants,
    },
  };
}
