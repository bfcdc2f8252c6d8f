import { isCrmError } from "@kaartenbak/core";
import { type TenantStore } from "@kaartenbak/core/storage";
import { sqliteAdapter } from "@kaartenbak/adapter-sqlite";
import { beforeAll, describe, expect, it } from "vitest";
import { at, count, event, interaction, link, memoryDatabase, relation } from "./fixtures.js";

const db = memoryDatabase();
const storage = sqliteAdapter({ database: db });
beforeAll(() => storage.migrate());

let tenants = 0;
/** A fresh tenant per test keeps tests independent on one database. */
function tenant(): { id: string; run: <T>(fn: (s: TenantStore) => Promise<T>) => Promise<T> } {
  const id = `t${++tenants}`;
  return { id, run: (fn) => storage.transaction(id, fn) };
}

describe("journal", () => {
  it("numbers events 1..N without gaps, per tenant, even across rolled-back transactions", async () => {
    const a = tenant();
    const b = tenant();
    const sequences: number[] = [];
    for (let i = 1; i <= 5; i++) sequences.push(await a.run((s) => s.journal.appendEvent(event(`a${i}`))));
    // A rolled-back transaction gives its number back.
    await expect(
      a.run(async (s) => {
        await s.journal.appendEvent(event("lost"));
        throw new Error("abort");
      }),
    ).rejects.toThrow();
    sequences.push(...(await a.run(async (s) => [await s.journal.appendEvent(event("a6")), await s.journal.appendEvent(event("a7"))])));
    expect(sequences).toEqual([1, 2, 3, 4, 5, 6, 7]);
    expect(await b.run((s) => s.journal.appendEvent(event("b1")))).toBe(1);

    const events = await a.run((s) => s.journal.readEvents(0, 100));
    expect(events.map((e) => [e.sequence, e.id])).toEqual(sequences.map((n) => [n, `a${n}`]));
    expect(events[0]).toEqual({ ...event("a1"), sequence: 1 });
    expect((await a.run((s) => s.journal.readEvents(5, 1))).map((e) => e.sequence)).toEqual([6]);
  });

  it("keeps a checkpoint per consumer, 0 until acknowledged", async () => {
    const t = tenant();
    expect(await t.run((s) => s.journal.getCheckpoint("mailer"))).toBe(0);
    await t.run((s) => s.journal.setCheckpoint("mailer", 3, at(1)));
    await t.run((s) => s.journal.setCheckpoint("mailer", 7, at(2)));
    await t.run((s) => s.journal.setCheckpoint("search", 1, at(2)));
    expect(await t.run(async (s) => [await s.journal.getCheckpoint("mailer"), await s.journal.getCheckpoint("search")])).toEqual([7, 1]);
    expect(await tenant().run((s) => s.journal.getCheckpoint("mailer"))).toBe(0);
  });

  it("lists an entity's history oldest first", async () => {
    const t = tenant();
    const entry = (id: string, version: number, minute: number) => ({
      id,
      entityType: "relation" as const,
      entityId: "r1",
      action: version === 1 ? ("create" as const) : ("update" as const),
      version,
      changes: { name: { from: null, to: `v${version}` } },
      actor: "user:1",
      source: "test",
      at: at(minute),
    });
    await t.run(async (s) => {
      await s.journal.appendHistory(entry("h2", 2, 5));
      await s.journal.appendHistory(entry("h1", 1, 0));
      await s.journal.appendHistory(entry("h3", 3, 5));
    });
    const history = await t.run((s) => s.journal.listHistory("relation", "r1"));
    expect(history.map((h) => h.id)).toEqual(["h1", "h2", "h3"]);
    expect(history[0]).toEqual(entry("h1", 1, 0));
  });
});

describe("attribute models", () => {
  it("records each version once, the first writer winning, and finds the latest", async () => {
    const t = tenant();
    const model = (version: number, fingerprint: string) => ({ version, fingerprint, definition: { vip: { type: "boolean" } }, recordedAt: at(version) });
    expect(await t.run((s) => s.attributeModels.latest())).toBeUndefined();
    await t.run(async (s) => {
      await s.attributeModels.insert(model(1, "first"));
      await s.attributeModels.insert(model(1, "second"));
      await s.attributeModels.insert(model(2, "v2"));
    });
    expect(await t.run((s) => s.attributeModels.get(1))).toEqual(model(1, "first"));
    expect(await t.run((s) => s.attributeModels.latest())).toEqual(model(2, "v2"));
    expect(await t.run((s) => s.attributeModels.get(3))).toBeUndefined();
  });
});

