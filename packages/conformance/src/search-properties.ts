import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { interactionSearchText, relationSearchText, searchTextMatches, searchTokens } from "@kaartenbak/core/reference";
import type { SuiteContext } from "./harness.js";

/**
 * The differential test of search: random relations and contact moments written through the SDK,
 * random queries, and the set of matches compared with the plain-TypeScript meaning (every term a
 * prefix of a token of the document core builds). Words come from a few syllables, with and
 * without accents and capitals, so prefixes are shared and most queries match something.
 */

const RUNS = Number(process.env.KAARTENBAK_PROPERTY_RUNS ?? 25);
const SYLLABLES = ["an", "na", "de", "vri", "és", "jo", "Sé", "ma", "ri", "Ün", "ko", "bak"];

const word = fc.array(fc.constantFrom(...SYLLABLES), { minLength: 1, maxLength: 3 }).map((parts) => parts.join(""));
const words = (max: number) => fc.array(word, { minLength: 1, maxLength: max }).map((w) => w.join(" "));

const relation = fc.record({
  givenName: word,
  familyName: words(2),
  tags: fc.array(word, { maxLength: 2 }),
  city: fc.option(word, { nil: undefined }),
});
const moment = fc.record({ subject: words(3), body: fc.option(words(6), { nil: null }) });
/** A query: one or two words or parts of words (a prefix of a syllable run), sometimes in capitals. */
const query = fc
  .array(
    fc.tuple(word, fc.integer({ min: 1, max: 6 }), fc.boolean()).map(([w, n, upper]) => (upper ? w.slice(0, n).toUpperCase() : w.slice(0, n))),
    { minLength: 1, maxLength: 2 },
  )
  .map((parts) => parts.join(" "));

export function searchPropertiesSuite(ctx: SuiteContext): void {
  describe("search agrees with the TypeScript reference", () => {
    it("on random relations, contact moments and queries: the same set of matches", async () => {
      await fc.assert(
        fc.asyncProperty(
          fc.array(relation, { minLength: 1, maxLength: 8 }),
          fc.array(moment, { maxLength: 6 }),
          fc.array(query, { minLength: 1, maxLength: 4 }),
          async (rs, ms, queries) => {
            const w = ctx.world();
            const created = [];
            for (const r of rs) {
              created.push(
                await w.t.relations.create({
                  kind: "person",
                  givenName: r.givenName,
                  familyName: r.familyName,
                  tags: [...new Set(r.tags)],
                  ...(r.city ? { addresses: [{ city: r.city }] } : {}),
                }),
              );
            }
            const logged = [];
            for (const m of ms) {
              logged.push((await w.t.interactions.log({ kind: "note", occurredAt: "2026-01-01T00:00:00Z", relationIds: [created[0]!.id], ...m })).interaction);
            }
            for (const q of queries) {
              const terms = searchTokens(q);
              const expectRelations = created.filter((r) => searchTextMatches(relationSearchText(r), terms)).map((r) => r.id);
              const expectMoments = logged.filter((i) => searchTextMatches(interactionSearchText(i), terms)).map((i) => i.id);
              const foundRelations = (await w.t.relations.search(q, { limit: 100 })).items.map((h) => h.item.id);
              const foundMoments = (await w.t.interactions.search(q, { limit: 100 })).items.map((h) => h.item.id);
              expect(foundRelations.sort(), q).toEqual(expectRelations.sort());
              expect(foundMoments.sort(), q).toEqual(expectMoments.sort());
            }
          },
        ),
        { numRuns: RUNS },
      );
    }, 300_000);
  });
}
