import { describe, expect, it } from "vitest";
import { expectCrmError, type SuiteContext } from "./harness.js";

/** Links: employment, household membership, organisation hierarchy without cycles. */
export function linksSuite(ctx: SuiteContext): void {
  describe("links", () => {
    async function people(w: ReturnType<SuiteContext["world"]>) {
      const org = await w.t.relations.create({ kind: "organisation", name: "Org" });
      const person = await w.t.relations.create({ kind: "person", name: "Person" });
      const household = await w.t.relations.create({ kind: "household", name: "Household" });
      return { org, person, household };
    }

    it("links a person to an organisation with role, job title and validity", async () => {
      const w = ctx.world();
      const { org, person, household } = await people(w);
      const job = await w.t.links.create({
        kind: "employment",
        personId: person.id,
        organisationId: org.id,
        role: "buyer",
        jobTitle: "Head of Purchasing",
        validFrom: "2024-01-01",
      });
      expect(job).toMatchObject({
        kind: "employment",
        personId: person.id,
        organisationId: org.id,
        role: "buyer",
        jobTitle: "Head of Purchasing",
        validFrom: "2024-01-01",
        validTo: null,
        version: 1,
      });
      const [row] = await w.rows("kb_links", { id: job.id });
      expect(row).toMatchObject({ kind: "employment", from_id: person.id, to_id: org.id, job_title: "Head of Purchasing", valid_from: "2024-01-01" });
      const member = await w.t.links.create({ kind: "household_member", personId: person.id, householdId: household.id, role: "head" });
      expect((await w.t.links.list(person.id)).map((l) => l.id).sort()).toEqual([job.id, member.id].sort());
      expect((await w.t.links.list(org.id)).map((l) => l.id)).toEqual([job.id]);
      const ended = await w.t.links.update(job.id, { validTo: "2025-06-30" }, { expectedVersion: 1 });
      expect(ended.validTo).toBe("2025-06-30");
      expect((await w.t.links.list(org.id, { activeOn: "2025-07-01" })).length).toBe(0);
      expect((await w.t.links.list(org.id, { activeOn: "2025-06-30" })).length).toBe(1);
      await expectCrmError(w.t.links.update(job.id, { validTo: "2023-01-01" }, { expectedVersion: 2 }), "VALIDATION");
      await expectCrmError(w.t.links.update(member.id, { jobTitle: "x" }, { expectedVersion: 1 }), "VALIDATION");
      await expectCrmError(w.t.links.update(job.id, { role: "x" }, { expectedVersion: 1 }), "STALE_VERSION");
      await w.t.links.remove(member.id, { expectedVersion: 1 });
      expect(await w.rows("kb_links", { id: member.id })).toEqual([]);
      expect(await w.t.links.get(member.id)).toBeUndefined();
      expect((await w.t.history.list("link", member.id)).map((h) => h.action)).toEqual(["create", "delete"]);
    });

    it("checks the kinds at both ends and that both exist", async () => {
      const w = ctx.world();
      const { org, person, household } = await people(w);
      const wrong = await expectCrmError(w.t.links.create({ kind: "employment", personId: org.id, organisationId: person.id }), "INTEGRITY");
      expect(wrong.details.reason).toBe("wrong_kind");
      await expectCrmError(w.t.links.create({ kind: "household_member", personId: person.id, householdId: org.id }), "INTEGRITY");
      await expectCrmError(w.t.links.create({ kind: "parent_organisation", organisationId: org.id, parentId: household.id }), "INTEGRITY");
      const missing = await expectCrmError(w.t.links.create({ kind: "employment", personId: person.id, organisationId: "nope" }), "INTEGRITY");
      expect(missing.details.reason).toBe("missing_relation");
      await w.t.relations.delete(org.id, { expectedVersion: 1 });
      await expectCrmError(w.t.links.create({ kind: "employment", personId: person.id, organisationId: org.id }), "INTEGRITY");
      await expectCrmError(w.t.links.create({ kind: "employment", personId: person.id } as never), "VALIDATION");
      expect(await w.rows("kb_links")).toEqual([]);
    });

    it("refuses cycles in the organisation tree", async () => {
      const w = ctx.world();
      const [a, b, c] = await Promise.all(["A", "B", "C"].map((name) => w.t.relations.create({ kind: "organisation", name })));
      await w.t.links.create({ kind: "parent_organisation", organisationId: a!.id, parentId: b!.id });
      await w.t.links.create({ kind: "parent_organisation", organisationId: b!.id, parentId: c!.id });
      const cycle = await expectCrmError(w.t.links.create({ kind: "parent_organisation", organisationId: c!.id, parentId: a!.id }), "INTEGRITY");
      expect(cycle.details.reason).toBe("cycle");
      await expectCrmError(w.t.links.create({ kind: "parent_organisation", organisationId: a!.id, parentId: a!.id }), "INTEGRITY");
      await expectCrmError(w.t.links.create({ kind: "parent_organisation", organisationId: b!.id, parentId: a!.id }), "INTEGRITY");
      // A second, non-cyclic parent path is fine (a diamond is a DAG).
      const d = await w.t.relations.create({ kind: "organisation", name: "D" });
      await w.t.links.create({ kind: "parent_organisation", organisationId: a!.id, parentId: d.id });
      await w.t.links.create({ kind: "parent_organisation", organisationId: d.id, parentId: c!.id });
      expect((await w.rows("kb_links")).length).toBe(4);
    });
  });
}
