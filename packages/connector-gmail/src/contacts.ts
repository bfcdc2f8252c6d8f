/**
 * People contacts, two-way: `people/me/connections` with `requestSyncToken` (the sync token comes
 * only on the last page; page tokens repeat the first call's parameters), incremental with the
 * sync token, deletions as `metadata.deleted`. An expired token (400, ErrorInfo reason
 * EXPIRED_SYNC_TOKEN) is CURSOR_EXPIRED, so the engine runs a full pass that reconciles deletions.
 *
 * Pushes are sent one at a time per connector (Google asks for sequential mutations per user).
 * A create first looks for a contact that already carries the relation's id in `clientData`: a
 * crash after Google created the contact but before the CRM stored the mapping then finds that
 * contact again instead of creating a second one.
 */
import { SyncError, type PushChange, type PushResult, type SyncChange, type SyncPage } from "@kaartenbak/core/sync";
import { toSyncError } from "./errors.js";
import type { GoogleClients } from "./google-client.js";
import { obj, str, arr, type Json } from "./json.js";
import { PERSON_FIELDS, UPDATE_PERSON_FIELDS, personChange, personFromRelation, relationIdOf } from "./map-person.js";

/** A contacts cursor: the page token of the listing under way, and/or the sync token it started from. */
interface ContactsCursor {
  readonly page?: string;
  readonly sync?: string;
}

/** The People half of the connector. */
export function peopleContacts(clients: GoogleClients, pageSize: number) {
  let queue: Promise<unknown> = Promise.resolve();
  /** Runs mutations one after the other. */
  const sequential = <T>(work: () => Promise<T>): Promise<T> => {
    const next = queue.then(work, work);
    queue = next.catch(() => undefined);
    return next;
  };

  async function call(
    what: string,
    signal: AbortSignal | undefined,
    send: (o: Awaited<ReturnType<GoogleClients["callOptions"]>>) => Promise<{ data: unknown }>,
  ): Promise<Json> {
    try {
      return obj((await send(await clients.callOptions(signal))).data);
    } catch (error) {
      throw toSyncError(error, what);
    }
  }

  /** Finds the contact that carries `relationId` in clientData (a create that committed remotely only). */
  async function findByRelationId(relationId: string, signal?: AbortSignal): Promise<Json | undefined> {
    let pageToken: string | undefined;
    do {
      const body: Json = await call("list contacts", signal, (o) =>
        clients.people.people.connections.list(
          { resourceName: "people/me", personFields: "clientData,metadata", pageSize: 1000, ...(pageToken ? { pageToken } : {}) },
          o,
        ),
      );
      const hit = arr(body.connections)
        .map(obj)
        .find((p) => relationIdOf(p) === relationId);
      if (hit) return hit;
      pageToken = str(body.nextPageToken);
    } while (pageToken);
    return undefined;
  }

  return {
    async pull(cursorText: string | null, signal?: AbortSignal): Promise<SyncPage> {
      let cursor: ContactsCursor = {};
      if (cursorText) {
        try {
          cursor = JSON.parse(cursorText) as ContactsCursor;
        } catch {
          throw new SyncError("CURSOR_EXPIRED", "The stored contacts cursor is unreadable");
        }
      }
      const body: Json = await call("list connections", signal, (o) =>
        clients.people.people.connections.list(
          {
            resourceName: "people/me",
            personFields: PERSON_FIELDS,
            pageSize,
            requestSyncToken: true,
            ...(cursor.sync ? { syncToken: cursor.sync } : {}),
            ...(cursor.page ? { pageToken: cursor.page } : {}),
          },
          o,
        ),
      );
      const next = str(body.nextPageToken);
      const syncToken = str(body.nextSyncToken);
      if (!next && !syncToken) throw new SyncError("INVALID", "People answered the last page without nextSyncToken");
      const changes: SyncChange[] = arr(body.connections).map((p) => personChange(obj(p)));
      const nextCursor: ContactsCursor = next ? { ...(cursor.sync ? { sync: cursor.sync } : {}), page: next } : { sync: syncToken! };
      return { changes, nextCursor: JSON.stringify(nextCursor), done: !next };
    },

    push(change: PushChange, signal?: AbortSignal): Promise<PushResult> {
      return sequential(async () => {
        if (change.op === "create") {
          const existing = await findByRelationId(change.relation.id, signal);
          if (existing) return { externalId: str(existing.resourceName)!, changeKey: str(existing.etag) ?? null };
          const created: Json = await call("create contact", signal, (o) =>
            clients.people.people.createContact({ personFields: "metadata", requestBody: personFromRelation(change.relation) }, o),
          );
          const id = str(created.resourceName);
          if (!id) throw new SyncError("INVALID", "People created a contact without returning its resourceName");
          return { externalId: id, changeKey: str(created.etag) ?? null };
        }
        if (change.op === "delete") {
          await call("delete contact", signal, (o) => clients.people.people.deleteContact({ resourceName: change.externalId }, o));
          return { externalId: change.externalId, changeKey: null };
        }
        // Without a known etag, the current one is read: the push then overwrites (there is nothing to compare with).
        const etag =
          change.changeKey ??
          str((await call("read contact", signal, (o) => clients.people.people.get({ resourceName: change.externalId, personFields: "metadata" }, o))).etag);
        const updated: Json = await call("update contact", signal, (o) =>
          clients.people.people.updateContact(
            {
              resourceName: change.externalId,
              updatePersonFields: UPDATE_PERSON_FIELDS,
              personFields: "metadata",
              requestBody: { ...personFromRelation(change.relation), etag },
            },
            o,
          ),
        );
        return { externalId: change.externalId, changeKey: str(updated.etag) ?? null };
      });
    },

    async fetch(externalId: string, signal?: AbortSignal): Promise<SyncChange | undefined> {
      try {
        const person: Json = await call("read contact", signal, (o) => clients.people.people.get({ resourceName: externalId, personFields: PERSON_FIELDS }, o));
        return personChange(person);
      } catch (error) {
        if (error instanceof SyncError && error.reason === "NOT_FOUND") return undefined;
        throw error;
      }
    },
  };
}
