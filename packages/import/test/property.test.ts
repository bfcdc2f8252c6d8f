import fc from "fast-check";
import { stringify } from "csv-stringify/sync";
import { describe, expect, it } from "vitest";
import { defineAttributes } from "@kaartenbak/core";
import { importCsv, type ImportMapping } from "../src/index.js";
import { databaseFor, ENGINES, freshTenant } from "./harness.js";

const registry = defineAttributes({ version: 1, attributes: { omzet: { type: "number" }, sinds: { type: "date" } } });
const mapping: ImportMapping = {
  columns: {
    Id: { to: "externalRef", system: "prop" },
    Voornaam: { to: "field", field: "givenName" },
    Achternaam: { to: "field", field: "familyName" },
    Email: { to: "email" },
    Telefoon: { to: "phone" },
    Omzet: { to: "attribute", name: "omzet" },
    Sinds: { to: "attribute", name: "sinds" },
  },
  values: { decimalSeparator: "comma" },
};

/** Text with the characters that make CSV quoting matter. */
const word = fc.stringMatching(/^[A-Za-zéëñ][A-Za-zéëñ"';,\n ]{0,10}[A-Za-zéëñ]$/);
type Fault = "email" | "number" | "date" | "name" | "phone";
const row = fc.record({
  given: word,
  family: word,
  omzet: fc.integer({ min: 0, max: 10_000_000 }),
  day: fc.date({ min: new Date("1990-01-01"), max: new Date("2030-12-31"), noInvalidDate: true }),
  fault: fc.option(fc.constantFrom<Fault>("email", "number", "date", "name", "phone"), { freq: 3 }),
});

for (const engine of ENGINES) {
  describe(`property: ${engine}`, () => {
    const database = databaseFor(engine);

    it("every valid row lands exactly once, every invalid row is reported by its row, nothing else is written", async () => {
      const db = database();
      await fc.assert(
        fc.asyncProperty(fc.array(row, { maxLength: 25 }), fc.constantFrom(",", ";"), fc.integer({ min: 1, max: 7 }), async (rows, delimiter, chunkSize) => {
          const tenantId = freshTenant();
          const t = db.crm(registry).tenant(tenantId);
          const records = rows.map((r, i) => {
            const day = r.day.toISOString().slice(0, 10).split("-").reverse().join("-");
            const omzet = `${Math.floor(r.omzet / 100).toLocaleString("nl-NL")},${String(r.omzet % 100).padStart(2, "0")}`;
            return [
              `R${i}`,
              r.fault === "name" ? "" : r.given,
              r.fault === "name" ? "" : r.family,
              r.fault === "email" ? `r${i}-at-example.com` : `r${i}@example.com`,
              r.fault === "phone" ? "bel me" : `06${String(10_000_000 + i).slice(-8)}`,
              r.fault === "number" ? `${omzet}x` : omzet,
              r.fault === "date" ? "31-02-2020" : day,
            ];
          });
          const text = stringify([["Id", "Voornaam", "Achternaam", "Email", "Telefoon", "Omzet", "Sinds"], ...records], {
            delimiter,
            record_delimiter: "windows",
          });
          const result = await importCsv(t, { text }, { mapping, attributes: registry, chunkSize });

          const invalidRows = rows.flatMap((r, i) => (r.fault ? [i + 2] : []));
          expect([...new Set(result.problems.map((p) => p.row))]).toEqual(invalidRows);
          expect(result).toMatchObject({ rowsRead: rows.length, invalid: invalidRows.length, created: rows.length - invalidRows.length, updated: 0 });
          const counts = await db.counts(tenantId);
          expect(counts.kb_relations).toBe(rows.length - invalidRows.length);
          expect(counts.kb_outbox).toBe(rows.length - invalidRows.length);
          expect(counts.kb_relation_refs).toBe(rows.length - invalidRows.length);
          for (const [i, r] of rows.entries()) {
            const found = await t.relations.findByExternalRef("prop", `R${i}`);
            if (r.fault) {
              expect(found).toBeUndefined();
              continue;
            }
            expect(found).toMatchObject({ givenName: r.given, familyName: r.family, emails: [{ address: `r${i}@example.com` }] });
            expect(found!.attributes).toEqual({ omzet: r.omzet / 100, sinds: r.day.toISOString().slice(0, 10) });
          }
        }),
        { numRuns: 30 },
      );
    });
  });
}
