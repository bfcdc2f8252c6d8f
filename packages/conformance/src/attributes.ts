import { describe, expect, it } from "vitest";
import { defineAttributes } from "@kaartenbak/core";
import { expectCrmError, json, num, suiteRegistry, type SuiteContext } from "./harness.js";

/** The attribute registry: typed custom attributes validated at every write, with an explicit version. */
export function attributesSuite(ctx: SuiteContext): void {
  describe("attributes", () => {
    it("stores valid attributes of every type", async () => {
      const w = ctx.world();
      const org = await w.t.relations.create({
        kind: "organisation",
        name: "Acme",
        attributes: { industry: "retail", vatNumber: "NL001", employees: 12, creditLimit: { amount: 500000, currency: "EUR" }, newsletter: true },
      });
      expect(org.attributes).toEqual({
        industry: "retail",
        vatNumber: "NL001",
        employees: 12,
        creditLimit: { amount: 500000, currency: "EUR" },
        newsletter: true,
      });
      expect(org.attributesVersion).toBe(1);
      const [row] = await w.rows("kb_relations", { id: org.id });
      expect(json(row!.attributes)).toEqual(org.attributes);
      expect(num(row!.attributes_version)).toBe(1);
      const person = await w.t.relations.create({ kind: "person", name: "P", attributes: { birthday: "1990-02-28" } });
      expect(person.attributes).toEqual({ birthday: "1990-02-28" });
    });

    it("names every attribute problem at once", async () => {
      const w = ctx.world();
      const error = await expectCrmError(
        w.t.relations.create({
          kind: "person",
          name: "P",
          attributes: { industry: "retail", shoeSize: 44, birthday: "1990-02-30", creditLimit: { amount: 1.5, currency: "GBP" } },
        }),
        "VALIDATION",
      );
      const byPath = new Map(error.issues.map((i) => [i.path.join("."), i.code]));
      expect(byPath.get("attributes.industry")).toBe("attribute_not_applicable");
      expect(byPath.get("attributes.shoeSize")).toBe("unknown_attribute");
      expect(byPath.has("attributes.birthday")).toBe(true);
      expect([...byPath.keys()].filter((p) => p.startsWith("attributes.creditLimit")).length).toBeGreaterThanOrEqual(2);
      expect((await w.rows("kb_relations")).length).toBe(0);
    });

    it("enforces required attributes, and null clears an optional one", async () => {
      const registry = defineAttributes({
        version: 1,
        attributes: { segment: { type: "enum", values: ["a", "b"], required: true, appliesTo: ["organisation"] }, note: { type: "string" } },
      });
      const w = ctx.world({ attributes: registry });
      await expectCrmError(w.t.relations.create({ kind: "organisation", name: "X" }), "VALIDATION");
      const org = await w.t.relations.create({ kind: "organisation", name: "X", attributes: { segment: "a", note: "hi" } });
      const cleared = await w.t.relations.update(org.id, { attributes: { segment: "b", note: null } }, { expectedVersion: 1 });
      expect(cleared.attributes).toEqual({ segment: "b" });
      await expectCrmError(w.t.relations.update(org.id, { attributes: { note: "x" } }, { expectedVersion: 2 }), "VALIDATION");
      // A person is not bound by an organisation-only requirement.
      await w.t.relations.create({ kind: "person", name: "P" });
    });

    it("refuses a changed model under the same version, or an older version", async () => {
      const w = ctx.world();
      await w.t.relations.create({ kind: "person", name: "First write records model v1" });
      const models = await w.rows("kb_attribute_models");
      expect(models.map((m) => num(m.version))).toEqual([1]);
      expect(models[0]!.fingerprint).toBe(suiteRegistry.fingerprint);

      const changedV1 = defineAttributes({ version: 1, attributes: { other: { type: "string" } } });
      const e1 = await expectCrmError(w.crmWith({ attributes: changedV1 }).tenant(w.tenantId).relations.create({ kind: "person", name: "X" }), "VALIDATION");
      expect(e1.details.reason).toBe("attribute_model_changed");

      const v2 = defineAttributes({ version: 2, attributes: { ...suiteRegistry.attributes, tier: { type: "enum", values: ["gold", "silver"] } } });
      const p = await w
        .crmWith({ attributes: v2 })
        .tenant(w.tenantId)
        .relations.create({ kind: "person", name: "Y", attributes: { tier: "gold" } });
      expect(p.attributesVersion).toBe(2);

      const e2 = await expectCrmError(w.t.relations.create({ kind: "person", name: "Z" }), "VALIDATION");
      expect(e2.details.reason).toBe("attribute_model_outdated");
      expect((await w.rows("kb_relations")).length).toBe(2);
    });
  });
}
