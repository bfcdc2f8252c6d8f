import { Readable } from "node:stream";
import iconv from "iconv-lite";
import { describe, expect, it } from "vitest";
import { isCrmError } from "@kaartenbak/core";
import { countryCode, detectDelimiter, detectPreset, parseBoolean, parseDate, parseDecimal, parseMoney } from "../src/index.js";
import { readCsv } from "../src/csv-reader.js";
import { openText } from "../src/source.js";

const ok = <T>(value: T) => ({ ok: true, value });

describe("cell values", () => {
  it("reads decimal commas and points, and refuses what is ambiguous or malformed", () => {
    expect(parseDecimal("1.234,56")).toEqual(ok(1234.56));
    expect(parseDecimal("1,234.56")).toEqual(ok(1234.56));
    expect(parseDecimal("0,5")).toEqual(ok(0.5));
    expect(parseDecimal("-12,50")).toEqual(ok(-12.5));
    expect(parseDecimal("1 234 567,8")).toEqual(ok(1234567.8));
    expect(parseDecimal("1.234.567")).toEqual(ok(1234567));
    expect(parseDecimal("1.234").ok).toBe(false);
    expect(parseDecimal("1.234", "comma")).toEqual(ok(1234));
    expect(parseDecimal("1.234", "point")).toEqual(ok(1.234));
    for (const bad of ["", "abc", "1,2,3.4.5", "12.34,5.6", "1.23,4", "--1"]) expect(parseDecimal(bad).ok).toBe(false);
  });

  it("reads dd-mm-yyyy, dd/mm/yyyy, dd.mm.yyyy and ISO dates, and refuses dates that do not exist", () => {
    expect(parseDate("15-03-2019")).toEqual(ok("2019-03-15"));
    expect(parseDate("1/2/2020")).toEqual(ok("2020-02-01"));
    expect(parseDate("1/2/2020", "mdy")).toEqual(ok("2020-01-02"));
    expect(parseDate("31.12.1999")).toEqual(ok("1999-12-31"));
    expect(parseDate("2024-02-29")).toEqual(ok("2024-02-29"));
    for (const bad of ["31-02-2021", "29-02-2023", "2024-13-01", "morgen", "12-2024"]) expect(parseDate(bad).ok).toBe(false);
  });

  it("reads money as integer minor units with the currency from the cell or the column", () => {
    expect(parseMoney("€ 1.234,56", undefined)).toEqual(ok({ amount: 123456, currency: "EUR" }));
    expect(parseMoney("1234.56 USD", "EUR")).toEqual(ok({ amount: 123456, currency: "USD" }));
    expect(parseMoney("12,-", "EUR")).toEqual(ok({ amount: 1200, currency: "EUR" }));
    expect(parseMoney("¥ 500", undefined)).toEqual(ok({ amount: 500, currency: "JPY" }));
    expect(parseMoney("12,345", "EUR", "comma").ok).toBe(false);
    expect(parseMoney("12", undefined).ok).toBe(false);
    expect(parseMoney("€ 5 USD", undefined).ok).toBe(false);
  });

  it("reads yes/no, countries and delimiters", () => {
    expect(["ja", "Nee", "x", "TRUE", "0"].map((v) => parseBoolean(v))).toEqual([ok(true), ok(false), ok(true), ok(true), ok(false)]);
    expect(parseBoolean("misschien").ok).toBe(false);
    expect(["Nederland", "the Netherlands", "Deutschland", "België", "be", "Verenigd Koninkrijk", "Atlantis"].map(countryCode)).toEqual([
      "NL",
      "NL",
      "DE",
      "BE",
      "BE",
      "GB",
      undefined,
    ]);
    expect(detectDelimiter('"a;b",c,d\n')).toBe(",");
    expect(detectDelimiter("a;b;c\r\n1,5;2,5;3")).toBe(";");
    expect(detectDelimiter("a\tb\n")).toBe("\t");
    expect(detectDelimiter("single\n")).toBe(",");
    expect(detectPreset(["First Name", "E-mail Address"])).toBe("outlook");
    expect(detectPreset(["Given Name", "E-mail 1 - Value"])).toBe("google");
  });
});

describe("reading CSV text", () => {
  async function table(bytes: Buffer) {
    const text = await openText({ stream: Readable.from([bytes.subarray(0, 5), bytes.subarray(5)]) }, "auto", "x.csv");
    const csv = await readCsv(text.chunks, undefined);
    const records = [];
    for await (const r of csv.records) records.push(r);
    return { encoding: text.encoding, header: csv.header, records };
  }

  it("detects Windows-1252 from its bytes and keeps UTF-8 (with a BOM, a character split across chunks) as UTF-8", async () => {
    const source = 'Naam;Plaats\r\n"Zoë ""de"" Bakker";Café\r\n\r\n"Twee\r\nregels";€\r\n';
    const cp = await table(iconv.encode(source, "win1252"));
    const utf = await table(Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(source, "utf8")]));
    for (const t of [cp, utf]) {
      expect(t.header).toEqual(["Naam", "Plaats"]);
      expect(t.records).toEqual([
        { row: 2, fields: { Naam: 'Zoë "de" Bakker', Plaats: "Café" } },
        { row: 3, fields: { Naam: "" } },
        { row: 4, fields: { Naam: "Twee\r\nregels", Plaats: "€" } },
      ]);
    }
    expect([cp.encoding, utf.encoding]).toEqual(["windows-1252", "utf-8"]);
  });

  it("refuses malformed CSV with VALIDATION naming the line", async () => {
    const error = await table(Buffer.from('a,b\n1,"open\n2,3\n')).catch((e: unknown) => e);
    expect(isCrmError(error, "VALIDATION")).toBe(true);
    expect((error as Error).message).toMatch(/line \d+/);
  });

  it("names repeated headers apart and keeps cells beyond the header", async () => {
    const t = await table(Buffer.from("a,b,a\n1,2,3,4\n"));
    expect(t.header).toEqual(["a", "b", "a (2)"]);
    expect(t.records[0]!.fields).toEqual({ a: "1", b: "2", "a (2)": "3", "column 4": "4" });
  });
});
