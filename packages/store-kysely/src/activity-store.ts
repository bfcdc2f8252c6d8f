import type { ActivityStatus } from "@kaartenbak/core/storage";
import type { ActivityRecord, ActivityStore } from "@kaartenbak/core/storage";
import { toInstant } from "@kaartenbak/core/storage";
import type { Selectable } from "kysely";
import { toNullableInstant, toNumber } from "./rows.js";
import type { ActivityRow } from "./schema-verification.js";
import type { StoreContext } from "./store-context.js";

function activityFromRow(row: Selectable<ActivityRow>): ActivityRecord {
  return {
    id: row.id,
    subject: row.subject,
    kind: row.kind,
    relationId: row.relation_id,
    dealId: row.deal_id,
    ownerId: row.owner_id,
    dueAt: toInstant(row.due_at),
    timeZone: row.time_zone,
    reminderAt: toNullableInstant(row.reminder_at),
    notes: row.notes,
    status: row.status as ActivityStatus,
    closedAt: toNullableInstant(row.closed_at),
    interactionId: row.interaction_id,
    version: toNumber(row.version),
    createdAt: toInstant(row.created_at),
    updatedAt: toInstant(row.updated_at),
  };
}

function columns(r: ActivityRecord) {
  return {
    subject: r.subject,
    kind: r.kind,
    relation_id: r.relationId,
    deal_id: r.dealId,
    owner_id: r.ownerId,
    due_at: r.dueAt,
    time_zone: r.timeZone,
    reminder_at: r.reminderAt,
    notes: r.notes,
    status: r.status,
    closed_at: r.closedAt,
    interaction_id: r.interactionId,
    version: r.version,
    created_at: r.createdAt,
    updated_at: r.updatedAt,
  };
}

/** Planned follow-ups of one tenant, listed by due time then id (keyset pages). */
export function activityStore({ db, tenantId }: StoreContext): ActivityStore {
  return {
    async insert(record) {
      await db
        .insertInto("kb_activities")
        .values({ tenant_id: tenantId, id: record.id, ...columns(record) })
        .execute();
    },

    async update(record, expectedVersion) {
      const result = await db
        .updateTable("kb_activities")
        .set(columns(record))
        .where("tenant_id", "=", tenantId)
        .where("id", "=", record.id)
        .where("version", "=", expectedVersion)
        .executeTakeFirst();
      return Number(result.numUpdatedRows) === 1;
    },

    async get(id) {
      const row = await db.selectFrom("kb_activities").selectAll().where("tenant_id", "=", tenantId).where("id", "=", id).executeTakeFirst();
      return row && activityFromRow(row);
    },

    async list(query) {
      let q = db
        .selectFrom("kb_activities")
        .selectAll()
        .where("tenant_id", "=", tenantId)
        .where("status", "in", [...query.statuses]);
      if (query.ownerId !== undefined) q = q.where("owner_id", "=", query.ownerId);
      if (query.relationId !== undefined) q = q.where("relation_id", "=", query.relationId);
      if (query.dueBefore !== undefined) q = q.where("due_at", "<", query.dueBefore);
      const after = query.after;
      if (after) q = q.where((eb) => eb.or([eb("due_at", ">", after.dueAt), eb.and([eb("due_at", "=", after.dueAt), eb("id", ">", after.id)])]));
      const rows = await q.orderBy("due_at").orderBy("id").limit(query.limit).execute();
      return rows.map(activityFromRow);
    },

    async relationsWithoutNextStep(ownerId, after, limit) {
      let q = db
        .selectFrom("kb_relations as r")
        .select("r.id")
        .where("r.tenant_id", "=", tenantId)
        .where("r.deleted_at", "is", null)
        .where((eb) =>
          eb.not(
            eb.exists(
              eb
                .selectFrom("kb_activities as a")
                .select("a.id")
                .whereRef("a.tenant_id", "=", "r.tenant_id")
                .whereRef("a.relation_id", "=", "r.id")
                .where("a.status", "=", "open"),
            ),
          ),
        );
      if (ownerId !== undefined) q = q.where("r.owner_id", "=", ownerId);
      if (after !== undefined) q = q.where("r.id", ">", after);
      const rows = await q.orderBy("r.id").limit(limit).execute();
      return rows.map((row) => row.id);
    },
  };
}
