/**
 * Google Calendar as contact moments: `events.list` on the primary calendar with
 * `singleEvents: true` (instances, never series masters). A full pass pages without a token; the
 * last page carries `nextSyncToken`, which later rounds send as `syncToken` to get only changes
 * (cancelled events included, as tombstones). A token Google no longer accepts (410
 * `fullSyncRequired`) is CURSOR_EXPIRED, so the engine runs a full pass that reconciles deletions.
 */
import { SyncError, type SyncChange, type SyncPage } from "@kaartenbak/core/sync";
import { toSyncError } from "./errors.js";
import type { GoogleClients } from "./google-client.js";
import { arr, obj, str, type Json } from "./json.js";
import { calendarEventChange } from "./map-event.js";

/** A calendar cursor: `sync` the token of incremental rounds; `page` a page token of the listing under way. */
interface CalendarCursor {
  readonly sync?: string;
  readonly page?: string;
}

/** The Calendar half of the connector; `own` resolves the account's address (lower case). */
export function calendarEvents(clients: GoogleClients, pageSize: number, own: (signal?: AbortSignal) => Promise<string>) {
  return {
    async pull(cursorText: string | null, signal?: AbortSignal): Promise<SyncPage> {
      let cursor: CalendarCursor = {};
      if (cursorText) {
        try {
          cursor = JSON.parse(cursorText) as CalendarCursor;
        } catch {
          throw new SyncError("CURSOR_EXPIRED", "The stored calendar cursor is unreadable");
        }
      }
      let body: Json;
      try {
        const o = await clients.callOptions(signal);
        // Google wants the same parameters on every page; with a syncToken it refuses time bounds and orderBy.
        const response = await clients.calendar.events.list(
          {
            calendarId: "primary",
            singleEvents: true,
            maxResults: Math.min(pageSize, 2500),
            ...(cursor.sync ? { syncToken: cursor.sync } : { showDeleted: false }),
            ...(cursor.page ? { pageToken: cursor.page } : {}),
          },
          o,
        );
        body = obj(response.data);
      } catch (error) {
        throw toSyncError(error, "list calendar events");
      }
      const me = await own(signal);
      const changes: SyncChange[] = arr(body.items).map((e) => calendarEventChange(obj(e), me));
      const next = str(body.nextPageToken);
      const syncToken = str(body.nextSyncToken);
      if (!next && !syncToken) throw new SyncError("INVALID", "Calendar answered the last page without nextSyncToken");
      const nextCursor: CalendarCursor = next ? { ...(cursor.sync ? { sync: cursor.sync } : {}), page: next } : { sync: syncToken! };
      return { changes, nextCursor: JSON.stringify(nextCursor), done: !next };
    },
  };
}
