import fc from "fast-check";
import { describe, expect, it } from "vitest";
import type { Relation, TenantCrm } from "@kaartenbak/core";
import type { StorageAdapter } from "@kaartenbak/core/storage";
import { faultyStorage } from "./faults.js";
import { expectCrmError, type SuiteContext, type SuiteWorld } from "./harness.js";
import { TestClock } from "./sales-fixtures.js";

const RUNS = Number(process.env.KAARTENBAK_ACTIVITY_RUNS ?? 10);
const DAY = 86_400_000;

function tenantOn(w: SuiteWorld, storage: StorageAdapter): TenantCrm {
  return w.crmWith({ storage }).tenant(w.tenantId, { actor: "user:test", source: "conformance" });
}

/** Planned follow-ups: plan, reschedule, complete (logging the contact moment atomically), cancel, and the lists. */
export function activitiesSuite(ctx: SuiteContext): void {
  describe("activities", () => {
    it("plans, completes with a logged contact moment in the same transaction, and cancels", async () => {
      const clock = new TestClock("2026-03-01T10:00:00.000Z");
      const w = ctx.world({ clock: clock.now });
      const anna = await w.t.relations.create({ kind: "person", name: "Anna" });
      const call = await w.t.activities.plan({
        subject: "Call about the renewal",
        kind: "call",
        relationId: anna.id,
        ownerId: "user:1",
        dueAt: "2026-03-03T09:00:00+01:00",
        reminderAt: "2026-03-03T07:30:00Z",
        timeZone: "Europe/Amsterdam",
      });
      expect(call).toMatchObject({ status: "open", dueAt: "2026-03-03T08:00:00.000Z", version: 1, interactionId: null, closedAt: null });
      const moved = await w.t.activities.update(call.id, { dueAt: "2026-03-04T08:00:00Z" }, { expectedVersion: 1 });
      expect(moved).toMatchObject({ version: 2, dueAt: "2026-03-04T08:00:00.000Z" });
      clock.advance(3 * DAY);
      const { activity, interaction } = await w.t.activities.complete(call.id, { outcome: "renewed", direction: "outbound" }, { expectedVersion: 2 });
      expect(activity).toMatchObject({ status: "done", closedAt: clock.iso(), interactionId: interaction.id, version: 3 });
      expect(interaction).toMatchObject({
        kind: "call",
        relationIds: [anna.id],
        subject: "Call about the renewal",
        outcome: "renewed",
        occurredAt: clock.iso(),
      });
      expect((await w.t.interactions.timeline(anna.id)).items.map((i) => i.id)).toEqual([interaction.id]);
      const raw = await w.rows("kb_activities", { id: call.id });
      expect(raw[0]).toMatchObject({ status: "done", interaction_id: interaction.id });
      await expectCrmError(w.t.activities.complete(call.id, {}, { expectedVersion: 3 }), "INVALID_STATE");
      await expectCrmError(w.t.activities.update(call.id, { subject: "x" }, { expectedVersion: 1 }), "STALE_VERSION");

      const visit = await w.t.activities.plan({ subject: "Visit", kind: "meeting", relationId: anna.id, ownerId: "user:1", dueAt: clock.iso() });
      const cancelled = await w.t.activities.cancel(visit.id, { expectedVersion: 1 });
      expect(cancelled).toMatchObject({ status: "cancelled", interactionId: null, closedAt: clock.iso() });
      await expectCrmError(w.t.activities.cancel(visit.id, { expectedVersion: 2 }), "INVALID_STATE");
      // In sequence order: raw rows come in the table's physical order, which updates may change.
      const types = (await w.rows("kb_outbox"))
        .sort((a, b) => Number(a.sequence) - Number(b.sequence))
        .map((e) => String(e.type))
        .filter((t) => t.startsWith("activity."));
      expect(types).toEqual(["activity.created", "activity.updated", "activity.completed", "activity.created", "activity.cancelled"]);
    });

    it("refuses bad input and missing targets, naming every problem, and writes nothing", async () => {
      const w = ctx.world();
      const anna = await w.t.relations.create({ kind: "person", name: "Anna" });
      const before = await w.counts();
      const error = await expectCrmError(
        w.t.activities.plan({ subject: "", kind: "nonsense", relationId: anna.id, ownerId: "u", dueAt: "2026-01-01T00:00:00Z", timeZone: "Mars/Base" }),
        "VALIDATION",
      );
      expect(error.details.issues?.map((i) => i.path.join(".")).sort()).toEqual(["kind", "subject", "timeZone"]);
      await expectCrmError(
        w.t.activities.plan({ subject: "x", relationId: anna.id, ownerId: "u", dueAt: "2026-01-01T00:00:00Z", reminderAt: "2026-01-02T00:00:00Z" }),
        "VALIDATION",
      );
      await expectCrmError(w.t.activities.plan({ subject: "x", relationId: "missing", ownerId: "u", dueAt: "2026-01-01T00:00:00Z" }), "INTEGRITY");
      await expectCrmError(
        w.t.activities.plan({ subject: "x", relationId: anna.id, dealId: "missing", ownerId: "u", dueAt: "2026-01-01T00:00:00Z" }),
        "INTEGRITY",
      );
      expect(await w.counts()).toEqual(before);
    });

    it("a fault at any storage step of complete leaves the activity open and no contact moment", async () => {
      const probe = ctx.world();
      const prepare = async (t: TenantCrm) => {
        const r = await t.relations.create({ kind: "person", name: "P" });
        return (await t.activities.plan({ subject: "Call", kind: "call", relationId: r.id, ownerId: "u", dueAt: "2026-01-01T00:00:00Z" })).id;
      };
      const probeId = await prepare(probe.t);
      const counter = faultyStorage(probe.storage, Number.POSITIVE_INFINITY);
      await tenantOn(probe, counter.storage).activities.complete(probeId, {}, { expectedVersion: 1 });
      const steps = counter.calls();
      expect(steps).toBeGreaterThan(4);
      for (let failAt = 1; failAt <= steps; failAt++) {
        const w = ctx.world();
        const id = await prepare(w.t);
        const before = await w.counts();
        const faulty = faultyStorage(w.storage, failAt);
        const error = await tenantOn(w, faulty.storage)
          .activities.complete(id, {}, { expectedVersion: 1 })
          .then(
            () => undefined,
            (e: unknown) => e,
          );
        expect(error, `step ${failAt} of ${steps}`).toBeInstanceOf(Error);
        expect(await w.counts(), `step ${failAt} of ${steps}`).toEqual(before);
        expect((await w.t.activities.get(id))!.status).toBe("open");
      }
    });

    it("lists: my open activities, overdue per owner, relations without a planned next step (property)", async () => {
      const plan = fc.array(
        fc.record({
          relation: fc.nat({ max: 4 }),
          owner: fc.constantFrom("u1", "u2"),
          dueDay: fc.integer({ min: 0, max: 9 }),
          end: fc.constantFrom("open", "done", "cancelled"),
        }),
        { maxLength: 10 },
      );
      await fc.assert(
        fc.asyncProperty(plan, fc.constantFrom("u1", "u2"), async (items, me) => {
          const w = ctx.world();
          const relations: Relation[] = [];
          for (let i = 0; i < 5; i++) relations.push(await w.t.relations.create({ kind: "person", name: `R${i}`, ownerId: i % 2 === 0 ? "u1" : "u2" }));
          const planned: { relation: number; owner: string; dueDay: number; end: string; id: string; dueAt: string }[] = [];
          for (const item of items) {
            const a = await w.t.activities.plan({
              subject: "Follow up",
              relationId: relations[item.relation]!.id,
              ownerId: item.owner,
              dueAt: new Date(Date.UTC(2026, 0, 1 + item.dueDay)).toISOString(),
            });
            if (item.end === "done") await w.t.activities.complete(a.id, {}, { expectedVersion: 1 });
            if (item.end === "cancelled") await w.t.activities.cancel(a.id, { expectedVersion: 1 });
            planned.push({ ...item, id: a.id, dueAt: a.dueAt });
          }
          const order = (xs: typeof planned) =>
            [...xs].sort((a, b) => (a.dueAt < b.dueAt ? -1 : a.dueAt > b.dueAt ? 1 : a.id < b.id ? -1 : 1)).map((x) => x.id);
          const collect = async (fetch: (cursor?: string) => Promise<{ items: readonly { id: string }[]; nextCursor?: string }>) => {
            const ids: string[] = [];
            let cursor: string | undefined;
            do {
              const page = await fetch(cursor);
              ids.push(...page.items.map((i) => i.id));
              cursor = page.nextCursor;
            } while (cursor);
            return ids;
          };
          const mine = await collect((cursor) => w.t.activities.list({ ownerId: me, limit: 2, ...(cursor ? { cursor } : {}) }));
          expect(mine).toEqual(order(planned.filter((p) => p.owner === me && p.end === "open")));
          const at = "2026-01-05T12:00:00.000Z";
          const overdue = await collect((cursor) => w.t.activities.overdue({ at, limit: 3, ...(cursor ? { cursor } : {}) }));
          expect(overdue).toEqual(order(planned.filter((p) => p.end === "open" && p.dueAt < at)));
          const withOpen = new Set(planned.filter((p) => p.end === "open").map((p) => relations[p.relation]!.id));
          const expected = relations
            .map((r) => r.id)
            .filter((id) => !withOpen.has(id))
            .sort();
          const seen: string[] = [];
          let cursor: string | undefined;
          do {
            const page = await w.t.activities.withoutNextStep({ limit: 2, ...(cursor ? { cursor } : {}) });
            seen.push(...page.relationIds);
            cursor = page.nextCursor;
          } while (cursor);
          expect(seen).toEqual(expected);
          const ofMe = (await w.t.activities.withoutNextStep({ ownerId: me, limit: 500 })).relationIds;
          expect(ofMe).toEqual(expected.filter((id) => relations.find((r) => r.id === id)!.ownerId === me));
          // Completing logs one contact moment per done activity, nothing for cancelled ones.
          expect(await w.rows("kb_interactions")).toHaveLength(planned.filter((p) => p.end === "done").length);
        }),
        { numRuns: RUNS },
      );
    });
  });
}
