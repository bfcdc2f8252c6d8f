import { describe, expect, it } from "vitest";
import { expectCrmError, json, num, type SuiteContext } from "./harness.js";

/** Relations: create, normalise, update, soft delete, lookups, external references. */
export function relationsSuite(ctx: SuiteContext): void {
  describe("relations", () => {
    it("creates a person with normalised e-mails and phones, verified in the database", async () => {
      const w = ctx.world();
      const p = await w.t.relations.create({
        kind: "person",
        givenName: "Anna",
        familyName: "de Vries",
        emails: ["  Anna.de.Vries@Example.COM ", { address: "anna@home.nl", label: "home" }],
        phones: ["020 123 4567", { number: "+32 2 555 12 12", label: "office" }],
        tags: ["vip", "board", "vip"],
      });
      expect(p).toMatchObject({ name: "Anna de Vries", kind: "person", lifecycle: "prospect", version: 1, tags: ["board", "vip"] });
      expect(p.emails).toEqual([
        { address: "anna.de.vries@example.com", label: null, primary: true },
        { address: "anna@home.nl", label: "home", primary: false },
      ]);
      expect(p.phones.map((x) => x.number)).toEqual(["+31201234567", "+3225551212"]);
      const [row] = await w.rows("kb_relations", { id: p.id });
      expect(row).toMatchObject({ kind: "person", name: "Anna de Vries", given_name: "Anna", family_name: "de Vries", deleted_at: null });
      expect(num(row!.version)).toBe(1);
      const emails = await w.rows("kb_relation_emails", { relation_id: p.id });
      expect(emails.map((e) => e.email).sort()).toEqual(["anna.de.vries@example.com", "anna@home.nl"]);
      const phones = await w.rows("kb_relation_phones", { relation_id: p.id });
      expect(phones.map((e) => e.phone).sort()).toEqual(["+31201234567", "+3225551212"]);
      expect((await w.rows("kb_relation_tags", { relation_id: p.id })).map((r) => r.tag).sort()).toEqual(["board", "vip"]);
      expect(await w.t.relations.get(p.id)).toEqual(p);
    });

    it("rejects bad input with one VALIDATION error naming every problem", async () => {
      const w = ctx.world();
      const error = await expectCrmError(
        w.t.relations.create({
          kind: "organisation",
          givenName: "Not for orgs",
          emails: ["not-an-email", { address: "a@b.nl", primary: true }, { address: "c@d.nl", primary: true }],
          phones: ["12"],
          lifecycle: "vip" as never,
        }),
        "VALIDATION",
      );
      const paths = error.issues.map((i) => i.path.join("."));
      expect(paths.sort()).toEqual(["emails", "emails.0.address", "givenName", "lifecycle", "name", "phones.0.number"]);
      expect(Object.values(await w.counts()).every((n) => n === 0)).toBe(true);
    });

    it("needs a name unless a person has name parts", async () => {
      const w = ctx.world();
      await expectCrmError(w.t.relations.create({ kind: "household" }), "VALIDATION");
      const p = await w.t.relations.create({ kind: "person", familyName: "Jansen" });
      expect(p.name).toBe("Jansen");
    });

    it("updates with optimistic concurrency; a no-op update writes nothing", async () => {
      const w = ctx.world();
      const org = await w.t.relations.create({ kind: "organisation", name: "Acme", lifecycle: "lead" });
      const updated = await w.t.relations.update(org.id, { lifecycle: "customer", ownerId: "user:7" }, { expectedVersion: 1 });
      expect(updated).toMatchObject({ version: 2, lifecycle: "customer", ownerId: "user:7" });
      const before = await w.counts();
      const same = await w.t.relations.update(org.id, { lifecycle: "customer" }, { expectedVersion: 2 });
      expect(same.version).toBe(2);
      expect(await w.counts()).toEqual(before);
      await expectCrmError(w.t.relations.update(org.id, { name: "Stale" }, { expectedVersion: 1 }), "STALE_VERSION");
      await expectCrmError(w.t.relations.update("no-such-id", { name: "X" }, { expectedVersion: 1 }), "NOT_FOUND");
      const [row] = await w.rows("kb_relations", { id: org.id });
      expect(num(row!.version)).toBe(2);
    });

    it("keeps a person's name in step with its parts unless it was set on purpose", async () => {
      const w = ctx.world();
      const p = await w.t.relations.create({ kind: "person", givenName: "Jan", familyName: "Smit" });
      const renamed = await w.t.relations.update(p.id, { familyName: "Smits" }, { expectedVersion: 1 });
      expect(renamed.name).toBe("Jan Smits");
      const custom = await w.t.relations.update(p.id, { name: "Dr. J. Smits" }, { expectedVersion: 2 });
      const later = await w.t.relations.update(p.id, { givenName: "Johan" }, { expectedVersion: custom.version });
      expect(later.name).toBe("Dr. J. Smits");
    });

    it("replaces child lists on update", async () => {
      const w = ctx.world();
      const p = await w.t.relations.create({ kind: "person", name: "P", emails: ["a@x.nl", "b@x.nl"], tags: ["a"] });
      await w.t.relations.update(p.id, { emails: [{ address: "c@x.nl" }], tags: [] }, { expectedVersion: 1 });
      expect((await w.rows("kb_relation_emails", { relation_id: p.id })).map((r) => r.email)).toEqual(["c@x.nl"]);
      expect(await w.rows("kb_relation_tags", { relation_id: p.id })).toEqual([]);
      expect(await w.t.relations.findByEmail("a@x.nl")).toEqual([]);
    });

    it("soft-deletes and restores", async () => {
      const w = ctx.world();
      const p = await w.t.relations.create({ kind: "person", name: "Gone", emails: ["gone@x.nl"] });
      const deleted = await w.t.relations.delete(p.id, { expectedVersion: 1 });
      expect(deleted.deletedAt).not.toBeNull();
      expect(await w.t.relations.get(p.id)).toBeUndefined();
      expect((await w.t.relations.get(p.id, { includeDeleted: true }))?.version).toBe(2);
      expect(await w.t.relations.findByEmail("gone@x.nl")).toEqual([]);
      const [row] = await w.rows("kb_relations", { id: p.id });
      expect(row!.deleted_at).not.toBeNull();
      await expectCrmError(w.t.relations.update(p.id, { name: "X" }, { expectedVersion: 2 }), "NOT_FOUND");
      await expectCrmError(w.t.relations.delete(p.id, { expectedVersion: 2 }), "NOT_FOUND");
      const restored = await w.t.relations.restore(p.id, { expectedVersion: 2 });
      expect(restored).toMatchObject({ deletedAt: null, version: 3 });
      await expectCrmError(w.t.relations.restore(p.id, { expectedVersion: 3 }), "INVALID_STATE");
      expect((await w.t.relations.findByEmail("GONE@x.nl")).map((r) => r.id)).toEqual([p.id]);
    });

    it("finds relations by e-mail, phone in any notation, name prefix and external reference", async () => {
      const w = ctx.world();
      const a = await w.t.relations.create({ kind: "person", name: "Émile Zola", emails: ["emile@zola.fr"], phones: ["+31 6 12345678"] });
      const b = await w.t.relations.create({ kind: "organisation", name: "Emily's Bakery", externalRefs: [{ system: "erp", externalId: "C-1" }] });
      await w.t.relations.create({ kind: "organisation", name: "100% Fruit_Co" });
      expect((await w.t.relations.findByEmail(" EMILE@Zola.FR")).map((r) => r.id)).toEqual([a.id]);
      for (const notation of ["06-12345678", "0031612345678", "+31612345678", "(06) 1234 5678"]) {
        expect(
          (await w.t.relations.findByPhone(notation)).map((r) => r.id),
          notation,
        ).toEqual([a.id]);
      }
      expect(await w.t.relations.findByPhone("not a phone")).toEqual([]);
      expect((await w.t.relations.search({ namePrefix: "emi" })).map((r) => r.name).sort()).toEqual(["Emily's Bakery", "Émile Zola"]);
      expect((await w.t.relations.search({ namePrefix: "ÉMILE" })).map((r) => r.id)).toEqual([a.id]);
      expect((await w.t.relations.search({ namePrefix: "100%" })).map((r) => r.name)).toEqual(["100% Fruit_Co"]);
      expect(await w.t.relations.search({ namePrefix: "1%" })).toEqual([]);
      expect(await w.t.relations.search({ namePrefix: "_" })).toEqual([]);
      expect((await w.t.relations.findByExternalRef("erp", "C-1"))?.id).toBe(b.id);
      expect(await w.t.relations.findByExternalRef("erp", "C-2")).toBeUndefined();
      await expectCrmError(w.t.relations.search({ namePrefix: "" }), "VALIDATION");
    });

    it("keeps external references unique per tenant", async () => {
      const w = ctx.world();
      const a = await w.t.relations.create({ kind: "organisation", name: "A", externalRefs: [{ system: "erp", externalId: "42" }] });
      const error = await expectCrmError(
        w.t.relations.create({ kind: "organisation", name: "B", externalRefs: [{ system: "erp", externalId: "42" }] }),
        "DUPLICATE",
      );
      expect(error.details.id).toBe(a.id);
      expect((await w.rows("kb_relations")).length).toBe(1);
      expect(await w.rows("kb_relation_refs", { system: "erp", external_id: "42" })).toHaveLength(1);
    });

    it("upserts by external reference idempotently, restoring a deleted match", async () => {
      const w = ctx.world();
      const ref = { system: "erp", externalId: "CUST-9" };
      const first = await w.t.relations.upsertByExternalRef(ref, { kind: "organisation", name: "Nine BV", emails: ["info@nine.nl"] });
      expect(first.outcome).toBe("created");
      const before = await w.counts();
      const replay = await w.t.relations.upsertByExternalRef(ref, { kind: "organisation", name: "Nine BV", emails: ["info@nine.nl"] });
      expect(replay).toEqual({ relation: first.relation, outcome: "unchanged" });
      expect(await w.counts()).toEqual(before);
      const changed = await w.t.relations.upsertByExternalRef(ref, { kind: "organisation", name: "Nine Holding BV" });
      expect(changed.outcome).toBe("updated");
      expect(changed.relation).toMatchObject({ name: "Nine Holding BV", version: 2, emails: first.relation.emails });
      await w.t.relations.delete(first.relation.id, { expectedVersion: 2 });
      const back = await w.t.relations.upsertByExternalRef(ref, { kind: "organisation", name: "Nine Holding BV" });
      expect(back.relation).toMatchObject({ id: first.relation.id, deletedAt: null, version: 4 });
      await expectCrmError(w.t.relations.upsertByExternalRef(ref, { kind: "person", name: "X" }), "VALIDATION");
      expect(json((await w.rows("kb_relations"))[0]!.addresses)).toEqual([]);
    });
  });
}
