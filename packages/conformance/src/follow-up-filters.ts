import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { CRM_VOCABULARY, filterBuilder, type Filter, type TenantCrm } from "@kaartenbak/core";
import { evaluateFilter, resolveFilter, type FilterDataset } from "@kaartenbak/core/reference";
import { expectCrmError, suiteRegistry, type SuiteContext } from "./harness.js";
import { TestClock } from "./sales-fixtures.js";

const f = filterBuilder<typeof suiteRegistry>();
const RUNS = Number(process.env.KAARTENBAK_PROPERTY_RUNS ?? 15);
const DAY = 86_400_000;

/** What the filters look at, read back through the API: the reference evaluator's dataset. */
async function dataset(t: TenantCrm, ids: readonly string[]): Promise<FilterDataset> {
  const relations = [];
  const verifications = [];
  for (const id of ids) {
    relations.push((await t.relations.get(id, { includeDeleted: true }))!);
    verifications.push(...(await t.verification.list(id)));
  }
  const activities = [];
  for (const id of ids) activities.push(...(await t.activities.list({ relationId: id, statuses: ["open", "done", "cancelled"], limit: 500 })).items);
  return { relations, links: [], interactions: [], deals: [], orders: [], segmentMembers: new Map(), activities, verifications };
}

async function sqlIds(t: TenantCrm, filter: Filter, now: string): Promise<string[]> {
  return [...(await t.segments.queryIds(filter, { now, limit: 500 })).items];
}

async function referenceIds(filter: Filter, data: FilterDataset, now: string): Promise<string[]> {
  const resolved = await resolveFilter(filter, {
    registry: suiteRegistry,
    interactionKinds: [...CRM_VOCABULARY.interactionKinds, "webinar"],
    now,
    loadSegment: async () => undefined,
  });
  return evaluateFilter(resolved, data);
}

