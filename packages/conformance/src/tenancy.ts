import { describe, expect, it } from "vitest";
import { expectCrmError, type SuiteContext } from "./harness.js";

/** Tenant isolation: tenant A's data is invisible and unmodifiable through tenant B. */
export function tenancySuite(ctx: SuiteContext): void {
  describe("tenancy", () => {
    it("hides and protects one tenant's data from another", async () => {
      const a = ctx.world();
      const b = a.crm.tenant(`${a.tenantId}-other`);
      const org = await a.t.relations.create({
        kind: "organisation",
        name: "Secret BV",
        emails: ["info@secret.nl"],
        phones: ["+31201234567"],
        externalRefs: [{ system: "erp", externalId: "S1" }],
      });
      const person = await a.t.relations.create({ kind: "person", name: "Insider" });
      const link = await a.t.links.create({ kind: "employment", personId: person.id, organisationId: org.id });
      const { interaction } = await a.t.interactions.log({
        kind: "note",
        occurredAt: "2026-01-01T00:00:00Z",
        relationIds: [org.id],
        externalKey: "<k@secret>",
      });

      expect(await b.relations.get(org.id, { includeDeleted: true })).toBeUndefined();
      expect(await b.relations.findByEmail("info@secret.nl")).toEqual([]);
      expect(await b.relations.findByPhone("+31201234567")).toEqual([]);
      expect(await b.relations.search({ namePrefix: "secret" })).toEqual([]);
      expect(await b.relations.findByExternalRef("erp", "S1")).toBeUndefined();
      expect(await b.links.get(link.id)).toBeUndefined();
      expect(await b.links.list(org.id)).toEqual([]);
      expect(await b.interactions.get(interaction.id)).toBeUndefined();
      expect(await b.interactions.findByExternalKey("<k@secret>")).toBeUndefined();
      expect((await b.interactions.timeline(org.id)).items).toEqual([]);
      expect(await b.history.list("relation", org.id)).toEqual([]);
      expect(await b.outbox.read()).toEqual([]);

      await expectCrmError(b.relations.update(org.id, { name: "Hacked" }, { expectedVersion: 1 }), "NOT_FOUND");
      await expectCrmError(b.relations.delete(org.id, { expectedVersion: 1 }), "NOT_FOUND");
      await expectCrmError(b.links.remove(link.id, { expectedVersion: 1 }), "NOT_FOUND");
      await expectCrmError(b.interactions.update(interaction.id, { subject: "x" }, { expectedVersion: 1 }), "NOT_FOUND");
      await expectCrmError(b.links.create({ kind: "employment", personId: person.id, organisationId: org.id }), "INTEGRITY");
      await expectCrmError(b.interactions.log({ kind: "note", occurredAt: "2026-01-01T00:00:00Z", relationIds: [org.id] }), "INTEGRITY");

      // The same external reference and key are free in the other tenant.
      await b.relations.create({ kind: "organisation", name: "Other BV", externalRefs: [{ system: "erp", externalId: "S1" }] });
      const bPerson = await b.relations.create({ kind: "person", name: "Other" });
      expect(
        (await b.interactions.log({ kind: "note", occurredAt: "2026-01-01T00:00:00Z", relationIds: [bPerson.id], externalKey: "<k@secret>" })).created,
      ).toBe(true);
      expect((await a.t.relations.get(org.id))?.name).toBe("Secret BV");
      expect((await b.outbox.read()).map((e) => e.sequence)).toEqual([1, 2, 3]);
    });

    it("refuses a missing or malformed tenant id", async () => {
      const w = ctx.world();
      for (const bad of ["", " ", "a b", "x".repeat(65), undefined, 42]) {
        expect(() => w.crm.tenant(bad as string)).toThrowError(expect.objectContaining({ code: "TENANT" }));
      }
      await expectCrmError(
        w.storage.transaction("", async () => undefined),
        "TENANT",
      );
    });
  });
}
