/**
 * The People API part of the fake: `people/me/connections` (full and incremental with sync
 * tokens, paged, LAST_MODIFIED_ASCENDING), `people:createContact`, `{resourceName}:updateContact`
 * with etag checks, `{resourceName}:deleteContact` and `people.get`. Persons follow the
 * documented Person resource: every field value carries `metadata.source`, names and e-mail
 * addresses of a linked PROFILE are repeated as separate entries, deleted contacts come back in
 * incremental listings as `{ resourceName, etag, metadata: { deleted: true, ... } }`.
 */
import type { FakeAccount, StoredContact } from "./account.js";
import { rpcError } from "./errors.js";
import { decodeToken, encodeToken, pageOf } from "./tokens.js";

/** The person fields the fake stores (the ones the documented shapes name, as far as a CRM needs). */
export const PERSON_FIELDS = ["names", "emailAddresses", "phoneNumbers", "organizations", "addresses", "biographies", "clientData"] as const;
type PersonField = (typeof PERSON_FIELDS)[number];

const etagOf = (c: StoredContact) => `%EgUBAi43PRoEAQIFByIM${Buffer.from(`${c.id}:${c.version}`).toString("base64url")}`;
const updateTime = (seq: number) => new Date(Date.UTC(2026, 0, 1) + seq * 1000).toISOString();

/** Output-only fields Google derives (canonicalForm only where the number is unambiguous, i.e. starts with +). */
function served(field: PersonField, value: unknown): unknown {
  const v = { ...(value as Record<string, unknown>) };
  if (field === "phoneNumbers" && typeof v.value === "string" && v.value.trim().startsWith("+")) v.canonicalForm = `+${v.value.replace(/\D/g, "")}`;
  if (field === "names") {
    const given = typeof v.givenName === "string" ? v.givenName : "";
    const family = typeof v.familyName === "string" ? v.familyName : "";
    v.displayName ??= typeof v.unstructuredName === "string" && v.unstructuredName ? v.unstructuredName : [given, family].filter(Boolean).join(" ");
    v.displayNameLastFirst ??= [family, given].filter(Boolean).join(", ");
    v.unstructuredName ??= v.displayName;
  }
  if ((field === "emailAddresses" || field === "phoneNumbers" || field === "addresses") && typeof v.type === "string")
    v.formattedType ??= v.type[0]!.toUpperCase() + v.type.slice(1);
  return v;
}

/** The Person resource of a stored contact, with the requested fields. */
export function personOf(c: StoredContact, fields: ReadonlySet<string>): Record<string, unknown> {
  const contactSource = { type: "CONTACT", id: c.id, etag: `#${c.version}`, updateTime: updateTime(c.seq) };
  if (c.deleted) return { resourceName: `people/c${c.id}`, etag: etagOf(c), metadata: { sources: [contactSource], deleted: true, objectType: "PERSON" } };
  const person: Record<string, unknown> = { resourceName: `people/c${c.id}`, etag: etagOf(c) };
  if (fields.has("metadata")) {
    person.metadata = {
      sources: [contactSource, ...(c.profile ? [{ type: "PROFILE", id: c.profile.id, profileMetadata: { objectType: "PERSON" } }] : [])],
      objectType: "PERSON",
    };
  }
  for (const field of PERSON_FIELDS) {
    if (!fields.has(field)) continue;
    const own = (c.fields[field] ?? []).map((v, i) => ({
      metadata: { ...(i === 0 ? { primary: true } : {}), source: { type: "CONTACT", id: c.id } },
      ...(served(field, v) as object),
    }));
    const fromProfile =
      field === "names" || field === "emailAddresses"
        ? (c.profile?.fields[field] ?? []).map((v) => ({ metadata: { source: { type: "PROFILE", id: c.profile!.id } }, ...(served(field, v) as object) }))
        : [];
    if (own.length + fromProfile.length > 0) person[field] = [...own, ...fromProfile];
  }
  return person;
}

/** Strips output-only parts of a client's field values (metadata, derived fields) before storing. */
function stored(field: string, values: unknown): unknown[] {
  if (!Array.isArray(values)) return [];
  return values.map((value) => {
    const { metadata: _m, canonicalForm: _c, formattedType: _f, displayNameLastFirst: _d, ...rest } = value as Record<string, unknown>;
    if (field === "names") {
      delete rest.displayName;
      // unstructuredName is writable ("the free form name value"); written alone, Google parses it
      // into the structured parts. The fake's parse: the last word is the family name.
      const free = typeof rest.unstructuredName === "string" ? rest.unstructuredName.trim() : "";
      if (free && !rest.givenName && !rest.familyName) {
        const words = free.split(/\s+/);
        rest.familyName = words.length > 1 ? words.pop()! : "";
        rest.givenName = words.join(" ");
      } else delete rest.unstructuredName;
    }
    return rest;
  });
}

