import { createReadStream, readFileSync } from "node:fs";
import { PassThrough } from "node:stream";
import { parse } from "csv-parse/sync";
import iconv from "iconv-lite";
import { describe, expect, it } from "vitest";
import { defineAttributes, isCrmError } from "@kaartenbak/core";
import { importCsv, outlookMapping, type ImportCheckpoint, type ImportMapping, type ImportProgress } from "../src/index.js";
import { databaseFor, ENGINES, fixture, freshTenant } from "./harness.js";

const registry = defineAttributes({
  version: 1,
  attributes: { omzet: { type: "number", appliesTo: ["person"] }, klantSinds: { type: "date", appliesTo: ["person"] } },
});
const mapping: ImportMapping = {
  columns: {
    Klantnummer: { to: "externalRef", system: "erp" },
    Voornaam: { to: "field", field: "givenName" },
    Achternaam: { to: "field", field: "familyName" },
    "E-mailadres": { to: "email" },
    Bedrijf: { to: "organisation" },
    Omzet: { to: "attribute", name: "omzet" },
    "Klant sinds": { to: "attribute", name: "klantSinds" },
  },
  ignoreMissingColumns: true,
  values: { decimalSeparator: "comma" },
};
const options = { mapping, attributes: registry };
const allZero = (counts: Record<string, number>) => Object.values(counts).every((n) => n === 0);

/** Collects what is written to `stream`; `text()` gives it so far. */
function collect(stream: PassThrough): { text(): string } {
  const parts: Buffer[] = [];
  stream.on("data", (c: Buffer) => parts.push(c));
  return { text: () => Buffer.concat(parts).toString("utf8") };
}

