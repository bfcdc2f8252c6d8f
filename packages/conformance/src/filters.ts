import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { filterBuilder } from "@kaartenbak/core";
import { evaluateFilter, FILTER_VERSION } from "@kaartenbak/core/reference";
import { resolveFilter } from "@kaartenbak/core/reference";
import type { Condition, Filter } from "@kaartenbak/core";
import { CRM_VOCABULARY } from "@kaartenbak/core";

const INTERACTION_KINDS = CRM_VOCABULARY.interactionKinds;
import type { TenantCrm } from "@kaartenbak/core";
import { conditionArbitrary } from "./filter-arbitrary.js";
import { FILTER_NOW, filterRegistry, scenarioArbitrary, writeScenario, type WrittenScenario } from "./filter-data.js";
import { expectCrmError, type SuiteContext } from "./harness.js";
import { HOSTILE_FRAGMENTS, HOSTILE_STRINGS } from "./hostile.js";

/** Random datasets per run; each is checked against {@link FILTERS_PER_DATASET} random filters. */
const DATASETS = Number(process.env.KAARTENBAK_FILTER_DATASETS ?? 20);
const FILTERS_PER_DATASET = Number(process.env.KAARTENBAK_FILTERS_PER_DATASET ?? 20);

/** The reference result of a filter on a written scenario: resolved in core, evaluated in TypeScript. */
async function reference(s: WrittenScenario, filter: Filter): Promise<string[]> {
  const resolved = await resolveFilter(filter, {
    registry: filterRegistry,
    interactionKinds: [...INTERACTION_KINDS, "webinar"],
    now: FILTER_NOW,
    loadSegment: async (id) => (id === s.staticSegmentId ? { kind: "static" } : id === s.dynamicSegmentId ? { kind: "dynamic", filter: { version: FILTER_VERSION, where: s.dynamicFilter } } : undefined),
  });
  return evaluateFilter(resolved, s.data);
}

/** Every id the SQL side returns for a filter, read in small keyset pages. */
async function sqlIds(t: TenantCrm, filter: Filter): Promise<string[]> {
  const ids: string[] = [];
  let after: string | undefined;
  for (;;) {
    const page = await t.segments.queryIds(filter, { now: FILTER_NOW, limit: 4, ...(after ? { after } : {}) });
    ids.push(...page.items);
    if (!page.nextCursor) return ids;
    after = page.nextCursor;
  }
}

