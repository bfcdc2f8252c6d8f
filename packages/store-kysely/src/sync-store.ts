import { toInstant, type SyncItemRecord, type SyncLeaseRecord, type SyncStateRecord, type SyncStore } from "@kaartenbak/core/storage";
import type { Selectable } from "kysely";
import { fromJson, toJson, toNullableInstant, toNumber } from "./rows.js";
import type { SyncItemRow, SyncLeaseRow, SyncStateRow } from "./schema.js";
import { insertRows } from "./insert-rows.js";
import { affected, inChunks, type StoreContext } from "./store-context.js";

const ITEM_COLUMNS = ["tenant_id", "account", "resource", "external_id", "entity_type", "entity_id", "change_key", "origin", "pass", "updated_at"];

function stateFromRow(row: Selectable<SyncStateRow>): SyncStateRecord {
  const details = (fromJson(row.details) ?? {}) as Pick<SyncStateRecord, "totals" | "skipped">;
  return {
    account: row.account,
    resource: row.resource,
    stage: row.stage as SyncStateRecord["stage"],
    cursor: row.cursor,
    pass: toNumber(row.pass),
    lastSuccessAt: toNullableInstant(row.last_success_at),
    lastAttemptAt: toNullableInstant(row.last_attempt_at),
    lastError: (fromJson(row.last_error) ?? null) as SyncStateRecord["lastError"],
    failureCount: toNumber(row.failure_count),
    totals: details.totals,
    skipped: details.skipped ?? [],
    version: toNumber(row.version),
    updatedAt: toInstant(row.updated_at),
  };
}

function stateColumns(record: SyncStateRecord) {
  return {
    stage: record.stage,
    cursor: record.cursor,
    pass: record.pass,
    last_success_at: record.lastSuccessAt,
    last_attempt_at: record.lastAttemptAt,
    last_error: toJson(record.lastError),
    failure_count: record.failureCount,
    details: toJson({ totals: record.totals, skipped: record.skipped }),
    version: record.version,
    updated_at: record.updatedAt,
  };
}

function leaseFromRow(row: Selectable<SyncLeaseRow>): SyncLeaseRecord {
  return { account: row.account, holder: row.holder, acquiredAt: toInstant(row.acquired_at), expiresAt: toInstant(row.expires_at) };
}

function itemFromRow(row: Selectable<SyncItemRow>): SyncItemRecord {
  return {
    account: row.account,
    resource: row.resource,
    externalId: row.external_id,
    entityType: row.entity_type as SyncItemRecord["entityType"],
    entityId: row.entity_id,
    changeKey: row.change_key,
    origin: row.origin as SyncItemRecord["origin"],
    pass: toNumber(row.pass),
    updatedAt: toInstant(row.updated_at),
  };
}