function fieldMask(text: string | null, what: string): Set<string> {
  const fields = new Set(
    (text ?? "")
      .split(",")
      .map((f) => f.trim())
      .filter(Boolean),
  );
  if (fields.size === 0) throw rpcError(400, `${what} mask is required. Please specify one or more valid paths.`);
  return fields;
}

/** Handles a People request; undefined when the path is not a People path. */
export function handlePeople(account: FakeAccount, method: string, path: string, query: URLSearchParams, body: unknown, pageSizeDefault: number): unknown {
  if (method === "GET" && path === "/v1/people/me/connections") {
    const personFields = fieldMask(query.get("personFields"), "personFields");
    const pageSize = Math.min(Number(query.get("pageSize") ?? pageSizeDefault) || pageSizeDefault, 1000);
    const syncTokenText = query.get("syncToken");
    const pageTokenText = query.get("pageToken");
    let token;
    if (pageTokenText) {
      token = decodeToken(pageTokenText);
      if (!token || token.api !== "people") throw rpcError(400, "Request contains an invalid argument.");
      if (token.epoch !== account.epoch) throw expired();
    } else if (syncTokenText) {
      token = decodeToken(syncTokenText);
      if (!token || token.api !== "people") throw rpcError(400, "Request contains an invalid argument.");
      if (token.epoch !== account.epoch) throw expired();
      token = { ...token, full: false };
    } else {
      token = { api: "people", epoch: account.epoch, after: 0, full: true };
    }
    const all = [...account.contacts.values()].filter((c) => !(token.full && c.deleted));
    const { page, next, until } = pageOf(all, token, pageSize, account.head);
    const out: Record<string, unknown> = { connections: page.map((c) => personOf(c, personFields)) };
    if (page.length === 0) delete out.connections;
    if (token.full) out.totalPeople = out.totalItems = all.length;
    if (next) out.nextPageToken = encodeToken(next);
    else if (query.get("requestSyncToken") === "true" || syncTokenText || pageTokenText) {
      out.nextSyncToken = encodeToken({ api: "people", epoch: account.epoch, after: until });
    }
    return out;
  }
  if (method === "POST" && path === "/v1/people:createContact") {
    const fields = new Set(query.get("personFields")?.split(",") ?? ["names", "emailAddresses", "metadata"]);
    const person = (body ?? {}) as Record<string, unknown>;
    const id = (account.contacts.size + 1).toString(16).padStart(6, "0") + Math.random().toString(16).slice(2, 8);
    const contact: StoredContact = { id, seq: account.next(), version: 1, deleted: false, fields: {} };
    for (const field of PERSON_FIELDS) if (person[field] !== undefined) contact.fields[field] = stored(field, person[field]);
    account.contacts.set(id, contact);
    return personOf(contact, fields);
  }
  const match = /^\/v1\/people\/c([^/:]+)(:updateContact|:deleteContact)?$/.exec(path);
  if (!match) return undefined;
  const contact = account.contacts.get(match[1]!);
  if (!contact || contact.deleted) throw rpcError(404, "Requested entity was not found.");
  if (method === "GET" && !match[2]) return personOf(contact, fieldMask(query.get("personFields"), "personFields"));
  if (method === "DELETE" && match[2] === ":deleteContact") {
    contact.deleted = true;
    contact.seq = account.next();
    contact.version++;
    return {};
  }
  if (method === "PATCH" && match[2] === ":updateContact") {
    const update = fieldMask(query.get("updatePersonFields"), "updatePersonFields");
    const person = (body ?? {}) as Record<string, unknown>;
    if (typeof person.etag !== "string" || person.etag === "")
      throw rpcError(400, "Request must set person.etag or person.metadata.sources.etag for the source that is being updated.");
    if (person.etag !== etagOf(contact)) {
      throw rpcError(400, "Request person.etag is different than the current person.etag. Clear local cache and get the latest person.", {
        status: "FAILED_PRECONDITION",
      });
    }
    for (const field of update) {
      if (!(PERSON_FIELDS as readonly string[]).includes(field)) throw rpcError(400, `Invalid updatePersonFields mask path: "${field}".`);
      contact.fields[field] = stored(field, person[field]);
    }
    contact.seq = account.next();
    contact.version++;
    const fields = query.get("personFields") ? new Set(query.get("personFields")!.split(",")) : new Set(update);
    return personOf(contact, fields);
  }
  return undefined;
}

function expired() {
  return rpcError(400, "Sync token is expired. Clear local cache and retry call without the sync token.", {
    status: "FAILED_PRECONDITION",
    reason: "EXPIRED_SYNC_TOKEN",
  });
}
