import { describe, expect, it } from "vitest";
import { defineAttributes } from "@kaartenbak/core";
import { googleMapping, importCsv, outlookMapping, type ImportMapping } from "../src/index.js";
import { databaseFor, ENGINES, fixture, freshTenant, snapshot } from "./harness.js";

const dutchRegistry = defineAttributes({
  version: 1,
  attributes: {
    omzet: { type: "number", appliesTo: ["person"] },
    klantSinds: { type: "date", appliesTo: ["person"] },
    kredietlimiet: { type: "money", currencies: ["EUR"], appliesTo: ["person"] },
    nieuwsbrief: { type: "boolean", appliesTo: ["person"] },
  },
});

const dutchMapping: ImportMapping = {
  columns: {
    Klantnummer: { to: "externalRef", system: "erp" },
    Voornaam: { to: "field", field: "givenName" },
    Tussenvoegsel: { to: "field", field: "familyNamePrefix" },
    Achternaam: { to: "field", field: "familyName" },
    "E-mailadres": { to: "email", label: "work" },
    Telefoon: { to: "phone" },
    Bedrijf: { to: "organisation" },
    Functie: { to: "jobTitle" },
    Straat: { to: "address", part: "street", label: "bezoek" },
    Huisnummer: { to: "address", part: "houseNumber", label: "bezoek" },
    Postcode: { to: "address", part: "postalCode", label: "bezoek" },
    Plaats: { to: "address", part: "city", label: "bezoek" },
    Land: { to: "address", part: "country", label: "bezoek" },
    Omzet: { to: "attribute", name: "omzet" },
    "Klant sinds": { to: "attribute", name: "klantSinds" },
    Kredietlimiet: { to: "attribute", name: "kredietlimiet", currency: "EUR" },
    Nieuwsbrief: { to: "attribute", name: "nieuwsbrief" },
    Opmerking: { to: "ignore" },
  },
  tags: ["import-2024"],
  values: { decimalSeparator: "comma" },
};

