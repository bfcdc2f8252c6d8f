import type { InteractionRecord, RelationRecord, SearchLanguage, SearchStore, StoredSearchQuery } from "@kaartenbak/core/storage";
import { sql } from "kysely";
import { compiledShape, type CompiledShape } from "./compiled-query.js";
import type { DialectProfile } from "./dialect-profile.js";
import { interactionFromJoined, interactionsWithChildren, type InteractionWithChildren } from "./interaction-reads.js";
import { relationFromJoined, relationsWithChildren, type ReadContext, type RelationWithChildren } from "./relation-reads.js";
import { toNumber } from "./rows.js";

type Scored<T> = T & { readonly score: number | string };
/** Arguments of a compiled search: tenant, the engine's query text, limit, offset. */
type Args = [string, string, number, number];

/**
 * Ranked search, for one tenant. Each search is ONE statement: the profile's page of matching
 * documents (a derived table `m`, already ranked, limited and offset) joined to the relations or
 * contact moments with their child rows, so only the page's records are aggregated. Documents
 * exist only for live records; the join is on tenant and id. The statement is compiled once per
 * storage, entity and language (the terms are one parameter, the engine's query text), like the
 * other hot reads.
 */
export function searchStore(context: ReadContext, profile: DialectProfile): SearchStore {
  const { db, tenantId, reads } = context;
  const { search } = profile;
  const fn = reads.functions;
  const stemmed = new Set(search.stemming);
  /** The profile's matches for compiled placeholders (limit and offset are bound as values). */
  const matches = (entity: "relation" | "interaction", language: SearchLanguage | undefined, tenant: string, text: string, limit: string, offset: string) =>
    search.matches(db, { tenantId: tenant, entity, text, limit: sql<number>`${limit}`, offset: sql<number>`${offset}`, ...(language ? { language } : {}) });

  function relationShape(language: SearchLanguage | undefined): CompiledShape<Args, Scored<RelationWithChildren>> {
    return reads.shapes.get(`search.relations.${language ?? "plain"}`, () =>
      compiledShape<Args, Scored<RelationWithChildren>>(4, (d, tenant, text, limit, offset) =>
        relationsWithChildren(d, fn, tenant!)
          .innerJoin(matches("relation", language, tenant!, text!, limit!, offset!), (join) => join.onRef("m.entity_id", "=", "r.id"))
          .select("m.score")
          .where("r.deleted_at", "is", null)
          .orderBy("m.score", "desc")
          .orderBy("r.id"),
      ),
    );
  }

  function interactionShape(language: SearchLanguage | undefined): CompiledShape<Args, Scored<InteractionWithChildren>> {
    return reads.shapes.get(`search.interactions.${language ?? "plain"}`, () =>
      compiledShape<Args, Scored<InteractionWithChildren>>(4, (d, tenant, text, limit, offset) =>
        interactionsWithChildren(d, fn, tenant!)
          .innerJoin(matches("interaction", language, tenant!, text!, limit!, offset!), (join) => join.onRef("m.entity_id", "=", "i.id"))
          .select("m.score")
          .where("i.deleted_at", "is", null)
          .orderBy("m.score", "desc")
          .orderBy("i.id"),
      ),
    );
  }

  /** Only languages the engine stems select a stemmed index; the others match as plain prefixes. */
  const args = (query: StoredSearchQuery): { language: SearchLanguage | undefined; values: Args } => ({
    language: query.language && stemmed.has(query.language) ? query.language : undefined,
    values: [tenantId, search.queryText(query.terms), query.limit, query.offset],
  });

  return {
    async relations(query): Promise<{ record: RelationRecord; score: number }[]> {
      const { language, values } = args(query);
      const rows = await relationShape(language).execute(db, values);
      return rows.map((row) => ({ record: relationFromJoined(row), score: toNumber(row.score) }));
    },

    async interactions(query): Promise<{ record: InteractionRecord; score: number }[]> {
      const { language, values } = args(query);
      const rows = await interactionShape(language).execute(db, values);
      return rows.map((row) => ({ record: interactionFromJoined(row), score: toNumber(row.score) }));
    },
  };
}