for (const engine of ENGINES) {
  describe(`dry run and apply options: ${engine}`, () => {
    const database = databaseFor(engine);

    it("a dry run reports per row and a summary, and writes nothing (raw rows and outbox)", async () => {
      const db = database();
      const tenantId = freshTenant();
      const t = db.crm(registry).tenant(tenantId);
      const progress: ImportProgress[] = [];
      const checkpoints: ImportCheckpoint[] = [];
      const dry = await importCsv(
        t,
        { path: fixture("dutch-cp1252.csv") },
        { ...options, dryRun: true, chunkSize: 1, onProgress: (p) => progress.push(p), onCheckpoint: (c) => void checkpoints.push(c) },
      );
      expect(dry).toMatchObject({
        dryRun: true,
        committed: false,
        rowsRead: 5,
        invalid: 2,
        created: 3,
        updated: 0,
        unchanged: 0,
        organisationsCreated: 2,
        linksCreated: 3,
      });
      expect(dry.problems.map((p) => [p.row, p.column])).toEqual([
        [4, "Klant sinds"],
        [5, "Omzet"],
      ]);
      expect(progress).toHaveLength(5);
      expect(progress.every((p) => p.dryRun)).toBe(true);
      expect(checkpoints).toEqual([]);
      const counts = await db.counts(tenantId);
      expect(allZero(counts)).toBe(true);
      expect(counts.kb_outbox).toBe(0);

      // After a real import, a dry run of the same file sees nothing to do, and of a changed file what would change.
      await importCsv(t, { path: fixture("dutch-cp1252.csv") }, options);
      const before = await db.counts(tenantId);
      const again = await importCsv(t, { path: fixture("dutch-cp1252.csv") }, { ...options, dryRun: true });
      expect(again).toMatchObject({ created: 0, updated: 0, unchanged: 3, invalid: 2, organisationsCreated: 0, linksCreated: 0 });
      const changed = iconv.decode(readFileSync(fixture("dutch-cp1252.csv")), "win1252").replace("1.234,56", "1.300,00");
      const diff = await importCsv(t, { text: changed }, { ...options, dryRun: true, fileName: "dutch.csv" });
      expect(diff).toMatchObject({ created: 0, updated: 1, unchanged: 2 });
      expect(await db.counts(tenantId)).toEqual(before);
    });

    it("allOrNothing writes nothing when a row is invalid, and everything when all are valid", async () => {
      const db = database();
      const tenantId = freshTenant();
      const t = db.crm(registry).tenant(tenantId);
      const refused = await importCsv(t, { path: fixture("dutch-cp1252.csv") }, { ...options, allOrNothing: true, chunkSize: 2 });
      expect(refused).toMatchObject({ committed: false, invalid: 2, created: 3 });
      expect(refused.problems).toHaveLength(2);
      expect(allZero(await db.counts(tenantId))).toBe(true);
      const checkpoints: ImportCheckpoint[] = [];
      const ok = await importCsv(
        t,
        { path: fixture("outlook-contacts.csv") },
        { mapping: outlookMapping, allOrNothing: true, chunkSize: 1, onCheckpoint: (c) => void checkpoints.push(c) },
      );
      expect(ok).toMatchObject({ committed: true, created: 3 });
      expect(checkpoints).toHaveLength(1);
      expect((await db.counts(tenantId)).kb_relations).toBe(4);
    });

    it("writes the refused rows to a reject file with a Reason column, formula-escaped", async () => {
      const db = database();
      const tenantId = freshTenant();
      const t = db.crm(registry).tenant(tenantId);
      const text = [
        "Klantnummer;Voornaam;Achternaam;E-mailadres;Omzet",
        "A1;Ann;Ek;ann@example.com;1,5",
        'A2;"=HYPERLINK(""x"")";Ek;not-an-email;2',
        "A3;Ole;Ek;ole@example.com;veel",
        "",
      ].join("\r\n");
      const out = new PassThrough();
      const collected = collect(out);
      const result = await importCsv(t, { text }, { ...options, rejects: out, fileName: "x.csv" });
      expect(result).toMatchObject({ created: 1, invalid: 2 });
      expect(result.problems).toEqual([
        { row: 3, column: "E-mailadres", message: "Invalid e-mail address", code: "invalid_format" },
        { row: 4, column: "Omzet", message: 'Not a number: "veel"', code: "invalid_value" },
      ]);
      const rows = parse(collected.text(), { delimiter: ";" }) as string[][];
      expect(rows).toEqual([
        ["Klantnummer", "Voornaam", "Achternaam", "E-mailadres", "Omzet", "Reason"],
        ["A2", '\'=HYPERLINK("x")', "Ek", "not-an-email", "2", "E-mailadres: Invalid e-mail address"],
        ["A3", "Ole", "Ek", "ole@example.com", "veel", 'Omzet: Not a number: "veel"'],
      ]);
    });

    it("an employer named only by punctuation is created and linked like any other", async () => {
      const db = database();
      const t = db.crm(registry).tenant(freshTenant());
      const text = "Klantnummer;Voornaam;Bedrijf\nB1;Bo;&&&\nB2;Bea;&&&\n";
      const result = await importCsv(t, { text }, { ...options, fileName: "b.csv" });
      expect(result).toMatchObject({ created: 2, organisationsCreated: 1, linksCreated: 2, invalid: 0 });
    });

    it("an employer the import made and the user deleted is restored with its links, not linked twice", async () => {
      const db = database();
      const t = db.crm(registry).tenant(freshTenant());
      const text = "Klantnummer;Voornaam;Bedrijf\nC1;Cas;Delta BV\n";
      await importCsv(t, { text }, { ...options, fileName: "c.csv" });
      const [delta] = (await t.relations.search({ namePrefix: "Delta" })).filter((r) => r.kind === "organisation");
      await t.relations.delete(delta!.id, { expectedVersion: delta!.version });
      const again = await importCsv(t, { text }, { ...options, fileName: "c.csv" });
      expect(again).toMatchObject({ organisationsCreated: 0, linksCreated: 0, unchanged: 1 });
      expect((await t.relations.get(delta!.id))?.deletedAt).toBeNull();
      expect(await t.links.list(delta!.id)).toHaveLength(1);
    });

    it("reads a stream, refuses a bad mapping naming every problem, and a checkpoint of another file", async () => {
      const db = database();
      const tenantId = freshTenant();
      const t = db.crm(registry).tenant(tenantId);
      const result = await importCsv(
        t,
        { stream: createReadStream(fixture("outlook-contacts.csv")) },
        { mapping: outlookMapping, fileName: "outlook-contacts.csv" },
      );
      expect(result).toMatchObject({ created: 3, encoding: "utf-8" });
      const error = await importCsv(
        t,
        { path: fixture("outlook-contacts.csv") },
        { mapping: { columns: { Nope: { to: "email" }, Company: { to: "attribute", name: "nope" } } }, attributes: registry },
      ).catch((e: unknown) => e);
      expect(isCrmError(error, "VALIDATION")).toBe(true);
      expect((error as { details: { issues: { code: string }[] } }).details.issues.map((i) => i.code)).toEqual(["missing_column", "unknown_attribute"]);
      const checkpoint = result.checkpoint!;
      const mismatch = await importCsv(t, { path: fixture("google-contacts.csv") }, { mapping: outlookMapping, resumeFrom: checkpoint }).catch(
        (e: unknown) => e,
      );
      expect(isCrmError(mismatch, "VALIDATION")).toBe(true);
      expect((await db.counts(tenantId)).kb_relations).toBe(4);
    });
  });
}
