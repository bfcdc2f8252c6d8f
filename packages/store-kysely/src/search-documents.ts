import { interactionSearchText, relationSearchText, type InteractionRecord, type RelationRecord, type SearchDocumentText } from "@kaartenbak/core/storage";
import { insertRows } from "./insert-rows.js";
import { relationFromJoined, relationsWithChildren, type ReadContext } from "./relation-reads.js";
import type { StoreContext } from "./store-context.js";
import { chunks, groupBy, inChunks } from "./store-context.js";

/**
 * Upkeep of `kb_search_documents`: every write path of what a document is derived from calls one
 * of these in its own transaction, so search never lags behind a write and a rollback takes the
 * document back with it. The store does this rather than triggers because the document is built
 * by core in TypeScript (folding, phone suffixes) and must be the same on every engine.
 *
 * A document is deleted and written again rather than updated: it is small, and a deleted relation
 * or contact moment simply gets none.
 */

const COLUMNS = ["tenant_id", "entity", "entity_id", "title", "body"];
type Entity = "relation" | "interaction";

async function deleteDocuments({ db, tenantId }: StoreContext, entity: Entity, ids: readonly string[]): Promise<void> {
  for (const chunk of chunks([...new Set(ids)])) {
    await db.deleteFrom("kb_search_documents").where("tenant_id", "=", tenantId).where("entity", "=", entity).where("entity_id", "in", chunk).execute();
  }
}

async function insertDocuments(context: StoreContext, entity: Entity, documents: readonly [string, SearchDocumentText][]): Promise<void> {
  const rows = documents.map(([id, text]) => ({ tenant_id: context.tenantId, entity, entity_id: id, title: text.title, body: text.body }));
  await insertRows(context, "kb_search_documents", COLUMNS, rows);
}

/**
 * The names of the live organisations each person works or worked for (every employment link,
 * ended or not: a document cannot follow a validity date as time passes, and "who was at Acme" is
 * a fair question), by person id.
 */
async function organisationsOf({ db, tenantId }: StoreContext, personIds: readonly string[]): Promise<Map<string, string[]>> {
  if (personIds.length === 0) return new Map();
  const rows = await inChunks(personIds, (chunk) =>
    db
      .selectFrom("kb_links as l")
      .innerJoin("kb_relations as o", (join) => join.onRef("o.tenant_id", "=", "l.tenant_id").onRef("o.id", "=", "l.to_id"))
      .select(["l.from_id", "o.name"])
      .where("l.tenant_id", "=", tenantId)
      .where("l.kind", "=", "employment")
      .where("l.from_id", "in", chunk)
      .where("o.deleted_at", "is", null)
      .execute(),
  );
  const byPerson = groupBy(rows, (r) => r.from_id);
  return new Map([...byPerson].map(([id, list]) => [id, list.map((r) => r.name).sort()]));
}

/**
 * Writes the documents of these relations as they are now. `fresh` says they were just inserted:
 * no document and no link can exist yet, so nothing is deleted or looked up.
 */
export async function writeRelationDocuments(context: StoreContext, records: readonly RelationRecord[], fresh = false): Promise<void> {
  if (records.length === 0) return;
  if (!fresh)
    await deleteDocuments(
      context,
      "relation",
      records.map((r) => r.id),
    );
  const live = records.filter((r) => r.deletedAt === null);
  const organisations = fresh
    ? new Map<string, string[]>()
    : await organisationsOf(
        context,
        live.filter((r) => r.kind === "person").map((r) => r.id),
      );
  await insertDocuments(
    context,
    "relation",
    live.map((r) => [r.id, relationSearchText(r, organisations.get(r.id))]),
  );
}

/** Rewrites the documents of these relations from what is stored (after a set-based change such as an erasure). */
export async function refreshRelationDocuments(context: ReadContext, ids: readonly string[]): Promise<void> {
  if (ids.length === 0) return;
  const { db, tenantId, reads } = context;
  const rows = await inChunks(ids, (chunk) => relationsWithChildren(db, reads.functions, tenantId).where("r.id", "in", chunk).execute());
  // Ids no longer stored lose their documents too.
  await deleteDocuments(context, "relation", ids);
  await writeRelationDocuments(context, rows.map(relationFromJoined));
}

/** The persons with an employment link to any of these organisations: their documents name it. */
export async function employeesOf({ db, tenantId }: StoreContext, organisationIds: readonly string[]): Promise<string[]> {
  const rows = await inChunks(organisationIds, (chunk) =>
    db.selectFrom("kb_links").select("from_id").where("tenant_id", "=", tenantId).where("kind", "=", "employment").where("to_id", "in", chunk).execute(),
  );
  return [...new Set(rows.map((r) => r.from_id))];
}

/** The fields of a contact moment its document is made of. */
type InteractionText = Pick<InteractionRecord, "id" | "subject" | "body" | "outcome" | "deletedAt">;

/** Writes the documents of these contact moments; `fresh` when they were just inserted. */
export async function writeInteractionDocuments(context: StoreContext, records: readonly InteractionText[], fresh = false): Promise<void> {
  if (records.length === 0) return;
  if (!fresh)
    await deleteDocuments(
      context,
      "interaction",
      records.map((r) => r.id),
    );
  const live = records.filter((r) => r.deletedAt === null);
  await insertDocuments(
    context,
    "interaction",
    live.map((r) => [r.id, interactionSearchText(r)]),
  );
}

/** Rewrites the documents of these contact moments from what is stored. */
export async function refreshInteractionDocuments(context: StoreContext, ids: readonly string[]): Promise<void> {
  if (ids.length === 0) return;
  const { db, tenantId } = context;
  const rows = await inChunks(ids, (chunk) =>
    db
      .selectFrom("kb_interactions")
      .select(["id", "subject", "body", "outcome", "deleted_at"])
      .where("tenant_id", "=", tenantId)
      .where("id", "in", chunk)
      .execute(),
  );
  await deleteDocuments(context, "interaction", ids);
  await writeInteractionDocuments(
    context,
    rows.map((r) => ({ id: r.id, subject: r.subject, body: r.body, outcome: r.outcome, deletedAt: r.deleted_at === null ? null : String(r.deleted_at) })),
    true,
  );
}
