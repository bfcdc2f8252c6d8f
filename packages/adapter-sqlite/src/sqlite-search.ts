import type { SearchFunctions, SearchMatch } from "@kaartenbak/store-kysely";
import { sql, type AliasedExpression, type Kysely } from "kysely";

/** The columns of the FTS5 tables, as the match query reads them (tenant and ids come from the documents by rowid). */
interface FtsRow {
  tenant_id: string;
  entity: string;
  entity_id: string;
  title: string;
  body: string;
}

/**
 * Two FTS5 tables over `kb_search_documents` (external content: they hold only the index, the
 * text stays in the documents table): `kb_search_fts` matches the folded tokens as prefixes,
 * `kb_search_fts_english` stems them with FTS5's Porter stemmer first. SQLite has no Dutch
 * stemmer, so Dutch is plain prefix matching here. `remove_diacritics 2` is a second line of
 * defence only: core already folds accents in both the documents and the queries.
 */
const TABLES = { plain: "kb_search_fts", english: "kb_search_fts_english" } as const;
const TOKENIZERS = { plain: "unicode61 remove_diacritics 2", english: "porter unicode61 remove_diacritics 2" } as const;
const DOCUMENTS = "kb_search_documents";
const COLUMNS = ["tenant_id", "entity", "entity_id", "title", "body"];

/** Weights of the columns for bm25, in column order: the unindexed ones count for nothing, a title match four times a body match. */
const WEIGHTS = sql.raw("0, 0, 0, 4.0, 1.0");

const ids = (names: readonly string[]) => sql.join(names.map((n) => sql.id(n)));
const values = (row: "new" | "old") => sql.join(COLUMNS.map((c) => sql.ref(`${row}.${c}`)));

/**
 * The statements are written with identifiers as parameters (`sql.table`, `sql.id`), never as SQL
 * text: they are schema statements, and the statement recorder of the tenant-scope test reads
 * only the text for table names.
 */
async function createIndex(db: Kysely<unknown>): Promise<void> {
  for (const kind of ["plain", "english"] as const) {
    const fts = sql.table(TABLES[kind]);
    await sql`create virtual table ${fts} using fts5(tenant_id unindexed, entity unindexed, entity_id unindexed, title, body, content=${sql.table(
      DOCUMENTS,
    )}, content_rowid='rowid', tokenize=${sql.lit(TOKENIZERS[kind])}, prefix='2 3')`.execute(db);
  }
  const insert = (row: "new" | "old", command?: "delete") =>
    sql.join(
      Object.values(TABLES).map(
        (t) =>
          sql`insert into ${sql.table(t)} (${command ? sql`${sql.id(t)}, ` : sql``}rowid, ${ids(COLUMNS)}) values (${command ? sql`'delete', ` : sql``}${sql.ref(
            `${row}.rowid`,
          )}, ${values(row)});`,
      ),
      sql` `,
    );
  const docs = sql.table(DOCUMENTS);
  await sql`create trigger ${sql.id("kb_search_documents_ai")} after insert on ${docs} begin ${insert("new")} end`.execute(db);
  await sql`create trigger ${sql.id("kb_search_documents_ad")} after delete on ${docs} begin ${insert("old", "delete")} end`.execute(db);
  await sql`create trigger ${sql.id("kb_search_documents_au")} after update on ${docs} begin ${insert("old", "delete")} ${insert("new")} end`.execute(db);
}

async function dropIndex(db: Kysely<unknown>): Promise<void> {
  for (const trigger of ["kb_search_documents_ai", "kb_search_documents_ad", "kb_search_documents_au"])
    await sql`drop trigger if exists ${sql.id(trigger)}`.execute(db);
  for (const table of Object.values(TABLES)) await sql`drop table if exists ${sql.table(table)}`.execute(db);
}

/** The SQLite search: FTS5 `match` with every term a quoted prefix (terms are letters and digits only), ranked by bm25. */
export const sqliteSearch: SearchFunctions = {
  stemming: ["english"],
  createIndex,
  dropIndex,
  // Quoted, so a term is never read as an FTS5 keyword (AND, NEAR) or column filter.
  queryText: (terms) => terms.map((t) => `"${t}"*`).join(" "),
  matches(db, request): AliasedExpression<SearchMatch, "m"> {
    const table = request.language === "english" ? TABLES.english : TABLES.plain;
    const hidden = sql.ref(`f.${table}`);
    return db
      .withTables<{ kb_search_fts: FtsRow }>()
      .selectFrom(`${table} as f` as "kb_search_fts as f")
      .select(["f.entity_id", sql<number>`-bm25(${hidden}, ${WEIGHTS})`.as("score")])
      .where("f.tenant_id", "=", request.tenantId)
      .where("f.entity", "=", request.entity)
      .where(sql<boolean>`${hidden} match ${request.text}`)
      .orderBy("score", "desc")
      .orderBy("f.entity_id")
      .limit(request.limit)
      .offset(request.offset)
      .as("m");
  },
};
