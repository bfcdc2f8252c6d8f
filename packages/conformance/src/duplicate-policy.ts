import { describe, expect, it } from "vitest";
import { expectCrmError, type SuiteContext } from "./harness.js";

/** The `refuse` policy: relation writes that look like an existing relation are refused, naming the candidates. */
export function duplicatePolicySuite(ctx: SuiteContext): void {
  describe("duplicate policy", () => {
    it("refuse: a create or upsert that looks like a stored relation throws DUPLICATE naming each candidate, and writes nothing", async () => {
      const w = ctx.world();
      const shop = await w.t.relations.create({ kind: "organisation", name: "Bakkerij de Korst", emails: ["info@korst.example"] });
      const before = await w.counts();
      const error = await expectCrmError(
        w.t.relations.create({ kind: "organisation", name: "Other name", emails: ["INFO@korst.example"] }, { duplicates: "refuse" }),
        "DUPLICATE",
      );
      expect(error.details).toMatchObject({ reason: "likely_duplicate", entity: "relation", id: shop.id });
      expect(error.details.issues).toEqual([{ path: ["candidates", shop.id], message: expect.stringContaining("same e-mail"), code: "likely_duplicate" }]);
      await expectCrmError(
        w.t.relations.upsertByExternalRef(
          { system: "erp", externalId: "9" },
          { kind: "organisation", name: "Bakkerij De Korst B.V.", emails: ["info@korst.example"] },
          { duplicates: "refuse" },
        ),
        "DUPLICATE",
      );
      expect(await w.counts()).toEqual(before);
      // `allow` (the default) writes it.
      expect((await w.t.relations.create({ kind: "organisation", name: "Other name", emails: ["info@korst.example"] })).emails).toHaveLength(1);
    });

    it("refuse on update: only a change that makes it look like another relation is refused", async () => {
      const w = ctx.world({ duplicates: "refuse" });
      const a = await w.t.relations.create({ kind: "organisation", name: "Alpha Trading", emails: ["a@alpha.example"] });
      // Allowed once, explicitly: two relations that already look alike.
      const b = await w.t.relations.create({ kind: "organisation", name: "Alpha Trading BV", emails: ["b@alpha.example"] }, { duplicates: "allow" });
      const c = await w.t.relations.create({ kind: "organisation", name: "Gamma", emails: ["c@gamma.example"] });
      // b already looked like a: an unrelated change is not refused.
      const b2 = await w.t.relations.update(b.id, { lifecycle: "customer" }, { expectedVersion: b.version });
      expect(b2.lifecycle).toBe("customer");
      const error = await expectCrmError(w.t.relations.update(c.id, { emails: ["a@alpha.example"] }, { expectedVersion: c.version }), "DUPLICATE");
      expect(error.details.issues?.map((i) => i.path[1])).toEqual([a.id]);
      expect((await w.t.relations.get(c.id))?.emails.map((e) => e.address)).toEqual(["c@gamma.example"]);
    });

    it("refuse in a bulk import: such items are invalid with a likely_duplicate issue, the others are written", async () => {
      const w = ctx.world();
      const shop = await w.t.relations.create({ kind: "organisation", name: "Shop", phones: ["+31201234567"] });
      const result = await w.t.bulk.upsertRelations(
        [
          { kind: "organisation", name: "New one", emails: ["new@example.org"] },
          { kind: "organisation", name: "Shop again", phones: ["020 123 4567"] },
        ],
        { duplicates: "refuse", skipInvalid: true },
      );
      expect(result).toMatchObject({ created: 1, rejected: [{ index: 1, issues: [{ path: ["candidates", shop.id], code: "likely_duplicate" }] }] });
      const before = await w.counts();
      const refused = await expectCrmError(
        w.t.bulk.upsertRelations([{ kind: "organisation", name: "Shop 3", phones: ["+31201234567"] }], { duplicates: "refuse" }),
        "VALIDATION",
      );
      expect(refused.issues[0]).toMatchObject({ path: [0, "candidates", shop.id], code: "likely_duplicate" });
      expect(await w.counts()).toEqual(before);
    });

    it("an unknown policy is refused: VALIDATION per call, CONFIGURATION for the CRM", async () => {
      const w = ctx.world();
      const before = await w.counts();
      await expectCrmError(w.t.relations.create({ kind: "person", name: "X" }, { duplicates: "warn" as never }), "VALIDATION");
      await expectCrmError(w.t.bulk.upsertRelations([{ kind: "person", name: "X" }], { duplicates: "maybe" as never }), "VALIDATION");
      expect(() => w.crmWith({ duplicates: "sometimes" as never })).toThrow(expect.objectContaining({ code: "CONFIGURATION" }));
      expect(await w.counts()).toEqual(before);
    });
  });
}

/** The data-quality report counts and lists relations in open pairs of the duplicate review list. */
export function duplicateReportSuite(ctx: SuiteContext): void {
  describe("data quality: open duplicates", () => {
    it("counts both ends of an open pair, per owner too; a dismissed or merged pair no longer counts", async () => {
      const w = ctx.world();
      const a = await w.t.relations.create({ kind: "organisation", name: "Alpha", emails: ["x@alpha.example"], ownerId: "u1" });
      const b = await w.t.relations.create({ kind: "organisation", name: "Alpha 2", emails: ["x@alpha.example"], ownerId: "u2" });
      const c = await w.t.relations.create({ kind: "organisation", name: "Beta", phones: ["+31201234567"] });
      const d = await w.t.relations.create({ kind: "organisation", name: "Beta 2", phones: ["+31201234567"] });
      await w.t.relations.create({ kind: "organisation", name: "Alone", emails: ["alone@example.org"] });
      for await (const _batch of w.t.duplicates.scan()) void _batch;
      expect((await w.t.dataQuality.counts()).duplicates).toBe(4);
      expect((await w.t.dataQuality.counts({ ownerId: "u1" })).duplicates).toBe(1);
      expect((await w.t.dataQuality.list("duplicates")).relationIds).toEqual([a.id, b.id, c.id, d.id].sort());
      await w.t.duplicates.dismiss(a.id, b.id);
      await w.t.relations.merge(c.id, d.id);
      expect((await w.t.dataQuality.counts()).duplicates).toBe(0);
      expect((await w.t.dataQuality.list("duplicates")).relationIds).toEqual([]);
    });
  });
}
