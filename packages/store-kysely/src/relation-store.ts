import { CrmError, nameKey, type RelationRecord, type RelationStore } from "@kaartenbak/core/storage";
import { insertRows } from "./insert-rows.js";
import { relationFromJoined, relationShapes, relationsWithChildren, type ReadContext, type RelationWithChildren } from "./relation-reads.js";
import { relationColumns } from "./rows.js";
import { affected, inChunks, type StoreContext } from "./store-context.js";
import { insertRelationChildRows } from "./write-rows.js";
import { employeesOf, refreshRelationDocuments, writeRelationDocuments } from "./search-documents.js";

/**
 * The largest code point. `name_key < prefix || U+10FFFF` bounds a prefix range: under binary
 * (code point) collation every key starting with `prefix` sorts inside `[prefix, prefix+U+10FFFF)`
 * and no other key does, so `%`, `_` and `\` in the prefix are plain characters and the
 * `(tenant_id, name_key)` index serves the search directly.
 */
const MAX_CODE_POINT = "\u{10FFFF}";

const REF_COLUMNS = ["tenant_id", "relation_id", "system", "external_id"];
const REF_KEY = ["tenant_id", "system", "external_id"];

/**
 * Inserts new relations with their child rows, claiming their external references with
 * `insert … on conflict do nothing`. When any reference turns out to be taken (typically by a
 * concurrent first-time upsert of the same reference that committed first), the rows this call
 * wrote are deleted again and DUPLICATE `external_ref_taken` is thrown: no statement failed, so
 * the transaction stays usable on Postgres (a unique violation would abort it) and the caller
 * can re-read the winner and carry on in the same transaction, also inside a unit of work.
 *
 * References are claimed in one global order (system, then external id), so two transactions
 * inserting overlapping sets wait for each other in the same order and cannot deadlock on them.
 * On Postgres (read committed) the conflicting insert waits until the holder commits, so a read
 * after this error sees the winner.
 */
export async function insertRelationsClaimingRefs(context: StoreContext, records: readonly RelationRecord[]): Promise<void> {
  const { db, tenantId } = context;
  if (records.length === 0) return;
  const refs = records
    .flatMap((r) => r.externalRefs.map((ref) => ({ tenant_id: tenantId, relation_id: r.id, system: ref.system, external_id: ref.externalId })))
    .sort((a, b) => (a.system === b.system ? compare(a.external_id, b.external_id) : compare(a.system, b.system)));
  for (let i = 1; i < refs.length; i++) {
    if (refs[i]!.system === refs[i - 1]!.system && refs[i]!.external_id === refs[i - 1]!.external_id) {
      throw refTaken(`External reference ${refs[i]!.system}:${refs[i]!.external_id} is given to more than one new relation`);
    }
  }
  const rows = records.map((r) => ({ tenant_id: tenantId, id: r.id, ...relationColumns(r, nameKey(r.name)) }));
  await insertRows(context, "kb_relations", Object.keys(rows[0]!), rows);
  const claimed = (await insertRows(context, "kb_relation_refs", REF_COLUMNS, refs, { onConflictDoNothing: REF_KEY, returning: "external_id" })).length;
  if (claimed < refs.length) {
    const ids = records.map((r) => r.id);
    await inChunks(ids, (chunk) => db.deleteFrom("kb_relation_refs").where("tenant_id", "=", tenantId).where("relation_id", "in", chunk).execute());
    await inChunks(ids, (chunk) => db.deleteFrom("kb_relations").where("tenant_id", "=", tenantId).where("id", "in", chunk).execute());
    throw refTaken(
      records.length === 1
        ? `An external reference of relation ${records[0]!.id} already belongs to another relation`
        : `${refs.length - claimed} of ${refs.length} external references already belong to other relations`,
    );
  }
  // The references are in; the e-mails, phones and tags follow, and the search documents.
  await insertRelationChildRows(
    context,
    records.map((r) => ({ ...r, externalRefs: [] })),
  );
  await writeRelationDocuments(context, records, true);
}

const compare = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

function refTaken(message: string): CrmError<"DUPLICATE"> {
  return new CrmError("DUPLICATE", message, { entity: "relation", reason: "external_ref_taken" });
}

/** Relations and their child rows, for one tenant. */
export function relationStore(context: ReadContext): RelationStore {
  const { db, tenantId } = context;
  async function deleteChildren(id: string): Promise<void> {
    for (const table of ["kb_relation_emails", "kb_relation_phones", "kb_relation_tags", "kb_relation_refs"] as const) {
      await db.deleteFrom(table).where("tenant_id", "=", tenantId).where("relation_id", "=", id).execute();
    }
  }

  const { functions } = context.reads;
  const shapes = relationShapes(context.reads);
  /** Relations with their child rows, one statement (see {@link relationsWithChildren}). */
  const joined = () => relationsWithChildren(db, functions, tenantId);
  const records = (rows: readonly RelationWithChildren[]) => rows.map(relationFromJoined);

  return {
    insert: (record) => insertRelationsClaimingRefs(context, [record]),

    async update(record, expectedVersion) {
      const result = await db
        .updateTable("kb_relations")
        .set(relationColumns(record, nameKey(record.name)))
        .where("tenant_id", "=", tenantId)
        .where("id", "=", record.id)
        .where("version", "=", expectedVersion)
        .executeTakeFirst();
      if (affected(result) === 0) return false;
      await deleteChildren(record.id);
      await insertRelationChildRows(context, [record]);
      await writeRelationDocuments(context, [record]);
      // A person's document names the organisations it works for: a renamed or deleted one changes theirs.
      if (record.kind === "organisation") await refreshRelationDocuments(context, await employeesOf(context, [record.id]));
      return true;
    },

    async get(id) {
      const [row] = await shapes.byId.execute(db, [tenantId, id]);
      return row ? relationFromJoined(row) : undefined;
    },

    async getMany(ids) {
      return records(await inChunks(ids, (chunk) => joined().where("r.id", "in", chunk).execute()));
    },

    findByEmail: async (email) => records(await shapes.byEmail.execute(db, [tenantId, email])),

    findByPhone: async (phone) => records(await shapes.byPhone.execute(db, [tenantId, phone])),

    async findByNamePrefix(prefix, limit) {
      let query = joined().where("r.deleted_at", "is", null);
      if (prefix.length > 0) query = query.where("r.name_key", ">=", prefix).where("r.name_key", "<", prefix + MAX_CODE_POINT);
      return records(await query.orderBy("r.name_key").orderBy("r.id").limit(limit).execute());
    },

    async findByExternalRef(system, externalId) {
      const [row] = await shapes.byExternalRef.execute(db, [tenantId, system, externalId]);
      return row ? relationFromJoined(row) : undefined;
    },
  };
}
