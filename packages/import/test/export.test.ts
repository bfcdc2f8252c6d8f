import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { PassThrough } from "node:stream";
import { afterAll, describe, expect, it } from "vitest";
import { parse } from "csv-parse/sync";
import ExcelJS from "exceljs";
import { defineAttributes, type TenantCrm } from "@kaartenbak/core";
import { exportCsv, exportVcard, exportXlsx, googleMapping, importCsv, importVcard, importXlsx, kaartenbakMapping, outlookMapping } from "../src/index.js";
import { databaseFor, ENGINES, fixture, freshTenant, snapshot, type TestDb } from "./harness.js";

const registry = defineAttributes({
  version: 1,
  attributes: {
    revenue: { type: "number", appliesTo: ["person", "organisation"] },
    customerSince: { type: "date", appliesTo: ["person", "organisation"] },
    creditLimit: { type: "money", currencies: ["EUR"], appliesTo: ["person", "organisation"] },
    newsletter: { type: "boolean", appliesTo: ["person"] },
    segment: { type: "enum", values: ["retail", "wholesale"], appliesTo: ["organisation"] },
  },
});

const dir = mkdtempSync(join(tmpdir(), "kb-export-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const file = (name: string) => join(dir, `${freshTenant()}-${name}`);

/** A tenant with imported Outlook contacts plus hand-made relations that use every field. */
async function seed(t: TenantCrm<typeof registry>) {
  const imported = await importCsv(t, { path: fixture("outlook-contacts.csv") }, { mapping: outlookMapping });
  expect(imported.problems).toEqual([]);
  const org = await t.relations.create({
    kind: "organisation",
    name: "Van den Berg & Zn, Bouw; Installatie",
    lifecycle: "customer",
    emails: [{ address: "info@vdberg.example", label: "billing" }],
    addresses: [{ label: "visit", street: "Kerkstraat", houseNumber: "12a", postalCode: "3511 LK", city: "Utrecht", country: "NL" }],
    tags: ["Bouw", "Noord, Oost"],
    attributes: { revenue: 1234.5, customerSince: "2019-04-01", creditLimit: { amount: 1250000, currency: "EUR" }, segment: "wholesale" },
  });
  const person = await t.relations.create({
    kind: "person",
    name: '=HYPERLINK("http://evil.example","Klik")',
    givenName: '=HYPERLINK("http://evil.example","Klik")',
    familyName: "@SUM(A1)",
    lifecycle: "lead",
    ownerId: "user-7",
    emails: [{ address: "eve@example.com" }, { address: "eve.home@example.net", label: "home" }],
    phones: [
      { number: "+31 6 11223344", label: "mobile" },
      { number: "030 123 4567", label: "work" },
    ],
    tags: ["-minus", "+plus"],
    attributes: { newsletter: true, revenue: -3 },
  });
  await t.links.create({ kind: "employment", personId: person.id, organisationId: org.id, jobTitle: "Inkoper\nen planner" });
  await t.relations.create({ kind: "household", name: "Familie de Vries" });
  return { org, person };
}

/** The snapshot plus what it leaves out (lifecycle and owner). */
async function state(db: TestDb, t: TenantCrm<typeof registry>, tenantId: string) {
  const relations = await snapshot(t, db, tenantId);
  const rows = await db.rows("kb_relations", tenantId);
  const extra = Object.fromEntries(rows.map((r) => [String(r.name), `${String(r.lifecycle)}|${String(r.owner_id ?? "")}`]));
  return { relations, extra };
}

for (const engine of ENGINES) {
  describe(`export: ${engine}`, () => {
    const database = databaseFor(engine);

    it("a CSV export in the Kaartenbak layout imports into another tenant as the same relations, twice without change", async () => {
      const db = database();
      const source = freshTenant();
      const s = db.crm(registry).tenant(source);
      await seed(s);
      const path = file("all.csv");
      const result = await exportCsv(s, { path }, { attributes: registry, delimiter: ";" });
      expect(result).toEqual({ relations: 7, omitted: { emails: 0, phones: 0, addresses: 0, tags: 0 } });

      const target = freshTenant();
      const t = db.crm(registry).tenant(target);
      const mapping = kaartenbakMapping(registry);
      const first = await importCsv(t, { path }, { mapping, attributes: registry });
      expect(first.problems).toEqual([]);
      expect(first).toMatchObject({ rowsRead: 7, created: 7, delimiter: ";" });
      expect(await state(db, t, target)).toEqual(await state(db, s, source));

      const before = await db.counts(target);
      const again = await importCsv(t, { path }, { mapping, attributes: registry });
      expect(again).toMatchObject({ created: 0, updated: 0, unchanged: 7 });
      expect(await db.counts(target)).toEqual(before);
    });

    it("escapes every cell a spreadsheet would run as a formula, and only those", async () => {
      const db = database();
      const s = db.crm(registry).tenant(freshTenant());
      await seed(s);
      const path = file("escaped.csv");
      await exportCsv(s, { path }, { attributes: registry });
      const text = readFileSync(path, "utf8");
      expect(text.charCodeAt(0)).toBe(0xfeff);
      expect(text).toContain("\r\n");
      const cells = (parse(text, { bom: true }) as string[][]).flat();
      expect(cells.filter((c) => /^[=+\-@\t\r]/.test(c))).toEqual([]);
      expect(cells).toContain('\'=HYPERLINK("http://evil.example","Klik")');
      expect(cells).toContain("'@SUM(A1)");
      expect(cells).toContain("'+31611223344");
      expect(cells).toContain("'-3");
      expect(cells).toContain("Van den Berg & Zn, Bouw; Installatie");
      const rawPath = file("raw.csv");
      expect((await exportCsv(s, { path: rawPath }, { attributes: registry, escapeFormulas: false, bom: false })).relations).toBe(7);
      const raw = readFileSync(rawPath, "utf8");
      expect(raw.charCodeAt(0)).not.toBe(0xfeff);
      expect((parse(raw) as string[][]).flat()).toContain("+31611223344");
      // escapeFormulas: false is for consumers that are not spreadsheets: the cells are as stored.
    });

    it("a vCard 3.0 and a 4.0 export each re-import to the same relations, and a second import changes nothing", async () => {
      const db = database();
      const source = freshTenant();
      const s = db.crm(registry).tenant(source);
      await seed(s);
      for (const version of ["3.0", "4.0"] as const) {
        const path = file(`cards-${version}.vcf`);
        expect((await exportVcard(s, { path }, { version })).relations).toBe(7);
        const text = readFileSync(path, "utf8");
        expect(text.split("\r\n").every((line) => Buffer.byteLength(line) <= 75)).toBe(true);
        const target = freshTenant();
        const t = db.crm(registry).tenant(target);
        const first = await importVcard(t, { path });
        expect(first.problems).toEqual([]);
        expect(first).toMatchObject({ created: 7 });
        const [got, want] = [await snapshot(t, db, target), await snapshot(s, db, source)];
        // vCard carries no custom attributes, and its ADR has no house-number part: the number joins the street.
        for (const r of Object.values(want) as Array<{ attributes: unknown; addresses: Array<{ street?: string; houseNumber?: string }> }>) {
          r.attributes = {};
          r.addresses = r.addresses.map(({ houseNumber, ...a }) => (houseNumber ? { ...a, street: `${a.street} ${houseNumber}` } : a));
        }
        expect(got).toEqual(want);
        const before = await db.counts(target);
        expect(await importVcard(t, { path })).toMatchObject({ created: 0, updated: 0, unchanged: 7 });
        expect(await db.counts(target)).toEqual(before);
      }
    });

    it("an .xlsx export writes text cells (never formulas) and imports back to the same relations", async () => {
      const db = database();
      const source = freshTenant();
      const s = db.crm(registry).tenant(source);
      await seed(s);
      const path = file("all.xlsx");
      expect((await exportXlsx(s, { path }, { attributes: registry, sheet: "Klanten" })).relations).toBe(7);
      const workbook = new ExcelJS.Workbook();
      await workbook.xlsx.readFile(path);
      const sheet = workbook.getWorksheet("Klanten")!;
      const values: unknown[] = [];
      sheet.eachRow((row) => row.eachCell((cell) => values.push(cell.value)));
      expect(values.every((v) => typeof v === "string")).toBe(true);
      expect(values).toContain('=HYPERLINK("http://evil.example","Klik")');
      const target = freshTenant();
      const t = db.crm(registry).tenant(target);
      const imported = await importXlsx(t, { path }, { mapping: kaartenbakMapping(registry), attributes: registry, sheet: "Klanten" });
      expect(imported.problems).toEqual([]);
      expect(await state(db, t, target)).toEqual(await state(db, s, source));
    });

    it("exports in Outlook's and Google's columns, counting what the layout has no column for", async () => {
      const db = database();
      const source = freshTenant();
      const s = db.crm(registry).tenant(source);
      const imported = await importCsv(s, { path: fixture("outlook-contacts.csv") }, { mapping: outlookMapping });
      expect(imported.problems).toEqual([]);
      await s.relations.create({
        kind: "person",
        name: "Vier Mails",
        givenName: "Vier",
        familyName: "Mails",
        emails: ["a@x.example", "b@x.example", "c@x.example", "d@x.example"],
      });
      for (const [name, mapping] of [
        ["outlook", outlookMapping],
        ["google", googleMapping],
      ] as const) {
        const path = file(`${name}.csv`);
        const result = await exportCsv(s, { path }, { mapping, countries: "en" });
        expect(result.relations).toBe(5);
        expect(result.omitted).toEqual({ emails: name === "outlook" ? 1 : 0, phones: 0, addresses: 0, tags: 0 });
        const header = (parse(readFileSync(path, "utf8"), { bom: true, to_line: 1 }) as string[][])[0]!;
        expect(header).toContain(name === "outlook" ? "Mobile Phone" : "Phone 1 - Label");
        expect(header).not.toContain("Given Name");
        const target = freshTenant();
        const t = db.crm(registry).tenant(target);
        const back = await importCsv(t, { path }, { mapping });
        expect(back.problems).toEqual([]);
        const [got, want] = [await snapshot(t, db, target), await snapshot(s, db, source)];
        if (name === "outlook") (want["Vier Mails"] as { emails: string[] }).emails.pop();
        expect(got).toEqual(want);
      }
    });

    it("counts a tag that holds the tags column's separator as omitted; vCard keeps it", async () => {
      const db = database();
      const s = db.crm(registry).tenant(freshTenant());
      await s.relations.create({ kind: "organisation", name: "Semi", tags: ["a;b", "c"] });
      const csv = await exportCsv(s, { path: file("semi.csv") });
      expect(csv.omitted).toEqual({ emails: 0, phones: 0, addresses: 0, tags: 1 });
      const path = file("semi.vcf");
      await exportVcard(s, { path });
      expect(readFileSync(path, "utf8")).toContain("CATEGORIES:a\\;b,c");
      const t = db.crm(registry).tenant(freshTenant());
      await importVcard(t, { path });
      expect((await t.relations.search("Semi")).items[0]?.item.tags).toEqual(["a;b", "c"]);
    });

    it("exports a segment's members or a filter's matches only, to a caller's stream it leaves open", async () => {
      const db = database();
      const s = db.crm(registry).tenant(freshTenant());
      await seed(s);
      const f = db.crm(registry).filters;
      const segment = await s.segments.create({ kind: "dynamic", name: "Customers", filter: f.filter(f.field("lifecycle").eq("customer")) });
      const out = new PassThrough();
      const chunks: Buffer[] = [];
      out.on("data", (c: Buffer) => chunks.push(c));
      const progress: number[] = [];
      const result = await exportVcard(s, { stream: out }, { select: { segmentId: segment.id }, onProgress: (p) => progress.push(p.relations) });
      expect(result.relations).toBe(1);
      expect(progress.at(-1)).toBe(1);
      expect(out.writableEnded).toBe(false);
      expect(Buffer.concat(chunks).toString()).toContain("FN:Van den Berg & Zn\\, Bouw\\; Installatie");
      const leads = await exportCsv(s, { path: file("leads.csv") }, { select: { filter: f.filter(f.field("lifecycle").eq("lead")) } });
      expect(leads.relations).toBe(1);
    });
  });
}
