import { describe, expect, it } from "vitest";
import { defineAttributes, isCrmError, type CrmError } from "@kaartenbak/core";
import { expectCrmError, type SuiteContext } from "./harness.js";
import { standardPipeline } from "./sales-fixtures.js";

/**
 * Names that are members of `Object.prototype` (`constructor`, `toString`, …) or that JavaScript
 * treats specially (`__proto__`), as attribute names, filter names and JSON keys. Filters often
 * come from an end user's segment builder, and JSON from anywhere: a lookup that is not by own key
 * finds `Object.prototype` members, and zod's record parsing drops a `__proto__` key silently.
 * Each such name must be either an ordinary attribute (when the registry defines it) or an unknown
 * one (VALIDATION naming its path), on every engine.
 */

/** Names of `Object.prototype` members, all valid attribute names. */
export const PROTOTYPE_NAMES = ["constructor", "toString", "hasOwnProperty", "valueOf", "isPrototypeOf", "propertyIsEnumerable", "toLocaleString"] as const;
/** Keys to try where a name is looked up: the prototype members and `__proto__`. */
export const HOSTILE_KEYS = [...PROTOTYPE_NAMES, "__proto__", "__defineGetter__", "prototype"] as const;

/** A registry whose attributes are named like `Object.prototype` members. */
const prototypeRegistry = defineAttributes({
  version: 1,
  attributes: {
    constructor: { type: "string" },
    toString: { type: "number" },
    hasOwnProperty: { type: "boolean" },
    valueOf: { type: "date" },
    isPrototypeOf: { type: "enum", values: ["a", "b"] },
    propertyIsEnumerable: { type: "number", appliesTo: ["deal"] },
    toLocaleString: { type: "money", appliesTo: ["organisation", "deal"] },
  },
});

/** `{ "<key>": value }` as JSON.parse makes it: `__proto__` is then an own key, not the prototype. */
const keyed = (key: string, value: unknown): Record<string, unknown> => JSON.parse(`{${JSON.stringify(key)}: ${JSON.stringify(value)}}`);

/** The rejection of `promise`: a VALIDATION error naming `path`, never a TypeError or STORAGE. */
async function expectIssueAt(promise: Promise<unknown>, path: readonly (string | number)[]): Promise<CrmError> {
  const error = await expectCrmError(promise, "VALIDATION");
  expect(
    error.issues.map((i) => i.path),
    error.message,
  ).toContainEqual(path);
  return error;
}

