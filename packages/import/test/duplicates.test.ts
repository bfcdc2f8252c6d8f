import { describe, expect, it } from "vitest";
import { importCsv, outlookMapping } from "../src/index.js";
import { databaseFor, ENGINES, fixture, freshTenant } from "./harness.js";

for (const engine of ENGINES) {
  describe(`duplicate rules on import: ${engine}`, () => {
    const database = databaseFor(engine);

    it("reports or skips rows that would create a relation looking like an existing one", async () => {
      const db = database();
      const tenantId = freshTenant();
      const t = db.crm().tenant(tenantId);
      const anna = await t.relations.create({ kind: "person", givenName: "Anna", familyName: "Jansen", emails: ["anna.jansen@example.com"] });

      const skipped = await importCsv(t, { path: fixture("outlook-contacts.csv") }, { mapping: outlookMapping, duplicates: "skip", dryRun: true });
      expect(skipped).toMatchObject({ invalid: 1, created: 2 });
      expect(skipped.problems).toEqual([{ row: 2, message: expect.stringContaining(anna.id), code: "possible_duplicate" }]);

      const reported = await importCsv(t, { path: fixture("outlook-contacts.csv") }, { mapping: outlookMapping, duplicates: "report" });
      expect(reported).toMatchObject({ invalid: 0, created: 3 });
      expect(reported.warnings).toEqual([{ row: 2, message: expect.stringContaining("same e-mail"), code: "possible_duplicate" }]);
      // Matched by its row key the second time: no longer a new relation, so no warning.
      const again = await importCsv(t, { path: fixture("outlook-contacts.csv") }, { mapping: outlookMapping, duplicates: "report" });
      expect(again).toMatchObject({ unchanged: 3, warnings: [] });
    });

    it("refuses a row that would bring back an erased person, and imports the others", async () => {
      const db = database();
      const tenantId = freshTenant();
      const t = db.crm().tenant(tenantId);
      await importCsv(t, { path: fixture("outlook-contacts.csv") }, { mapping: outlookMapping });
      const [anna] = await t.relations.findByEmail("anna.jansen@example.com");
      await t.privacy.erase(anna!.id);
      const before = await db.counts(tenantId);
      const result = await importCsv(t, { path: fixture("outlook-contacts.csv") }, { mapping: outlookMapping });
      expect(result).toMatchObject({ invalid: 1, unchanged: 2, created: 0 });
      expect(result.problems.map((p) => [p.row, p.code])).toContainEqual([2, "erased_identity"]);
      expect(await db.counts(tenantId)).toEqual(before);
    });
  });
}