describe("relations", () => {
  it("round-trips a complete record", async () => {
    const t = tenant();
    const record = relation("r1", {
      kind: "person",
      name: "Émile Zola",
      givenName: "Émile",
      familyName: "Zola",
      ownerId: "user:7",
      emails: [
        { address: "z@x.fr", label: "work", primary: false },
        { address: "e@x.fr", label: null, primary: true },
      ],
      phones: [{ number: "+31201234567", label: "mobile", primary: true }],
      addresses: [{ street: "Rue", city: "Paris", country: "FR" }],
      tags: ["a", "b"],
      attributes: { vip: true, limit: { amount: 100, currency: "EUR" } },
      externalRefs: [
        { system: "crm", externalId: "9" },
        { system: "erp", externalId: "1" },
      ],
    });
    await t.run((s) => s.relations.insert(record));
    expect(await t.run((s) => s.relations.get("r1"))).toEqual(record);
    expect(db.prepare("select name_key from kb_relations where tenant_id = ? and id = 'r1'").get(t.id)).toEqual({ name_key: "emile zola" });
  });

  it("refuses an update from a stale version, changing nothing", async () => {
    const t = tenant();
    await t.run((s) => s.relations.insert(relation("r1", { tags: ["keep"] })));
    const stale = relation("r1", { name: "Changed", version: 3, tags: ["new"] });
    expect(await t.run((s) => s.relations.update(stale, 2))).toBe(false);
    expect(await t.run((s) => s.relations.get("r1"))).toEqual(relation("r1", { tags: ["keep"] }));
    expect(await t.run((s) => s.relations.update(relation("ghost", { version: 2 }), 1))).toBe(false);
  });

  it("replaces child rows on update", async () => {
    const t = tenant();
    await t.run((s) =>
      s.relations.insert(
        relation("r1", {
          emails: [
            { address: "a@x.nl", label: null, primary: true },
            { address: "b@x.nl", label: null, primary: false },
          ],
          phones: [{ number: "+31201234567", label: null, primary: true }],
          tags: ["a", "b"],
          externalRefs: [{ system: "erp", externalId: "1" }],
        }),
      ),
    );
    const next = relation("r1", {
      version: 2,
      name: "Renamed",
      emails: [{ address: "c@x.nl", label: "new", primary: true }],
      phones: [],
      tags: ["c"],
      externalRefs: [{ system: "erp", externalId: "2" }],
    });
    expect(await t.run((s) => s.relations.update(next, 1))).toBe(true);
    expect(await t.run((s) => s.relations.get("r1"))).toEqual(next);
    expect(count(db, "kb_relation_emails", t.id)).toBe(1);
    expect(count(db, "kb_relation_phones", t.id)).toBe(0);
    expect(await t.run((s) => s.relations.findByEmail("a@x.nl"))).toEqual([]);
    expect(await t.run((s) => s.relations.findByExternalRef("erp", "1"))).toBeUndefined();
    expect((await t.run((s) => s.relations.findByExternalRef("erp", "2")))?.id).toBe("r1");
  });

  it("finds by name prefix with %, _ and \\ taken literally, by name, live only", async () => {
    const t = tenant();
    const names = ["100% fruit_co", "1000 lakes", "a_b", "axb", "back\\slash", "backslash", "100% gone"];
    await t.run(async (s) => {
      for (const [i, name] of names.entries()) {
        await s.relations.insert(relation(`r${i}`, { name, deletedAt: name.endsWith("gone") ? at() : null }));
      }
    });
    const search = (prefix: string) => t.run(async (s) => (await s.relations.findByNamePrefix(prefix, 10)).map((r) => r.name));
    expect(await search("100%")).toEqual(["100% fruit_co"]);
    expect(await search("1%")).toEqual([]);
    expect(await search("a_")).toEqual(["a_b"]);
    expect(await search("_")).toEqual([]);
    expect(await search("back\\")).toEqual(["back\\slash"]);
    expect(await search("1")).toEqual(["100% fruit_co", "1000 lakes"]);
    expect(await t.run(async (s) => (await s.relations.findByNamePrefix("", 2)).length)).toBe(2);
  });

  it("finds live relations by e-mail and phone, oldest first; references find deleted ones too", async () => {
    const t = tenant();
    const email = [{ address: "shared@x.nl", label: null, primary: true }];
    await t.run(async (s) => {
      await s.relations.insert(relation("late", { emails: email, createdAt: at(2) }));
      await s.relations.insert(relation("early", { emails: email, createdAt: at(1) }));
      await s.relations.insert(
        relation("gone", {
          emails: email,
          deletedAt: at(3),
          phones: [{ number: "+31201234567", label: null, primary: true }],
          externalRefs: [{ system: "erp", externalId: "x" }],
        }),
      );
    });
    expect((await t.run((s) => s.relations.findByEmail("shared@x.nl"))).map((r) => r.id)).toEqual(["early", "late"]);
    expect(await t.run((s) => s.relations.findByPhone("+31201234567"))).toEqual([]);
    expect((await t.run((s) => s.relations.findByExternalRef("erp", "x")))?.id).toBe("gone");
    expect(await tenant().run((s) => s.relations.findByEmail("shared@x.nl"))).toEqual([]);
  });

  it("loads many relations with one query: the rows with their child rows aggregated as JSON", async () => {
    const t = tenant();
    const ids = Array.from({ length: 30 }, (_, i) => `r${i}`);
    await t.run(async (s) => {
      for (const id of ids) await s.relations.insert(relation(id, { tags: [id], emails: [{ address: `${id}@x.nl`, label: null, primary: true }] }));
    });
    const statements: string[] = [];
    const original = db.prepare.bind(db);
    db.prepare = ((source: string) => (statements.push(source), original(source))) as typeof db.prepare;
    try {
      const many = await t.run((s) => s.relations.getMany([...ids, "unknown"]));
      expect(many.map((r) => r.id).sort()).toEqual([...ids].sort());
      expect(many.every((r) => r.tags[0] === r.id && r.emails[0]?.address === `${r.id}@x.nl`)).toBe(true);
    } finally {
      db.prepare = original;
    }
    // begin, one select (relations with e-mails, phones, tags and refs as JSON), commit.
    expect(statements.filter((q) => q.startsWith("select")).length).toBe(1);
  });
});