/** Hostile attribute, filter and key names on every engine. */
export function hostileNamesSuite(ctx: SuiteContext): void {
  describe("hostile names", () => {
    it("attributes named constructor, toString, hasOwnProperty, valueOf … are ordinary attributes: stored, read, updated and filtered", async () => {
      const w = ctx.world({ attributes: prototypeRegistry });
      const values = {
        constructor: "Bob the Builder",
        toString: 42,
        hasOwnProperty: true,
        valueOf: "2026-02-28",
        isPrototypeOf: "b",
        toLocaleString: { amount: 1250, currency: "EUR" },
      };
      const org = await w.t.relations.create({ kind: "organisation", name: "Proto BV", attributes: values });
      expect(org.attributes).toEqual(values);
      expect((await w.t.relations.get(org.id))?.attributes).toEqual(values);
      const updated = await w.t.relations.update(
        org.id,
        { attributes: { ...values, constructor: "Wendy", toString: null } as never },
        { expectedVersion: org.version },
      );
      expect(updated.attributes).toEqual({ ...values, constructor: "Wendy", toString: undefined });
      expect(Object.keys(updated.attributes).sort()).toEqual(["constructor", "hasOwnProperty", "isPrototypeOf", "toLocaleString", "valueOf"]);
      const count = (where: unknown) => w.t.segments.count({ version: 1, where } as never);
      expect(await count({ type: "attribute", name: "constructor", op: "eq", value: "Wendy" })).toBe(1);
      expect(await count({ type: "attribute", name: "toString", op: "isEmpty" })).toBe(1);
      expect(await count({ type: "attribute", name: "hasOwnProperty", op: "eq", value: true })).toBe(1);
      expect(await count({ type: "attribute", name: "valueOf", op: "gte", value: "2026-02-01" })).toBe(1);
      expect(await count({ type: "attribute", name: "isPrototypeOf", op: "in", value: ["b"] })).toBe(1);
      expect(await count({ type: "attribute", name: "toLocaleString", op: "gt", value: { amount: 1000, currency: "EUR" } })).toBe(1);
      // A deal attribute is not a relation attribute, whatever its name.
      expect(w.t.segments.validate({ version: 1, where: { type: "attribute", name: "propertyIsEnumerable", op: "isEmpty" } })).toMatchObject([
        { path: ["where", "name"], code: "attribute_not_applicable" },
      ]);
      const { pipeline, stages } = await standardPipeline(w.t);
      const deal = await w.t.deals.create({
        title: "Proto deal",
        relationId: org.id,
        pipelineId: pipeline.id,
        stageId: stages.lead.id,
        amount: 100,
        currency: "EUR",
        attributes: { propertyIsEnumerable: 3, toLocaleString: { amount: 5, currency: "EUR" } },
      });
      expect(deal.attributes).toEqual({ propertyIsEnumerable: 3, toLocaleString: { amount: 5, currency: "EUR" } });
      expect((await w.t.deals.get(deal.id))?.attributes).toEqual(deal.attributes);
      expect((await w.t.reports.orders({ groupBy: { attribute: "constructor" } })).groups).toEqual([]);
    });

    it("defineAttributes refuses __proto__ (and other non-identifiers) as a name with CONFIGURATION, also from JSON", () => {
      for (const attributes of [keyed("__proto__", { type: "string" }), keyed("__defineGetter__", { type: "string" })]) {
        let error: unknown;
        try {
          defineAttributes({ version: 1, attributes: attributes as never });
        } catch (e) {
          error = e;
        }
        expect(isCrmError(error, "CONFIGURATION")).toBe(true);
        expect((error as CrmError).issues[0]?.code).toBe("invalid_name");
      }
      // A run-time registry with a malformed definition is CONFIGURATION too, not a TypeError.
      for (const def of [null, 42, { type: "text" }, { type: "enum" }]) {
        let error: unknown;
        try {
          defineAttributes({ version: 1, attributes: { field: def } as never });
        } catch (e) {
          error = e;
        }
        expect(isCrmError(error, "CONFIGURATION"), String(error)).toBe(true);
      }
    });

    for (const key of HOSTILE_KEYS) {
      it(`an attribute ${key} the registry lacks is an unknown attribute (VALIDATION naming its path) in relations, deals and filters`, async () => {
        const w = ctx.world();
        const org = await w.t.relations.create({ kind: "organisation", name: "Plain BV" });
        const attributes = keyed(key, 1) as never;
        await expectIssueAt(w.t.relations.create({ kind: "organisation", name: "X", attributes }), ["attributes", key]);
        await expectIssueAt(w.t.relations.update(org.id, { attributes }, { expectedVersion: org.version }), ["attributes", key]);
        await expectIssueAt(w.t.relations.upsertByExternalRef({ system: "crm", externalId: "x-1" }, { kind: "organisation", name: "X", attributes }), [
          "attributes",
          key,
        ]);
        await expectIssueAt(w.t.deals.create({ title: "D", relationId: org.id, pipelineId: "p", stageId: "s", amount: 1, currency: "EUR", attributes }), [
          "attributes",
          key,
        ]);
        const filter = { version: 1, where: { type: "attribute", name: key, op: "eq", value: 1 } };
        expect(w.t.segments.validate(filter)).toMatchObject([{ path: ["where", "name"], code: "unknown_attribute" }]);
        await expectIssueAt(w.t.segments.count(filter as never), ["where", "name"]);
        await expectIssueAt(w.t.segments.create({ kind: "dynamic", name: "S", filter: filter as never }), ["filter", "where", "name"]);
        await expectIssueAt(w.t.reports.orders({ groupBy: { attribute: key } }), ["groupBy", "attribute"]);
        // Nothing of it was written.
        expect((await w.rows("kb_relations")).length).toBe(1);
      });
    }

    it("hostile keys and names in a filter's JSON are refused with VALIDATION, never a TypeError", async () => {
      const w = ctx.world();
      const json = [
        '{"version": 1, "where": {"type": "and", "of": [], "__proto__": {"type": "or"}}}',
        '{"version": 1, "__proto__": {"where": {"type": "and", "of": []}}}',
        '{"version": 1, "where": {"__proto__": {"type": "tags", "op": "isEmpty"}}}',
        '{"version": 1, "where": {"type": "constructor"}}',
        '{"version": 1, "where": {"type": "__proto__", "of": []}}',
        '{"version": 1, "where": {"type": "field", "field": "constructor", "op": "eq", "value": "x"}}',
        '{"version": 1, "where": {"type": "field", "field": "__proto__", "op": "eq", "value": "x"}}',
        '{"version": 1, "where": {"type": "field", "field": "name", "op": "toString", "value": "x"}}',
        '{"version": 1, "where": {"type": "field", "field": "name", "op": "__proto__", "value": "x"}}',
        '{"version": 1, "where": {"type": "link", "via": "constructor"}}',
        '{"version": 1, "where": {"type": "link", "via": "__proto__"}}',
        '{"version": 1, "where": {"type": "tags", "op": "hasOwnProperty", "values": ["a"]}}',
        '{"version": 1, "where": {"type": "interactions", "kinds": ["constructor", "__proto__"]}}',
        '{"version": 1, "where": {"type": "interactions", "within": {"__proto__": {"lastDays": 3}}}}',
        '{"version": 1, "where": {"type": "deals", "statuses": ["valueOf"], "count": {"op": "constructor", "value": 1}}}',
        '{"version": 1, "where": {"type": "attribute", "name": "industry", "op": "eq", "value": {"__proto__": {"amount": 1}}}}',
        '{"version": 1, "where": {"type": "attribute", "name": "creditLimit", "op": "eq", "value": {"amount": 1, "currency": "EUR", "__proto__": {}}}}',
        '{"version": 1, "where": {"type": "field", "field": "createdAt", "op": "gt", "value": {"daysFromNow": 1, "constructor": 2}}}',
        '{"version": 1, "where": {"type": "segment", "segmentId": "__proto__"}}',
        '{"version": 1, "where": {"type": "segment", "segmentId": "constructor"}}',
      ];
      for (const text of json) {
        const filter: unknown = JSON.parse(text);
        const issues = w.t.segments.validate(filter);
        const counted = await w.t.segments.count(filter as never).then(
          () => undefined,
          (e: unknown) => e,
        );
        // Segment ids are looked up in the database: unknown there, refused alike.
        expect(isCrmError(counted, "VALIDATION"), `${text}: ${String(counted)}`).toBe(true);
        if (!text.includes('"segment"')) expect(issues.length, text).toBeGreaterThan(0);
      }
    });
  });
}
