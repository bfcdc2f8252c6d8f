import fc from "fast-check";
import { describe, expect, it } from "vitest";
import type { DataQualityProblem, FieldVerification } from "@kaartenbak/core/storage";
import { expectCrmError, type SuiteContext } from "./harness.js";
import { TestClock } from "./sales-fixtures.js";

const RUNS = Number(process.env.KAARTENBAK_QUALITY_RUNS ?? 15);
const DAY = 86_400_000;
const byField = (list: readonly FieldVerification[]) => Object.fromEntries(list.map((v) => [v.field, v]));

/** A generated tenant for the data-quality differential: relations, their confirmations and bounces. */
const scenario = fc.record({
  relations: fc.array(
    fc.record({
      owner: fc.constantFrom(null, "u1", "u2"),
      email: fc.boolean(),
      phone: fc.boolean(),
      address: fc.boolean(),
      // Days before "now" at which the relation was written (so its fields were confirmed).
      writtenDaysAgo: fc.integer({ min: 0, max: 800 }),
      // A later user verification of the name, days ago (null: none).
      nameVerifiedDaysAgo: fc.option(fc.integer({ min: 0, max: 800 }), { nil: null }),
      suppressions: fc.array(fc.record({ bounce: fc.boolean(), lift: fc.boolean() }), { maxLength: 2 }),
      deleted: fc.boolean(),
    }),
    { minLength: 1, maxLength: 8 },
  ),
  policy: fc.record({ name: fc.integer({ min: 1, max: 400 }), email: fc.integer({ min: 1, max: 400 }) }),
});

type Scenario = typeof scenario extends fc.Arbitrary<infer S> ? S : never;

/** The reference evaluator of the data-quality report, in plain TypeScript over the generated scenario. */
function reference(s: Scenario, ids: readonly string[], ownerId: string | null | undefined) {
  const rows = s.relations.map((r, i) => ({ r, id: ids[i]! })).filter(({ r }) => !r.deleted && (ownerId === undefined || r.owner === ownerId));
  const problems: { [P in DataQualityProblem]: string[] } = { stale: [], noContact: [], bounced: [], duplicates: [] };
  // The scenario never scans for duplicates, so no relation is in an open pair (see the data-quality duplicates test).
  for (const { r, id } of rows) {
    const nameAge = Math.min(r.writtenDaysAgo, r.nameVerifiedDaysAgo ?? Infinity);
    // Address and phone have no age in the generated policy: only the name and e-mails can be stale.
    if (nameAge > s.policy.name || (r.email && r.writtenDaysAgo > s.policy.email)) problems.stale.push(id);
    if (!r.email && !r.phone) problems.noContact.push(id);
    const last = r.suppressions[r.suppressions.length - 1];
    if (last && last.bounce && !last.lift) problems.bounced.push(id);
  }
  for (const list of Object.values(problems)) list.sort();
  return { relations: rows.length, problems };
}

