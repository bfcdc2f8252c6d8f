import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { duplicateKeys, normaliseName, scoreDuplicate, type ComparableRelation } from "../src/entry/storage.js";

const word = fc.constantFrom("jan", "van", "der", "berg", "bakkerij", "de", "vries", "b.v.", "ltd", "Émile", "smit", "acme", "GmbH", "jansen");
const relation = fc.record({
  kind: fc.constantFrom("person", "organisation") as fc.Arbitrary<"person" | "organisation">,
  name: fc.array(word, { minLength: 1, maxLength: 4 }).map((w) => w.join(" ")),
  emails: fc
    .array(fc.constantFrom("a@x.nl", "b@x.nl", "c@gmail.com"), { maxLength: 2 })
    .map((xs) => [...new Set(xs)].map((address) => ({ address, label: null, primary: false }))),
  phones: fc
    .array(fc.constantFrom("+31201234567", "+31612345678"), { maxLength: 1 })
    .map((xs) => xs.map((number) => ({ number, label: null, primary: false }))),
  addresses: fc.array(fc.record({ postalCode: fc.constantFrom("1234 AB", "1234ab", "9999ZZ"), city: fc.constantFrom("Utrecht", "utrecht", "Delft") }), {
    maxLength: 1,
  }),
  externalRefs: fc.constant([]),
  attributes: fc.record({ vat: fc.option(fc.constantFrom("NL1", "nl 1", "NL2"), { nil: undefined }) }).map((a) => (a.vat === undefined ? {} : a)),
}) as fc.Arbitrary<ComparableRelation>;

describe("duplicate rules", () => {
  it("normalises accents, case, legal forms and Dutch particles", () => {
    expect(normaliseName("Bakkerij De Vries B.V.")).toBe(normaliseName("bakkerij de vries bv"));
    expect(normaliseName("Berg, Jan van den")).toBe(normaliseName("Jan van den Berg"));
    expect(normaliseName("Émile Smit Ltd")).toBe("emile smit");
    expect(normaliseName("Müller GmbH")).toBe("muller");
  });

  it("scores symmetrically", () => {
    fc.assert(
      fc.property(relation, relation, (a, b) => {
        expect(scoreDuplicate(a, b, ["vat"])).toEqual(scoreDuplicate(b, a, ["vat"]));
      }),
    );
  });

  it("never misses an exact rule, and every scored pair shares a blocking key", () => {
    fc.assert(
      fc.property(relation, relation, (a, b) => {
        const sameMail = a.emails.some((e) => b.emails.some((f) => f.address === e.address));
        const samePhone = a.phones.some((p) => b.phones.some((q) => q.number === p.number));
        const score = scoreDuplicate(a, b, ["vat"]);
        if (sameMail || samePhone) expect(score?.score).toBe(1);
        if (score) {
          const keysA = new Set(duplicateKeys(a, ["vat"]));
          expect(duplicateKeys(b, ["vat"]).some((k) => keysA.has(k))).toBe(true);
        }
      }),
    );
  });
});
