import fc from "fast-check";
import { randomUUID } from "node:crypto";
import { describe, expect, it } from "vitest";
import type { CrmEvent, Interaction, TenantCrm } from "@kaartenbak/core";
import type { InteractionRecord } from "@kaartenbak/core/storage";
import { expectCrmError, type SuiteContext, type SuiteWorld } from "./harness.js";

/**
 * Unmatched contact moments: an interaction whose participants are all unknown is kept with no
 * relation, and attaches itself to the relation that later holds one of its participants' e-mail
 * addresses — in the transaction of every write that gives a live relation an address (create,
 * update, bulk import, restore, merge), with a version step, a history entry and an
 * `interaction.matched` event. Checked through the SDK and the raw side channel.
 */

const RUNS = Number(process.env.KAARTENBAK_UNMATCHED_RUNS ?? 12);

const mail = (address: string, extra: Record<string, unknown> = {}) => ({
  kind: "email",
  occurredAt: "2026-03-02T09:00:00Z",
  subject: `Mail from ${address}`,
  participants: [{ role: "from" as const, address, name: "Unknown sender" }],
  ...extra,
});

const timelineIds = async (t: TenantCrm, relationId: string) => (await t.interactions.timeline(relationId, { limit: 500 })).items.map((i) => i.id);
const unmatchedIds = async (t: TenantCrm) => (await t.interactions.unmatched({ limit: 500 })).items.map((i) => i.id);
const matchedEvents = async (t: TenantCrm) =>
  (await t.outbox.read({ after: 0, limit: 1000 })).filter((e): e is CrmEvent & { type: "interaction.matched" } => e.type === "interaction.matched");

/** Inserts an interaction straight through the storage contract, as a store-level caller (or data from before claiming existed) leaves it. */
async function insertRaw(w: SuiteWorld, participants: InteractionRecord["participants"], body: string | null = null): Promise<string> {
  const id = randomUUID();
  const at = "2026-01-05T08:00:00.000Z";
  await w.storage.transaction(w.tenantId, async (store) => {
    await store.bulk.insertInteractions([
      {
        id,
        kind: "email",
        direction: "inbound",
        channel: null,
        occurredAt: at,
        subject: "Stored before",
        body,
        outcome: null,
        relationIds: [],
        participants,
        dealIds: [],
        externalKey: null,
        version: 1,
        createdAt: at,
        updatedAt: at,
        deletedAt: null,
      },
    ]);
  });
  return id;
}

/** Asserts that `relationId` claimed `interaction` with one version step, a history entry and an `interaction.matched` event. */
async function expectClaimed(w: SuiteWorld, before: Interaction, relationId: string, positions: number[]) {
  const after = (await w.t.interactions.get(before.id))!;
  expect(after.relationIds).toEqual([...before.relationIds, relationId]);
  expect(after.version).toBe(before.version + 1);
  expect(after.updatedAt >= before.updatedAt).toBe(true);
  for (const position of positions) expect(after.participants[position]?.relationId).toBe(relationId);
  expect(await timelineIds(w.t, relationId)).toContain(before.id);
  const history = await w.t.history.list("interaction", before.id);
  expect(history.at(-1)).toMatchObject({
    action: "update",
    version: after.version,
    changes: { relationIds: { from: before.relationIds, to: after.relationIds } },
  });
  const events = (await matchedEvents(w.t)).filter((e) => e.entityId === before.id && e.payload.relationId === relationId);
  expect(events.map((e) => e.payload)).toEqual([
    {
      interactionId: before.id,
      relationId,
      version: after.version,
      relationIds: after.relationIds,
      participants: positions.map((position) => ({ position, address: after.participants[position]!.address })),
    },
  ]);
  const rows = await w.rows("kb_interaction_participants", { interaction_id: before.id });
  for (const position of positions) expect(rows.find((r) => Number(r.position) === position)?.relation_id).toBe(relationId);
  expect((await w.rows("kb_interaction_relations", { interaction_id: before.id, relation_id: relationId })).length).toBe(1);
  return after;
}

