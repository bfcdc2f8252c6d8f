import { createReadStream } from "node:fs";
import { describe, expect, it } from "vitest";
import { createCrm, defineAttributes, isCrmError } from "@kaartenbak/core";
import { importXlsx, type ImportMapping } from "../src/index.js";
import { databaseFor, ENGINES, fixture, freshTenant } from "./harness.js";

const registry = defineAttributes({
  version: 1,
  attributes: {
    omzet: { type: "number" },
    klantSinds: { type: "date" },
    kredietlimiet: { type: "money", currencies: ["EUR"] },
    nieuwsbrief: { type: "boolean" },
  },
});
const mapping: ImportMapping = {
  columns: {
    Klantnummer: { to: "externalRef", system: "erp" },
    Naam: { to: "field", field: "name" },
    Soort: { to: "field", field: "kind" },
    "E-mail": { to: "email" },
    Telefoon: { to: "phone" },
    Omzet: { to: "attribute", name: "omzet" },
    "Klant sinds": { to: "attribute", name: "klantSinds" },
    Kredietlimiet: { to: "attribute", name: "kredietlimiet", currency: "EUR" },
    Nieuwsbrief: { to: "attribute", name: "nieuwsbrief" },
    Plaats: { to: "address", part: "city" },
    Land: { to: "address", part: "country" },
  },
};

for (const engine of ENGINES) {
  describe(`xlsx: ${engine}`, () => {
    const database = databaseFor(engine);

    it("imports a worksheet with typed cells to the expected relations, and a second import changes nothing", async () => {
      const db = database();
      const tenantId = freshTenant();
      // A CRM typed by its registry: the import is generic over it (TenantCrm is invariant in the registry).
      const t = createCrm({ storage: db.storage, attributes: registry, defaultRegion: "NL" }).tenant(tenantId);
      const options = { mapping, attributes: registry, sheet: "Klanten" };
      const first = await importXlsx(t, { path: fixture("klanten.xlsx") }, options);
      expect(first).toMatchObject({ rowsRead: 4, created: 3, invalid: 1, committed: true });
      expect(first.problems).toEqual([{ row: 5, column: "E-mail", message: "Invalid e-mail address", code: "invalid_format" }]);
      const noord = await t.relations.findByExternalRef("erp", "X-1");
      expect(noord).toMatchObject({
        kind: "organisation",
        name: "Noord Installatie BV",
        phones: [{ number: "+31501234567" }],
        addresses: [{ city: "Groningen", country: "NL" }],
        attributes: { omzet: 98765.43, klantSinds: "2015-06-01", kredietlimiet: { amount: 500000, currency: "EUR" }, nieuwsbrief: true },
      });
      expect(await t.relations.findByExternalRef("erp", "X-2")).toMatchObject({
        kind: "person",
        name: "Petra Kok",
        attributes: { omzet: 12.5, klantSinds: "2021-11-30", kredietlimiet: { amount: 25075, currency: "EUR" }, nieuwsbrief: false },
      });
      expect(await t.relations.findByExternalRef("erp", "X-4")).toMatchObject({
        name: "Rik de Groot",
        phones: [],
        attributes: { omzet: 0, klantSinds: "2023-01-02" },
      });

      const before = await db.counts(tenantId);
      const second = await importXlsx(t, { stream: createReadStream(fixture("klanten.xlsx")) }, { ...options, fileName: "klanten.xlsx" });
      expect(second).toMatchObject({ created: 0, updated: 0, unchanged: 3, invalid: 1 });
      expect(await db.counts(tenantId)).toEqual(before);
      const missing = await importXlsx(t, { path: fixture("klanten.xlsx") }, { ...options, sheet: "Nope" }).catch((e: unknown) => e);
      expect(isCrmError(missing, "VALIDATION")).toBe(true);
    });
  });
}
