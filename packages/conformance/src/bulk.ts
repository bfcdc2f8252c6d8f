import fc from "fast-check";
import { describe, expect, it } from "vitest";
import type { RelationInput } from "@kaartenbak/core";
import { faultyStorage } from "./faults.js";
import { expectCrmError, num, type SuiteContext } from "./harness.js";
import { customer, salesWorld, standardPipeline } from "./sales-fixtures.js";

const person = (i: number, extra: Partial<RelationInput> = {}): RelationInput => ({
  kind: "person",
  name: `Person ${i}`,
  emails: [`p${i}@example.com`],
  phones: [`+3120${String(1_000_000 + i).slice(-7)}`],
  externalRefs: [{ system: "erp", externalId: `P-${i}` }],
  ...extra,
});

async function* stream<T>(items: readonly T[]): AsyncGenerator<T> {
  for (const item of items) yield item;
}

/** Bulk imports: same rows, history and events as the one-by-one API, in chunked transactions. */
export function bulkSuite(ctx: SuiteContext): void {
  describe("bulk", () => {
    it("streams relations in chunks with history and a gap-free outbox; a replay writes nothing", async () => {
      const w = ctx.world();
      const items = Array.from({ length: 1_200 }, (_, i) => person(i));
      const progress: number[] = [];
      const result = await w.t.bulk.upsertRelations(stream(items), { chunkSize: 500, onProgress: (p) => progress.push(p.processed) });
      expect(result).toEqual({ processed: 1_200, created: 1_200, updated: 0, unchanged: 0, rejected: [] });
      expect(progress).toEqual([500, 1_000, 1_200]);
      expect((await w.rows("kb_relations")).length).toBe(1_200);
      expect((await w.rows("kb_relation_emails")).length).toBe(1_200);
      expect((await w.rows("kb_relation_refs")).length).toBe(1_200);
      expect((await w.rows("kb_history")).length).toBe(1_200);
      const sequences = (await w.rows("kb_outbox")).map((r) => num(r.sequence)).sort((a, b) => a - b);
      expect(sequences).toEqual(Array.from({ length: 1_200 }, (_, i) => i + 1));
      expect((await w.t.relations.findByPhone("020 1000007")).map((r) => r.name)).toEqual(["Person 7"]);

      const before = await w.counts();
      const replay = await w.t.bulk.upsertRelations(items, { chunkSize: 500 });
      expect(replay).toMatchObject({ created: 0, updated: 0, unchanged: 1_200 });
      expect(await w.counts()).toEqual(before);

      const changed = await w.t.bulk.upsertRelations([person(3, { lifecycle: "customer" }), person(5000)]);
      expect(changed).toMatchObject({ created: 1, updated: 1, unchanged: 0 });
      const p3 = await w.t.relations.findByExternalRef("erp", "P-3");
      expect(p3).toMatchObject({ lifecycle: "customer", version: 2 });
      expect((await w.t.history.list("relation", p3!.id)).map((h) => h.action)).toEqual(["create", "update"]);
    });

    it("merges items of one import that share an external reference into one relation", async () => {
      const w = ctx.world();
      const result = await w.t.bulk.upsertRelations([person(1), person(2), person(1, { lifecycle: "lead", tags: ["x"] })]);
      expect(result).toMatchObject({ created: 2, updated: 0 });
      const p1 = await w.t.relations.findByExternalRef("erp", "P-1");
      expect(p1).toMatchObject({ lifecycle: "lead", tags: ["x"], version: 1 });
      expect((await w.t.outbox.read()).map((e) => e.type)).toEqual(["relation.created", "relation.created"]);
    });

    it("refuses a chunk with invalid items, naming each by its index; or skips them on request", async () => {
      const w = ctx.world();
      const items = [person(1), person(2), { kind: "person", emails: ["bad"] } as RelationInput, person(4), person(5)];
      const error = await expectCrmError(w.t.bulk.upsertRelations(items, { chunkSize: 2 }), "VALIDATION");
      expect(error.issues.map((i) => i.path.join("."))).toEqual(expect.arrayContaining(["2.emails.0.address", "2.name"]));
      expect((await w.rows("kb_relations")).length).toBe(2); // the first chunk committed; the failing one did not

      const w2 = ctx.world();
      const skipped = await w2.t.bulk.upsertRelations(items, { chunkSize: 2, skipInvalid: true });
      expect(skipped.rejected.map((r) => r.index)).toEqual([2]);
      expect(skipped.created).toBe(4);

      const w3 = ctx.world();
      await expectCrmError(w3.t.bulk.upsertRelations(items, { chunkSize: 2, atomic: true }), "VALIDATION");
      expect(Object.values(await w3.counts()).every((n) => n === 0)).toBe(true);
      await expectCrmError(w3.t.bulk.upsertRelations([], { chunkSize: 0 }), "VALIDATION");
    });

    it("logs interactions in bulk, once per external key, refusing missing relations", async () => {
      const w = ctx.world();
      await w.t.bulk.upsertRelations([person(1), person(2)]);
      const [a, b] = [(await w.t.relations.findByExternalRef("erp", "P-1"))!, (await w.t.relations.findByExternalRef("erp", "P-2"))!];
      const mails = Array.from({ length: 700 }, (_, i) => ({
        kind: "email",
        occurredAt: new Date(Date.UTC(2026, 0, 1) + i * 60_000),
        relationIds: [i % 2 ? a.id : b.id],
        participants: [{ role: "from" as const, address: `x${i}@mail.example` }],
        externalKey: `<m${i % 650}@mail.example>`,
      }));
      const result = await w.t.bulk.logInteractions(mails, { chunkSize: 300 });
      expect(result).toMatchObject({ processed: 700, created: 650, unchanged: 50 });
      expect((await w.rows("kb_interactions")).length).toBe(650);
      expect((await w.rows("kb_interaction_participants")).length).toBe(650);
      const before = await w.counts();
      expect(await w.t.bulk.logInteractions(mails)).toMatchObject({ created: 0, unchanged: 700 });
      expect(await w.counts()).toEqual(before);
      const page = await w.t.interactions.timeline(a.id, { limit: 3 });
      expect(page.items.map((i) => i.subject ?? i.kind)).toEqual(["email", "email", "email"]);
      const bad = await expectCrmError(w.t.bulk.logInteractions([{ kind: "note", occurredAt: "2026-01-01T00:00:00Z", relationIds: ["ghost"] }]), "VALIDATION");
      expect(bad.issues[0]?.path).toEqual([0, "relationIds"]);
    });

    it("keeps deal links of bulk-logged interactions, and names a missing deal", async () => {
      const w = salesWorld(ctx);
      const { pipeline } = await standardPipeline(w.t);
      const { org } = await customer(w.t);
      const deal = await w.t.deals.create({ title: "Bulk deal", relationId: org.id, pipelineId: pipeline.id, amount: 1_000, currency: "EUR" });
      const result = await w.t.bulk.logInteractions([
        { kind: "call", occurredAt: "2026-01-02T10:00:00Z", relationIds: [org.id], dealIds: [deal.id] },
        { kind: "note", occurredAt: "2026-01-03T10:00:00Z", relationIds: [org.id] },
      ]);
      expect(result.created).toBe(2);
      expect((await w.t.deals.timeline(deal.id)).items.map((i) => i.kind)).toEqual(["call"]);
      const logged = (await w.t.interactions.timeline(org.id)).items.find((i) => i.kind === "call");
      expect(logged?.dealIds).toEqual([deal.id]);
      const bad = await expectCrmError(
        w.t.bulk.logInteractions([{ kind: "note", occurredAt: "2026-01-01T00:00:00Z", relationIds: [org.id], dealIds: ["ghost"] }]),
        "VALIDATION",
      );
      expect(bad.issues[0]?.path).toEqual([0, "dealIds"]);
    });

    it("a fault at any storage step of an atomic import leaves nothing behind", async () => {
      const probe = ctx.world();
      const items = [person(1), person(2), person(3)];
      const counter = faultyStorage(probe.storage, Number.POSITIVE_INFINITY);
      await probe.crmWith({ storage: counter.storage }).tenant(probe.tenantId).bulk.upsertRelations(items, { atomic: true, chunkSize: 2 });
      for (let failAt = 1; failAt <= counter.calls(); failAt++) {
        const w = ctx.world();
        const faulty = faultyStorage(w.storage, failAt);
        await expect(w.crmWith({ storage: faulty.storage }).tenant(w.tenantId).bulk.upsertRelations(items, { atomic: true, chunkSize: 2 })).rejects.toThrow();
        expect(
          Object.values(await w.counts()).every((n) => n === 0),
          `fault at step ${failAt}`,
        ).toBe(true);
      }
    });

    it("ends in the same state as one-by-one upserts of the same random feed", async () => {
      const item = fc.record({
        ref: fc.integer({ min: 0, max: 6 }),
        lifecycle: fc.constantFrom("prospect", "lead", "customer"),
        tags: fc.uniqueArray(fc.constantFrom("a", "b", "c"), { maxLength: 2 }),
        email: fc.integer({ min: 0, max: 3 }),
      });
      await fc.assert(
        fc.asyncProperty(fc.array(item, { minLength: 1, maxLength: 12 }), fc.integer({ min: 1, max: 5 }), async (feed, chunkSize) => {
          const inputs: RelationInput[] = feed.map((f) => ({
            kind: "organisation",
            name: `Org ${f.ref}`,
            lifecycle: f.lifecycle,
            tags: f.tags,
            emails: [`o${f.email}@x.nl`],
            externalRefs: [{ system: "erp", externalId: `O-${f.ref}` }],
          }));
          const bulk = ctx.world();
          const single = ctx.world();
          await bulk.t.bulk.upsertRelations(inputs, { chunkSize });
          for (const input of inputs) await single.t.relations.upsertByExternalRef(input.externalRefs![0]!, input);
          const shape = async (w: typeof bulk) =>
            (await Promise.all([...new Set(feed.map((f) => f.ref))].map((ref) => w.t.relations.findByExternalRef("erp", `O-${ref}`)))).map((r) => ({
              name: r!.name,
              lifecycle: r!.lifecycle,
              tags: r!.tags,
              emails: r!.emails,
            }));
          expect(await shape(bulk)).toEqual(await shape(single));
        }),
        { numRuns: 25 },
      );
    });
  });
}
