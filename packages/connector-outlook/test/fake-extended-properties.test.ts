import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startFakeGraph, type FakeGraph } from "../src/testing/index.js";

// Shapes from Microsoft's documentation of singleValueLegacyExtendedProperty (create, get).
const PROP = "String {66f5a359-4659-4830-9070-00047ec6ac6e} Name Color";

describe("fake Graph: single-value extended properties", () => {
  let graph: FakeGraph;
  let token: string;
  const call = (method: string, path: string, body?: unknown) =>
    fetch(`${graph.url}/v1.0/me${path}`, {
      method,
      headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
      ...(body ? { body: JSON.stringify(body) } : {}),
    }).then(async (r) => ({ status: r.status, body: (await r.json().catch(() => ({}))) as Record<string, unknown> }));
  beforeAll(async () => {
    graph = await startFakeGraph();
    token = graph.mailboxes.addMailbox("ep@kb.example").token;
  });
  afterAll(() => graph.close());

  it("stores them on create, hides them from plain reads, and returns them with $expand or finds them with $filter", async () => {
    const created = await call("POST", "/contacts", { displayName: "Green", singleValueExtendedProperties: [{ id: PROP, value: "Green" }] });
    expect(created.status).toBe(201);
    expect(created.body.singleValueExtendedProperties).toBeUndefined();
    await call("POST", "/contacts", { displayName: "Plain" });
    const id = created.body.id as string;
    expect((await call("GET", `/contacts/${id}`)).body.singleValueExtendedProperties).toBeUndefined();
    const expanded = await call("GET", `/contacts/${id}?$expand=${encodeURIComponent(`singleValueExtendedProperties($filter=id eq '${PROP}')`)}`);
    expect(expanded.body.singleValueExtendedProperties).toEqual([{ id: PROP, value: "Green" }]);
    // Type and GUID are case-insensitive, values too; the name is case-sensitive.
    const filter = (f: string) => call("GET", `/contacts?$filter=${encodeURIComponent(f)}`);
    const upper = PROP.replace("String", "string").toUpperCase().replace("NAME COLOR", "Name Color");
    const found = await filter(`singleValueExtendedProperties/any(ep:ep/Id eq '${upper}' and ep/Value eq 'green')`);
    expect((found.body.value as { id: string }[]).map((c) => c.id)).toEqual([id]);
    expect((await filter(`singleValueExtendedProperties/Any(ep: ep/id eq '${PROP.replace("Color", "color")}')`)).body.value).toEqual([]);
  });

  it("answers 400 for shapes it does not support", async () => {
    expect((await call("POST", "/contacts", { displayName: "Bad", singleValueExtendedProperties: [{ id: "Color", value: "x" }] })).status).toBe(400);
    expect((await call("GET", `/contacts?$filter=${encodeURIComponent(`singleValueExtendedProperties/Any(ep: contains(ep/value, 'x'))`)}`)).status).toBe(400);
    expect((await call("GET", `/contacts?$expand=${encodeURIComponent(`singleValueExtendedProperties($filter=id eq '${PROP}')`)}`)).status).toBe(400);
    expect((await call("GET", `/contacts?$filter=${encodeURIComponent("displayName eq 'Bad'")}`)).status).toBe(400);
  });
});
