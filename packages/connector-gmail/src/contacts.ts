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
import type { Relation } from "@kaartenbak/core";
import { SyncError, type PushChange, type PushResult, type SyncChange, type SyncPage } from "@kaartenbak/core/sync";
import { toSyncError } from "./errors.js";
import type { GoogleClients } from "./google-client.js";
import { obj, str, arr, type Json } from "./json.js";
import { PERSON_FIELDS, UPDATE_PERSON_FIELDS, personChange, personFromRelation, pushesUnstructuredName, relationIdOf } from "./map-person.js";

/**
 * Prefix of a change key after a push whose contact Google changed on the way in (an
 * `unstructuredName` parsed into given and family name). The next pull then sees an etag that
 * differs from the stored key and applies Google's version, so the CRM gets the parts Google made;
 * pushes strip the prefix, so the etag check against concurrent remote edits still holds.
 */
export const REREAD_PREFIX = "reread:";

/** The etag a stored change key stands for. */
const etagOfKey = (changeKey: string | null): string | null => (changeKey?.startsWith(REREAD_PREFIX) ? changeKey.slice(REREAD_PREFIX.length) : changeKey);

/** The change key to store after pushing `relation`, given the etag Google answered with. */
const keyAfterPush = (relation: Relation, etag: string | undefined): string | null =>
  etag === undefined ? null : pushesUnstructuredName(relation) ? `${REREAD_PREFIX}${etag}` : etag;

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
          if (existing) return { externalId: str(existing.resourceName)!, changeKey: keyAfterPush(change.relation, str(existing.etag)) };
          const created: Json = await call("create contact", signal, (o) =>
            clients.people.people.createContact({ personFields: "metadata", requestBody: personFromRelation(change.relation) }, o),
          );
          const id = str(created.resourceName);
          if (!id) throw new SyncError("INVALID", "People created a contact without returning its resourceName");
          return { externalId: id, changeKey: keyAfterPush(change.relation, str(created.etag)) };
        }
        if (change.op === "delete") {
          await call("delete contact", signal, (o) => clients.people.people.deleteContact({ resourceName: change.externalId }, o));
          return { externalId: change.externalId, changeKey: null };
        }
        // Without a known etag, the current one is read: the push then overwrites (there is nothing to compare with).
        const etag =
          etagOfKey(change.changeKey) ??
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
        return { externalId: change.externalId, changeKey: keyAfterPush(change.relation, str(updated.etag)) };
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
