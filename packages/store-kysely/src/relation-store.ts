import { nameKey, type RelationRecord, type RelationStore } from "@kaartenbak/core";
import type { Selectable } from "kysely";
import { relationColumns, relationFromRows } from "./rows.js";
import type { RelationRow } from "./schema.js";
import { affected, groupBy, inChunks, type StoreContext } from "./store-context.js";
import { insertRelationChildRows, insertRelationRows } from "./write-rows.js";

/**
 * The largest code point. `name_key < prefix || U+10FFFF` bounds a prefix range: under binary
 * (code point) collation every key starting with `prefix` sorts inside `[prefix, prefix+U+10FFFF)`
 * and no other key does, so `%`, `_` and `\` in the prefix are plain characters and the
 * `(tenant_id, name_key)` index serves the search directly.
 */
const MAX_CODE_POINT = "\u{10FFFF}";

/** Relations and their child rows, for one tenant. */
export function relationStore(context: StoreContext): RelationStore {
  const { db, tenantId } = context;
  async function deleteChildren(id: string): Promise<void> {
    for (const table of ["kb_relation_emails", "kb_relation_phones", "kb_relation_tags", "kb_relation_refs"] as const) {
      await db.deleteFrom(table).where("tenant_id", "=", tenantId).where("relation_id", "=", id).execute();
    }
  }

  /** Completes relation rows with their child rows: one query per child table for the whole set. */
  async function assemble(rows: readonly Selectable<RelationRow>[]): Promise<RelationRecord[]> {
    if (rows.length === 0) return [];
    const ids = rows.map((r) => r.id);
    const emails = await inChunks(ids, (chunk) =>
      db.selectFrom("kb_relation_emails").selectAll().where("tenant_id", "=", tenantId).where("relation_id", "in", chunk).execute(),
    );
    const phones = await inChunks(ids, (chunk) =>
      db.selectFrom("kb_relation_phones").selectAll().where("tenant_id", "=", tenantId).where("relation_id", "in", chunk).execute(),
    );
    const tags = await inChunks(ids, (chunk) =>
      db.selectFrom("kb_relation_tags").selectAll().where("tenant_id", "=", tenantId).where("relation_id", "in", chunk).execute(),
    );
    const refs = await inChunks(ids, (chunk) =>
      db.selectFrom("kb_relation_refs").selectAll().where("tenant_id", "=", tenantId).where("relation_id", "in", chunk).execute(),
    );
    const emailsOf = groupBy(emails, (r) => r.relation_id);
    const phonesOf = groupBy(phones, (r) => r.relation_id);
    const tagsOf = groupBy(tags, (r) => r.relation_id);
    const refsOf = groupBy(refs, (r) => r.relation_id);
    return rows.map((row) =>
      relationFromRows(row, {
        emails: emailsOf.get(row.id) ?? [],
        phones: phonesOf.get(row.id) ?? [],
        tags: (tagsOf.get(row.id) ?? []).map((t) => t.tag),
        refs: refsOf.get(row.id) ?? [],
      }),
    );
  }

  const relations = () => db.selectFrom("kb_relations").selectAll().where("tenant_id", "=", tenantId);
  /** Relations that are not soft-deleted. */
  const live = () => relations().where("deleted_at", "is", null);

  return {
    insert: (record) => insertRelationRows(context, [record]),

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
