import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { nameKey, normaliseEmail, normalisePhone } from "../src/normalise.js";

describe("normaliseEmail", () => {
  it("is idempotent and case/space insensitive", () => {
    fc.assert(
      fc.property(fc.emailAddress(), fc.constantFrom("", " ", "\t"), fc.boolean(), (email, pad, upper) => {
        const variant = `${pad}${upper ? email.toUpperCase() : email}${pad}`;
        expect(normaliseEmail(variant)).toBe(normaliseEmail(email));
        expect(normaliseEmail(normaliseEmail(variant))).toBe(normaliseEmail(variant));
      }),
    );
  });
});

describe("normalisePhone", () => {
  it("reads national and international notations of the same number alike", () => {
    const dutch = ["020 123 4567", "020-1234567", "(020) 123 45 67", "+31 20 123 4567", "0031201234567", "+31201234567"];
    for (const n of dutch) expect(normalisePhone(n, "NL"), n).toBe("+31201234567");
    expect(normalisePhone("+1 (212) 555-0199")).toBe("+12125550199");
  });

  it("needs a region for national notation and rejects non-numbers", () => {
    expect(normalisePhone("020 123 4567")).toBeUndefined();
    for (const bad of ["", "abc", "12", "+999 123", "0"]) expect(normalisePhone(bad, "NL"), bad).toBeUndefined();
  });

  it("returns E.164 or nothing for arbitrary input, and is idempotent", () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 25 }), (input) => {
        const out = normalisePhone(input, "NL");
        if (out !== undefined) {
          expect(out).toMatch(/^\+[1-9]\d{6,14}$/);
          expect(normalisePhone(out, "NL")).toBe(out);
        }
      }),
    );
  });

  it("normalises random valid Dutch mobile numbers written in varied ways", () => {
    // 06-1 to 06-5 are the allocated Dutch mobile ranges.
    fc.assert(
      fc.property(fc.integer({ min: 10_000_000, max: 59_999_999 }), fc.constantFrom("06", "+316", "00316", "+31 6 "), (rest, prefix) => {
        const digits = String(rest);
        const spaced = Math.random() < 0.5 ? digits : `${digits.slice(0, 2)} ${digits.slice(2, 5)} ${digits.slice(5)}`;
        expect(normalisePhone(`${prefix}${spaced}`, "NL")).toBe(`+316${digits}`);
      }),
    );
  });
});

describe("nameKey", () => {
  it("folds case, accents and spacing", () => {
    expect(nameKey("  Émile   ZOLA ")).toBe("emile zola");
    expect(nameKey("Ångström Ltd")).toBe("angstrom ltd");
    expect(nameKey("Straße")).toBe("straße");
  });
  it("is idempotent", () => {
    fc.assert(
      fc.property(fc.string(), (s) => {
        expect(nameKey(nameKey(s))).toBe(nameKey(s));
      }),
    );
  });
});
