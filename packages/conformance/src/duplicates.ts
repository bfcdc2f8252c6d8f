import { defineAttributes } from "@kaartenbak/core";
import { describe, expect, it } from "vitest";
import { expectCrmError, json, suiteRegistry, type SuiteContext } from "./harness.js";

/** The suite registry with the VAT number marked identifying. */
const identifyingRegistry = defineAttributes({
  version: 1,
  attributes: { ...suiteRegistry.attributes, vatNumber: { type: "string", maxLength: 20, appliesTo: ["organisation"], identifying: true } },
});

/** Duplicate detection: the check, the resumable batch scan, the review list. */
export function duplicatesSuite(ctx: SuiteContext): void {
  describe("duplicates", () => {
    const world = () => ctx.world({ attributes: identifyingRegistry });

    it("check finds exact matches on e-mail, phone, external reference and identifying attribute", async () => {
      const w = world();
      const byMail = await w.t.relations.create({ kind: "person", name: "Anna Jansen", emails: [{ address: "anna@example.org" }] });
      const byPhone = await w.t.relations.create({ kind: "person", name: "Bert Smit", phones: [{ number: "020 123 4567" }] });
      const byRef = await w.t.relations.create({ kind: "organisation", name: "Zeta", externalRefs: [{ system: "erp", externalId: "C-1" }] });
      const byVat = await w.t.relations.create({ kind: "organisation", name: "Omega", attributes: { vatNumber: "NL001234567B01" } });

      const mail = await w.t.duplicates.check({ kind: "person", name: "Someone Else", emails: [{ address: " ANNA@example.org " }] });
      expect(mail.map((c) => [c.relation.id, c.score, c.reasons])).toEqual([[byMail.id, 1, ["same e-mail"]]]);
      const phone = await w.t.duplicates.check({ kind: "person", name: "Other", phones: [{ number: "+31201234567" }] });
      expect(phone.map((c) => [c.relation.id, c.reasons])).toEqual([[byPhone.id, ["same phone"]]]);
      const ref = await w.t.duplicates.check({ kind: "organisation", name: "Other", externalRefs: [{ system: "erp", externalId: "C-1" }] });
      expect(ref.map((c) => [c.relation.id, c.reasons])).toEqual([[byRef.id, ["same external reference"]]]);
      const vat = await w.t.duplicates.check({ kind: "organisation", name: "Other", attributes: { vatNumber: "NL001234567B01" } });
      expect(vat.map((c) => [c.relation.id, c.reasons])).toEqual([[byVat.id, ["same vatNumber"]]]);
      // Excluding the relation itself (the update case) leaves nothing.
      expect(await w.t.duplicates.check({ kind: "person", name: "Anna Jansen", emails: [{ address: "anna@example.org" }] }, { excludeId: byMail.id })).toEqual(
        [],
      );
    });

    it("check scores similar names with a shared postcode, folding accents, case, legal forms and particles", async () => {
      const w = world();
      const bakery = await w.t.relations.create({
        kind: "organisation",
        name: "Bakkerij De Vries B.V.",
        addresses: [{ postalCode: "1234 AB", city: "Utrecht" }],
      });
      await w.t.relations.create({ kind: "person", name: "Bakkerij De Vries", addresses: [{ postalCode: "1234AB" }] });
      await w.t.relations.create({ kind: "organisation", name: "Bakkerij De Vries", addresses: [{ postalCode: "9999ZZ", city: "Groningen" }] });
      const found = await w.t.duplicates.check({ kind: "organisation", name: "bakkerij de vriés bv", addresses: [{ postalCode: "1234ab" }] });
      expect(found.map((c) => [c.relation.id, c.score, c.reasons])).toEqual([[bakery.id, 1, ["name 1.00 + same postcode"]]]);
      const typo = await w.t.duplicates.check({ kind: "organisation", name: "Bakkerij de Vriess", addresses: [{ city: "utrecht" }] });
      expect(typo).toHaveLength(1);
      expect(typo[0]!.relation.id).toBe(bakery.id);
      expect(typo[0]!.score).toBeGreaterThanOrEqual(0.9);
      expect(typo[0]!.score).toBeLessThan(1);
      expect(typo[0]!.reasons[0]).toMatch(/^name 0\.9\d \+ same city$/);
    });

    it("scan finds the pairs, writes the review list and resumes from any batch's cursor", async () => {
      const w = world();
      const a = await w.t.relations.create({ kind: "person", name: "Jan van den Berg", emails: [{ address: "jan@berg.nl" }] });
      const b = await w.t.relations.create({ kind: "person", name: "Berg, Jan", emails: [{ address: "JAN@berg.nl" }] });
      const c = await w.t.relations.create({ kind: "organisation", name: "Acme B.V.", addresses: [{ postalCode: "1000 AA" }] });
      const d = await w.t.relations.create({ kind: "organisation", name: "ACME", addresses: [{ postalCode: "1000AA" }] });
      for (let i = 0; i < 7; i++)
        await w.t.relations.create({ kind: "person", name: `Unique Person ${i} ${"xyzq"[i % 4]}${i}`, addresses: [{ city: `City ${i}` }] });
      const sorted = (x: string, y: string) => [x, y].sort();

      const batches = [];
      for await (const batch of w.t.duplicates.scan({ batchSize: 2 })) batches.push(batch);
      expect(batches.filter((x) => x.phase === "keys").reduce((n, x) => n + x.processed, 0)).toBe(11);
      expect(batches[batches.length - 1]!.cursor).toBeUndefined();
      const found = batches.flatMap((x) => x.found.map((p) => [p.firstId, p.secondId]));
      expect(found.sort()).toEqual([sorted(a.id, b.id), sorted(c.id, d.id)].sort());

      const rows = await w.rows("kb_duplicate_pairs");
      expect(rows.map((r) => [r.first_id, r.second_id, r.status]).sort()).toEqual(
        [
          [...sorted(a.id, b.id), "open"],
          [...sorted(c.id, d.id), "open"],
        ].sort(),
      );
      expect(json(rows.find((r) => r.first_id === sorted(a.id, b.id)[0])!.reasons)).toEqual(["same e-mail"]);

      // Resume from the middle: the rest of the scan finds the same pairs.
      const resumed = [];
      for await (const batch of w.t.duplicates.scan({ batchSize: 2, cursor: batches[3]!.cursor })) resumed.push(batch);
      const afterResume = [...batches.slice(0, 4), ...resumed].flatMap((x) => x.found.map((p) => [p.firstId, p.secondId]));
      expect([...new Set(afterResume.map((p) => p.join()))].sort()).toEqual([sorted(a.id, b.id).join(), sorted(c.id, d.id).join()].sort());
    });

    it("a dismissed pair is never proposed again, by a scan or a check", async () => {
      const w = world();
      const a = await w.t.relations.create({ kind: "person", name: "Piet", phones: [{ number: "0612345678" }] });
      const b = await w.t.relations.create({ kind: "person", name: "Klaas", phones: [{ number: "+31612345678" }] });
      for await (const _ of w.t.duplicates.scan()) void _;
      const open = await w.t.duplicates.pairs();
      expect(open.items.map((p) => [p.firstId, p.secondId, p.reasons])).toEqual([[...[a.id, b.id].sort(), ["same phone"]]]);
      const dismissed = await w.t.duplicates.dismiss(b.id, a.id);
      expect(dismissed.status).toBe("dismissed");
      const again = [];
      for await (const batch of w.t.duplicates.scan()) again.push(...batch.found);
      expect(again).toEqual([]);
      expect((await w.t.duplicates.pairs()).items).toEqual([]);
      expect((await w.t.duplicates.pairs({ status: "dismissed" })).items).toHaveLength(1);
      expect((await w.rows("kb_duplicate_pairs")).map((r) => r.status)).toEqual(["dismissed"]);
      expect(await w.t.duplicates.check({ kind: "person", name: "Piet", phones: [{ number: "0612345678" }] }, { excludeId: a.id })).toEqual([]);
    });

    it("pages the review list by score with a cursor", async () => {
      const w = world();
      for (let i = 0; i < 5; i++) {
        await w.t.relations.create({ kind: "person", name: `P${i}a`, emails: [{ address: `p${i}@x.nl` }] });
        await w.t.relations.create({ kind: "person", name: `P${i}b`, emails: [{ address: `p${i}@x.nl` }] });
      }
      for await (const _ of w.t.duplicates.scan()) void _;
      const first = await w.t.duplicates.pairs({ limit: 3 });
      expect(first.items).toHaveLength(3);
      const second = await w.t.duplicates.pairs({ limit: 3, cursor: first.nextCursor });
      expect(second.items).toHaveLength(2);
      expect(second.nextCursor).toBeUndefined();
      expect(new Set([...first.items, ...second.items].map((p) => p.firstId)).size).toBe(5);
    });

    it("refuses bad input with VALIDATION naming every problem, writing nothing", async () => {
      const w = world();
      const before = await w.counts();
      const bad = await expectCrmError(w.t.duplicates.pairs({ status: "closed" as "open", limit: 0 }), "VALIDATION");
      expect(bad.issues.map((i) => i.path.join("."))).toEqual(["status", "limit"]);
      expect(() => w.t.duplicates.scan({ batchSize: 0 })).toThrow();
      await expectCrmError(
        (async () => {
          for await (const _ of w.t.duplicates.scan({ cursor: "not-a-cursor" })) void _;
        })(),
        "VALIDATION",
      );
      await expectCrmError(w.t.duplicates.check({ kind: "robot" as "person", name: "" }), "VALIDATION");
      await expectCrmError(w.t.duplicates.dismiss("x", "y"), "NOT_FOUND");
      expect(await w.counts()).toEqual(before);
    });
  });
}