describe("links", () => {
  it("walks parent organisations upwards and survives a cycle", async () => {
    const t = tenant();
    await t.run(async (s) => {
      for (const id of ["a", "b", "c", "d", "p"]) await s.relations.insert(relation(id));
      await s.links.insert(link("l1", "a", "b"));
      await s.links.insert(link("l2", "b", "c"));
      await s.links.insert(link("l3", "c", "a"));
      await s.links.insert(link("l4", "p", "a", { kind: "employment" }));
    });
    expect((await t.run((s) => s.links.ancestorsOf("a"))).sort()).toEqual(["a", "b", "c"]);
    expect(await t.run((s) => s.links.ancestorsOf("d"))).toEqual([]);
    expect((await t.run((s) => s.links.listForRelation("a"))).map((l) => l.id)).toEqual(["l1", "l3", "l4"]);
  });

  it("updates and deletes only at the expected version", async () => {
    const t = tenant();
    await t.run(async (s) => {
      await s.relations.insert(relation("p"));
      await s.relations.insert(relation("o"));
      await s.links.insert(link("l1", "p", "o", { kind: "employment", jobTitle: "CEO", validFrom: "2026-01-01" }));
    });
    const next = link("l1", "p", "o", { kind: "employment", jobTitle: "CTO", validFrom: "2026-01-01", validTo: "2026-12-31", version: 2 });
    expect(await t.run((s) => s.links.update(next, 2))).toBe(false);
    expect(await t.run((s) => s.links.update(next, 1))).toBe(true);
    expect(await t.run((s) => s.links.get("l1"))).toEqual(next);
    expect(await t.run((s) => s.links.delete("l1", 1))).toBe(false);
    expect(await t.run((s) => s.links.delete("l1", 2))).toBe(true);
    expect(await t.run((s) => s.links.get("l1"))).toBeUndefined();
  });
});

