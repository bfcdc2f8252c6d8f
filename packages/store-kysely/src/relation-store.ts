import { nameKey, type RelationRecord, type RelationStore } from "@kaartenbak/core/storage";
import { sql, type Selectable } from "kysely";
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
