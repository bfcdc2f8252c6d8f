import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { countryCode, countryCodes } from "../src/countries.js";
import * as sync from "../src/sync/index.js";

describe("countryCode", () => {
  it("maps names in several languages, codes and common spellings", () => {
    expect(countryCode("Nederland")).toBe("NL");
    expect(countryCode("the Netherlands")).toBe("NL");
    expect(countryCode("United Kingdom")).toBe("GB");
    expect(countryCode("UK")).toBe("GB");
    expect(countryCode("Deutschland")).toBe("DE");
    expect(countryCode("België")).toBe("BE");
    expect(countryCode("  côte d’ivoire ")).toBe("CI");
    expect(countryCode("nl")).toBe("NL");
  });

  it("returns undefined for what is not a current country", () => {
    expect(countryCode("Atlantis")).toBeUndefined();
    expect(countryCode("XX")).toBeUndefined();
    expect(countryCode("EU")).toBeUndefined();
    expect(countryCode("")).toBeUndefined();
  });

  it("is the one copy the sync entry exports", () => {
    expect(sync.countryCode).toBe(countryCode);
  });

  it("maps every code's English and Dutch name back to the code", () => {
    const all = countryCodes();
    expect(all.length).toBeGreaterThan(240);
    const en = new Intl.DisplayNames(["en"], { type: "region" });
    const nl = new Intl.DisplayNames(["nl"], { type: "region" });
    fc.assert(
      fc.property(fc.constantFrom(...all), fc.constantFrom(en, nl), (code, names) => {
        expect(countryCode(names.of(code)!)).toBe(code);
      }),
      { numRuns: 2000 },
    );
  });
});