for (const engine of ENGINES) {
  describe(`fixture files: ${engine}`, () => {
    const database = databaseFor(engine);

    it("imports the Outlook export to exactly the expected relations, and a second import changes nothing", async () => {
      const db = database();
      const tenantId = freshTenant();
      const t = db.crm().tenant(tenantId);
      const first = await importCsv(t, { path: fixture("outlook-contacts.csv") }, { mapping: outlookMapping });
      expect(first.problems).toEqual([]);
      expect(first).toMatchObject({
        rowsRead: 3,
        invalid: 0,
        created: 3,
        organisationsCreated: 1,
        linksCreated: 2,
        committed: true,
        delimiter: ",",
        encoding: "utf-8",
      });
      const state = await snapshot(t, db, tenantId);
      expect(Object.keys(state).sort()).toEqual(["Acme BV", "Anna Jansen", "Bram Visser", "Globex Ltd"]);
      expect(state["Anna Jansen"]).toEqual({
        kind: "person",
        givenName: "Anna",
        familyName: "Jansen",
        emails: ["anna.jansen@example.com", "anna@example.org"],
        phones: ["+31201234567|work", "+31612345678|mobile"],
        addresses: [{ label: "work", street: "Keizersgracht 1", city: "Amsterdam", postalCode: "1015 CJ", country: "NL" }],
        tags: ["Klant", "VIP"],
        attributes: {},
        employers: ["Acme BV|Buyer"],
      });
      expect(state["Bram Visser"]).toMatchObject({
        phones: ["+31687654321|mobile", "+31301234567|home"],
        addresses: [{ label: "home", street: "Dorpsstraat 12", city: "Utrecht", postalCode: "3512 AB", country: "NL" }],
        employers: ["Acme BV|Sales Manager"],
      });
      expect(state["Globex Ltd"]).toMatchObject({
        kind: "organisation",
        emails: ["info@globex.example"],
        phones: ["+442079460000|work"],
        tags: ["Leverancier"],
      });
      expect(state["Acme BV"]).toMatchObject({ kind: "organisation", emails: [], employers: [] });

      const before = await db.counts(tenantId);
      const second = await importCsv(t, { path: fixture("outlook-contacts.csv") }, { mapping: outlookMapping });
      expect(second).toMatchObject({ created: 0, updated: 0, unchanged: 3, organisationsCreated: 0, linksCreated: 0, linksUpdated: 0 });
      expect(await db.counts(tenantId)).toEqual(before);
    });

    it("imports the Google export (labels, several values in a cell) and a second import changes nothing", async () => {
      const db = database();
      const tenantId = freshTenant();
      const t = db.crm().tenant(tenantId);
      const first = await importCsv(t, { path: fixture("google-contacts.csv") }, { mapping: googleMapping });
      expect(first.problems).toEqual([]);
      expect(first).toMatchObject({ rowsRead: 3, created: 3, organisationsCreated: 1, linksCreated: 1 });
      const state = await snapshot(t, db, tenantId);
      expect(Object.keys(state).sort()).toEqual(["Carla Smit", "Daan Mulder", "Initech", "Umbrella NV"]);
      expect(state["Carla Smit"]).toEqual({
        kind: "person",
        givenName: "Carla",
        familyName: "Smit",
        emails: ["carla.smit@example.com|work", "carla@initech.example|work", "carla.home@example.net|home"],
        phones: ["+31611122233|mobile", "+31105550101|work"],
        addresses: [{ label: "work", street: "Coolsingel 40", city: "Rotterdam", region: "Zuid-Holland", postalCode: "3011 AD", country: "NL" }],
        tags: ["Partners"],
        attributes: {},
        employers: ["Initech|CTO"],
      });
      expect(state["Daan Mulder"]).toMatchObject({ emails: ["daan.mulder@example.com|home"], phones: ["+31612345670|mobile"], tags: [], employers: [] });
      expect(state["Umbrella NV"]).toMatchObject({
        kind: "organisation",
        phones: ["+3225551212|work"],
        addresses: [{ city: "Brussel", postalCode: "1000", country: "BE" }],
      });
      const before = await db.counts(tenantId);
      const second = await importCsv(t, { path: fixture("google-contacts.csv") }, { mapping: googleMapping });
      expect(second).toMatchObject({ created: 0, updated: 0, unchanged: 3, linksCreated: 0 });
      expect(await db.counts(tenantId)).toEqual(before);
    });

    it("imports the ;-delimited Windows-1252 Dutch file with decimal commas, reporting the invalid rows by file row", async () => {
      const db = database();
      const tenantId = freshTenant();
      const t = db.crm(dutchRegistry).tenant(tenantId);
      const options = { mapping: dutchMapping, attributes: dutchRegistry };
      const first = await importCsv(t, { path: fixture("dutch-cp1252.csv") }, options);
      expect(first).toMatchObject({ delimiter: ";", encoding: "windows-1252", rowsRead: 5, invalid: 2, created: 3, organisationsCreated: 2, linksCreated: 3 });
      expect(first.problems).toEqual([
        { row: 4, column: "Klant sinds", message: 'No such date: "31-02-2021"', code: "invalid_value" },
        { row: 5, column: "Omzet", message: 'Not a number: "veel"', code: "invalid_value" },
      ]);
      const state = await snapshot(t, db, tenantId);
      expect(Object.keys(state).sort()).toEqual(["Bakkerij Zoet", "Café Ñandú", "Eva van der Berg", "Jeroen Bakker", "Thijs Vermeulen"]);
      expect(state["Eva van der Berg"]).toEqual({
        kind: "person",
        givenName: "Eva",
        familyName: "van der Berg",
        emails: ["eva.vdberg@example.nl|work"],
        phones: ["+31201234567"],
        addresses: [{ label: "bezoek", street: "Prinsengracht", houseNumber: "263", postalCode: "1016 GV", city: "Amsterdam", country: "NL" }],
        tags: ["import-2024"],
        attributes: { omzet: 1234.56, klantSinds: "2019-03-15", kredietlimiet: { amount: 250000, currency: "EUR" }, nieuwsbrief: true },
        employers: ["Bakkerij Zoet|Eigenaar"],
      });
      expect(state["Jeroen Bakker"]).toMatchObject({
        attributes: { omzet: 0.5, klantSinds: "2020-01-01", kredietlimiet: { amount: 100000, currency: "EUR" }, nieuwsbrief: false },
      });
      expect(state["Thijs Vermeulen"]).toMatchObject({ addresses: [], employers: ["Café Ñandú|Kok"], attributes: { omzet: 2000, nieuwsbrief: true } });
      const refs = (await db.rows("kb_relation_refs", tenantId)).map((r) => `${r.system}:${r.external_id}`).sort();
      expect(refs.filter((r) => r.startsWith("erp:"))).toEqual(["erp:K-1001", "erp:K-1002", "erp:K-1005"]);

      const before = await db.counts(tenantId);
      const second = await importCsv(t, { path: fixture("dutch-cp1252.csv") }, options);
      expect(second).toMatchObject({ created: 0, updated: 0, unchanged: 3, invalid: 2, linksCreated: 0, organisationsCreated: 0 });
      expect(await db.counts(tenantId)).toEqual(before);
    });
  });
}
