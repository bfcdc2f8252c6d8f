import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { attributeDefinition, defineAttributes, moneySchema } from "../src/attributes/registry.js";
import { validateAttributes } from "../src/attributes/validate.js";
import { isCrmError, type CrmError } from "../src/errors.js";
import { FILTER_LIMITS, structureIssues } from "../src/filter/limits.js";
import { resolveFilter, type ResolveEnvironment } from "../src/filter/resolve.js";
import type { Filter } from "../src/filter/schema.js";
import { validateFilter } from "../src/filter/validate.js";
import { calendarDateSchema } from "../src/model/common.js";
import { INTERACTION_KINDS } from "../src/model/interaction.js";

const registry = defineAttributes({
  version: 1,
  attributes: {
    score: { type: "number" },
    since: { type: "date" },
    credit: { type: "money" },
    constructor: { type: "string", required: true, appliesTo: ["organisation"] },
  },
});
const env = { registry, interactionKinds: INTERACTION_KINDS };
const leaf = { type: "tags", op: "isEmpty" };

function nested(levels: number): unknown {
  let where: unknown = leaf;
  for (let i = 0; i < levels; i++) where = { type: "not", of: where };
  return { version: 1, where };
}

describe("filter limits are checked before anything recursive", () => {
  it("10,000 levels, 100,000 children, a cyclic object: one issue naming the limit, no stack overflow", () => {
    expect(validateFilter(nested(10_000), env).issues).toEqual([
      { path: ["where", ...Array.from({ length: 17 }, () => "of")], message: expect.stringMatching(/at most 16 levels/), code: "too_deep" },
    ]);
    let deepLinks: unknown = leaf;
    for (let i = 0; i < 10_000; i++) deepLinks = { type: "link", via: "employer", where: deepLinks };
    expect(validateFilter({ version: 1, where: deepLinks }, env).issues.map((i) => i.code)).toEqual(["too_deep"]);
    const wide = { version: 1, where: { type: "and", of: Array.from({ length: 100_000 }, () => leaf) } };
    expect(validateFilter(wide, env).issues).toEqual([{ path: ["where", "of"], message: expect.stringMatching(/at most 100 conditions/), code: "too_wide" }]);
    const cycle: { type: string; of?: unknown } = { type: "not" };
    cycle.of = cycle;
    expect(validateFilter({ version: 1, where: cycle }, env).issues.map((i) => i.code)).toEqual(["too_deep"]);
    const ring: { type: string; of: unknown[] } = { type: "or", of: [] };
    ring.of.push(ring, ring);
    expect(validateFilter({ version: 1, where: ring }, env).issues.map((i) => i.code)).toContain("too_large");
  });

  it("the limits themselves are allowed; one more is not", () => {
    expect(validateFilter(nested(FILTER_LIMITS.depth), env).issues).toEqual([]);
    expect(validateFilter(nested(FILTER_LIMITS.depth + 1), env).issues.map((i) => i.code)).toEqual(["too_deep"]);
    const values = (n: number) => Array.from({ length: n }, (_, i) => `v${i}`);
    const field = (n: number) => ({ type: "field", field: "name", op: "in", value: values(n) });
    expect(validateFilter({ version: 1, where: field(500) }, env).issues).toEqual([]);
    expect(validateFilter({ version: 1, where: field(501) }, env).issues).toEqual([
      { path: ["where", "value"], message: "A list holds at most 500 values", code: "too_many_values" },
    ]);
    const total = (lists: number) => ({ version: 1, where: { type: "or", of: Array.from({ length: lists }, () => field(500)) } });
    expect(validateFilter(total(20), env).issues).toEqual([]);
    expect(validateFilter(total(21), env).issues).toEqual([
      { path: ["where"], message: "A filter holds at most 10,000 list values in total", code: "too_many_values" },
    ]);
    const conditions = (n: number) => ({
      version: 1,
      where: { type: "and", of: Array.from({ length: n }, () => ({ type: "or", of: Array.from({ length: 99 }, () => leaf) })) },
    });
    // 1 + n × (1 + 99) conditions: 901 pass, 1,001 do not.
    expect(validateFilter(conditions(9), env).issues).toEqual([]);
    expect(validateFilter(conditions(10), env).issues).toEqual([{ path: ["where"], message: "A filter has at most 1,000 conditions", code: "too_large" }]);
  });

  it("names the limit in zod's messages too, where a union would say only 'Invalid input'", () => {
    const issue = (where: unknown) => validateFilter({ version: 1, where }, env).issues[0];
    expect(issue({ type: "field", field: "name", op: "eq", value: "x".repeat(1001) })?.message).toMatch(/at most 1,000 characters/);
    expect(issue({ type: "field", field: "createdAt", op: "gt", value: { daysFromNow: 40_000 } })?.message).toMatch(/36,500 days/);
    expect(issue({ type: "interactions", within: { lastMonths: 1201 } })?.message).toMatch(/1,200 months/);
    expect(issue({ type: "interactions", within: { lastDays: -1 } })).toMatchObject({ path: ["where", "within", "lastDays"] });
    expect(issue({ type: "field", field: "name", op: "in", value: ["a", null] })).toMatchObject({ path: ["where", "value", 1], code: "invalid_type" });
    expect(issue({ type: "field", field: "name", op: "eq", value: "a\u0000" })).toMatchObject({ path: ["where", "value"], code: "invalid_text" });
  });

  it("never throws, whatever it is given (hostile keys included)", () => {
    const key = fc.constantFrom("type", "of", "where", "value", "values", "op", "field", "name", "__proto__", "constructor", "toString", "via", "within");
    const anything = fc.anything({ key, maxDepth: 6, withObjectString: true, withNullPrototype: true, withBigInt: true, withDate: true, withMap: true });
    const typed = fc.record({
      type: fc.constantFrom("and", "or", "not", "link", "field", "attribute", "tags", "segment", "constructor"),
      of: anything,
      where: anything,
    });
    fc.assert(
      fc.property(fc.oneof(anything, typed), (where) => {
        expect(Array.isArray(validateFilter({ version: 1, where }, env).issues)).toBe(true);
        expect(Array.isArray(validateFilter(where, env).issues)).toBe(true);
        expect(structureIssues(where)).toBeInstanceOf(Array);
      }),
      { numRuns: 500 },
    );
  });

  it("resolution counts the segments a filter refers to and refuses times outside the years 0001-9999", async () => {
    const six = { version: 1, where: { type: "and", of: Array.from({ length: 6 }, () => ({ type: "or", of: Array.from({ length: 99 }, () => leaf) })) } };
    const renv: ResolveEnvironment = { ...env, now: "2026-06-15T12:00:00.000Z", loadSegment: async () => ({ kind: "dynamic", filter: six }) };
    const twice = {
      version: 1,
      where: {
        type: "or",
        of: [
          { type: "segment", segmentId: "a" },
          { type: "segment", segmentId: "b" },
        ],
      },
    } as Filter;
    const error = await resolveFilter(twice, renv).catch((e: unknown) => e);
    expect(isCrmError(error, "VALIDATION")).toBe(true);
    expect((error as CrmError).issues[0]).toMatchObject({ code: "too_large", message: expect.stringMatching(/1,000 conditions \(with the dynamic segments/) });
    const early = { ...renv, now: "0001-01-02T00:00:00.000Z" };
    const window = { version: 1, where: { type: "deals", createdWithin: { lastDays: 3 } } } as Filter;
    expect(((await resolveFilter(window, early).catch((e: unknown) => e)) as CrmError).issues).toMatchObject([
      { path: ["where", "createdWithin", "from"], code: "date_out_of_range" },
    ]);
    // An unchecked filter given to the resolver still fails typed.
    for (const junk of [
      undefined,
      { version: 1 },
      { version: 1, where: { type: "nope" } },
      { version: 1, where: { type: "attribute", name: "toString", op: "eq" } },
    ]) {
      expect(isCrmError(await resolveFilter(junk as never, renv).catch((e: unknown) => e), "VALIDATION")).toBe(true);
    }
  });
});

describe("hostile names, dates and money in the registry", () => {
  it("looks attributes up as own keys: Object.prototype members are unknown unless defined", () => {
    expect(attributeDefinition(registry, "toString")).toBeUndefined();
    expect(attributeDefinition(registry, "__proto__")).toBeUndefined();
    expect(attributeDefinition(registry, "constructor")).toEqual({ type: "string", required: true, appliesTo: ["organisation"] });
    expect(Object.getPrototypeOf(registry.attributes)).toBeNull();
    const { values, issues } = validateAttributes(registry, "organisation", JSON.parse('{"__proto__": {"x": 1}, "toString": 1, "constructor": "Bob"}'));
    expect(values).toEqual({ constructor: "Bob" });
    expect(issues.map((i) => [i.path.join("."), i.code])).toEqual([
      ["attributes.__proto__", "unknown_attribute"],
      ["attributes.toString", "unknown_attribute"],
    ]);
    // Required, defined as `constructor`: an inherited member does not count as given.
    expect(validateAttributes(registry, "organisation", {}).issues.map((i) => i.code)).toEqual(["required_attribute"]);
  });

  it("defineAttributes: __proto__ is refused, prototype member names are allowed, malformed definitions are CONFIGURATION", () => {
    const refused = (attributes: unknown) => {
      try {
        defineAttributes({ version: 1, attributes: attributes as never });
      } catch (e) {
        return isCrmError(e, "CONFIGURATION") ? e.issues.map((i) => i.code) : e;
      }
      return [];
    };
    expect(refused(JSON.parse('{"__proto__": {"type": "string"}}'))).toEqual(["invalid_name"]);
    expect(refused({ valueOf: { type: "number" }, hasOwnProperty: { type: "boolean" } })).toEqual([]);
    expect(refused({ a: null, b: { type: "text" }, c: { type: "enum", values: "x" } })).toEqual(["invalid_type", "invalid_type", "empty_enum"]);
    expect(refused(null)).toEqual(["invalid_type"]);
  });

  it("dates lie in the years 0001-9999; money is never negative", () => {
    expect(calendarDateSchema.safeParse("0000-01-01").success).toBe(false);
    expect(calendarDateSchema.safeParse("0001-01-01").success).toBe(true);
    expect(calendarDateSchema.safeParse("9999-12-31").success).toBe(true);
    const money = moneySchema(["EUR"]);
    expect(money.safeParse({ amount: -1, currency: "EUR" }).error?.issues[0]?.message).toBe("Expected a non-negative amount");
    expect(money.safeParse({ amount: 0, currency: "EUR" }).success).toBe(true);
    expect(money.safeParse({ amount: Number.MAX_SAFE_INTEGER, currency: "EUR" }).success).toBe(true);
    expect(money.safeParse({ amount: 2 ** 53, currency: "EUR" }).success).toBe(false);
  });
});