/** The differential tests of the filter language, and its handling of hostile values. */
export function filtersSuite(ctx: SuiteContext): void {
  describe("filters", () => {
    it(`SQL equals the reference evaluator on random data and random filters (${DATASETS} datasets × ${FILTERS_PER_DATASET} filters)`, async () => {
      let checked = 0;
      let nonEmpty = 0;
      await fc.assert(
        fc.asyncProperty(scenarioArbitrary, fc.infiniteStream(fc.integer()), async (scenario, seeds) => {
          const s = await writeScenario(ctx, scenario);
          const filters = fc.sample(conditionArbitrary([s.staticSegmentId, s.dynamicSegmentId]), { numRuns: FILTERS_PER_DATASET, seed: seeds.next().value as number });
          for (const where of filters) {
            const filter: Filter = { version: FILTER_VERSION, where };
            const expected = await reference(s, filter);
            const label = JSON.stringify(where);
            expect(await sqlIds(s.w.t, filter), label).toEqual(expected);
            expect(await s.w.t.segments.count(filter, { now: FILTER_NOW }), label).toBe(expected.length);
            checked += 1;
            if (expected.length > 0 && expected.length < s.data.relations.length) nonEmpty += 1;
          }
        }),
        { numRuns: DATASETS },
      );
      // The property is only as good as its filters: most must neither match nothing nor everything.
      expect(checked).toBe(DATASETS * FILTERS_PER_DATASET);
      expect(nonEmpty).toBeGreaterThan(checked / 5);
    });

    it("matches hostile strings literally: quotes, % and _, backslashes, SQL fragments and unicode", async () => {
      const w = ctx.world({ attributes: filterRegistry });
      const f = filterBuilder<typeof filterRegistry>();
      const byName = new Map<string, string>();
      for (const name of HOSTILE_STRINGS) {
        const r = await w.t.relations.create({ kind: "organisation", name, tags: [name], attributes: { label: name } });
        byName.set(r.name, r.id);
      }
      const all = [...byName.keys()];
      const ids = async (where: Condition) => (await w.t.segments.queryIds(f.filter(where), { limit: 1000 })).items.slice().sort();
      const expectIds = (names: string[]) => names.map((n) => byName.get(n)!).sort();
      for (const name of all) {
        expect(await ids(f.field("name").eq(name)), name).toEqual(expectIds([name]));
        expect(await ids(f.attribute("label").eq(name)), name).toEqual(expectIds([name]));
        expect(await ids(f.tags.any(name)), name).toEqual(expectIds([name]));
        expect(await ids(f.field("name").in([name, "no such name"])), name).toEqual(expectIds([name]));
        expect(await ids(f.field("name").startsWith(name)), name).toEqual(expectIds(all.filter((n) => n.startsWith(name))));
      }
      for (const needle of HOSTILE_FRAGMENTS) {
        expect(await ids(f.field("name").contains(needle)), needle).toEqual(expectIds(all.filter((n) => n.includes(needle))));
        expect(await ids(f.attribute("label").startsWith(needle)), needle).toEqual(expectIds(all.filter((n) => n.startsWith(needle))));
        expect(await ids(f.not(f.attribute("label").contains(needle))), needle).toEqual(expectIds(all.filter((n) => !n.includes(needle))));
      }
      // Wildcards are not wildcards, and case is not folded.
      expect(await ids(f.field("name").contains("%"))).toEqual(expectIds(all.filter((n) => n.includes("%"))));
      expect(await ids(f.field("name").eq("zoë"))).toEqual(expectIds(["zoë"]));
      // An injection attempt finds only the relation literally named so.
      expect(await w.t.segments.count(f.filter(f.field("name").eq("x' OR '1'='1")))).toBe(1);
      expect(await w.t.segments.count(f.filter(f.field("name").eq("' OR 1=1 --")))).toBe(0);
      // And nothing was dropped: the tables are all still there.
      expect(await w.rows("kb_relations")).toHaveLength(all.length);
    });

    it("rejects invalid filters with a VALIDATION error naming each bad path", async () => {
      const w = ctx.world({ attributes: filterRegistry });
      const error = await expectCrmError(
        w.t.segments.count({
          version: 1,
          where: {
            type: "and",
            of: [
              { type: "attribute", name: "nope", op: "eq", value: 1 },
              { type: "attribute", name: "score", op: "contains", value: "1" },
              { type: "attribute", name: "industry", op: "eq", value: "mining" },
              { type: "attribute", name: "seats", op: "eq", value: 1 },
              { type: "interactions", kinds: ["carrier-pigeon"] },
              { type: "link", via: "employer", where: { type: "field", field: "createdAt", op: "gt", value: "yesterday" } },
              { type: "deals", count: { op: "gte", value: 1 }, sum: { op: "gte", value: { amount: 1, currency: "EUR" } } },
            ],
          },
        }),
        "VALIDATION",
      );
      expect(error.issues.map((i) => [i.path.join("."), i.code])).toEqual([
        ["where.of.0.name", "unknown_attribute"],
        ["where.of.1.op", "invalid_operator"],
        ["where.of.2.value", "invalid_value"],
        ["where.of.3.name", "attribute_not_applicable"],
        ["where.of.4.kinds.0", "unknown_interaction_kind"],
        ["where.of.5.where.value", "invalid_value"],
        ["where.of.6.sum", "count_and_sum"],
      ]);
      const structural = await expectCrmError(w.t.segments.count({ version: 2, where: { type: "field", field: "colour", op: "eq" } } as never), "VALIDATION");
      expect(structural.issues.map((i) => i.path.join("."))).toEqual(expect.arrayContaining(["version"]));
      const missing = await expectCrmError(w.t.segments.count({ version: 1, where: { type: "segment", segmentId: "ghost" } }), "VALIDATION");
      expect(missing.issues).toEqual([expect.objectContaining({ path: ["where", "segmentId"], code: "unknown_segment" })]);
    });
  });
}

