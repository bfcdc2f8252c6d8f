import { describe, expect, it } from "vitest";
import { MESSAGE_FIELDS, contactChange, contactFromRelation, eventChange, messageChange, toSyncError } from "../src/index.js";

// Payloads shaped like the examples in Microsoft's Graph reference (contact-delta, message-delta,
// event-delta), trimmed to the fields the connector reads.
const contact = {
  "@odata.etag": 'W/"EQAAABYAAAC4ofQHEIqCSbQPot83AFcbAAAW/0tB"',
  id: "AAMkAGI2THk0AAA=",
  createdDateTime: "2017-10-23T10:21:02Z",
  lastModifiedDateTime: "2017-10-23T10:21:02Z",
  changeKey: "EQAAABYAAAC4ofQHEIqCSbQPot83AFcbAAAW/0tB",
  parentFolderId: "AAMkAGI2TKI5AAA=",
  displayName: "Pavel Bansky",
  givenName: "Pavel",
  surname: "Bansky",
  jobTitle: "Buyer",
  companyName: "Contoso",
  emailAddresses: [{ address: "Pavelb@contoso.onmicrosoft.com", name: "Pavel Bansky" }],
  businessPhones: ["+1 732 555 0102"],
  homePhones: [],
  mobilePhone: null,
  businessAddress: { street: "1 Main St", city: "Redmond", state: "WA", countryOrRegion: "United States", postalCode: "98052" },
  homeAddress: {},
};

const message = {
  "@odata.type": "#microsoft.graph.message",
  "@odata.etag": 'W/"CQAAABYAAAARn2vdzPFYRaOKKBcQOcNTAAAAB0QS"',
  id: "AAMkADNkNAAAgWkAAA",
  changeKey: "CQAAABYAAAARn2vdzPFYRaOKKBcQOcNTAAAAB0QS",
  receivedDateTime: "2016-12-28T07:57:13Z",
  sentDateTime: "2016-12-28T07:57:10Z",
  subject: "Meet for lunch?",
  bodyPreview: "The new cafeteria is open.",
  internetMessageId: "<CY1PR11MB0023E3B5BCA8A4DE7EB3E2D1E7690@CY1PR11MB0023.namprd11.prod.outlook.com>",
  isDraft: false,
  from: { emailAddress: { name: "Adele Vance", address: "AdeleV@contoso.onmicrosoft.com" } },
  sender: { emailAddress: { name: "Adele Vance", address: "AdeleV@contoso.onmicrosoft.com" } },
  toRecipients: [{ emailAddress: { name: "Megan Bowen", address: "MeganB@contoso.onmicrosoft.com" } }],
  ccRecipients: [],
};

const occurrence = {
  "@odata.type": "#microsoft.graph.event",
  id: "AAMkADg1ZWUg6AAA=",
  type: "occurrence",
  seriesMasterId: "AAMkADg1ZWUg5AAA=",
  start: { dateTime: "2026-06-15T09:00:00.0000000", timeZone: "UTC" },
  end: { dateTime: "2026-06-15T09:30:00.0000000", timeZone: "UTC" },
};
const master = {
  id: "AAMkADg1ZWUg5AAA=",
  type: "seriesMaster",
  iCalUId: "040000008200E00074C5B7101A82E00800000000D8D8A2C4E2E4D601000000000000000010000000A1B2",
  subject: "Weekly sync",
  bodyPreview: "Agenda",
  isCancelled: false,
  organizer: { emailAddress: { name: "Megan Bowen", address: "MeganB@contoso.onmicrosoft.com" } },
  attendees: [
    {
      type: "required",
      status: { response: "accepted", time: "2026-06-01T10:00:00Z" },
      emailAddress: { name: "Adele Vance", address: "AdeleV@contoso.onmicrosoft.com" },
    },
    {
      type: "resource",
      status: { response: "accepted", time: "0001-01-01T00:00:00Z" },
      emailAddress: { name: "Room 1", address: "room1@contoso.onmicrosoft.com" },
    },
  ],
};

