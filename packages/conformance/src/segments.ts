import { describe, expect, it } from "vitest";
import { filterBuilder } from "@kaartenbak/core";
import type { TenantCrm } from "@kaartenbak/core";
import { expectCrmError, json, num, type suiteRegistry, type SuiteContext } from "./harness.js";

const f = filterBuilder<typeof suiteRegistry>();

/** Organisations in two industries and people working at them. */
async function people(t: TenantCrm) {
  const retail = await t.relations.create({ kind: "organisation", name: "Shop", attributes: { industry: "retail" } });
  const bank = await t.relations.create({ kind: "organisation", name: "Bank", attributes: { industry: "finance" } });
  const staff = [];
  for (const [name, org] of [
    ["Anna", retail],
    ["Bram", retail],
    ["Cas", bank],
    ["Dirk", retail],
    ["Eva", bank],
  ] as const) {
    const p = await t.relations.create({ kind: "person", name, tags: name < "C" ? ["vip"] : [] });
    await t.links.create({ kind: "employment", personId: p.id, organisationId: org.id });
    staff.push(p);
  }
  return { retail, bank, staff };
}

/** Segments: dynamic, static and snapshot; counts, paging, nesting, history and tenancy. */
export function segmentsSuite(ctx: SuiteContext): void {
  describe("segments", () => {
    it("dynamic segment: count preview, keyset pages of members, filter changes with history and events", async () => {
      const w = ctx.world();
      const { staff } = await people(w.t);
      const worksInRetail = f.filter(f.and(f.field("kind").eq("person"), f.employer(f.attribute("industry").eq("retail"))));
      expect(await w.t.segments.count(worksInRetail)).toBe(3);
      const segment = await w.t.segments.create({ kind: "dynamic", name: "Retail staff", filter: worksInRetail });
      expect(segment).toMatchObject({ kind: "dynamic", version: 1, filter: worksInRetail, sourceSegmentId: null, takenAt: null, deletedAt: null });
      const [row] = await w.rows("kb_segments", { id: segment.id });
      expect(row).toMatchObject({ kind: "dynamic", name: "Retail staff" });
      expect(json(row!.filter)).toEqual(worksInRetail);
      expect(await w.rows("kb_segment_members", { segment_id: segment.id })).toEqual([]);

      const seen: string[] = [];
      let page = await w.t.segments.members(segment.id, { limit: 2 });
      seen.push(...page.items.map((r) => r.name));
      expect(page.items).toHaveLength(2);
      while (page.nextCursor) {
        page = await w.t.segments.members(segment.id, { limit: 2, after: page.nextCursor });
        seen.push(...page.items.map((r) => r.name));
      }
      expect(seen.sort()).toEqual(["Anna", "Bram", "Dirk"]);
      const ids = (await w.t.segments.memberIds(segment.id, { limit: 10 })).items;
      expect(ids).toEqual([...ids].sort());

      await expectCrmError(w.t.segments.update(segment.id, { name: "x" }, { expectedVersion: 9 }), "STALE_VERSION");
      const vip = await w.t.segments.update(segment.id, { filter: f.filter(f.tags.any("vip")) }, { expectedVersion: 1 });
      expect(vip.version).toBe(2);
      expect(await w.t.segments.countMembers(segment.id)).toBe(2);
      await w.t.relations.delete(staff[0]!.id, { expectedVersion: staff[0]!.version });
      expect(await w.t.segments.countMembers(segment.id)).toBe(1);
      const history = await w.t.history.list("segment", segment.id);
      expect(history.map((h) => [h.action, h.version])).toEqual([
        ["create", 1],
        ["update", 2],
      ]);
      expect(history[1]!.changes.filter).toEqual({ from: worksInRetail, to: vip.filter });
      const events = (await w.t.outbox.read({ limit: 100 })).filter((e) => e.entityType === "segment").map((e) => e.type);
      expect(events).toEqual(["segment.created", "segment.updated"]);
      await expectCrmError(w.t.segments.members(segment.id, { limit: 0 }), "VALIDATION");
      await expectCrmError(w.t.segments.members(segment.id, { after: "not-a-cursor" }), "VALIDATION");
    });

    it("static segment: bulk member changes, only live relations, and no member edits on other kinds", async () => {
      const w = ctx.world();
      const { staff, retail } = await people(w.t);
      const segment = await w.t.segments.create({ kind: "static", name: "Hand-picked", relationIds: [staff[0]!.id, staff[1]!.id, staff[0]!.id] });
      expect((await w.rows("kb_segment_members", { segment_id: segment.id })).map((r) => r.relation_id).sort()).toEqual([staff[0]!.id, staff[1]!.id].sort());
      const added = await w.t.segments.addMembers(segment.id, [staff[1]!.id, staff[2]!.id, retail.id], { expectedVersion: 1 });
      expect(added.version).toBe(2);
      expect(await w.t.segments.countMembers(segment.id)).toBe(4);
      const removed = await w.t.segments.removeMembers(segment.id, [staff[0]!.id, "not-a-member"], { expectedVersion: 2 });
      expect(removed.version).toBe(3);
      expect(await w.t.segments.removeMembers(segment.id, ["not-a-member"], { expectedVersion: 3 })).toEqual(removed);
      const before = await w.counts();
      const error = await expectCrmError(w.t.segments.addMembers(segment.id, [staff[3]!.id, "ghost"], { expectedVersion: 3 }), "VALIDATION");
      expect(error.issues).toEqual([expect.objectContaining({ path: ["relationIds", 1], code: "unknown_relation" })]);
      expect(await w.counts()).toEqual(before);
      const history = await w.t.history.list("segment", segment.id);
      expect(history.map((h) => Object.keys(h.changes).filter((k) => k.startsWith("members")))).toEqual([
        ["membersAdded"],
        ["membersAdded"],
        ["membersRemoved"],
      ]);
      expect(history[1]!.changes.membersAdded).toEqual({ from: null, to: 2 });
      const dynamic = await w.t.segments.create({ kind: "dynamic", name: "All", filter: f.filter(f.and()) });
      await expectCrmError(w.t.segments.addMembers(dynamic.id, [staff[0]!.id], { expectedVersion: 1 }), "INVALID_STATE");
      await expectCrmError(w.t.segments.update(segment.id, { filter: f.filter(f.and()) }, { expectedVersion: 3 }), "VALIDATION");
    });

    it("a snapshot freezes a dynamic segment's members in one insert…select", async () => {
      const w = ctx.world();
      const { staff } = await people(w.t);
      const dynamic = await w.t.segments.create({ kind: "dynamic", name: "Staff", filter: f.filter(f.field("kind").eq("person")) });
      const snapshot = await w.t.segments.snapshot(dynamic.id, { name: "Staff in June" });
      expect(snapshot).toMatchObject({ kind: "snapshot", name: "Staff in June", sourceSegmentId: dynamic.id, filter: dynamic.filter });
      expect(snapshot.takenAt).toBe(snapshot.createdAt);
      const rows = await w.rows("kb_segment_members", { segment_id: snapshot.id });
      expect(rows.map((r) => r.relation_id).sort()).toEqual(staff.map((p) => p.id).sort());
      await w.t.relations.create({ kind: "person", name: "Newcomer" });
      expect(await w.t.segments.countMembers(dynamic.id)).toBe(6);
      expect(await w.t.segments.countMembers(snapshot.id)).toBe(5);
      const events = await w.t.outbox.read({ limit: 200 });
      expect(events.find((e) => e.entityId === snapshot.id)).toMatchObject({ type: "segment.snapshot_taken", payload: { members: 5 } });
      await expectCrmError(w.t.segments.snapshot(snapshot.id), "INVALID_STATE");
      await expectCrmError(w.t.segments.snapshot("ghost"), "NOT_FOUND");
    });

    it("segments nest inside filters; cycles and deleted or foreign segments are refused", async () => {
      const w = ctx.world();
      const { staff, bank } = await people(w.t);
      const picked = await w.t.segments.create({ kind: "static", name: "Picked", relationIds: [staff[2]!.id, staff[3]!.id] });
      const vips = await w.t.segments.create({ kind: "dynamic", name: "VIPs", filter: f.filter(f.tags.any("vip")) });
      const either = await w.t.segments.create({ kind: "dynamic", name: "Either", filter: f.filter(f.or(f.segment(picked.id), f.segment(vips.id))) });
      expect(await w.t.segments.countMembers(either.id)).toBe(4);
      const bankers = f.filter(f.and(f.segment(either.id), f.employer(f.field("name").eq(bank.name))));
      expect((await w.t.segments.query(bankers)).items.map((r) => r.name)).toEqual(["Cas"]);
      const cycle = await expectCrmError(w.t.segments.update(vips.id, { filter: f.filter(f.not(f.segment(either.id))) }, { expectedVersion: 1 }), "VALIDATION");
      expect(cycle.issues[0]).toMatchObject({ code: "segment_cycle" });
      await w.t.segments.delete(picked.id, { expectedVersion: 1 });
      expect(await w.t.segments.get(picked.id)).toBeUndefined();
      const gone = await expectCrmError(w.t.segments.countMembers(either.id), "VALIDATION");
      expect(gone.issues[0]).toMatchObject({ code: "unknown_segment", path: ["filter", "where", "of", 0, "segmentId"] });
      const other = w.crm.tenant(`${w.tenantId}-other`);
      await expectCrmError(other.segments.count(f.filter(f.segment(vips.id))), "VALIDATION");
      expect(await other.segments.get(vips.id)).toBeUndefined();
      expect((await w.t.segments.list()).map((s) => s.name)).toEqual(["Either", "VIPs"]);
      expect(num((await w.rows("kb_segments", { id: picked.id }))[0]!.version)).toBe(2);
    });
  });
}
