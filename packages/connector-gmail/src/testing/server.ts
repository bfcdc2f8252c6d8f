/**
 * The fake Google server: one HTTP server on 127.0.0.1 that answers the People, Gmail and
 * Calendar paths the real `@googleapis/*` clients call when given its `url` as `rootUrl`.
 * Authentication is by bearer token per account; a wrong token is 401, as Google answers.
 */
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { FakeAccount, type StoredContact } from "./account.js";
import { GoogleHttpError, legacyError, rpcError } from "./errors.js";
import { FaultQueue, type GoogleFault } from "./faults.js";
import { handleCalendar, type EventSpec } from "./calendar.js";
import { handleGmail } from "./gmail.js";
import { handlePeople, PERSON_FIELDS } from "./people.js";

/** Options of {@link startFakeGoogle}. */
export interface FakeGoogleOptions {
  /** Port on 127.0.0.1; default a free one. */
  readonly port?: number;
  /** Page size when the client sends none. Default 10. */
  readonly defaultPageSize?: number;
  /** Delay before every answer, in milliseconds (to make a sync long enough to interrupt). Default 0. */
  readonly latencyMs?: number;
}

/** A request the fake answered (never its headers, so no token is kept). */
export interface RequestRecord {
  readonly method: string;
  readonly path: string;
  readonly status: number;
}

/** Person fields of a contact made through the content API, in the documented Person shapes. */
export type ContactSpec = Partial<Record<(typeof PERSON_FIELDS)[number], readonly Record<string, unknown>[]>> & {
  /** A linked Google profile whose names and e-mail addresses Google repeats per source. */
  readonly profile?: { readonly names?: readonly Record<string, unknown>[]; readonly emailAddresses?: readonly Record<string, unknown>[] };
};

/** A message for {@link FakeGoogle.sendMail}. Header values are sent as given (RFC 2047 words included). */
export interface MailSpec {
  readonly from: string;
  readonly to?: string;
  readonly cc?: string;
  readonly subject?: string;
  /** RFC 5322 Message-ID with angle brackets; default a fresh one. */
  readonly messageId?: string;
  /** Default now. */
  readonly sentAt?: string;
  /** More headers, e.g. List-Unsubscribe; also lets a test vary header-name case. */
  readonly headers?: readonly { readonly name: string; readonly value: string }[];
  readonly labels?: readonly string[];
}

/** A running fake Google server. */
export interface FakeGoogle {
  /** `http://127.0.0.1:<port>/`: the clients' `rootUrl`. */
  readonly url: string;
  readonly faults: FaultQueue;
  readonly requests: RequestRecord[];
  /** Adds an account; its `token` authenticates as it. */
  addAccount(email: string): FakeAccount;
  account(email: string): FakeAccount;
  /** Creates a contact as if made in Google Contacts; returns its resource name. */
  createContact(email: string, spec: ContactSpec): string;
  /** Replaces fields of a contact as if edited in Google Contacts (bumps its etag). */
  updateContact(email: string, resourceName: string, spec: ContactSpec): void;
  /** Deletes a contact as if deleted in Google Contacts. */
  deleteContact(email: string, resourceName: string): void;
  /** The contact as stored, for assertions. */
  contact(email: string, resourceName: string): StoredContact | undefined;
  /** Delivers a message into the account's mailbox (INBOX, or SENT when the account sent it); returns its Gmail id. */
  sendMail(email: string, spec: MailSpec): string;
  /** Adds or removes labels of a message (e.g. TRASH), as the Gmail UI does. */
  relabel(email: string, id: string, add: readonly string[], remove?: readonly string[]): void;
  /** Deletes a message for good. */
  deleteMessage(email: string, id: string): void;
  /** Creates or replaces an event of the primary calendar (bumps its sequence); returns its id. */
  putEvent(email: string, spec: EventSpec): string;
  /** Creates the instances of a recurring series, one per slot, sharing one iCalUID; returns their ids. */
  createSeries(email: string, spec: Omit<EventSpec, "start" | "end">, slots: readonly { readonly start: string; readonly end: string }[]): string[];
  /** Cancels an event or one instance (what deleting it in Google Calendar does). */
  cancelEvent(email: string, id: string): void;
  /** Expires every sync token, page token and history id of an account. */
  expire(email: string): void;
  close(): Promise<void>;
}

function faultError(fault: GoogleFault, path: string): GoogleHttpError {
  const people = path.startsWith("/v1/");
  switch (fault) {
    case "429":
      return people
        ? rpcError(429, "Quota exceeded for quota metric 'Read requests' and limit 'Read requests per minute per user'.", {
            reason: "RATE_LIMIT_EXCEEDED",
            domain: "googleapis.com",
          })
        : legacyError(429, "rateLimitExceeded", "Too many requests", "usageLimits");
    case "rateLimitExceeded":
      return legacyError(403, "rateLimitExceeded", "Rate Limit Exceeded", "usageLimits");
    case "userRateLimitExceeded":
      return legacyError(403, "userRateLimitExceeded", "User Rate Limit Exceeded", "usageLimits");
    case "500":
      return people ? rpcError(500, "Internal error encountered.") : legacyError(500, "backendError", "Backend Error");
    default:
      return people ? rpcError(503, "The service is currently unavailable.") : legacyError(503, "backendError", "Backend Error");
  }
}

