import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { GraphError, type Client } from "@microsoft/microsoft-graph-client";
import { createGraphClient, followLink, linkPolicy } from "../src/index.js";
import { startFakeGraph, type FakeGraph } from "../src/testing/index.js";

/** The real Graph client against the fake: delta paging, removals, replays, expiry, faults, change keys. */
describe("fake Graph server with the real Graph client", () => {
  let graph: FakeGraph;
  let client: Client;
  let address: string;
  beforeAll(async () => {
    graph = await startFakeGraph();
    const mb = graph.mailboxes.addMailbox("owner@fake.example");
    address = mb.address;
    client = createGraphClient(async () => mb.token, graph.url);
  });
  afterAll(() => graph.close());

  // Links are absolute and name the fake's own host: followed through the allow-list, as the connector does.
  const api = (url: string) => (/^https?:/.test(url) ? followLink(client, linkPolicy(graph.url, undefined, true), url) : client.api(url));
  const get = (url: string, pageSize = 2) => api(url).header("Prefer", `odata.maxpagesize=${pageSize}`).get() as Promise<Record<string, unknown>>;

  it("pages a delta round with nextLinks, ends with a deltaLink, reports removals, and replays", async () => {
    const ids = ["A", "B", "C", "D", "E"].map((n) => graph.mailboxes.createContact(address, { displayName: n }).id);
    const root = graph.mailboxes.folderId(address, "contacts");
    const pages: Record<string, unknown>[] = [await get(`/me/contactFolders/${root}/contacts/delta?$select=displayName`)];
    while (pages.at(-1)!["@odata.nextLink"]) pages.push(await get(pages.at(-1)!["@odata.nextLink"] as string));
    expect(pages.map((p) => (p.value as unknown[]).length)).toEqual([2, 2, 1]);
    expect(String(pages[0]!["@odata.nextLink"])).toMatch(new RegExp(`^${graph.url}/v1\\.0/me/contactFolders/${root}/contacts/delta\\?\\$skiptoken=`));
    const deltaLink = pages.at(-1)!["@odata.deltaLink"] as string;
    expect(deltaLink).toMatch(/\$deltatoken=/);
    expect(pages.flatMap((p) => p.value as { displayName: string; changeKey?: string }[])[0]).toEqual({
      "@odata.etag": expect.stringMatching(/^W\/"/),
      id: expect.any(String),
      displayName: expect.any(String),
    });
    graph.mailboxes.updateContact(address, ids[1]!, { displayName: "B2" });
    graph.mailboxes.deleteContact(address, ids[2]!);
    const round = await get(deltaLink, 10);
    expect(round.value).toEqual(
      expect.arrayContaining([expect.objectContaining({ id: ids[1], displayName: "B2" }), { id: ids[2], "@removed": { reason: "deleted" } }]),
    );
    expect(await get(deltaLink, 10)).toMatchObject({ value: round.value }); // a replay of the same link
    expect((await get(round["@odata.deltaLink"] as string)).value).toEqual([]);
  });

  it("answers 410 Gone or 400 syncStateNotFound for expired tokens", async () => {
    const first = await get("/me/mailFolders/inbox/messages/delta", 50);
    graph.expire(address, "410");
    const gone = await get(first["@odata.deltaLink"] as string).catch((e: unknown) => e);
    expect(gone).toBeInstanceOf(GraphError);
    expect(gone).toMatchObject({ statusCode: 410, code: "resyncRequired" });
    const again = await get("/me/mailFolders/inbox/messages/delta", 50);
    graph.expire(address, "syncStateNotFound");
    expect(await get(again["@odata.deltaLink"] as string).catch((e: unknown) => e)).toMatchObject({ statusCode: 400, code: "syncStateNotFound" });
  });

  it("keeps change keys, and refuses a PATCH with a stale one with 412", async () => {
    const c = graph.mailboxes.createContact(address, { displayName: "Keyed" });
    const fresh = (await client.api(`/me/contacts/${c.id}`).get()) as { changeKey: string };
    const updated = (await client.api(`/me/contacts/${c.id}`).header("If-Match", `W/"${fresh.changeKey}"`).patch({ displayName: "Keyed 2" })) as {
      changeKey: string;
    };
    expect(updated.changeKey).not.toBe(fresh.changeKey);
    const stale = await client
      .api(`/me/contacts/${c.id}`)
      .header("If-Match", `W/"${fresh.changeKey}"`)
      .patch({ displayName: "lost" })
      .catch((e: unknown) => e);
    expect(stale).toMatchObject({ statusCode: 412, code: "ErrorIrresolvableConflict" });
    expect(graph.mailboxes.findContact(address, c.id).item.data.displayName).toBe("Keyed 2");
  });

  it("throttles with Retry-After (the client's retry honours it), fails with 5xx, and drops connections", async () => {
    graph.faults.add({ status: 429, retryAfter: 0.2, path: /\/contactFolders$/, times: 2 });
    const started = Date.now();
    expect(await client.api("/me/contactFolders").get()).toMatchObject({ value: [] });
    expect(Date.now() - started).toBeGreaterThanOrEqual(350);
    graph.faults.add({ status: 500, path: /\/contactFolders$/ });
    expect(
      await client
        .api("/me/contactFolders")
        .get()
        .catch((e: unknown) => e),
    ).toMatchObject({ statusCode: 500 });
    graph.faults.add({ drop: true, path: /\/contactFolders$/ });
    expect(
      await client
        .api("/me/contactFolders")
        .get()
        .catch((e: unknown) => e),
    ).toBeInstanceOf(Error);
    expect(graph.faults.pending).toBe(0);
  });

  it("refuses requests without a valid token and other users' mailboxes", async () => {
    const anonymous = createGraphClient(async () => "nope", graph.url);
    expect(
      await anonymous
        .api("/me")
        .get()
        .catch((e: unknown) => e),
    ).toMatchObject({ statusCode: 401 });
    graph.mailboxes.addMailbox("other@fake.example");
    expect(
      await client
        .api("/users/other@fake.example/contacts/delta")
        .get()
        .catch((e: unknown) => e),
    ).toMatchObject({ statusCode: 403 });
    expect(await client.api(`/users/${address}`).get()).toMatchObject({ mail: address });
  });
});