/** Sync state, leases and item mappings of one tenant. */
export function syncStore(context: StoreContext): SyncStore {
  const { db, tenantId } = context;
  const states = () => db.selectFrom("kb_sync_states").selectAll().where("tenant_id", "=", tenantId);
  const items = () => db.selectFrom("kb_sync_items").selectAll().where("tenant_id", "=", tenantId);

  return {
    async getState(account, resource) {
      const row = await states().where("account", "=", account).where("resource", "=", resource).executeTakeFirst();
      return row ? stateFromRow(row) : undefined;
    },

    async listStates(account) {
      let query = states();
      if (account !== undefined) query = query.where("account", "=", account);
      return (await query.orderBy("account").orderBy("resource").execute()).map(stateFromRow);
    },

    async putState(record, expectedVersion) {
      if (expectedVersion === null) {
        const inserted = await db
          .insertInto("kb_sync_states")
          .values({ tenant_id: tenantId, account: record.account, resource: record.resource, ...stateColumns(record) })
          .onConflict((oc) => oc.columns(["tenant_id", "account", "resource"]).doNothing())
          .returning("version")
          .executeTakeFirst();
        return inserted !== undefined;
      }
      const result = await db
        .updateTable("kb_sync_states")
        .set(stateColumns(record))
        .where("tenant_id", "=", tenantId)
        .where("account", "=", record.account)
        .where("resource", "=", record.resource)
        .where("version", "=", expectedVersion)
        .executeTakeFirst();
      return affected(result) === 1;
    },

    async acquireLease(account, holder, now, expiresAt) {
      // One statement decides: it inserts a free lease, or takes over an expired (or own) one. On
      // Postgres the conflicting row is locked, so two runners cannot both see it expired; on
      // SQLite writers are serialised by the database lock.
      const row = await db
        .insertInto("kb_sync_leases")
        .values({ tenant_id: tenantId, account, holder, acquired_at: now, expires_at: expiresAt })
        .onConflict((oc) =>
          oc
            .columns(["tenant_id", "account"])
            .doUpdateSet((eb) => ({
              holder: eb.ref("excluded.holder"),
              acquired_at: eb.ref("excluded.acquired_at"),
              expires_at: eb.ref("excluded.expires_at"),
            }))
            .where((eb) => eb.or([eb("kb_sync_leases.expires_at", "<=", now), eb("kb_sync_leases.holder", "=", holder)])),
        )
        .returning("holder")
        .executeTakeFirst();
      return row?.holder === holder;
    },

    async renewLease(account, holder, now, expiresAt) {
      const result = await db
        .updateTable("kb_sync_leases")
        .set({ expires_at: expiresAt })
        .where("tenant_id", "=", tenantId)
        .where("account", "=", account)
        .where("holder", "=", holder)
        .where("expires_at", ">", now)
        .executeTakeFirst();
      return affected(result) === 1;
    },

    async releaseLease(account, holder) {
      await db.deleteFrom("kb_sync_leases").where("tenant_id", "=", tenantId).where("account", "=", account).where("holder", "=", holder).execute();
    },

    async getLease(account) {
      const row = await db.selectFrom("kb_sync_leases").selectAll().where("tenant_id", "=", tenantId).where("account", "=", account).executeTakeFirst();
      return row ? leaseFromRow(row) : undefined;
    },

    async getItem(account, resource, externalId) {
      const row = await items().where("account", "=", account).where("resource", "=", resource).where("external_id", "=", externalId).executeTakeFirst();
      return row ? itemFromRow(row) : undefined;
    },

    async getItems(account, resource, externalIds) {
      const rows = await inChunks(externalIds, (chunk) =>
        items().where("account", "=", account).where("resource", "=", resource).where("external_id", "in", chunk).execute(),
      );
      return rows.map(itemFromRow);
    },

    async findItemsByEntity(entityType, entityId) {
      const rows = await items()
        .where("entity_type", "=", entityType)
        .where("entity_id", "=", entityId)
        .orderBy("account")
        .orderBy("resource")
        .orderBy("external_id")
        .execute();
      return rows.map(itemFromRow);
    },

    async findItemsByEntities(entityType, entityIds) {
      const rows = await inChunks(entityIds, (chunk) => items().where("entity_type", "=", entityType).where("entity_id", "in", chunk).execute());
      return rows.map(itemFromRow);
    },

    async putItem(item) {
      const values = {
        entity_type: item.entityType,
        entity_id: item.entityId,
        change_key: item.changeKey,
        origin: item.origin,
        pass: item.pass,
        updated_at: item.updatedAt,
      };
      await db
        .insertInto("kb_sync_items")
        .values({ tenant_id: tenantId, account: item.account, resource: item.resource, external_id: item.externalId, ...values })
        .onConflict((oc) => oc.columns(["tenant_id", "account", "resource", "external_id"]).doUpdateSet(values))
        .execute();
    },

    async putItems(records) {
      // One row per key (the last wins): a multi-row upsert may not touch a row twice on Postgres.
      const byKey = new Map(records.map((r) => [`${r.account}\u0000${r.resource}\u0000${r.externalId}`, r]));
      const rows = [...byKey.values()].map((item) => ({
        tenant_id: tenantId,
        account: item.account,
        resource: item.resource,
        external_id: item.externalId,
        entity_type: item.entityType,
        entity_id: item.entityId,
        change_key: item.changeKey,
        origin: item.origin,
        pass: item.pass,
        updated_at: item.updatedAt,
      }));
      await insertRows(context, "kb_sync_items", ITEM_COLUMNS, rows, {
        onConflictUpdate: { on: ["tenant_id", "account", "resource", "external_id"], set: ITEM_COLUMNS.slice(4) },
      });
    },

    async deleteItem(account, resource, externalId) {
      await db
        .deleteFrom("kb_sync_items")
        .where("tenant_id", "=", tenantId)
        .where("account", "=", account)
        .where("resource", "=", resource)
        .where("external_id", "=", externalId)
        .execute();
    },

    async listItemsBefore(account, resource, pass, limit) {
      const rows = await items()
        .where("account", "=", account)
        .where("resource", "=", resource)
        .where("pass", "<", pass)
        .orderBy("external_id")
        .limit(limit)
        .execute();
      return rows.map(itemFromRow);
    },

    async countItems(account, resource) {
      const row = await db
        .selectFrom("kb_sync_items")
        .select((eb) => eb.fn.countAll<number | string>().as("n"))
        .where("tenant_id", "=", tenantId)
        .where("account", "=", account)
        .where("resource", "=", resource)
        .executeTakeFirstOrThrow();
      return toNumber(row.n);
    },
  };
}