describe("Graph payload mapping", () => {
  it("maps a contact to a person with e-mails, phones, addresses and an employer", () => {
    expect(contactChange(contact)).toEqual({
      type: "relation",
      externalId: "AAMkAGI2THk0AAA=",
      changeKey: "EQAAABYAAAC4ofQHEIqCSbQPot83AFcbAAAW/0tB",
      relation: {
        input: {
          kind: "person",
          name: "Pavel Bansky",
          givenName: "Pavel",
          familyName: "Bansky",
          emails: ["pavelb@contoso.onmicrosoft.com"],
          phones: [{ number: "+1 732 555 0102", label: "business" }],
          // "United States" is not an ISO code, so the country is left out rather than guessed.
          addresses: [{ label: "business", street: "1 Main St", city: "Redmond", region: "WA", postalCode: "98052", country: "US" }],
        },
        organisation: { name: "Contoso", jobTitle: "Buyer" },
      },
    });
  });

  it("maps @removed, nameless and malformed contacts without throwing", () => {
    expect(contactChange({ id: "AAMk1", "@removed": { reason: "deleted" } })).toEqual({ type: "removed", externalId: "AAMk1" });
    expect(contactChange({ id: "AAMk2", emailAddresses: "not a list" })).toMatchObject({ type: "invalid", externalId: "AAMk2" });
    expect(contactChange({ displayName: "no id" })).toMatchObject({ type: "invalid" });
    expect(contactChange({ id: "AAMk3", companyName: "Only Company BV" })).toMatchObject({ relation: { input: { name: "Only Company BV" } } });
  });

  it("maps a message to an e-mail interaction keyed by internetMessageId", () => {
    expect(messageChange(message, "meganb@contoso.onmicrosoft.com")).toEqual({
      type: "interaction",
      externalId: "AAMkADNkNAAAgWkAAA",
      key: message.internetMessageId,
      interaction: {
        kind: "email",
        channel: "email",
        direction: "inbound",
        occurredAt: "2016-12-28T07:57:10.000Z",
        subject: "Meet for lunch?",
        body: "The new cafeteria is open.",
        participants: [
          { role: "from", address: "adelev@contoso.onmicrosoft.com", name: "Adele Vance" },
          { role: "to", address: "meganb@contoso.onmicrosoft.com", name: "Megan Bowen", own: true },
        ],
        bulk: false,
      },
    });
    expect(messageChange(message, "adelev@contoso.onmicrosoft.com")).toMatchObject({ interaction: { direction: "outbound" } });
  });

  it("recognises list mail, drafts and messages without an id or Message-ID", () => {
    const list = { ...message, internetMessageHeaders: [{ name: "List-Unsubscribe", value: "<mailto:x@y>" }] };
    expect(messageChange(list, "x@y")).toMatchObject({ interaction: { bulk: true } });
    expect(messageChange({ ...message, from: { emailAddress: { address: "no-reply@service.example" } } }, "x@y")).toMatchObject({
      interaction: { bulk: true },
    });
    expect(messageChange({ ...message, isDraft: true }, "x@y")).toEqual({ type: "removed", externalId: message.id });
    expect(messageChange({ ...message, internetMessageId: undefined }, "x@y")).toMatchObject({ type: "invalid" });
    expect(messageChange({ ...message, sentDateTime: "yesterday", receivedDateTime: null }, "x@y")).toMatchObject({ type: "invalid" });
  });

  it("maps an occurrence through its series master, keyed by series and original start", () => {
    expect(eventChange(occurrence, "adelev@contoso.onmicrosoft.com", master, "mark")).toEqual({
      type: "interaction",
      externalId: occurrence.id,
      key: `meeting:${master.iCalUId}:2026-06-15T09:00:00.000Z`,
      interaction: {
        kind: "meeting",
        channel: "calendar",
        direction: "inbound",
        occurredAt: "2026-06-15T09:00:00.000Z",
        subject: "Weekly sync",
        body: "Agenda",
        outcome: null,
        participants: [
          { role: "organizer", address: "meganb@contoso.onmicrosoft.com", name: "Megan Bowen" },
          { role: "attendee", address: "adelev@contoso.onmicrosoft.com", name: "Adele Vance", own: true },
          { role: "resource", address: "room1@contoso.onmicrosoft.com", name: "Room 1" },
        ],
      },
    });
    expect(eventChange(occurrence, "x@y", undefined, "mark")).toMatchObject({ type: "invalid" });
    const cancelled = { ...master, id: "AAMkSingle", type: "singleInstance", isCancelled: true, start: occurrence.start };
    expect(eventChange(cancelled, "x@y", undefined, "mark")).toMatchObject({ key: `meeting:${master.iCalUId}`, interaction: { outcome: "cancelled" } });
    expect(eventChange(cancelled, "x@y", undefined, "remove")).toEqual({ type: "removed", externalId: "AAMkSingle" });
    expect(
      eventChange({ ...cancelled, start: { dateTime: "2026-06-15T09:00:00", timeZone: "Pacific Standard Time" } }, "x@y", undefined, "mark"),
    ).toMatchObject({ type: "invalid" });
  });

  it("maps Graph errors to the sync taxonomy, keeping Retry-After and nothing else", () => {
    const headers = new Headers({ "Retry-After": "2.5" });
    expect(toSyncError({ statusCode: 429, code: "TooManyRequests", message: "slow", headers }, "delta")).toMatchObject({
      reason: "RATE_LIMITED",
      retryAfterMs: 2500,
      status: 429,
    });
    expect(toSyncError({ statusCode: 410, code: "resyncRequired" }, "delta").reason).toBe("CURSOR_EXPIRED");
    expect(toSyncError({ statusCode: 400, code: "syncStateNotFound" }, "delta").reason).toBe("CURSOR_EXPIRED");
    expect(toSyncError({ statusCode: 401 }, "x").reason).toBe("AUTH");
    expect(toSyncError({ statusCode: 403 }, "x").reason).toBe("PERMISSION");
    expect(toSyncError({ statusCode: 404 }, "x").reason).toBe("NOT_FOUND");
    expect(toSyncError({ statusCode: 412, code: "ErrorIrresolvableConflict" }, "x").reason).toBe("CONFLICT");
    expect(toSyncError({ statusCode: 503 }, "x").reason).toBe("TRANSIENT");
    expect(toSyncError(new TypeError("fetch failed"), "x").reason).toBe("TRANSIENT");
    expect(toSyncError({ statusCode: 400, code: "BadRequest" }, "x").reason).toBe("INVALID");
  });
});

