import { describe, expect, it } from "vitest";
import { importVcard } from "../src/index.js";
import { databaseFor, ENGINES, fixture, freshTenant } from "./harness.js";

for (const engine of ENGINES) {
  describe(`vCard: ${engine}`, () => {
    const database = databaseFor(engine);

    it("imports 2.1, 3.0 and 4.0 cards to the expected relations, and a second import changes nothing", async () => {
      const db = database();
      const tenantId = freshTenant();
      const t = db.crm().tenant(tenantId);
      const first = await importVcard(t, { path: fixture("contacts.vcf") });
      expect(first).toMatchObject({ rowsRead: 4, created: 3, invalid: 1, organisationsCreated: 1, linksCreated: 1, encoding: "utf-8" });
      expect(first.problems).toEqual([{ row: 37, column: "EMAIL 1", message: "Invalid e-mail address", code: "invalid_format" }]);

      const marie = await t.relations.findByExternalRef("vcard", "urn:uuid:4f1c2a7e-0001-4000-8000-000000000001");
      expect(marie).toMatchObject({
        kind: "person",
        name: "Marie Janssens",
        givenName: "Marie",
        familyName: "Janssens",
        emails: [
          { address: "marie.janssens@example.be", label: "work" },
          { address: "marie@example.org", label: "home" },
        ],
        phones: [
          { number: "+32470123456", label: "mobile" },
          { number: "+3215123456", label: "work" },
        ],
        addresses: [{ label: "work", street: "Guido Gezellelaan 49", city: "Mechelen", region: "Antwerpen", postalCode: "2800", country: "BE" }],
        tags: ["Horeca", "Klant"],
      });
      const links = await t.links.list(marie!.id);
      expect(links).toMatchObject([{ kind: "employment", jobTitle: "Accountmanager" }]);
      expect((await t.relations.get((links[0] as { organisationId: string }).organisationId))?.name).toBe("Brouwerij Het Anker");

      const [juergen] = await t.relations.findByEmail("juergen.mueller@example.de");
      expect(juergen).toMatchObject({
        name: "Jürgen Müller",
        givenName: "Jürgen",
        familyName: "Müller",
        phones: [
          { number: "+49301234567", label: "work" },
          { number: "+49307654321", label: "home" },
        ],
        addresses: [{ label: "home", street: "Straße des 17. Juni 135", city: "Berlin", postalCode: "10623", country: "DE" }],
      });
      expect(await t.relations.findByExternalRef("vcard", "urn:uuid:4f1c2a7e-0003-4000-8000-000000000003")).toMatchObject({
        kind: "organisation",
        name: "Vlaamse Vis NV",
        emails: [{ address: "info@vlaamsevis.example", label: "work" }],
        phones: [{ number: "+3292334567", label: "work" }],
      });

      const before = await db.counts(tenantId);
      const second = await importVcard(t, { path: fixture("contacts.vcf") });
      expect(second).toMatchObject({ created: 0, updated: 0, unchanged: 3, linksCreated: 0 });
      expect(await db.counts(tenantId)).toEqual(before);
    });
  });
}