export function unmatchedSuite(ctx: SuiteContext): void {
  describe("unmatched contact moments", () => {
    it("logs an interaction with only unknown addresses: no relation, on no timeline, listed as unmatched, found by get and search", async () => {
      const w = ctx.world();
      const known = await w.t.relations.create({ kind: "person", givenName: "Kees", familyName: "Known", emails: ["kees@example.nl"] });
      const { interaction, created } = await w.t.interactions.log(mail(" Pieter.Post@Example.NL ", { subject: "Offerte zonnepanelen" }));
      expect(created).toBe(true);
      expect(interaction.relationIds).toEqual([]);
      expect(interaction.participants).toEqual([{ role: "from", relationId: null, address: "pieter.post@example.nl", name: "Unknown sender" }]);
      expect(await w.t.interactions.get(interaction.id)).toEqual(interaction);
      expect(await timelineIds(w.t, known.id)).toEqual([]);
      expect(await unmatchedIds(w.t)).toEqual([interaction.id]);
      expect((await w.t.interactions.search("zonnepanelen")).items.map((h) => h.item.id)).toEqual([interaction.id]);
      expect(await w.rows("kb_interaction_relations", { interaction_id: interaction.id })).toEqual([]);
    });

    it("refuses an interaction with neither a relation nor a participant address, naming the path", async () => {
      const w = ctx.world();
      for (const input of [
        { kind: "note", occurredAt: "2026-01-01T00:00:00Z" },
        { kind: "note", occurredAt: "2026-01-01T00:00:00Z", relationIds: [], participants: [] },
      ]) {
        const error = await expectCrmError(w.t.interactions.log(input), "VALIDATION");
        expect(error.issues.map((i) => i.path)).toEqual([["relationIds"]]);
        expect(error.issues[0]?.message).toMatch(/relation.*address/);
      }
      const bulk = await expectCrmError(w.t.bulk.logInteractions([{ kind: "note", occurredAt: "2026-01-01T00:00:00Z" }]), "VALIDATION");
      expect(bulk.issues[0]?.path).toEqual([0, "relationIds"]);
      expect(await w.rows("kb_interactions")).toEqual([]);
    });

    it("a person created with the address claims it, whatever the case and spacing", async () => {
      const w = ctx.world();
      const { interaction } = await w.t.interactions.log(mail("Pieter.Post@example.nl"));
      const person = await w.t.relations.create({ kind: "person", givenName: "Pieter", familyName: "Post", emails: ["  PIETER.post@EXAMPLE.nl "] });
      await expectClaimed(w, interaction, person.id, [0]);
      expect(await unmatchedIds(w.t)).toEqual([]);
      // The claim is written by the relation's command: its actor and source.
      const [event] = await matchedEvents(w.t);
      expect(event).toMatchObject({ actor: "user:test", source: "conformance", entityType: "interaction" });
    });

    it("an update that adds the address claims it; one that changes nothing else claims nothing more", async () => {
      const w = ctx.world();
      const person = await w.t.relations.create({ kind: "person", givenName: "Ans", familyName: "Ader" });
      const { interaction } = await w.t.interactions.log(mail("ans@ader.example"));
      expect(await unmatchedIds(w.t)).toEqual([interaction.id]);
      const updated = await w.t.relations.update(person.id, { emails: ["ans@ader.example"] }, { expectedVersion: person.version });
      const claimed = await expectClaimed(w, interaction, person.id, [0]);
      await w.t.relations.update(person.id, { familyName: "Ader-Smit" }, { expectedVersion: updated.version });
      expect((await w.t.interactions.get(interaction.id))!.version).toBe(claimed.version);
      expect(await matchedEvents(w.t)).toHaveLength(1);
    });

    it("an unknown cc of a matched interaction is claimed too, keeping its first relation", async () => {
      const w = ctx.world();
      const anna = await w.t.relations.create({ kind: "person", givenName: "Anna", familyName: "Bos", emails: ["anna@bos.example"] });
      const { interaction } = await w.t.interactions.log({
        kind: "email",
        occurredAt: "2026-02-01T10:00:00Z",
        participants: [
          { role: "from", address: "anna@bos.example" },
          { role: "cc", address: "bert@bos.example" },
        ],
      });
      // The sender was known when it was logged: matched at once, no claim needed.
      expect(interaction).toMatchObject({ relationIds: [anna.id], version: 1 });
      expect(interaction.participants.map((p) => p.relationId)).toEqual([anna.id, null]);
      expect(await unmatchedIds(w.t)).toEqual([]);
      expect(await matchedEvents(w.t)).toEqual([]);
      const bert = await w.t.relations.create({ kind: "person", givenName: "Bert", familyName: "Bos", emails: ["bert@bos.example"] });
      const after = await expectClaimed(w, interaction, bert.id, [1]);
      expect(after.relationIds).toEqual([anna.id, bert.id]);
      expect(await timelineIds(w.t, anna.id)).toEqual([interaction.id]);
    });

    it("bulk.upsertRelations claims in every chunk, one version step per interaction", async () => {
      const w = ctx.world();
      const logged = [];
      for (let i = 0; i < 5; i++)
        logged.push((await w.t.interactions.log(mail(`Lead${i}@Import.example`, { occurredAt: `2026-03-0${i + 1}T09:00:00Z` }))).interaction);
      // Two addresses of one interaction, held by two people imported in different chunks.
      const both = (
        await w.t.interactions.log({
          kind: "meeting",
          occurredAt: "2026-03-09T09:00:00Z",
          participants: [
            { role: "organizer", address: "lead0@import.example" },
            { role: "attendee", address: "lead4@import.example" },
          ],
        })
      ).interaction;
      const result = await w.t.bulk.upsertRelations(
        Array.from({ length: 5 }, (_, i) => ({
          kind: "person" as const,
          givenName: "Lead",
          familyName: `${i}`,
          emails: [`lead${i}@import.example`],
          externalRefs: [{ system: "erp", externalId: `L-${i}` }],
        })),
        { chunkSize: 2 },
      );
      expect(result.created).toBe(5);
      const people = await Promise.all([0, 1, 2, 3, 4].map(async (i) => (await w.t.relations.findByExternalRef("erp", `L-${i}`))!));
      for (const [i, interaction] of logged.entries()) await expectClaimed(w, interaction, people[i]!.id, [0]);
      const after = (await w.t.interactions.get(both.id))!;
      expect(after.relationIds).toEqual([people[0]!.id, people[4]!.id]);
      // Claimed in the first chunk and again in the third: two version steps, two entries, two events.
      expect(after.version).toBe(3);
      expect((await w.t.history.list("interaction", both.id)).map((h) => h.action)).toEqual(["create", "update", "update"]);
      expect((await matchedEvents(w.t)).filter((e) => e.entityId === both.id).map((e) => e.payload.relationId)).toEqual([people[0]!.id, people[4]!.id]);
      expect(await unmatchedIds(w.t)).toEqual([]);
    });

    it("upsertByExternalRef claims when it creates and when it adds the address", async () => {
      const w = ctx.world();
      const first = (await w.t.interactions.log(mail("new@upsert.example"))).interaction;
      const later = (await w.t.interactions.log(mail("second@upsert.example"))).interaction;
      const ref = { system: "outlook", externalId: "C-1" };
      const created = await w.t.relations.upsertByExternalRef(
        ref,
        { kind: "person", givenName: "Up", familyName: "Sert", emails: ["new@upsert.example"] },
        { source: "sync:outlook" },
      );
      await expectClaimed(w, first, created.relation.id, [0]);
      expect((await matchedEvents(w.t))[0]).toMatchObject({ source: "sync:outlook" });
      await w.t.relations.upsertByExternalRef(ref, {
        kind: "person",
        givenName: "Up",
        familyName: "Sert",
        emails: ["new@upsert.example", "second@upsert.example"],
      });
      await expectClaimed(w, later, created.relation.id, [0]);
    });

    it("bulk.logInteractions logs unmatched ones and matches addresses a live relation already holds", async () => {
      const w = ctx.world();
      const known = await w.t.relations.create({ kind: "person", givenName: "Ken", familyName: "Bekend", emails: ["ken@bekend.example"] });
      const result = await w.t.bulk.logInteractions(
        [
          mail("KEN@bekend.example", { externalKey: "<m1@x>" }),
          mail("stranger@nowhere.example", { externalKey: "<m2@x>" }),
          {
            ...mail("stranger@nowhere.example", { externalKey: "<m3@x>" }),
            participants: [
              { role: "from", address: "stranger@nowhere.example" },
              { role: "cc", address: "ken@bekend.example" },
            ],
          },
        ],
        { chunkSize: 2 },
      );
      expect(result.created).toBe(3);
      const [m1, m2, m3] = await Promise.all(["<m1@x>", "<m2@x>", "<m3@x>"].map(async (k) => (await w.t.interactions.findByExternalKey(k))!));
      expect([m1, m2, m3].map((i) => [i!.relationIds, i!.version])).toEqual([
        [[known.id], 1],
        [[], 1],
        [[known.id], 1],
      ]);
      expect(m3!.participants.map((p) => p.relationId)).toEqual([null, known.id]);
      expect(await unmatchedIds(w.t)).toEqual([m2!.id]);
      expect(await matchedEvents(w.t)).toEqual([]);
      // The logged entry holds the match; no claim was needed.
      expect((await w.t.history.list("interaction", m1!.id)).map((h) => [h.action, h.changes.relationIds?.to])).toEqual([["create", [known.id]]]);
      const stranger = await w.t.relations.create({ kind: "person", givenName: "Stan", familyName: "Ger", emails: ["stranger@nowhere.example"] });
      await expectClaimed(w, m2!, stranger.id, [0]);
      await expectClaimed(w, m3!, stranger.id, [0]);
    });

    it("deleted contact moments are claimed too, so restoring one finds it on the timeline", async () => {
      const w = ctx.world();
      const logged = (await w.t.interactions.log(mail("late@comer.example"))).interaction;
      const deleted = await w.t.interactions.delete(logged.id, { expectedVersion: logged.version });
      const person = await w.t.relations.create({ kind: "person", givenName: "Late", familyName: "Comer", emails: ["late@comer.example"] });
      const claimed = (await w.t.interactions.get(logged.id, { includeDeleted: true }))!;
      expect(claimed).toMatchObject({ relationIds: [person.id], version: deleted.version + 1 });
      expect(await timelineIds(w.t, person.id)).toEqual([]);
      const restored = await w.t.interactions.restore(logged.id, { expectedVersion: claimed.version });
      expect(restored.version).toBe(claimed.version + 1);
      expect(await timelineIds(w.t, person.id)).toEqual([logged.id]);
      // The version restore returned is current: the next write needs no re-read.
      await w.t.interactions.update(logged.id, { subject: "Read" }, { expectedVersion: restored.version });
    });

    it("deleted relations claim nothing; restoring one claims what carries its address", async () => {
      const w = ctx.world();
      const person = await w.t.relations.create({ kind: "person", givenName: "Dirk", familyName: "Dood", emails: ["dirk@example.org"] });
      const deleted = await w.t.relations.delete(person.id, { expectedVersion: person.version });
      const { interaction } = await w.t.interactions.log(mail("dirk@example.org"));
      expect(interaction.relationIds).toEqual([]);
      expect(await unmatchedIds(w.t)).toEqual([interaction.id]);
      // Another write of the deleted relation's address elsewhere does not make it claim either.
      const other = await w.t.relations.create({ kind: "organisation", name: "Elsewhere", emails: ["info@elsewhere.example"] });
      expect((await w.t.interactions.get(interaction.id))!.relationIds).toEqual([]);
      await w.t.relations.restore(person.id, { expectedVersion: deleted.version });
      await expectClaimed(w, interaction, person.id, [0]);
      expect(await timelineIds(w.t, other.id)).toEqual([]);
    });

    it("a merge whose survivor gains the address claims participants left unclaimed", async () => {
      const w = ctx.world();
      const keep = await w.t.relations.create({ kind: "person", givenName: "Mia", familyName: "Mol", emails: ["mia@mol.example"] });
      const drop = await w.t.relations.create({ kind: "person", givenName: "Mia", familyName: "Mol", emails: ["m.mol@work.example"] });
      // Written through the storage contract alone, as data from before claiming existed is.
      const id = await insertRaw(w, [{ role: "from", relationId: null, address: "m.mol@work.example", name: null }]);
      const before = (await w.t.interactions.get(id))!;
      expect(before.relationIds).toEqual([]);
      const merged = await w.t.relations.merge(keep.id, drop.id);
      expect(merged.survivor.emails.map((e) => e.address)).toContain("m.mol@work.example");
      await expectClaimed(w, before, keep.id, [0]);
    });

    it("store-inserted unmatched interactions are claimable, and a later relation of the address claims them", async () => {
      const w = ctx.world();
      const id = await insertRaw(w, [
        { role: "from", relationId: null, address: "sync@unknown.example", name: "Sync" },
        { role: "to", relationId: null, address: "+31201234567", name: null },
      ]);
      const before = (await w.t.interactions.get(id))!;
      expect(await unmatchedIds(w.t)).toEqual([id]);
      const person = await w.t.relations.create({
        kind: "person",
        givenName: "Sy",
        familyName: "Nc",
        emails: ["sync@unknown.example"],
        phones: ["+31201234567"],
      });
      // E-mail addresses claim; phone numbers are not matched.
      const after = await expectClaimed(w, before, person.id, [0]);
      expect(after.participants[1]?.relationId).toBeNull();
    });

    it("the store's claimInteractions claims the given interactions only, once, and reports what it did", async () => {
      const w = ctx.world();
      const person = await w.t.relations.create({ kind: "person", givenName: "Ria", familyName: "Raw", emails: ["ria@raw.example"] });
      const other = await w.t.relations.create({ kind: "organisation", name: "Raw BV" });
      const parts = [
        { role: "from" as const, relationId: other.id, address: "info@raw.example", name: null },
        { role: "to" as const, relationId: null, address: "ria@raw.example", name: "Ria" },
      ];
      const first = await insertRaw(w, parts);
      const second = await insertRaw(w, parts);
      const at = "2026-07-01T12:00:00.000Z";
      const claims = await w.storage.transaction(w.tenantId, (store) => store.unmatched.claimInteractions([first], at));
      expect(claims).toEqual([
        {
          interactionId: first,
          version: 2,
          updatedAt: at,
          relationIdsBefore: [],
          relationIds: [person.id],
          participants: [{ position: 1, address: "ria@raw.example", relationId: person.id }],
        },
      ]);
      // Inserted straight through the store, the first participant's relation was not linked: only the claim links.
      expect((await w.t.interactions.get(first))!).toMatchObject({ version: 2, updatedAt: at, relationIds: [person.id] });
      expect((await w.t.interactions.get(second))!).toMatchObject({ version: 1, relationIds: [] });
      expect(await w.storage.transaction(w.tenantId, (store) => store.unmatched.claimInteractions([first], at))).toEqual([]);
      const holders = await w.storage.transaction(w.tenantId, (store) => store.unmatched.holders(["ria@raw.example", "nobody@raw.example"]));
      expect([...holders]).toEqual([["ria@raw.example", person.id]]);
    });

    it("when several live relations hold the address, the one with the smallest id claims", async () => {
      const w = ctx.world();
      const a = await w.t.relations.create({ kind: "person", givenName: "Twee", familyName: "A", emails: ["shared@example.com"] });
      const b = await w.t.relations.create({ kind: "person", givenName: "Twee", familyName: "B", emails: ["shared@example.com"] });
      const [low, high] = [a, b].sort((x, y) => (x.id < y.id ? -1 : 1));
      const { interaction } = await w.t.interactions.log(mail("shared@example.com"));
      expect(interaction.relationIds).toEqual([low!.id]);
      const id = await insertRaw(w, [{ role: "from", relationId: null, address: "shared@example.com", name: null }]);
      const before = (await w.t.interactions.get(id))!;
      // The write of the higher id triggers the claim; the lower id still takes it.
      await w.t.relations.update(high!.id, { familyName: "Bee" }, { expectedVersion: high!.version });
      await expectClaimed(w, before, low!.id, [0]);
    });

    it("lists unmatched interactions newest first with a cursor, without deleted ones", async () => {
      const w = ctx.world();
      const known = await w.t.relations.create({ kind: "organisation", name: "Known BV" });
      const ids: string[] = [];
      for (const day of ["01", "02", "03", "04"])
        ids.push((await w.t.interactions.log(mail(`x${day}@nobody.example`, { occurredAt: `2026-04-${day}T12:00:00Z` }))).interaction.id);
      await w.t.interactions.log({ kind: "note", occurredAt: "2026-04-05T12:00:00Z", relationIds: [known.id] });
      const gone = (await w.t.interactions.get(ids[1]!))!;
      await w.t.interactions.delete(gone.id, { expectedVersion: gone.version });
      const first = await w.t.interactions.unmatched({ limit: 2 });
      expect(first.items.map((i) => i.id)).toEqual([ids[3], ids[2]]);
      const second = await w.t.interactions.unmatched({ limit: 2, cursor: first.nextCursor! });
      expect(second.items.map((i) => i.id)).toEqual([ids[0]]);
      expect(second.nextCursor).toBeUndefined();
      await expectCrmError(w.t.interactions.unmatched({ limit: 0 }), "VALIDATION");
    });

    it("the access export holds contact moments carrying the relation's address unclaimed; erasure removes the address and the body", async () => {
      const w = ctx.world();
      const person = await w.t.relations.create({ kind: "person", givenName: "Eva", familyName: "Weg", emails: ["eva@weg.example"] });
      const own = (await w.t.interactions.log({ kind: "note", occurredAt: "2026-06-01T10:00:00Z", relationIds: [person.id], subject: "Own" })).interaction;
      const id = await insertRaw(w, [{ role: "from", relationId: null, address: "eva@weg.example", name: "Eva Weg" }], "Groeten, Eva (eva@weg.example)");
      const other = await insertRaw(w, [{ role: "from", relationId: null, address: "someone@else.example", name: null }], "Not about Eva");
      const exported = await w.t.privacy.accessExport(person.id);
      expect(exported.interactions.map((i) => i.id)).toEqual([own.id, id]);
      await w.t.privacy.erase(person.id);
      const rows = await w.rows("kb_interaction_participants", { interaction_id: id });
      expect(rows.map((r) => [r.address, r.name, r.relation_id])).toEqual([[null, null, null]]);
      const erased = (await w.t.interactions.get(id))!;
      expect(erased.body).toBeNull();
      expect(JSON.stringify(erased)).not.toContain("eva@weg.example");
      expect((await w.t.interactions.get(other))!.body).toBe("Not about Eva");
      expect(JSON.stringify(await w.rows("kb_interactions"))).not.toContain("eva@weg.example");
    });

    it("an erased person's address does not come back through a later unmatched contact moment", async () => {
      const w = ctx.world();
      const person = await w.t.relations.create({ kind: "person", givenName: "Eva", familyName: "Weg", emails: ["eva@weg.example"] });
      await w.t.privacy.erase(person.id);
      const { interaction } = await w.t.interactions.log(mail("Eva@Weg.example", { externalKey: "<after-erasure@x>" }));
      expect(interaction.relationIds).toEqual([]);
      expect(interaction.participants).toEqual([{ role: "from", relationId: null, address: null, name: null }]);
      await w.t.bulk.logInteractions([mail("eva@weg.example", { externalKey: "<bulk-after-erasure@x>" })]);
      expect((await w.t.interactions.findByExternalKey("<bulk-after-erasure@x>"))!.participants).toEqual([
        { role: "from", relationId: null, address: null, name: null },
      ]);
      expect(JSON.stringify(await w.rows("kb_interaction_participants"))).not.toContain("eva@weg.example");
      // Re-admitted, the address is kept again.
      await w.t.privacy.readmit({ emails: ["eva@weg.example"] });
      expect((await w.t.interactions.log(mail("eva@weg.example"))).interaction.participants[0]?.address).toBe("eva@weg.example");
    });

    it("property: a participant is claimed exactly when a live relation holds its address; timelines equal a reference", async () => {
      const address = fc.integer({ min: 0, max: 5 }).map((n) => `p${n}@prop.example`);
      const op = fc.oneof(
        fc.record({ type: fc.constant("create" as const), emails: fc.uniqueArray(address, { maxLength: 2 }) }),
        fc.record({ type: fc.constant("addEmail" as const), who: fc.nat(), email: address }),
        fc.record({ type: fc.constant("delete" as const), who: fc.nat() }),
        fc.record({ type: fc.constant("restore" as const), who: fc.nat() }),
        fc.record({ type: fc.constant("log" as const), addresses: fc.uniqueArray(address, { minLength: 1, maxLength: 3 }) }),
      );
      await fc.assert(
        fc.asyncProperty(
          fc.array(fc.uniqueArray(address, { minLength: 1, maxLength: 3 }), { minLength: 1, maxLength: 5 }),
          fc.array(op, { maxLength: 10 }),
          async (mails, ops) => {
            const w = ctx.world();
            // The reference: relations with their e-mails and liveness, participants with their claimant.
            const relations: { id: string; version: number; emails: string[]; live: boolean }[] = [];
            const interactions: { id: string; parts: { address: string; relationId: string | null }[]; relationIds: string[] }[] = [];
            const claimAll = () => {
              for (const i of interactions)
                for (const p of i.parts) {
                  if (p.relationId) continue;
                  const holders = relations
                    .filter((r) => r.live && r.emails.includes(p.address))
                    .map((r) => r.id)
                    .sort();
                  if (holders[0]) {
                    p.relationId = holders[0];
                    if (!i.relationIds.includes(holders[0])) i.relationIds.push(holders[0]);
                  }
                }
            };
            const log = async (addresses: string[], n: number) => {
              const { interaction } = await w.t.interactions.log({
                kind: "email",
                occurredAt: new Date(Date.UTC(2026, 0, 1, 0, n)).toISOString(),
                participants: addresses.map((a) => ({ role: "to" as const, address: a.toUpperCase() })),
              });
              interactions.push({ id: interaction.id, parts: addresses.map((a) => ({ address: a, relationId: null })), relationIds: [] });
              claimAll();
            };
            for (const [n, addresses] of mails.entries()) await log(addresses, n);
            for (const [n, o] of ops.entries()) {
              const target = relations.length > 0 && "who" in o ? relations[o.who % relations.length]! : undefined;
              if (o.type === "create") {
                const r = await w.t.relations.create({ kind: "person", givenName: "P", familyName: `${n}`, emails: o.emails });
                relations.push({ id: r.id, version: r.version, emails: [...o.emails], live: true });
              } else if (o.type === "log") {
                await log(o.addresses, 100 + n);
              } else if (target && o.type === "addEmail" && target.live && !target.emails.includes(o.email)) {
                const r = await w.t.relations.update(target.id, { emails: [...target.emails, o.email] }, { expectedVersion: target.version });
                target.version = r.version;
                target.emails.push(o.email);
              } else if (target && o.type === "delete" && target.live) {
                target.version = (await w.t.relations.delete(target.id, { expectedVersion: target.version })).version;
                target.live = false;
              } else if (target && o.type === "restore" && !target.live) {
                target.version = (await w.t.relations.restore(target.id, { expectedVersion: target.version })).version;
                target.live = true;
              } else continue;
              claimAll();
            }
            for (const i of interactions) {
              const stored = (await w.t.interactions.get(i.id))!;
              expect(stored.participants.map((p) => p.relationId)).toEqual(i.parts.map((p) => p.relationId));
              expect(stored.relationIds).toEqual(i.relationIds);
            }
            for (const r of relations) {
              const expected = interactions.filter((i) => i.relationIds.includes(r.id)).map((i) => i.id);
              expect((await timelineIds(w.t, r.id)).sort()).toEqual(expected.sort());
            }
            const unmatched = interactions.filter((i) => i.relationIds.length === 0).map((i) => i.id);
            expect((await unmatchedIds(w.t)).sort()).toEqual(unmatched.sort());
          },
        ),
        { numRuns: RUNS },
      );
    });
  });
}
