import { CrmError, nameKey, type RelationRecord, type RelationStore } from "@kaartenbak/core/storage";
import { sql, type Selectable } from "kysely";
import { insertRows } from "./insert-rows.js";
import { relationColumns, relationFromRows } from "./rows.js";
import type { RelationRow } from "./schema.js";
import { affected, chunks, groupBy, inChunks, type StoreContext } from "./store-context.js";
import { insertRelationChildRows } from "./write-rows.js";

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
  for (const part of chunks(records)) {
    const rows = part.map((r) => ({ tenant_id: tenantId, id: r.id, ...relationColumns(r, nameKey(r.name)) }));
    await insertRows(db, "kb_relations", Object.keys(rows[0]!), rows);
  }
  let claimed = 0;
  for (const rows of chunks(refs)) {
    claimed += (await insertRows(db, "kb_relation_refs", REF_COLUMNS, rows, { onConflictDoNothing: REF_KEY, returning: "external_id" })).length;
  }
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
  // The references are in; the e-mails, phones and tags follow.
  await insertRelationChildRows(
    context,
    records.map((r) => ({ ...r, externalRefs: [] })),
  );
}

const compare = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

function refTaken(message: string): CrmError<"DUPLICATE"> {
  return new CrmError("DUPLICATE", message, { entity: "relation", reason: "external_ref_taken" });
}

/** Relations and their child rows, for one tenant. */
export function relationStore(context: StoreContext): RelationStore {
  const { db, tenantId } = context;
  async function deleteChildren(id: string): Promise<void> {
    for (const table of ["kb_relation_emails", "kb_relation_phones", "kb_relation_tags", "kb_relation_refs"] as const) {
      await db.deleteFrom(table).where("tenant_id", "=", tenantId).where("relation_id", "=", id).execute();
    }
  }

  /**
   * Completes relation rows with their child rows: ONE query for all four child tables (a
   * `union all` of uniform columns), so an aggregate costs two round trips, not five.
   */
  async function assemble(rows: readonly Selectable<RelationRow>[]): Promise<RelationRecord[]> {
    if (rows.length === 0) return [];
    const children = await inChunks(
      rows.map((r) => r.id),
      (chunk) => {
        // Every branch of a union has one row type: nullable where a table lacks the column.
        const none = sql<string | number | null>`null`;
        const num = (column: "is_primary" | "position") => sql<string | number | null>`${sql.ref(column)}`;
        return db
          .selectFrom("kb_relation_emails")
          .where("tenant_id", "=", tenantId)
          .where("relation_id", "in", chunk)
          .select([sql<string>`'e'`.as("t"), "relation_id", "email as a", "label as b", num("is_primary").as("p"), num("position").as("n")])
          .unionAll(
            db
              .selectFrom("kb_relation_phones")
              .where("tenant_id", "=", tenantId)
              .where("relation_id", "in", chunk)
              .select([sql<string>`'p'`.as("t"), "relation_id", "phone as a", "label as b", num("is_primary").as("p"), num("position").as("n")]),
          )
          .unionAll(
            db
              .selectFrom("kb_relation_tags")
              .where("tenant_id", "=", tenantId)
              .where("relation_id", "in", chunk)
              .select([sql<string>`'t'`.as("t"), "relation_id", "tag as a", sql<string | null>`null`.as("b"), none.as("p"), none.as("n")]),
          )
          .unionAll(
            db
              .selectFrom("kb_relation_refs")
              .where("tenant_id", "=", tenantId)
              .where("relation_id", "in", chunk)
              .select([
                sql<string>`'r'`.as("t"),
                "relation_id",
                "system as a",
                sql<string | null>`${sql.ref("external_id")}`.as("b"),
                none.as("p"),
                none.as("n"),
              ]),
          )
          .execute();
      },
    );
    const byRelation = groupBy(children, (c) => c.relation_id);
    return rows.map((row) => {
      const mine = byRelation.get(row.id) ?? [];
      const contact = (t: string) => mine.filter((c) => c.t === t).map((c) => ({ label: c.b, is_primary: c.p ?? 0, position: c.n ?? 0, value: c.a }));
      return relationFromRows(row, {
        emails: contact("e").map(({ value, ...rest }) => ({ email: value, ...rest })),
        phones: contact("p").map(({ value, ...rest }) => ({ phone: value, ...rest })),
        tags: mine.filter((c) => c.t === "t").map((c) => c.a),
        refs: mine.filter((c) => c.t === "r").map((c) => ({ system: c.a, external_id: c.b ?? "" })),
      });
    });
  }

  const relations = () => db.selectFrom("kb_relations").selectAll().where("tenant_id", "=", tenantId);
  /** Relations that are not soft-deleted. */
  const live = () => relations().where("deleted_at", "is", null);

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
      return true;
    },

    async get(id) {
      const row = await relations().where("id", "=", id).executeTakeFirst();
      return row ? (await assemble([row]))[0] : undefined;
    },

    async getMany(ids) {
      const rows = await inChunks(ids, (chunk) => relations().where("id", "in", chunk).execute());
      return assemble(rows);
    },

    async findByEmail(email) {
      const holders = db.selectFrom("kb_relation_emails").select("relation_id").where("tenant_id", "=", tenantId).where("email", "=", email);
      return assemble(await live().where("id", "in", holders).orderBy("created_at").orderBy("id").execute());
    },

    async findByPhone(phone) {
      const holders = db.selectFrom("kb_relation_phones").select("relation_id").where("tenant_id", "=", tenantId).where("phone", "=", phone);
      return assemble(await live().where("id", "in", holders).orderBy("created_at").orderBy("id").execute());
    },

    async findByNamePrefix(prefix, limit) {
      let query = live();
      if (prefix.length > 0) query = query.where("name_key", ">=", prefix).where("name_key", "<", prefix + MAX_CODE_POINT);
      const rows = await query.orderBy("name_key").orderBy("id").limit(limit).execute();
      return assemble(rows);
    },

    async findByExternalRef(system, externalId) {
      const row = await db
        .selectFrom("kb_relations as r")
        .innerJoin("kb_relation_refs as x", (join) => join.onRef("x.tenant_id", "=", "r.tenant_id").onRef("x.relation_id", "=", "r.id"))
        .selectAll("r")
        .where("x.tenant_id", "=", tenantId)
        .where("x.system", "=", system)
        .where("x.external_id", "=", externalId)
        .executeTakeFirst();
      return row ? (await assemble([row]))[0] : undefined;
    },
  };
}
