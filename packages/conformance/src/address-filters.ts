import { describe, expect, it } from "vitest";
import { filterBuilder, type Condition, type PostalAddress } from "@kaartenbak/core";
import { expectCrmError, type SuiteContext } from "./harness.js";

/**
 * Address conditions of the filter language on a fixed dataset: city, street, country, postcode
 * (normalised) and Dutch postcode areas, per address label or any address, and their complements.
 * The random differential test (filters.ts) compares them with the reference evaluator too.
 */
export function addressFiltersSuite(ctx: SuiteContext): void {
  describe("address filters", () => {
    const f = filterBuilder();

    async function dataset() {
      const w = ctx.world();
      const make = async (name: string, addresses: PostalAddress[]) => (await w.t.relations.create({ kind: "organisation", name, addresses })).id;
      const ids = {
        utrecht: await make("Utrecht centre", [{ label: "visit", street: "Oudegracht", postalCode: "3512 AB", city: "Utrecht", country: "NL" }]),
        split: await make("Split", [
          { label: "visit", postalCode: "1011AB", city: "Amsterdam", country: "NL" },
          { label: "billing", postalCode: "3599 zz", city: "Utrecht", country: "NL" },
        ]),
        edge: await make("Edge of area", [{ postalCode: "3600 AA", city: "Utrecht", country: "NL" }]),
        belgium: await make("Brussels", [{ label: "billing", postalCode: "1000", city: "Brussel", country: "BE" }]),
        letters: await make("Letters in the area", [{ postalCode: "35A1 BC", city: "Nowhere" }]),
        none: await make("No address", []),
      };
      const deleted = await w.t.relations.create({ kind: "organisation", name: "Deleted in Utrecht", addresses: [{ city: "Utrecht" }] });
      await w.t.relations.delete(deleted.id, { expectedVersion: deleted.version });
      const query = async (where: Condition) => (await w.t.segments.queryIds(f.filter(where), { limit: 100 })).items.slice().sort();
      const expectOf = (...names: (keyof typeof ids)[]) => names.map((n) => ids[n]).sort();
      return { w, ids, query, expectOf };
    }

    it("finds relations by city, on any address or per label, and never a deleted one", async () => {
      const { query, expectOf } = await dataset();
      expect(await query(f.address("city").eq("Utrecht"))).toEqual(expectOf("utrecht", "split", "edge"));
      expect(await query(f.address("city", { label: "visit" }).eq("Utrecht"))).toEqual(expectOf("utrecht"));
      expect(await query(f.address("city", { label: "billing" }).eq("Utrecht"))).toEqual(expectOf("split"));
      // Case-sensitive like every text field; the complement includes relations without addresses.
      expect(await query(f.address("city").eq("utrecht"))).toEqual([]);
      expect(await query(f.address("city").neq("Utrecht"))).toEqual(expectOf("belgium", "letters", "none"));
      expect(await query(f.address("city").in(["Brussel", "Amsterdam"]))).toEqual(expectOf("split", "belgium"));
      expect(await query(f.address("street").contains("gracht"))).toEqual(expectOf("utrecht"));
      expect(await query(f.address("street").isEmpty())).toEqual(expectOf("split", "edge", "belgium", "letters", "none"));
    });

    it("compares postcodes without spaces and case, and tests Dutch postcode areas", async () => {
      const { query, expectOf } = await dataset();
      expect(await query(f.address("postalCode").eq("3512ab"))).toEqual(expectOf("utrecht"));
      expect(await query(f.address("postalCode").eq("3599 ZZ"))).toEqual(expectOf("split"));
      expect(await query(f.address("postalCode").startsWith("35"))).toEqual(expectOf("utrecht", "split", "letters"));
      // 3500–3599: the four leading digits; "35A1" is not in the area, 3600 lies just outside.
      expect(await query(f.address("postalCode").between("3500", "3599"))).toEqual(expectOf("utrecht", "split"));
      expect(await query(f.address("postalCode", { label: "visit" }).between("3500", "3599"))).toEqual(expectOf("utrecht"));
      expect(await query(f.address("postalCode").between("1000", "1000"))).toEqual(expectOf("belgium"));
      expect(await query(f.not(f.address("postalCode").between("3500", "3599")))).toEqual(expectOf("edge", "belgium", "letters", "none"));
    });

    it("compares country codes upper-cased and combines with other conditions", async () => {
      const { query, expectOf } = await dataset();
      expect(await query(f.address("country").eq("nl"))).toEqual(expectOf("utrecht", "split", "edge"));
      expect(await query(f.address("country").isNotEmpty())).toEqual(expectOf("utrecht", "split", "edge", "belgium"));
      expect(await query(f.and(f.address("country").eq("NL"), f.not(f.address("city").eq("Amsterdam"))))).toEqual(expectOf("utrecht", "edge"));
    });

    it("rejects bad address conditions with VALIDATION naming each path", async () => {
      const w = ctx.world();
      const error = await expectCrmError(
        w.t.segments.count({
          version: 1,
          where: {
            type: "and",
            of: [
              { type: "address", part: "city", op: "between", value: ["3500", "3599"] },
              { type: "address", part: "postalCode", op: "between", value: ["3500", "359"] },
              { type: "address", part: "postalCode", op: "between", value: ["35AB", "3599"] },
              { type: "address", part: "city", op: "eq" },
              { type: "address", part: "city", op: "isEmpty", value: "x" },
              { type: "address", part: "city", op: "in", value: [] },
            ],
          },
        }),
        "VALIDATION",
      );
      expect(error.issues.map((i) => [i.path.join("."), i.code])).toEqual([
        ["where.of.0.op", "invalid_operator"],
        ["where.of.1.value", "invalid_value"],
        ["where.of.2.value", "invalid_value"],
        ["where.of.3.value", "missing_value"],
        ["where.of.4.value", "unexpected_value"],
        ["where.of.5.value", "invalid_type"],
      ]);
      const unknown = await expectCrmError(
        w.t.segments.count({ version: 1, where: { type: "address", part: "region", op: "eq", value: "x" } as never }),
        "VALIDATION",
      );
      expect(unknown.issues.map((i) => i.path.join("."))).toEqual(["where.part"]);
    });
  });
}
