import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { isCrmError, type TenantCrm } from "@kaartenbak/core";
import { faultyStorage } from "./faults.js";
import { expectCrmError, KB_TABLES, type KbTable, type RawRow, type SuiteContext, type SuiteWorld } from "./harness.js";
import { salesWorld, standardPipeline } from "./sales-fixtures.js";

const RUNS = Number(process.env.KAARTENBAK_MERGE_RUNS ?? 10);
/** The merge log and the journal grow with a merge and its undo; every other table must come back. */
const LOGS: readonly KbTable[] = ["kb_history", "kb_outbox", "kb_merges", "kb_counters"];

/** Every raw row of the tenant, per table, sorted so two snapshots compare regardless of read order. */
async function snapshot(w: SuiteWorld, skip: readonly KbTable[] = LOGS): Promise<Record<string, RawRow[]>> {
  const out: Record<string, RawRow[]> = {};
  for (const table of KB_TABLES) {
    if (skip.includes(table)) continue;
    const rows = (await w.rows(table)).map((r) => {
      // A restored relation gets a new version and update time, so a copy read before stays stale.
      if (table !== "kb_relations") return r;
      const { version: _v, updated_at: _u, ...rest } = r;
      return rest;
    });
    out[table] = rows.map((r) => JSON.stringify(Object.entries(r).sort(([a], [b]) => (a < b ? -1 : 1)))).sort() as never;
  }
  return out;
}

/** Two organisations with data in every table a merge touches, the second one the double. */
async function seedPair(t: TenantCrm, at = "2026-03-01T10:00:00Z") {
  const keep = await t.relations.create({
    kind: "organisation",
    name: "Bakkerij de Korst BV",
    emails: ["info@korst.example"],
    phones: ["+31201234567"],
    tags: ["bakery"],
    addresses: [{ label: "shop", street: "Dorpsstraat 1", postalCode: "1234 AB", city: "Utrecht", country: "NL" }],
    externalRefs: [{ system: "erp", externalId: "D-1" }],
    attributes: { industry: "retail" },
  });
  const drop = await t.relations.create({
    kind: "organisation",
    name: "Bakkerij De Korst",
    emails: ["INFO@korst.example", "orders@korst.example"],
    phones: ["+31301234567"],
    tags: ["bakery", "wholesale"],
    addresses: [{ label: "billing", street: "dorpsstraat 1", postalCode: "1234AB", city: "utrecht", country: "NL" }],
    externalRefs: [{ system: "erp", externalId: "D-2" }],
    attributes: { industry: "finance", vatNumber: "NL001234567B01" },
  });
  const person = await t.relations.create({ kind: "person", name: "Piet Bakker", emails: ["piet@korst.example"] });
  await t.links.create({ kind: "employment", personId: person.id, organisationId: drop.id, jobTitle: "Owner" });
  await t.links.create({ kind: "parent_organisation", organisationId: drop.id, parentId: keep.id });
  await t.interactions.log({ kind: "call", occurredAt: at, subject: "Called the double", relationIds: [drop.id] });
  await t.interactions.log({ kind: "meeting", occurredAt: at, subject: "Met both", relationIds: [keep.id, drop.id] });
  await t.interactions.log({
    kind: "email",
    occurredAt: at,
    subject: "Order question",
    participants: [{ role: "from", relationId: drop.id, address: "orders@korst.example" }],
  });
  const { pipeline } = await standardPipeline(t);
  const deal = await t.deals.create({
    title: "Bread contract",
    relationId: drop.id,
    pipelineId: pipeline.id,
    currency: "EUR",
    amount: 50_000,
    contactIds: [person.id],
  });
  await t.quotes.create({
    relationId: drop.id,
    dealId: deal.id,
    currency: "EUR",
    title: "Offer",
    lines: [{ description: "Bread", quantity: 1, unitPrice: 1_000, taxRate: 9 }],
  });
  await t.orders.record({ relationId: drop.id, orderDate: "2026-03-05", currency: "EUR", netAmount: 1_000, taxAmount: 90 });
  await t.consent.optOut({ relationId: drop.id, channel: "email", purpose: "newsletter", occurredAt: "2026-02-01T00:00:00Z" });
  await t.consent.optIn({ relationId: keep.id, channel: "email", purpose: "newsletter", legalBasis: "consent", occurredAt: "2026-02-10T00:00:00Z" });
  await t.consent.suppress({ relationId: drop.id, channel: "email", reason: "bounced" });
  const both = await t.segments.create({ kind: "static", name: "Both", relationIds: [keep.id, drop.id] });
  await t.activities.plan({ kind: "call", subject: "Follow up", relationId: drop.id, ownerId: "user:sanne", dueAt: "2026-04-01T09:00:00Z" });
  return { keep, drop, person, deal, both };
}

