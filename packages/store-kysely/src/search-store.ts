import type { SearchStore, StoredSearchQuery } from "@kaartenbak/core/storage";
import type { DialectProfile } from "./dialect-profile.js";
import { interactionFromJoined, interactionsWithChildren } from "./interaction-reads.js";
import { relationFromJoined, relationsWithChildren, type ReadContext } from "./relation-reads.js";
import { toNumber } from "./rows.js";

/**
 * Ranked search, for one tenant. Each search is ONE statement: the profile's page of matching
 * documents (a derived table `m`, already ranked, limited and offset) joined to the relations or
 * contact moments with their child rows, so only the page's records are aggregated. Documents
 * exist only for live records, and the join is on tenant and id.
 */
export function searchStore(context: ReadContext, profile: DialectProfile): SearchStore {
  const { db, tenantId, reads } = context;
  const stemmed = new Set(profile.search.stemming);
  const request = (entity: "relation" | "interaction", query: StoredSearchQuery) => ({
    tenantId,
    entity,
    terms: query.terms,
    ...(query.language && stemmed.has(query.language) ? { language: query.language } : {}),
    limit: query.limit,
    offset: query.offset,
  });

  return {
    async relations(query) {
      const rows = await relationsWithChildren(db, reads.functions, tenantId)
        .innerJoin(profile.search.matches(db, request("relation", query)), (join) => join.onRef("m.entity_id", "=", "r.id"))
        .select("m.score")
        .where("r.deleted_at", "is", null)
        .orderBy("m.score", "desc")
        .orderBy("r.id")
        .execute();
      return rows.map((row) => ({ record: relationFromJoined(row), score: toNumber(row.score) }));
    },

    async interactions(query) {
      const rows = await interactionsWithChildren(db, reads.functions, tenantId)
        .innerJoin(profile.search.matches(db, request("interaction", query)), (join) => join.onRef("m.entity_id", "=", "i.id"))
        .select("m.score")
        .where("i.deleted_at", "is", null)
        .orderBy("m.score", "desc")
        .orderBy("i.id")
        .execute();
      return rows.map((row) => ({ record: interactionFromJoined(row), score: toNumber(row.score) }));
    },
  };
}
