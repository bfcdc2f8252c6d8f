import type { SegmentStore } from "@kaartenbak/core/storage";
import { sql } from "kysely";
import type { DialectProfile } from "./dialect-profile.js";
import { matchingRelations } from "./filter-compiler.js";
import { insertRows } from "./insert-rows.js";
import { withFilter } from "./large-expression.js";
import { toNumber } from "./rows.js";
import { segmentColumns, segmentFromRow, typed } from "./rows-segments.js";
import { affected, inChunks, type StoreContext } from "./store-context.js";

/** Filter evaluation and segments, for one tenant. */
export function segmentStore(context: StoreContext, profile: DialectProfile): SegmentStore {
  const { db, tenantId } = context;
  const segments = () => db.selectFrom("kb_segments").selectAll().where("tenant_id", "=", tenantId);
  const matching = (filter: Parameters<SegmentStore["count"]>[0]) => matchingRelations(db, profile.filters, tenantId, filter);

  return {
    async count(filter) {
      const row = await withFilter(db, profile, filter, () =>
        matching(filter)
          .select(sql<number | string>`count(*)`.as("n"))
          .executeTakeFirstOrThrow(),
      );
      return toNumber(row.n);
    },

    async matchIds(filter, page) {
      let query = matching(filter).select("r0.id");
      if (page.after !== null) query = query.where("r0.id", ">", page.after);
      const rows = await withFilter(db, profile, filter, () => query.orderBy("r0.id").limit(page.limit).execute());
      return rows.map((r) => r.id);
    },

    async insert(record) {
      await db
        .insertInto("kb_segments")
        .values({ tenant_id: tenantId, id: record.id, ...segmentColumns(record) })
        .execute();
    },

    async update(record, expectedVersion) {
      const result = await db
        .updateTable("kb_segments")
        .set(segmentColumns(record))
        .where("tenant_id", "=", tenantId)
        .where("id", "=", record.id)
        .where("version", "=", expectedVersion)
        .executeTakeFirst();
      return affected(result) > 0;
    },

    async get(id) {
      const row = await segments().where("id", "=", id).executeTakeFirst();
      return row ? segmentFromRow(row) : undefined;
    },

    async list() {
      const rows = await segments().where("deleted_at", "is", null).orderBy("name").orderBy("id").execute();
      return rows.map(segmentFromRow);
    },

    async addMembers(segmentId, relationIds, at) {
      const rows = [...new Set(relationIds)].map((relation_id) => ({ tenant_id: tenantId, segment_id: segmentId, relation_id, added_at: at }));
      // Ids already on the list are skipped by the primary key, not read first.
      const inserted = await insertRows(context, "kb_segment_members", ["tenant_id", "segment_id", "relation_id", "added_at"], rows, {
        onConflictDoNothing: ["tenant_id", "segment_id", "relation_id"],
        returning: "relation_id",
      });
      return inserted.length;
    },

    async removeMembers(segmentId, relationIds) {
      const results = await inChunks(relationIds, async (chunk) => [
        await db
          .deleteFrom("kb_segment_members")
          .where("tenant_id", "=", tenantId)
          .where("segment_id", "=", segmentId)
          .where("relation_id", "in", chunk)
          .executeTakeFirst(),
      ]);
      return results.reduce((n, r) => n + affected(r), 0);
    },

    async snapshotMembers(segmentId, filter, at) {
      const select = matching(filter).select([
        "r0.tenant_id",
        typed(segmentId, "text").as("segment_id"),
        "r0.id as relation_id",
        typed(at, profile.types.timestamp).as("added_at"),
      ]);
      const result = await db
        .insertInto("kb_segment_members")
        .columns(["tenant_id", "segment_id", "relation_id", "added_at"])
        .expression(select)
        .executeTakeFirst();
      return Number(result.numInsertedOrUpdatedRows ?? 0n);
    },
  };
}
