import type { DuplicatePairRecord, DuplicateStore } from "@kaartenbak/core/storage";
import { sql, type Selectable } from "kysely";
import type { DialectProfile } from "./dialect-profile.js";
import { relationStore } from "./relation-store.js";
import { fromJson, toJson } from "./rows.js";
import type { DuplicatePairRow } from "./schema-duplicates.js";
import type { ReadContext } from "./relation-reads.js";
import { affected, chunks, inChunks } from "./store-context.js";

function pairFromRow(row: Selectable<DuplicatePairRow>): DuplicatePairRecord {
  return {
    firstId: row.first_id,
    secondId: row.second_id,
    status: row.status as DuplicatePairRecord["status"],
    // Stored as a double; reasons and thresholds speak in two decimals.
    score: Math.round(Number(row.score) * 100) / 100,
    reasons: fromJson(row.reasons) as string[],
    foundAt: typeof row.found_at === "string" ? row.found_at : row.found_at.toISOString(),
    updatedAt: typeof row.updated_at === "string" ? row.updated_at : row.updated_at.toISOString(),
  };
}

/**
 * Duplicate detection storage for one tenant. Relations are read through the relation store's
 * existing `getMany`, so the relation read path itself is not touched here.
 */
export function duplicateStore(context: ReadContext, profile: DialectProfile): DuplicateStore {
  const { db, tenantId } = context;
  const relations = relationStore(context);
  const pairs = () => db.selectFrom("kb_duplicate_pairs").selectAll().where("tenant_id", "=", tenantId);

  return {
    async clearKeys() {
      await db.deleteFrom("kb_duplicate_keys").where("tenant_id", "=", tenantId).execute();
    },

    async writeKeys(relationIds, keys) {
      for (const chunk of chunks(relationIds)) {
        await db.deleteFrom("kb_duplicate_keys").where("tenant_id", "=", tenantId).where("relation_id", "in", chunk).execute();
      }
      // Three parameters a row: 150 rows stay far below both engines' parameter limits.
      for (let i = 0; i < keys.length; i += 150) {
        const values = keys.slice(i, i + 150).map((k) => ({ tenant_id: tenantId, key: k.key, relation_id: k.relationId }));
        await db
          .insertInto("kb_duplicate_keys")
          .values(values)
          .onConflict((oc) => oc.doNothing())
          .execute();
      }
    },

    async relationsAfter(after, limit) {
      let query = db.selectFrom("kb_relations").select("id").where("tenant_id", "=", tenantId).where("deleted_at", "is", null);
      if (after !== undefined) query = query.where("id", ">", after);
      const ids = (await query.orderBy("id").limit(limit).execute()).map((r) => r.id);
      const found = await relations.getMany(ids);
      const order = new Map(ids.map((id, i) => [id, i]));
      return found.sort((a, b) => order.get(a.id)! - order.get(b.id)!);
    },

    async candidatePairs(after, limit, maxBlock) {
      // Keys held by more than `maxBlock` relations (a very common name token in one city) are
      // skipped: they would produce a quadratic number of pairs and say little on their own.
      const blocks = db
        .selectFrom("kb_duplicate_keys")
        .select("key")
        .where("tenant_id", "=", tenantId)
        .groupBy("key")
        .having(sql<number>`count(*)`, "<=", maxBlock)
        .having(sql<number>`count(*)`, ">=", 2);
      let query = db
        .selectFrom("kb_duplicate_keys as a")
        .innerJoin("kb_duplicate_keys as b", (join) =>
          join.onRef("b.tenant_id", "=", "a.tenant_id").onRef("b.key", "=", "a.key").onRef("a.relation_id", "<", "b.relation_id"),
        )
        .select(["a.relation_id as firstId", "b.relation_id as secondId"])
        .where("a.tenant_id", "=", tenantId)
        .where("a.key", "in", blocks)
        .distinct();
      if (after) {
        query = query.where((eb) =>
          eb.or([eb("a.relation_id", ">", after.firstId), eb.and([eb("a.relation_id", "=", after.firstId), eb("b.relation_id", ">", after.secondId)])]),
        );
      }
      return query.orderBy("a.relation_id").orderBy("b.relation_id").limit(limit).execute();
    },

    async findByAttribute(name, values) {
      if (values.length === 0) return [];
      const member = profile.filters.jsonText(sql.ref("attributes"), [name]);
      const ids = await inChunks(values, async (chunk) =>
        (
          await db
            .selectFrom("kb_relations")
            .select("id")
            .where("tenant_id", "=", tenantId)
            .where("deleted_at", "is", null)
            .where(member, "in", chunk)
            .execute()
        ).map((r) => r.id),
      );
      return relations.getMany(ids);
    },

    async upsertPairs(records) {
      for (const record of records) {
        await db
          .insertInto("kb_duplicate_pairs")
          .values({
            tenant_id: tenantId,
            first_id: record.firstId,
            second_id: record.secondId,
            status: record.status,
            score: record.score,
            reasons: toJson(record.reasons),
            found_at: record.foundAt,
            updated_at: record.updatedAt,
          })
          .onConflict((oc) =>
            oc
              .columns(["tenant_id", "first_id", "second_id"])
              .doUpdateSet({ score: record.score, reasons: toJson(record.reasons), updated_at: record.updatedAt })
              // A merged or dismissed pair keeps its verdict: a later scan never reopens it.
              .where("kb_duplicate_pairs.status", "=", "open"),
          )
          .execute();
      }
    },

    async getPair(firstId, secondId) {
      const row = await pairs().where("first_id", "=", firstId).where("second_id", "=", secondId).executeTakeFirst();
      return row ? pairFromRow(row) : undefined;
    },

    async setPairStatus(firstId, secondId, status, at) {
      const result = await db
        .updateTable("kb_duplicate_pairs")
        .set({ status, updated_at: at })
        .where("tenant_id", "=", tenantId)
        .where("first_id", "=", firstId)
        .where("second_id", "=", secondId)
        .executeTakeFirst();
      return affected(result) > 0;
    },

    async listPairs(status, after, limit) {
      let query = pairs().where("status", "=", status);
      if (after) {
        query = query.where((eb) =>
          eb.or([
            eb("score", "<", after.score),
            eb.and([eb("score", "=", after.score), eb("first_id", ">", after.firstId)]),
            eb.and([eb("score", "=", after.score), eb("first_id", "=", after.firstId), eb("second_id", ">", after.secondId)]),
          ]),
        );
      }
      const rows = await query.orderBy("score", "desc").orderBy("first_id").orderBy("second_id").limit(limit).execute();
      return rows.map(pairFromRow);
    },
  };
}
