import { describe, expect, it } from "vitest";
import { defineAttributes, type RelationAttributes } from "../src/attributes/registry.js";
import { validateAttributes } from "../src/attributes/validate.js";
import { isCrmError, type CrmError } from "../src/errors.js";

const registry = defineAttributes({
  version: 3,
  attributes: {
    industry: { type: "enum", values: ["retail", "finance"], appliesTo: ["organisation"], required: true },
    score: { type: "number", integer: true, min: 0, max: 10 },
    limit: { type: "money", currencies: ["EUR"] },
    since: { type: "date" },
    active: { type: "boolean" },
    note: { type: "string", maxLength: 5 },
  },
});

describe("attribute registry", () => {
  it("fingerprints the definitions independent of key order", () => {
    const a = defineAttributes({ version: 1, attributes: { x: { type: "string", maxLength: 3 }, y: { type: "boolean" } } });
    const b = defineAttributes({ version: 1, attributes: { y: { type: "boolean" }, x: { maxLength: 3, type: "string" } } });
    const c = defineAttributes({ version: 1, attributes: { x: { type: "string", maxLength: 4 }, y: { type: "boolean" } } });
    expect(a.fingerprint).toBe(b.fingerprint);
    expect(a.fingerprint).not.toBe(c.fingerprint);
  });

  it("rejects bad definitions up front, naming every mistake in one CONFIGURATION error", () => {
    expect(() => defineAttributes({ version: 0, attributes: {} })).toThrow(/version/);
    let error: unknown;
    try {
      defineAttributes({ version: 0, attributes: { "Bad Name": { type: "string" }, empty: { type: "enum", values: [] as unknown as [string] } } });
    } catch (e) {
      error = e;
    }
    expect(isCrmError(error, "CONFIGURATION")).toBe(true);
    expect((error as CrmError).issues.map((i) => i.path.join("."))).toEqual(["version", "attributes.Bad Name", "attributes.empty.values"]);
  });

  it("validates every type and reports all issues", () => {
    const ok = validateAttributes(registry, "organisation", {
      industry: "retail",
      score: 10,
      limit: { amount: 100, currency: "EUR" },
      since: "2024-02-29",
      active: false,
      note: "hi",
    });
    expect(ok.issues).toEqual([]);
    const bad = validateAttributes(registry, "organisation", {
      score: 1.5,
      limit: { amount: 1, currency: "USD" },
      since: "2023-02-29",
      active: "yes",
      note: "toolong",
      extra: 1,
    });
    expect(bad.issues.map((i) => i.path.join(".")).sort()).toEqual(
      [
        "attributes.active",
        "attributes.extra",
        "attributes.industry",
        "attributes.limit.currency",
        "attributes.note",
        "attributes.score",
        "attributes.since",
      ].sort(),
    );
    expect(validateAttributes(registry, "person", {}).issues).toEqual([]);
    expect(validateAttributes(registry, "person", "nope").issues[0]?.code).toBe("invalid_type");
  });

  it("infers value types for host code", () => {
    type Values = RelationAttributes<typeof registry>;
    const v: Values = { industry: "finance", score: 1, limit: { amount: 1, currency: "EUR" }, active: true };
    // @ts-expect-error: not one of the enum values
    const w: Values = { industry: "mining" };
    expect(v.industry).toBe("finance");
    expect(w).toBeDefined();
  });
});
