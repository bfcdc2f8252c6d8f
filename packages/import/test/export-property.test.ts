import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import fc from "fast-check";
import type { RelationInput } from "@kaartenbak/core";
import { exportCsv, exportVcard, importCsv, importVcard, kaartenbakMapping } from "../src/index.js";
import { foldLine } from "../src/vcard-writer.js";
import { databaseFor, ENGINES, freshTenant, snapshot } from "./harness.js";

const dir = mkdtempSync(join(tmpdir(), "kb-export-prop-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

// Text people type, plus what CSV, vCard and spreadsheets treat specially.
const piece = fc.constantFrom(
  "Anna",
  "de",
  "Vries",
  "Zoë",
  "Ærø",
  "O'Neil",
  "=1+1",
  "+31",
  "-",
  "@home",
  "a,b",
  "x;y",
  'say "hi"',
  "back\\slash",
  "日本",
  "Łódź",
);
const text = fc.array(piece, { minLength: 1, maxLength: 4 }).map((p) => p.join(" "));
// A tag holding the tags column's separator (`;`) is counted as omitted (tested in export.test.ts).
const tag = text.filter((t) => !t.includes(";"));
const label = fc.constantFrom("work", "home", "mobile", "billing", "sales team");
const email = fc.tuple(fc.stringMatching(/^[a-z][a-z0-9]{0,8}$/), fc.constantFrom("example.com", "example.org")).map(([l, d]) => `${l}@${d}`);
const phone = fc.integer({ min: 10_000_000, max: 58_999_999 }).map((n) => `+316${n}`);
const relation: fc.Arbitrary<RelationInput> = fc.oneof(
  fc.record({
    kind: fc.constant("person" as const),
    givenName: text,
    familyName: text,
    emails: fc.uniqueArray(fc.record({ address: email, label }), { maxLength: 3, selector: (e) => e.address }),
    phones: fc.uniqueArray(fc.record({ number: phone, label }), { maxLength: 3, selector: (p) => p.number }),
    tags: fc.uniqueArray(tag, { maxLength: 3 }),
  }),
  fc.record({
    kind: fc.constant("organisation" as const),
    name: text,
    addresses: fc.array(
      fc.record({ label, street: text, city: text, postalCode: fc.constantFrom("1015 CJ", "3511 LK"), country: fc.constantFrom("NL", "BE", "DE") }),
      {
        maxLength: 2,
      },
    ),
    tags: fc.uniqueArray(tag, { maxLength: 3 }),
  }),
);

describe("vCard line folding", () => {
  it("folds at 75 octets without splitting a character, and unfolds to the same text", () => {
    fc.assert(
      fc.property(fc.string({ unit: "grapheme", maxLength: 300 }), (s) => {
        const folded = foldLine(`NOTE:${s}`);
        for (const line of folded.split("\r\n")) expect(Buffer.byteLength(line)).toBeLessThanOrEqual(75);
        expect(folded.replace(/\r\n /g, "")).toBe(`NOTE:${s}`);
      }),
    );
  });
});

for (const engine of ENGINES) {
  describe(`export round trip (property): ${engine}`, () => {
    const database = databaseFor(engine);

    it("any relations exported to CSV and to vCard import into an empty tenant as exactly the same relations", async () => {
      const db = database();
      await fc.assert(
        fc.asyncProperty(fc.array(relation, { minLength: 1, maxLength: 6 }), async (inputs) => {
          const sourceId = freshTenant();
          const source = db.crm().tenant(sourceId);
          // Names must be unique for the snapshot (keyed by name); duplicates are another feature's business.
          const seen = new Set<string>();
          for (const input of inputs) {
            const created = await source.relations.create(input);
            if (seen.has(created.name)) await source.relations.delete(created.id, { expectedVersion: created.version });
            seen.add(created.name);
          }
          const live = (await db.rows("kb_relations", sourceId)).filter((r) => r.deleted_at === null).length;
          const want = await snapshot(source, db, sourceId);
          for (const format of ["csv", "vcard"] as const) {
            const path = join(dir, `${sourceId}.${format}`);
            const targetId = freshTenant();
            const target = db.crm().tenant(targetId);
            if (format === "csv") {
              await exportCsv(source, { path });
              const result = await importCsv(target, { path }, { mapping: kaartenbakMapping() });
              expect(result.problems).toEqual([]);
            } else {
              await exportVcard(source, { path });
              const result = await importVcard(target, { path });
              expect(result.problems).toEqual([]);
            }
            const got = await snapshot(target, db, targetId);
            expect(Object.keys(got).length).toBe(live);
            expect(got).toEqual(want);
          }
        }),
        { numRuns: 15 },
      );
    });
  });
}