/** Per-field verification: confirmations on every write, `verify`, due fields, and the data-quality report. */
export function verificationSuite(ctx: SuiteContext): void {
  describe("verification", () => {
    it("a create confirms every field it set, with the actor and source of the call", async () => {
      const clock = new TestClock("2026-03-01T10:00:00.000Z");
      const w = ctx.world({ clock: clock.now });
      const r = await w.t.relations.create({
        kind: "organisation",
        name: "Acme",
        emails: ["Info@Acme.nl"],
        phones: ["020 123 4567"],
        addresses: [{ city: "Utrecht" }],
        attributes: { industry: "retail" },
      });
      const list = byField(await w.t.verification.list(r.id));
      expect(Object.keys(list).sort()).toEqual(["address", "attribute:industry", "email:info@acme.nl", "name", "phone:+31201234567"]);
      expect(list.name).toEqual({ relationId: r.id, field: "name", kind: "name", verifiedAt: clock.iso(), verifiedBy: "user:test", source: "conformance" });
      const raw = await w.rows("kb_field_verifications", { relation_id: r.id });
      expect(raw).toHaveLength(5);
    });

    it("a sync or import write confirms the fields it changed from its source, and drops removed values", async () => {
      const clock = new TestClock("2026-03-01T10:00:00.000Z");
      const w = ctx.world({ clock: clock.now });
      const r = await w.t.relations.create({ kind: "person", name: "Anna", emails: ["a@x.nl", "old@x.nl"] });
      clock.advance(10 * DAY);
      const sync = w.crm.tenant(w.tenantId, { actor: "connector:outlook", source: "sync:outlook" });
      await sync.relations.update(r.id, { emails: ["a@x.nl", "new@x.nl"] }, { expectedVersion: 1 });
      const list = byField(await w.t.verification.list(r.id));
      expect(Object.keys(list).sort()).toEqual(["email:a@x.nl", "email:new@x.nl", "name"]);
      expect(list["email:new@x.nl"]).toMatchObject({ source: "sync:outlook", verifiedBy: "connector:outlook", verifiedAt: clock.iso() });
      // The name was not in the write: its confirmation keeps the create's source and time.
      expect(list.name).toMatchObject({ source: "conformance", verifiedAt: "2026-03-01T10:00:00.000Z" });
      expect(await w.rows("kb_field_verifications", { relation_id: r.id, field: "email:old@x.nl" })).toEqual([]);
      // A bulk import confirms from its source too, through the same path.
      clock.advance(DAY);
      const result = await w.t.bulk.upsertRelations([{ kind: "person", name: "Bo", externalRefs: [{ system: "erp", externalId: "7" }] }], { source: "import" });
      expect(result.created).toBe(1);
      const bo = (await w.t.relations.findByExternalRef("erp", "7"))!;
      expect(byField(await w.t.verification.list(bo.id)).name).toMatchObject({ source: "import", verifiedAt: clock.iso() });
    });

    it("verify confirms without changing the relation: a history entry and a relation.verified event", async () => {
      const clock = new TestClock("2026-03-01T10:00:00.000Z");
      const w = ctx.world({ clock: clock.now });
      const r = await w.t.relations.create({ kind: "person", name: "Anna", emails: ["a@x.nl"], phones: ["+31612345678"] });
      clock.advance(DAY);
      const user = w.crm.tenant(w.tenantId, { actor: "user:7", source: "user" });
      const result = await user.verification.verify(r.id, ["name", "email", "phone:06 12345678"]);
      expect(result.verified.map((v) => v.field).sort()).toEqual(["email:a@x.nl", "name", "phone:+31612345678"]);
      expect((await w.t.relations.get(r.id))!.version).toBe(1);
      const list = byField(await w.t.verification.list(r.id));
      expect(list.name).toMatchObject({ verifiedAt: clock.iso(), verifiedBy: "user:7", source: "user" });
      const history = await w.t.history.list("relation", r.id);
      expect(history.map((h) => h.action)).toEqual(["create", "verify"]);
      expect(history[1]!.changes["verified:name"]).toEqual({ from: "2026-03-01T10:00:00.000Z", to: clock.iso() });
      const events = await w.rows("kb_outbox", { type: "relation.verified" });
      expect(events).toHaveLength(1);
    });

    it("verify refuses unknown fields and fields without a value, naming each, and writes nothing", async () => {
      const w = ctx.world();
      const r = await w.t.relations.create({ kind: "person", name: "Anna" });
      const before = await w.counts();
      const error = await expectCrmError(w.t.verification.verify(r.id, ["email", "colour", "email:nobody@x.nl", "address"] as never), "VALIDATION");
      expect(error.details.issues?.map((i) => i.path.join("."))).toEqual(["fields.0", "fields.1", "fields.2", "fields.3"]);
      await expectCrmError(w.t.verification.verify(r.id, []), "VALIDATION");
      await expectCrmError(w.t.verification.verify("missing", ["name"]), "NOT_FOUND");
      expect(await w.counts()).toEqual(before);
    });

    it("fields become due by the tenant's policy; a logged call can return them; verify clears them", async () => {
      const clock = new TestClock("2026-03-01T10:00:00.000Z");
      const w = ctx.world({ clock: clock.now });
      await w.t.verification.setPolicy({ maxAgeDays: { name: 30, email: 90 }, attributes: { newsletter: 10 } });
      expect(await w.t.verification.policy()).toEqual({ maxAgeDays: { name: 30, email: 90 }, attributes: { newsletter: 10 } });
      const r = await w.t.relations.create({ kind: "person", name: "Anna", emails: ["a@x.nl"], phones: ["+31612345678"], attributes: { newsletter: true } });
      expect(await w.t.verification.due(r.id)).toEqual([]);
      clock.advance(31 * DAY);
      expect((await w.t.verification.due(r.id)).map((d) => d.field)).toEqual(["name", "attribute:newsletter"]);
      const logged = await w.t.interactions.log({ kind: "call", relationIds: [r.id], occurredAt: clock.iso() }, { withDueFields: true });
      expect(logged.dueFields?.[r.id]?.map((d) => [d.field, d.value, d.lastVerifiedAt])).toEqual([
        ["name", "Anna", "2026-03-01T10:00:00.000Z"],
        ["attribute:newsletter", true, "2026-03-01T10:00:00.000Z"],
      ]);
      // Without the option the result keeps its old shape.
      expect((await w.t.interactions.log({ kind: "note", relationIds: [r.id], occurredAt: clock.iso() })).dueFields).toBeUndefined();
      await w.t.verification.verify(r.id, ["name", "attribute:newsletter"]);
      expect(await w.t.verification.due(r.id)).toEqual([]);
      clock.advance(60 * DAY);
      expect((await w.t.verification.due(r.id)).map((d) => d.field)).toEqual(["name", "email:a@x.nl", "attribute:newsletter"]);
      await expectCrmError(w.t.verification.setPolicy({ maxAgeDays: { name: 0 }, attributes: { colour: 5 } }), "VALIDATION");
      await expectCrmError(w.t.verification.setPolicy({ maxAgeDays: {}, attributes: { colour: 5 } }), "VALIDATION");
    });

    it("a person's current job title is verifiable and due like the other fields", async () => {
      const clock = new TestClock("2026-03-01T10:00:00.000Z");
      const w = ctx.world({ clock: clock.now });
      const org = await w.t.relations.create({ kind: "organisation", name: "Acme" });
      const anna = await w.t.relations.create({ kind: "person", name: "Anna" });
      await w.t.links.create({ kind: "employment", personId: anna.id, organisationId: org.id, jobTitle: "CFO" });
      expect((await w.t.verification.due(anna.id)).map((d) => [d.field, d.value, d.lastVerifiedAt])).toEqual([["jobTitle", "CFO", null]]);
      await w.t.verification.verify(anna.id, ["jobTitle"]);
      expect(await w.t.verification.due(anna.id)).toEqual([]);
    });

    it("data-quality report: SQL counts and pages equal the reference evaluator (property)", async () => {
      await fc.assert(
        fc.asyncProperty(scenario, async (s) => {
          const now = Date.parse("2028-06-01T00:00:00.000Z");
          const clock = new TestClock("2026-01-01T00:00:00.000Z");
          const w = ctx.world({ clock: clock.now });
          await w.t.verification.setPolicy({ maxAgeDays: { name: s.policy.name, email: s.policy.email } });
          // Writes and verifications in one time order, so the test clock only moves forward.
          const ids: string[] = new Array<string>(s.relations.length);
          const steps = s.relations.flatMap((r, i) => [
            { daysAgo: r.writtenDaysAgo, i, verify: false },
            ...(r.nameVerifiedDaysAgo !== null && r.nameVerifiedDaysAgo < r.writtenDaysAgo ? [{ daysAgo: r.nameVerifiedDaysAgo, i, verify: true }] : []),
          ]);
          steps.sort((a, b) => b.daysAgo - a.daysAgo || Number(a.verify) - Number(b.verify));
          for (const { daysAgo, i, verify } of steps) {
            clock.set(new Date(now - daysAgo * DAY).toISOString());
            const r = s.relations[i]!;
            if (verify) {
              await w.t.verification.verify(ids[i]!, ["name"]);
              continue;
            }
            const created = await w.t.relations.create({
              kind: "person",
              name: `R${i}`,
              ownerId: r.owner,
              ...(r.email ? { emails: [`r${i}@x.nl`] } : {}),
              ...(r.phone ? { phones: ["+31612345678"] } : {}),
              ...(r.address ? { addresses: [{ city: "Gouda" }] } : {}),
            });
            ids[i] = created.id;
          }
          clock.set(new Date(now).toISOString());
          for (const [i, r] of s.relations.entries()) {
            for (const sup of r.suppressions) {
              clock.advance(1000);
              await w.t.consent.suppress({ relationId: ids[i]!, channel: "email", reason: sup.bounce ? "bounced" : "complaint", source: "esp" });
              if (sup.lift) {
                clock.advance(1000);
                await w.t.consent.lift({ relationId: ids[i]!, channel: "email", reason: "fixed", source: "esp" });
              }
            }
            if (r.deleted) await w.t.relations.delete(ids[i]!, { expectedVersion: 1 });
          }
          const at = new Date(now).toISOString();
          for (const owner of [undefined, null, "u1", "u2"] as const) {
            const expected = reference(s, ids, owner);
            const counts = await w.t.dataQuality.counts({ at, ...(owner !== undefined ? { ownerId: owner } : {}) });
            expect(counts).toEqual({
              ownerId: owner ?? null,
              relations: expected.relations,
              stale: expected.problems.stale.length,
              noContact: expected.problems.noContact.length,
              bounced: expected.problems.bounced.length,
              duplicates: 0,
            });
            for (const problem of ["stale", "noContact", "bounced", "duplicates"] as const) {
              // Pages of two, following the cursor, give the whole list in id order.
              const seen: string[] = [];
              let cursor: string | undefined;
              do {
                const page = await w.t.dataQuality.list(problem, {
                  at,
                  limit: 2,
                  ...(cursor ? { cursor } : {}),
                  ...(owner !== undefined ? { ownerId: owner } : {}),
                });
                seen.push(...page.relationIds);
                cursor = page.nextCursor;
              } while (cursor);
              expect(seen, `${problem} for owner ${String(owner)}`).toEqual(expected.problems[problem]);
            }
          }
          const byOwner = await w.t.dataQuality.countsByOwner({ at });
          const owners = [null, "u1", "u2"].filter((o) => s.relations.some((r) => !r.deleted && r.owner === o));
          expect(byOwner.map((row) => row.ownerId)).toEqual(owners);
          for (const row of byOwner) expect(row.stale).toBe(reference(s, ids, row.ownerId).problems.stale.length);
        }),
        { numRuns: RUNS },
      );
    });
  });
}