describe("Graph payload mapping: fidelity", () => {
  it("maps country names to ISO codes and drops names it does not know", () => {
    const change = contactChange({
      id: "c1",
      displayName: "Anna",
      homeAddress: { city: "Utrecht", countryOrRegion: "Nederland" },
      businessAddress: { city: "London", countryOrRegion: "United Kingdom" },
      otherAddress: { city: "Nowhere", countryOrRegion: "Atlantis" },
    });
    expect(change.type === "relation" && change.relation.input.addresses).toEqual([
      { label: "business", city: "London", country: "GB" },
      { label: "home", city: "Utrecht", country: "NL" },
      { label: "other", city: "Nowhere" },
    ]);
  });

  it("keeps every label of a number under several fields, and pushes it back to each", () => {
    const change = contactChange({
      id: "c2",
      displayName: "Bob",
      homePhones: ["+31 6 1234 5678"],
      mobilePhone: "+31612345678",
      businessPhones: ["+31201234567"],
    });
    expect(change.type === "relation" && change.relation.input.phones).toEqual([
      { number: "+31201234567", label: "business" },
      { number: "+31 6 1234 5678", label: "home, mobile" },
    ]);
    const pushed = contactFromRelation({
      name: "Bob",
      givenName: null,
      familyName: null,
      emails: [],
      phones: [
        { number: "+31201234567", label: "business", primary: true },
        { number: "+31612345678", label: "home, mobile", primary: false },
        { number: "+31301234567", label: "fax", primary: false },
      ],
      addresses: [],
    } as unknown as Parameters<typeof contactFromRelation>[0]);
    expect(pushed).toMatchObject({ businessPhones: ["+31201234567", "+31301234567"], homePhones: ["+31612345678"], mobilePhone: "+31612345678" });
  });

  it("keeps Bcc, a sender on behalf of from, and reply-to as participants", () => {
    const change = messageChange(
      {
        id: "m1",
        internetMessageId: "<m1@x>",
        sentDateTime: "2026-03-01T10:00:00Z",
        from: { emailAddress: { name: "Boss", address: "boss@contoso.example" } },
        sender: { emailAddress: { name: "Assistant", address: "assistant@contoso.example" } },
        toRecipients: [{ emailAddress: { address: "client@client.example" } }],
        bccRecipients: [{ emailAddress: { address: "archive@contoso.example" } }],
        replyTo: [{ emailAddress: { address: "sales@contoso.example" } }],
      },
      "assistant@contoso.example",
    );
    expect(change.type === "interaction" && change.interaction.participants.map((p) => [p.role, p.address])).toEqual([
      ["from", "boss@contoso.example"],
      ["to", "client@client.example"],
      ["bcc", "archive@contoso.example"],
      ["sender", "assistant@contoso.example"],
      ["reply-to", "sales@contoso.example"],
    ]);
    const plain = messageChange(
      {
        id: "m2",
        internetMessageId: "<m2@x>",
        sentDateTime: "2026-03-01T10:00:00Z",
        from: { emailAddress: { address: "a@x.example" } },
        sender: { emailAddress: { address: "A@x.example" } },
      },
      "me@x.example",
    );
    expect(plain.type === "interaction" && plain.interaction.participants.map((p) => p.role)).toEqual(["from"]);
  });

  it("asks Graph for the recipient fields it maps", () => {
    expect(MESSAGE_FIELDS).toEqual(expect.arrayContaining(["bccRecipients", "replyTo", "sender"]));
  });
});
