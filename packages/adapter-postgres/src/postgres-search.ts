import type { SearchFunctions, SearchMatch } from "@kaartenbak/store-kysely";
import { sql, type AliasedExpression, type Kysely } from "kysely";

/**
 * Postgres search: three generated `tsvector` columns on `kb_search_documents`, each with a GIN
 * index. `simple_vector` holds the folded tokens as they are (the default, prefix matching);
 * `dutch_vector` and `english_vector` the stems of Postgres' Snowball configurations, for a
 * search with `language`. The title is weight A and the body weight B, so `ts_rank` puts a name
 * or subject match above a mention in the body.
 *
 * No `unaccent`: core folds accents in the documents and the queries, so the extension (which a
 * host may not be allowed to install) is not needed. Generated columns cannot go stale: Postgres
 * computes them in the very statement that writes the document.
 */
const CONFIGS = ["simple", "dutch", "english"] as const;
type Config = (typeof CONFIGS)[number];
const column = (config: Config) => `${config}_vector`;

async function createIndex(db: Kysely<unknown>): Promise<void> {
  let alter = db.schema.alterTable("kb_search_documents").addColumn(column("simple"), sql`tsvector`, (c) => c.generatedAlwaysAs(vector("simple")).stored());
  for (const config of CONFIGS.slice(1)) alter = alter.addColumn(column(config), sql`tsvector`, (c) => c.generatedAlwaysAs(vector(config)).stored());
  await alter.execute();
  for (const config of CONFIGS) {
    await db.schema.createIndex(`kb_search_documents_${config}_idx`).on("kb_search_documents").using("gin").column(column(config)).execute();
  }
}

/** The weighted vector of a configuration; the configuration is a literal, so the expression is immutable. */
function vector(config: Config) {
  const c = sql.lit(config);
  return sql`setweight(to_tsvector(${c}::regconfig, title), 'A') || setweight(to_tsvector(${c}::regconfig, body), 'B')`;
}

async function dropIndex(db: Kysely<unknown>): Promise<void> {
  // Dropping the table (the migration's next step) drops the columns and their indexes with it.
  void db;
}

/**
 * Every term a prefix (`term:*`), all required (`&`). Terms are letters and digits only (core
 * folded them), so none can carry tsquery syntax. With a language, `to_tsquery` stems each term
 * before the prefix match, as the document's stems were made.
 */
export const postgresSearch: SearchFunctions = {
  stemming: ["dutch", "english"],
  createIndex,
  dropIndex,
  queryText: (terms) => terms.map((t) => `${t}:*`).join(" & "),
  matches(db, request): AliasedExpression<SearchMatch, "m"> {
    const config: Config = request.language ?? "simple";
    const vec = sql.ref(`d.${column(config)}`);
    const query = sql`to_tsquery(${sql.lit(config)}::regconfig, ${request.text})`;
    return db
      .selectFrom("kb_search_documents as d")
      .select(["d.entity_id", sql<number>`ts_rank(${vec}, ${query})`.as("score")])
      .where("d.tenant_id", "=", request.tenantId)
      .where("d.entity", "=", request.entity)
      .where(sql<boolean>`${vec} @@ ${query}`)
      .orderBy("score", "desc")
      .orderBy("d.entity_id")
      .limit(request.limit)
      .offset(request.offset)
      .as("m");
  },
};