/** Filter conditions on the CRM's own plan and on verification: "no planned next step", "e-mail not confirmed in 180 days". */
export function followUpFiltersSuite(ctx: SuiteContext): void {
  describe("filters on activities and verification", () => {
    it("no planned next step, and activities due in a window", async () => {
      const clock = new TestClock("2026-03-01T09:00:00.000Z");
      const w = ctx.world({ clock: clock.now });
      const planned = await w.t.relations.create({ kind: "organisation", name: "Planned" });
      const done = await w.t.relations.create({ kind: "organisation", name: "Done" });
      const none = await w.t.relations.create({ kind: "organisation", name: "None" });
      await w.t.activities.plan({ kind: "call", subject: "Call", relationId: planned.id, ownerId: "u1", dueAt: "2026-03-10T09:00:00Z" });
      const a = await w.t.activities.plan({ kind: "call", subject: "Call", relationId: done.id, ownerId: "u1", dueAt: "2026-03-02T09:00:00Z" });
      await w.t.activities.complete(a.id, { outcome: "ok" }, { expectedVersion: a.version });
      const now = clock.iso();
      const noNextStep = f.filter(f.activities({ statuses: ["open"] }).none());
      expect(await sqlIds(w.t, noNextStep, now)).toEqual([done.id, none.id].sort());
      // The same set as the activity service's own list.
      expect((await w.t.activities.withoutNextStep({ limit: 500 })).relationIds.slice().sort()).toEqual([done.id, none.id].sort());
      expect(await sqlIds(w.t, f.filter(f.activities({ due: f.window("2026-03-05", "2026-03-31") }).exists()), now)).toEqual([planned.id]);
      expect(await sqlIds(w.t, f.filter(f.activities().atLeast(1)), now)).toEqual([planned.id, done.id].sort());
    });

    it("not verified since: any e-mail or phone, the name, the address, an attribute", async () => {
      const clock = new TestClock("2026-01-01T09:00:00.000Z");
      const w = ctx.world({ clock: clock.now });
      const two = await w.t.relations.create({
        kind: "organisation",
        name: "Two mails",
        emails: ["a@x.example", "b@x.example"],
        attributes: { vatNumber: "NL1" },
      });
      const bare = await w.t.relations.create({ kind: "organisation", name: "Bare" });
      clock.advance(200 * DAY);
      await w.t.verification.verify(two.id, ["email:a@x.example", "name"]);
      const now = clock.iso();
      const since = f.daysAgo(100);
      // One of its two addresses was confirmed, the other not: still not verified.
      expect(await sqlIds(w.t, f.filter(f.notVerified("email", since)), now)).toEqual([two.id]);
      await w.t.verification.verify(two.id, ["email:b@x.example"]);
      expect(await sqlIds(w.t, f.filter(f.notVerified("email", since)), now)).toEqual([]);
      // A relation without the field never matches; every relation has a name.
      expect(await sqlIds(w.t, f.filter(f.notVerified("name", since)), now)).toEqual([bare.id]);
      expect(await sqlIds(w.t, f.filter(f.notVerified("phone", since)), now)).toEqual([]);
      expect(await sqlIds(w.t, f.filter(f.notVerified("attribute", since, "vatNumber")), now)).toEqual([two.id]);
      expect(await sqlIds(w.t, f.filter(f.notVerified("attribute", "2025-12-31", "vatNumber")), now)).toEqual([]);
      // Refused: an attribute without a name, an unknown one, a name where none belongs, a bad time.
      for (const where of [
        { type: "notVerified", field: "attribute", since: "2026-01-01" },
        { type: "notVerified", field: "attribute", attribute: "nope", since: "2026-01-01" },
        { type: "notVerified", field: "email", attribute: "vatNumber", since: "2026-01-01" },
        { type: "notVerified", field: "email", since: "yesterday" },
        { type: "activities", statuses: ["later"] },
      ]) {
        await expectCrmError(w.t.segments.count({ version: 1, where } as never), "VALIDATION");
      }
    });

    it("property: SQL equals the reference evaluator on random activities and confirmations", async () => {
      const arbitrary = fc.record({
        relations: fc.array(
          fc.record({
            emails: fc.uniqueArray(fc.constantFrom("a@x.example", "b@x.example", "c@x.example"), { maxLength: 2 }),
            phone: fc.boolean(),
            address: fc.boolean(),
            vat: fc.boolean(),
            activities: fc.array(fc.record({ due: fc.integer({ min: -30, max: 30 }), done: fc.boolean() }), { maxLength: 2 }),
            verifyAfter: fc.integer({ min: 0, max: 300 }),
            verify: fc.subarray(["name", "email", "phone", "address", "attribute:vatNumber"] as const),
          }),
          { minLength: 1, maxLength: 5 },
        ),
        since: fc.integer({ min: 0, max: 400 }),
      });
      await fc.assert(
        fc.asyncProperty(arbitrary, async (s) => {
          const clock = new TestClock("2026-01-01T00:00:00.000Z");
          const w = ctx.world({ clock: clock.now });
          const ids: string[] = [];
          for (const r of s.relations) {
            const rel = await w.t.relations.create({
              kind: "organisation",
              name: "Org",
              emails: r.emails,
              ...(r.phone ? { phones: ["+31201234567"] } : {}),
              ...(r.address ? { addresses: [{ city: "Utrecht" }] } : {}),
              ...(r.vat ? { attributes: { vatNumber: "NL9" } } : {}),
            });
            ids.push(rel.id);
            for (const a of r.activities) {
              const act = await w.t.activities.plan({
                kind: "task",
                subject: "T",
                relationId: rel.id,
                ownerId: "u",
                dueAt: new Date(Date.parse("2026-06-01T00:00:00Z") + a.due * DAY),
              });
              if (a.done) await w.t.activities.cancel(act.id, { expectedVersion: act.version });
            }
          }
          for (const [i, r] of s.relations.entries()) {
            const fields = r.verify.flatMap((v) =>
              v === "email" ? r.emails.map((e) => `email:${e}`) : v === "phone" ? (r.phone ? ["phone:+31201234567"] : []) : [v],
            );
            const held = fields.filter((x) => (x === "address" ? r.address : x === "attribute:vatNumber" ? r.vat : true));
            clock.set(new Date(Date.parse("2026-01-01T00:00:00Z") + r.verifyAfter * DAY).toISOString());
            if (held.length > 0) await w.t.verification.verify(ids[i]!, held as never);
          }
          clock.set("2027-01-01T00:00:00.000Z");
          const now = clock.iso();
          const data = await dataset(w.t, ids);
          const since = f.daysAgo(s.since);
          const filters = [
            f.filter(f.activities({ statuses: ["open"] }).none()),
            f.filter(f.activities({ due: f.window("2026-05-20", "2026-06-10") }).atLeast(1)),
            f.filter(f.activities({ statuses: ["cancelled"] }).count("eq", 1)),
            ...(["name", "email", "phone", "address"] as const).map((field) => f.filter(f.notVerified(field, since))),
            f.filter(f.notVerified("attribute", since, "vatNumber")),
            f.filter(f.not(f.or(f.notVerified("email", since), f.activities().none()))),
          ];
          for (const filter of filters) expect(await sqlIds(w.t, filter, now), JSON.stringify(filter.where)).toEqual(await referenceIds(filter, data, now));
        }),
        { numRuns: RUNS },
      );
    }, 300_000);
  });
}