describe("interactions", () => {
  async function withRelations(ids: string[]) {
    const t = tenant();
    await t.run(async (s) => {
      for (const id of ids) await s.relations.insert(relation(id));
    });
    return t;
  }

  it("round-trips links in their given order and participants", async () => {
    const t = await withRelations(["zed", "amy"]);
    const record = interaction("i1", ["zed", "amy"], {
      kind: "email",
      direction: "inbound",
      channel: "email",
      subject: "Hi",
      body: "Body",
      externalKey: "<k@x>",
      participants: [
        { role: "from", relationId: "amy", address: "amy@x.nl", name: "Amy" },
        { role: "to", relationId: null, address: "us@x.nl", name: null },
      ],
    });
    expect(await t.run((s) => s.interactions.insert(record))).toBe(true);
    expect(await t.run((s) => s.interactions.get("i1"))).toEqual(record);
    expect(await t.run((s) => s.interactions.getByExternalKey("<k@x>"))).toEqual(record);
  });

  it("inserts nothing and returns false when the external key is taken", async () => {
    const t = await withRelations(["r1", "r2"]);
    expect(await t.run((s) => s.interactions.insert(interaction("i1", ["r1"], { externalKey: "<once@x>" })))).toBe(true);
    const again = interaction("i2", ["r1", "r2"], { externalKey: "<once@x>", participants: [{ role: "to", relationId: null, address: "a@x", name: null }] });
    expect(await t.run((s) => s.interactions.insert(again))).toBe(false);
    expect(count(db, "kb_interactions", t.id)).toBe(1);
    expect(count(db, "kb_interaction_relations", t.id)).toBe(1);
    expect(count(db, "kb_interaction_participants", t.id)).toBe(0);
    // The same key in another tenant is another key.
    const other = await withRelations(["r1"]);
    expect(await other.run((s) => s.interactions.insert(interaction("i1", ["r1"], { externalKey: "<once@x>" })))).toBe(true);
  });

  it("refuses a link to a missing relation with INTEGRITY, writing nothing", async () => {
    const t = await withRelations(["r1"]);
    const error = await t.run((s) => s.interactions.insert(interaction("i1", ["r1", "ghost"]))).catch((e: unknown) => e);
    expect(isCrmError(error, "INTEGRITY")).toBe(true);
    expect(count(db, "kb_interactions", t.id)).toBe(0);
  });

  it("updates own fields at the expected version and keeps the timeline copy of occurred_at in step", async () => {
    const t = await withRelations(["r1"]);
    await t.run((s) => s.interactions.insert(interaction("i1", ["r1"])));
    const next = interaction("i1", ["r1"], { subject: "Moved", occurredAt: at(60), version: 2, updatedAt: at(61) });
    expect(await t.run((s) => s.interactions.update(next, 2))).toBe(false);
    expect(await t.run((s) => s.interactions.update(next, 1))).toBe(true);
    expect(await t.run((s) => s.interactions.get("i1"))).toEqual(next);
    expect(db.prepare("select occurred_at from kb_interaction_relations where tenant_id = ?").all(t.id)).toEqual([{ occurred_at: at(60) }]);
  });

  it("pages a timeline by (occurredAt, id) over equal timestamps without gaps or repeats", async () => {
    const t = await withRelations(["r1"]);
    const ids = Array.from({ length: 9 }, (_, i) => `i${i}`);
    await t.run(async (s) => {
      for (const [i, id] of ids.entries()) await s.interactions.insert(interaction(id, ["r1"], { occurredAt: at(i % 3) }));
      await s.interactions.insert(interaction("deleted", ["r1"], { occurredAt: at(1), deletedAt: at(5) }));
    });
    const expected = ids
      .map((id, i) => ({ id, occurredAt: at(i % 3) }))
      .sort((a, b) => (a.occurredAt === b.occurredAt ? (a.id < b.id ? 1 : -1) : a.occurredAt < b.occurredAt ? 1 : -1))
      .map((x) => x.id);
    const seen: string[] = [];
    let after: { occurredAt: string; id: string } | undefined;
    for (;;) {
      const page = await t.run((s) => s.interactions.timeline({ relationIds: ["r1"], limit: 2, ...(after ? { after } : {}) }));
      if (page.length === 0) break;
      seen.push(...page.map((p) => p.id));
      const last = page[page.length - 1]!;
      after = { occurredAt: last.occurredAt, id: last.id };
    }
    expect(seen).toEqual(expected);
  });

  it("lists an interaction shared by several relations once", async () => {
    const t = await withRelations(["a", "b", "c"]);
    await t.run(async (s) => {
      await s.interactions.insert(interaction("shared", ["a", "b"], { occurredAt: at(2) }));
      await s.interactions.insert(interaction("onA", ["a"], { occurredAt: at(1) }));
      await s.interactions.insert(interaction("onC", ["c"], { occurredAt: at(3) }));
    });
    const page = await t.run((s) => s.interactions.timeline({ relationIds: ["a", "b"], limit: 10 }));
    expect(page.map((i) => i.id)).toEqual(["shared", "onA"]);
    expect(page[0]?.relationIds).toEqual(["a", "b"]);
    expect(await t.run((s) => s.interactions.timeline({ relationIds: [], limit: 10 }))).toEqual([]);
  });
});
