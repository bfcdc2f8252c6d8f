import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { csvField, csvRecord, parseCsv } from "../src/csv.js";

/** The first characters OWASP lists as starting a formula. */
const DANGEROUS = ["=", "+", "-", "@", "\t", "\r"] as const;

describe("CSV formula injection (OWASP)", () => {
  it("prefixes a string starting with each dangerous character with a single quote", () => {
    expect(csvField("=1+1")).toBe("'=1+1");
    expect(csvField("+31 20 123 4567")).toBe("'+31 20 123 4567");
    expect(csvField("-2+3")).toBe("'-2+3");
    expect(csvField("@SUM(A1:A9)")).toBe("'@SUM(A1:A9)");
    expect(csvField("\t=cmd")).toBe("'\t=cmd");
    // CR needs RFC 4180 quoting as well: the quote goes inside the double quotes.
    expect(csvField("\r=cmd")).toBe('"\'\r=cmd"');
    expect(csvField("=cmd|' /C calc'!A0")).toBe("'=cmd|' /C calc'!A0");
  });

  it("escapes first, then quotes a field with commas, double quotes or line breaks", () => {
    expect(csvField('=HYPERLINK("http://evil.example","click"),x')).toBe(`"'=HYPERLINK(""http://evil.example"",""click""),x"`);
    expect(csvField("+1,2")).toBe(`"'+1,2"`);
    expect(csvField("-a\r\nb")).toBe(`"'-a\r\nb"`);
    expect(csvField('@"x"')).toBe(`"'@""x"""`);
    expect(csvField("\tline\nbreak")).toBe(`"'\tline\nbreak"`);
    expect(csvField("\r\n=2")).toBe(`"'\r\n=2"`);
  });

  it("leaves safe strings, dangerous characters after the first, and numbers alone", () => {
    expect(csvField("a=1")).toBe("a=1");
    expect(csvField(" =1")).toBe(" =1");
    expect(csvField("'=1")).toBe("'=1");
    expect(csvField("")).toBe("");
    expect(csvField(null)).toBe("");
    expect(csvField("a,=1")).toBe('"a,=1"');
    // Numbers are the SDK's own figures, not user text: a negative number stays a number.
    expect(csvField(-5)).toBe("-5");
    expect(csvField(-0.25)).toBe("-0.25");
    expect(csvField(42)).toBe("42");
    // The same characters as a string are text, and are escaped.
    expect(csvField("-5")).toBe("'-5");
  });

  it("round-trips through parseCsv with the escaped value stored", () => {
    const values = ["=1+1", "+31,20", "-x\r\ny", '@"q"', "\tT", "\rR", "plain", "a,b", ""];
    const text = csvRecord(values) + csvRecord([-7, "-7", null]);
    expect(text).toBe(`'=1+1,"'+31,20","'-x\r\ny","'@""q""",'\tT,"'\rR",plain,"a,b",\r\n-7,'-7,\r\n`);
    expect(parseCsv(text)).toEqual([
      ["'=1+1", "'+31,20", "'-x\r\ny", '\'@"q"', "'\tT", "'\rR", "plain", "a,b", ""],
      ["-7", "'-7", ""],
    ]);
  });

  it("no parsed field starts with a dangerous character, and every value comes back as written", () => {
    const text = fc.string({ unit: fc.constantFrom("=", "+", "-", "@", "\t", "\r", "\n", ",", '"', "'", "a", " ", "😀") });
    fc.assert(
      fc.property(fc.array(fc.oneof(text, fc.integer(), fc.constant(null)), { minLength: 1, maxLength: 8 }), (fields) => {
        const [record] = parseCsv(csvRecord(fields));
        expect(record).toEqual(fields.map((v) => (v === null ? "" : typeof v === "number" ? String(v) : DANGEROUS.some((c) => v.startsWith(c)) ? `'${v}` : v)));
        fields.forEach((v, i) => {
          if (typeof v === "string") expect(DANGEROUS.some((c) => record![i]!.startsWith(c))).toBe(false);
        });
      }),
    );
  });
});
