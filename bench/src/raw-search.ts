import { relationChildren, interactionChildren, postgresFloor, sqliteFloor, type FloorFlavour } from "./raw-floor.js";
import type { RawReportQuery } from "./raw-reports.js";

/**
 * The hand-written full-text queries the search workload (W7) compares the SDK with: one
 * statement each, written directly against the engine's own index over the SDK tenant's search
 * documents — the FTS5 `match` ranked by `bm25` on SQLite, `@@` on the generated tsvector ranked by
 * `ts_rank` on Postgres — then the page of records with their child rows aggregated as JSON, as the
 * SDK returns them. The search text is folded by hand the way core folds it (the bench's queries
 * are plain lower-case words and digits), so both sides look up the same terms.
 */
export type SearchEntity = "relation" | "interaction";

function page(f: FloorFlavour, entity: SearchEntity, matches: string): string {
  return entity === "relation"
    ? `select r.*, ${relationChildren(f)}, m.score from (${matches}) m join ${f.table("kb_relations")} r on r.tenant_id = ? and r.id = m.entity_id where r.deleted_at is null order by m.score desc, r.id`
    : `select i.*, ${interactionChildren(f)}, m.score from (${matches}) m join ${f.table("kb_interactions")} i on i.tenant_id = ? and i.id = m.entity_id where i.deleted_at is null order by m.score desc, i.id`;
}

/** SQLite: FTS5 with every word a prefix; parameters: match expression, tenant, entity, limit, tenant. */
export function sqliteSearchQuery(tenant: string, entity: SearchEntity, words: readonly string[], limit: number): RawReportQuery {
  const matches =
    "select f.entity_id, -bm25(kb_search_fts, 0, 0, 0, 4.0, 1.0) as score from kb_search_fts f " +
    "where kb_search_fts match ? and f.tenant_id = ? and f.entity = ? order by score desc, f.entity_id limit ?";
  return { sql: page(sqliteFloor, entity, matches), params: [words.map((w) => `"${w}"*`).join(" "), tenant, entity, limit, tenant] };
}

/** Postgres: the `simple` tsvector with every word a prefix; parameters as on SQLite (the tsquery text first). */
export function postgresSearchQuery(schema: string, tenant: string, entity: SearchEntity, words: readonly string[], limit: number): RawReportQuery {
  const f = postgresFloor(schema);
  const matches =
    `select d.entity_id, ts_rank(d.simple_vector, q) as score from ${f.table("kb_search_documents")} d, to_tsquery('simple', ?) q ` +
    "where d.tenant_id = ? and d.entity = ? and d.simple_vector @@ q order by score desc, d.entity_id limit ?";
  return { sql: page({ ...f, param: () => "?" }, entity, matches), params: [words.map((w) => `${w}:*`).join(" & "), tenant, entity, limit, tenant] };
}