async function readBody(req: IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  if (chunks.length === 0) return undefined;
  const text = Buffer.concat(chunks).toString("utf8");
  if (text === "") return undefined;
  try {
    return JSON.parse(text);
  } catch {
    throw rpcError(400, "Invalid JSON payload received.");
  }
}

/** A route handler beside People's: Gmail and Calendar register here. */
export type RouteHandler = (account: FakeAccount, method: string, path: string, query: URLSearchParams, body: unknown, pageSize: number) => unknown;

/** Starts the fake on 127.0.0.1. */
export async function startFakeGoogle(options: FakeGoogleOptions = {}, extraRoutes: readonly RouteHandler[] = []): Promise<FakeGoogle> {
  const accounts = new Map<string, FakeAccount>();
  const faults = new FaultQueue();
  const requests: RequestRecord[] = [];
  const pageSize = options.defaultPageSize ?? 10;

  async function answer(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? "/", "http://127.0.0.1");
    const method = req.method ?? "GET";
    const path = decodeURIComponent(url.pathname);
    let retryAfter: number | undefined;
    const send = (status: number, body: unknown) => {
      requests.push({ method, path, status });
      const text = JSON.stringify(body ?? {});
      res
        .writeHead(status, { "content-type": "application/json; charset=UTF-8", ...(retryAfter !== undefined ? { "retry-after": String(retryAfter) } : {}) })
        .end(text);
    };
    try {
      const body = await readBody(req);
      if (options.latencyMs) await new Promise((r) => setTimeout(r, options.latencyMs));
      const taken = faults.takeWithHeaders(method, path);
      const fault = taken?.fault;
      if (fault === "drop") {
        requests.push({ method, path, status: 0 });
        req.socket.destroy();
        return;
      }
      if (fault && fault !== "dropAfter") {
        retryAfter = taken?.retryAfter;
        throw faultError(fault, path);
      }
      const bearer = /^Bearer (.+)$/.exec(req.headers.authorization ?? "")?.[1];
      const account = [...accounts.values()].find((a) => a.token === bearer);
      if (!account) {
        throw path.startsWith("/v1/")
          ? rpcError(
              401,
              "Request had invalid authentication credentials. Expected OAuth 2 access token, login cookie or other valid authentication credential.",
            )
          : legacyError(401, "authError", "Invalid Credentials");
      }
      for (const route of [handlePeople, handleGmail, handleCalendar, ...extraRoutes]) {
        const result = route(account, method, path, url.searchParams, body, pageSize);
        if (result !== undefined && fault === "dropAfter") {
          requests.push({ method, path, status: 0 });
          req.socket.destroy();
          return;
        }
        if (result !== undefined) return send(200, result);
      }
      throw rpcError(404, `The requested URL ${path} was not found on this server.`);
    } catch (error) {
      if (error instanceof GoogleHttpError) return send(error.status, error.body);
      send(500, { error: { code: 500, message: String(error), status: "INTERNAL" } });
    }
  }

  const server = createServer((req, res) => void answer(req, res));
  await new Promise<void>((resolve) => server.listen(options.port ?? 0, "127.0.0.1", resolve));
  const port = (server.address() as AddressInfo).port;
  const get = (email: string) => {
    const a = accounts.get(email.toLowerCase());
    if (!a) throw new Error(`The fake has no account ${email}`);
    return a;
  };
  const idOf = (resourceName: string) => resourceName.replace(/^people\/c/, "");
  const fieldsOf = (spec: ContactSpec) => {
    const fields: Record<string, unknown[]> = {};
    for (const f of PERSON_FIELDS) if (spec[f]) fields[f] = spec[f].map((v) => ({ ...v }));
    return fields;
  };
  let nextProfile = 1;

  const fake: FakeGoogle = {
    url: `http://127.0.0.1:${port}/`,
    faults,
    requests,
    addAccount(email) {
      const account = new FakeAccount(email.toLowerCase());
      accounts.set(account.email, account);
      return account;
    },
    account: get,
    createContact(email, spec) {
      const a = get(email);
      const id = `${(a.contacts.size + 1).toString(16).padStart(6, "0")}${Math.random().toString(16).slice(2, 8)}`;
      const contact: StoredContact = { id, seq: a.next(), version: 1, deleted: false, fields: fieldsOf(spec) };
      if (spec.profile) {
        contact.profile = {
          id: String(100000 + nextProfile++),
          fields: { names: [...(spec.profile.names ?? [])], emailAddresses: [...(spec.profile.emailAddresses ?? [])] },
        };
      }
      a.contacts.set(id, contact);
      return `people/c${id}`;
    },
    updateContact(email, resourceName, spec) {
      const a = get(email);
      const c = a.contacts.get(idOf(resourceName));
      if (!c || c.deleted) throw new Error(`No contact ${resourceName}`);
      Object.assign(c.fields, fieldsOf(spec));
      c.seq = a.next();
      c.version++;
    },
    deleteContact(email, resourceName) {
      const a = get(email);
      const c = a.contacts.get(idOf(resourceName));
      if (!c || c.deleted) throw new Error(`No contact ${resourceName}`);
      c.deleted = true;
      c.seq = a.next();
      c.version++;
    },
    sendMail(email, spec) {
      const a = get(email);
      const seq = a.next();
      const id = `18${seq.toString(16).padStart(6, "0")}${Math.random().toString(16).slice(2, 8)}`;
      const at = Date.parse(spec.sentAt ?? new Date().toISOString());
      const headers = [
        { name: "From", value: spec.from },
        ...(spec.to ? [{ name: "To", value: spec.to }] : []),
        ...(spec.cc ? [{ name: "Cc", value: spec.cc }] : []),
        { name: "Subject", value: spec.subject ?? "" },
        { name: "Date", value: new Date(at).toUTCString() },
        { name: "Message-ID", value: spec.messageId ?? `<${id}@mail.example.com>` },
        ...(spec.headers ?? []),
      ];
      const sent = spec.from.toLowerCase().includes(a.email);
      a.messages.set(id, {
        id,
        threadId: id,
        labelIds: [...(spec.labels ?? (sent ? ["SENT"] : ["INBOX", "UNREAD"]))],
        internalDate: at,
        headers,
        snippet: (spec.subject ?? "").slice(0, 100),
        seq,
        deleted: false,
      });
      a.history.push({ seq, type: "messageAdded", messageId: id });
      return id;
    },
    relabel(email, id, add, remove = []) {
      const a = get(email);
      const m = a.messages.get(id);
      if (!m || m.deleted) throw new Error(`No message ${id}`);
      const seq = a.next();
      m.seq = seq;
      m.labelIds = [...m.labelIds.filter((l) => !remove.includes(l)), ...add.filter((l) => !m.labelIds.includes(l))];
      if (add.length) a.history.push({ seq, type: "labelAdded", messageId: id, labelIds: [...add] });
      if (remove.length) a.history.push({ seq, type: "labelRemoved", messageId: id, labelIds: [...remove] });
    },
    deleteMessage(email, id) {
      const a = get(email);
      const m = a.messages.get(id);
      if (!m || m.deleted) throw new Error(`No message ${id}`);
      m.deleted = true;
      m.seq = a.next();
      a.history.push({ seq: m.seq, type: "messageDeleted", messageId: id });
    },
    putEvent(email, spec) {
      const a = get(email);
      const events = a.calendar("primary");
      const id = spec.id ?? `${Math.random().toString(36).slice(2, 12)}${a.head.toString(36)}`;
      const old = events.get(id);
      const body: Record<string, unknown> = {
        ...spec,
        id,
        status: "confirmed",
        iCalUID: spec.iCalUID ?? (old?.body.iCalUID as string | undefined) ?? `${id}@google.com`,
        organizer: spec.organizer ?? { email: a.email },
        created: (old?.body.created as string | undefined) ?? new Date().toISOString(),
      };
      if (old) {
        old.body = body;
        old.seq = a.next();
        old.version++;
      } else events.set(id, { id, seq: a.next(), version: 1, body });
      return id;
    },
    createSeries(email, spec, slots) {
      const master = spec.id ?? Math.random().toString(36).slice(2, 12);
      const iCalUID = spec.iCalUID ?? `${master}@google.com`;
      return slots.map((slot) => {
        const stamp = new Date(slot.start).toISOString().replace(/[-:]|\.\d{3}/g, "");
        return fake.putEvent(email, {
          ...spec,
          id: `${master}_${stamp}`,
          iCalUID,
          recurringEventId: master,
          start: { dateTime: slot.start, timeZone: "Europe/Amsterdam" },
          end: { dateTime: slot.end, timeZone: "Europe/Amsterdam" },
          originalStartTime: { dateTime: slot.start, timeZone: "Europe/Amsterdam" },
        });
      });
    },
    cancelEvent(email, id) {
      const a = get(email);
      const e = a.calendar("primary").get(id);
      if (!e || e.body.status === "cancelled") throw new Error(`No event ${id}`);
      e.body = { ...e.body, status: "cancelled" };
      e.seq = a.next();
      e.version++;
    },
    contact: (email, resourceName) => get(email).contacts.get(idOf(resourceName)),
    expire(email) {
      const a = get(email);
      a.epoch++;
      // History ids issued before now are too old; the profile's new head is valid again.
      a.historyFloor = a.next();
    },
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.closeAllConnections();
        server.close((e) => (e ? reject(e) : resolve()));
      }),
  };
  return fake;
}