const totals = async (w: SuiteWorld) => ({
  interactions: (await w.rows("kb_interactions")).length,
  deals: (await w.rows("kb_deals")).length,
  orders: (await w.rows("kb_orders")).length,
  quotes: (await w.rows("kb_quotes")).length,
  refs: (await w.rows("kb_relation_refs")).length,
  consent: (await w.rows("kb_consent_ledger")).length + (await w.rows("kb_suppression_ledger")).length,
});

/** Merging two relations into one, and undoing it. */
export function mergeSuite(ctx: SuiteContext): void {
  describe("merge", () => {
    it("moves every row to the survivor, unites the contact points, keeps withdrawals in force, and leaves a tombstone", async () => {
      const w = salesWorld(ctx);
      const s = await seedPair(w.t);
      const before = await totals(w);
      const result = await w.t.relations.merge(s.keep.id, s.drop.id);
      expect(result.mergeId).toEqual(expect.any(String));
      expect(result.survivor.emails.map((e) => [e.address, e.primary])).toEqual([
        ["info@korst.example", true],
        ["orders@korst.example", false],
      ]);
      expect(result.survivor.phones.map((p) => p.number)).toEqual(["+31201234567", "+31301234567"]);
      expect(result.survivor.tags).toEqual(["bakery", "wholesale"]);
      expect(result.survivor.addresses).toHaveLength(1); // the same place, written differently
      expect(result.survivor.externalRefs.map((r) => r.externalId)).toEqual(["D-1", "D-2"]);
      expect(result.survivor.attributes).toEqual({ industry: "retail", vatNumber: "NL001234567B01" });
      expect(result.conflicts).toEqual(
        expect.arrayContaining([
          { field: "name", survivor: "Bakkerij de Korst BV", loser: "Bakkerij De Korst", kept: "survivor" },
          { field: "attributes.industry", survivor: "retail", loser: "finance", kept: "survivor" },
        ]),
      );
      expect(result.filledFromLoser).toEqual(["attributes.vatNumber"]);
      // The parent link between the two would point the survivor at itself: dropped.
      expect(result.rows.kb_links).toEqual({ moved: 1, dropped: 1 });
      expect(result.rows.kb_segment_members).toEqual({ moved: 0, dropped: 1 });
      expect(result.withdrawalsCarried).toBe(1);

      // The loser's id, references and rows all lead to the survivor now.
      expect((await w.t.relations.get(s.drop.id))?.id).toBe(s.keep.id);
      expect(await w.t.relations.get(s.drop.id, { includeDeleted: true })).toMatchObject({ id: s.drop.id, emails: [], externalRefs: [] });
      expect((await w.t.relations.findByExternalRef("erp", "D-2"))?.id).toBe(s.keep.id);
      expect((await w.t.relations.findByEmail("orders@korst.example")).map((r) => r.id)).toEqual([s.keep.id]);
      const timeline = await w.t.interactions.timeline(s.keep.id);
      expect(timeline.items.map((i) => i.subject).sort()).toEqual(["Called the double", "Met both", "Order question"]);
      expect((await w.t.orders.listForRelation(s.keep.id)).map((o) => o.netAmount)).toEqual([1_000]);
      expect((await w.t.deals.get(s.deal.id))?.relationId).toBe(s.keep.id);
      expect((await w.t.links.list(s.person.id)).map((l) => (l.kind === "employment" ? l.organisationId : null))).toEqual([s.keep.id]);
      // The loser's opt-out is older than the survivor's opt-in, yet stays in force, as does its suppression.
      expect(await w.t.consent.canContact(s.keep.id, "email", "newsletter")).toEqual({ allowed: false, reason: "suppressed" });
      const state = await w.t.consent.state(s.keep.id);
      expect(state.consents.find((c) => c.channel === "email" && c.purpose === "newsletter")?.status).toBe("opted_out");
      // Nothing lost, nothing doubled; the only new ledger entry is the carried opt-out.
      expect(await totals(w)).toEqual({ ...before, consent: before.consent + result.withdrawalsCarried });

      const events = (await w.t.outbox.read({ after: 0, limit: 1000 })).filter((e) => e.type.startsWith("relation.merge"));
      expect(events.map((e) => [e.type, e.entityId])).toEqual([["relation.merged", s.keep.id]]);
      expect(events[0]!.payload).toMatchObject({ mergeId: result.mergeId, survivorId: s.keep.id, loserId: s.drop.id });
      expect((await w.t.history.list("relation", s.drop.id)).at(-1)).toMatchObject({
        action: "delete",
        changes: { mergedInto: { from: null, to: s.keep.id } },
      });
      expect((await w.t.history.list("relation", s.keep.id)).at(-1)).toMatchObject({ action: "update", changes: { merged: { from: null, to: s.drop.id } } });
      expect(await w.t.relations.merges(s.drop.id)).toEqual([expect.objectContaining({ id: result.mergeId, status: "applied", loserId: s.drop.id })]);
    });

    it("a dry run reports the same as the merge and writes nothing", async () => {
      const w = salesWorld(ctx);
      const s = await seedPair(w.t);
      const before = await snapshot(w, []);
      const plan = await w.t.relations.merge(s.keep.id, s.drop.id, { dryRun: true });
      expect(await snapshot(w, [])).toEqual(before);
      expect(plan).toMatchObject({ mergeId: null, dryRun: true });
      const done = await w.t.relations.merge(s.keep.id, s.drop.id);
      expect({ ...plan, mergeId: done.mergeId, dryRun: false, survivor: { ...plan.survivor, updatedAt: done.survivor.updatedAt } }).toEqual(done);
    });

    it("unmerge restores every table exactly and brings the loser back", async () => {
      const w = salesWorld(ctx);
      const s = await seedPair(w.t);
      const before = await snapshot(w);
      const merged = await w.t.relations.merge(s.keep.id, s.drop.id);
      const undone = await w.t.relations.unmerge(merged.mergeId!);
      expect(undone.rowsRestored).toBe(merged.rowsChanged);
      expect(await snapshot(w)).toEqual(before);
      expect(undone.loser).toMatchObject({ id: s.drop.id, deletedAt: null, externalRefs: [{ system: "erp", externalId: "D-2" }] });
      // New versions, so copies read before the merge or after it are both stale.
      expect(undone.survivor.version).toBe(merged.survivor.version + 1);
      expect((await w.t.relations.get(s.drop.id))?.id).toBe(s.drop.id);
      expect((await w.t.relations.findByExternalRef("erp", "D-2"))?.id).toBe(s.drop.id);
      const types = (await w.t.outbox.read({ after: 0, limit: 1000 })).map((e) => e.type).filter((t) => t.includes("merge"));
      expect(types).toEqual(["relation.merged", "relation.unmerged"]);
      expect(await w.t.relations.merges(s.keep.id)).toEqual([expect.objectContaining({ status: "undone", undoneAt: expect.any(String) })]);
      await expectCrmError(w.t.relations.unmerge(merged.mergeId!), "INVALID_STATE");
    });

    it("refuses to undo when a moved row changed since, naming it, and writes nothing", async () => {
      const w = salesWorld(ctx);
      const s = await seedPair(w.t);
      const merged = await w.t.relations.merge(s.keep.id, s.drop.id);
      const deal = (await w.t.deals.get(s.deal.id))!;
      await w.t.deals.update(deal.id, { title: "Bread and cake contract" }, { expectedVersion: deal.version });
      const before = await w.counts();
      const error = await expectCrmError(w.t.relations.unmerge(merged.mergeId!), "INVALID_STATE");
      expect(error.details.reason).toBe("changed_since_merge");
      expect(error.details.issues?.map((i) => i.path[0])).toEqual(["kb_deals"]);
      expect(error.details.issues?.[0]?.path).toEqual(["kb_deals", s.deal.id]);
      expect(await w.counts()).toEqual(before);
    });

    it("refuses bad input, naming every problem, and writes nothing", async () => {
      const w = salesWorld(ctx);
      const s = await seedPair(w.t);
      const before = await w.counts();
      const all = await expectCrmError(w.t.relations.merge("", 7 as never, { dryRun: "yes" as never, extra: 1 } as never), "VALIDATION");
      expect(all.issues.map((i) => i.path.join("."))).toEqual(expect.arrayContaining(["survivorId", "loserId", "dryRun"]));
      expect((await expectCrmError(w.t.relations.merge(s.keep.id, s.keep.id), "VALIDATION")).issues[0]?.code).toBe("same_relation");
      expect((await expectCrmError(w.t.relations.merge(s.keep.id, s.person.id), "VALIDATION")).issues[0]?.code).toBe("kind_mismatch");
      await expectCrmError(w.t.relations.merge(s.keep.id, "missing"), "NOT_FOUND");
      await expectCrmError(w.t.relations.unmerge("missing"), "NOT_FOUND");
      await expectCrmError(w.t.relations.unmerge(""), "VALIDATION");
      await expectCrmError(w.t.relations.merges(42 as never), "VALIDATION");
      const inUnit = await w.t.transaction((t) => t.relations.merge(s.keep.id, s.drop.id, { dryRun: true })).catch((e: unknown) => e);
      expect(isCrmError(inUnit) && inUnit.issues.map((i) => i.code)).toContain("dry_run_in_transaction");
      expect(await w.counts()).toEqual(before);
      // A merged relation cannot be merged again: it is a tombstone.
      await w.t.relations.merge(s.keep.id, s.drop.id);
      await expectCrmError(w.t.relations.merge(s.keep.id, s.drop.id), "NOT_FOUND");
    });

    it("a fault at any storage step of a merge or an unmerge leaves everything as it was", async () => {
      const probe = salesWorld(ctx);
      const p = await seedPair(probe.t);
      const counter = faultyStorage(probe.storage, Number.POSITIVE_INFINITY);
      const merged = await probe.crmWith({ storage: counter.storage }).tenant(probe.tenantId).relations.merge(p.keep.id, p.drop.id);
      const mergeSteps = counter.calls();
      const undoCounter = faultyStorage(probe.storage, Number.POSITIVE_INFINITY);
      await probe.crmWith({ storage: undoCounter.storage }).tenant(probe.tenantId).relations.unmerge(merged.mergeId!);
      const undoSteps = undoCounter.calls();
      expect(mergeSteps).toBeGreaterThan(5);
      for (let failAt = 1; failAt <= mergeSteps; failAt++) {
        const w = salesWorld(ctx);
        const s = await seedPair(w.t);
        const before = await snapshot(w, []);
        const error = await w
          .crmWith({ storage: faultyStorage(w.storage, failAt).storage })
          .tenant(w.tenantId)
          .relations.merge(s.keep.id, s.drop.id)
          .then(
            () => undefined,
            (e: unknown) => e,
          );
        expect(error, `merge step ${failAt}`).toBeDefined();
        expect(await snapshot(w, []), `merge step ${failAt}`).toEqual(before);
      }
      const w = salesWorld(ctx);
      const s = await seedPair(w.t);
      const done = await w.t.relations.merge(s.keep.id, s.drop.id);
      const before = await snapshot(w, []);
      for (let failAt = 1; failAt <= undoSteps; failAt++) {
        const error = await w
          .crmWith({ storage: faultyStorage(w.storage, failAt).storage })
          .tenant(w.tenantId)
          .relations.unmerge(done.mergeId!)
          .then(
            () => undefined,
            (e: unknown) => e,
          );
        expect(error, `unmerge step ${failAt}`).toBeDefined();
        expect(await snapshot(w, []), `unmerge step ${failAt}`).toEqual(before);
      }
    }, 300_000);

    it("property: a merge loses and doubles nothing, and merge then unmerge restores every table", async () => {
      const arbitrary = fc.record({
        keepEmails: fc.uniqueArray(fc.constantFrom("a@x.example", "b@x.example", "c@x.example"), { maxLength: 3 }),
        dropEmails: fc.uniqueArray(fc.constantFrom("a@x.example", "b@x.example", "d@x.example"), { maxLength: 3 }),
        keepTags: fc.uniqueArray(fc.constantFrom("t1", "t2", "t3"), { maxLength: 3 }),
        dropTags: fc.uniqueArray(fc.constantFrom("t2", "t3", "t4"), { maxLength: 3 }),
        shared: fc.nat({ max: 3 }),
        own: fc.nat({ max: 3 }),
        deals: fc.nat({ max: 2 }),
        consent: fc.array(fc.record({ who: fc.boolean(), out: fc.boolean(), day: fc.integer({ min: 1, max: 28 }) }), { maxLength: 4 }),
        vat: fc.option(fc.constantFrom("NL1", "NL2"), { nil: undefined }),
      });
      await fc.assert(
        fc.asyncProperty(arbitrary, async (a) => {
          const w = salesWorld(ctx);
          const keep = await w.t.relations.create({
            kind: "organisation",
            name: "Keep",
            emails: a.keepEmails,
            tags: a.keepTags,
            ...(a.vat ? { attributes: { vatNumber: a.vat } } : {}),
          });
          const drop = await w.t.relations.create({
            kind: "organisation",
            name: "Drop",
            emails: a.dropEmails,
            tags: a.dropTags,
            externalRefs: [{ system: "erp", externalId: "X" }],
          });
          for (let i = 0; i < a.shared; i++)
            await w.t.interactions.log({ kind: "note", occurredAt: "2026-01-01T00:00:00Z", subject: `s${i}`, relationIds: [keep.id, drop.id] });
          for (let i = 0; i < a.own; i++)
            await w.t.interactions.log({ kind: "note", occurredAt: "2026-01-02T00:00:00Z", subject: `o${i}`, relationIds: [drop.id] });
          if (a.deals > 0) {
            const { pipeline } = await standardPipeline(w.t);
            for (let i = 0; i < a.deals; i++)
              await w.t.deals.create({ title: `d${i}`, relationId: drop.id, pipelineId: pipeline.id, currency: "EUR", amount: 100 });
          }
          for (const c of a.consent) {
            const input = {
              relationId: c.who ? keep.id : drop.id,
              channel: "email" as const,
              purpose: "news",
              occurredAt: `2026-02-${String(c.day).padStart(2, "0")}T00:00:00Z`,
            };
            if (c.out) await w.t.consent.optOut(input);
            else await w.t.consent.optIn({ ...input, legalBasis: "consent" });
          }
          const wasOut = await Promise.all([keep.id, drop.id].map(async (id) => (await w.t.consent.state(id)).consents.some((s) => s.status === "opted_out")));
          const before = await totals(w);
          const rows = await snapshot(w);
          const merged = await w.t.relations.merge(keep.id, drop.id);
          expect(await totals(w)).toEqual({ ...before, consent: before.consent + merged.withdrawalsCarried });
          expect(new Set(merged.survivor.emails.map((e) => e.address))).toEqual(new Set([...a.keepEmails, ...a.dropEmails]));
          expect(new Set(merged.survivor.tags)).toEqual(new Set([...a.keepTags, ...a.dropTags]));
          expect((await w.t.interactions.timeline(keep.id, { limit: 100 })).items).toHaveLength(a.shared + a.own);
          const out = (await w.t.consent.state(keep.id)).consents.some((s) => s.status === "opted_out");
          expect(out).toBe(wasOut.some(Boolean));
          await w.t.relations.unmerge(merged.mergeId!);
          expect(await snapshot(w)).toEqual(rows);
        }),
        { numRuns: RUNS },
      );
    }, 300_000);
  });
}
