import type { LostReasonStore, PipelineRecord, PipelineStore } from "@kaartenbak/core/storage";
import type { Selectable } from "kysely";
import { toInstant } from "@kaartenbak/core/storage";
import { toNumber } from "./rows.js";
import { lostReasonFromRow, stageColumns, stageFromRow } from "./rows-sales.js";
import type { PipelineRow } from "./schema-sales.js";
import { affected, groupBy, type StoreContext } from "./store-context.js";

/** Pipelines and their stages, for one tenant. */
export function pipelineStore({ db, tenantId }: StoreContext): PipelineStore {
  async function upsertStages(record: PipelineRecord): Promise<void> {
    if (record.stages.length === 0) return;
    // Stages are never deleted (deals and stays reference them), so a change is an upsert by id.
    await db
      .insertInto("kb_pipeline_stages")
      .values(record.stages.map((s) => ({ tenant_id: tenantId, id: s.id, ...stageColumns(s) })))
      .onConflict((oc) =>
        oc.columns(["tenant_id", "id"]).doUpdateSet((eb) => ({
          name: eb.ref("excluded.name"),
          position: eb.ref("excluded.position"),
          probability: eb.ref("excluded.probability"),
          retired_at: eb.ref("excluded.retired_at"),
          version: eb.ref("excluded.version"),
          updated_at: eb.ref("excluded.updated_at"),
        })),
      )
      .execute();
  }

  async function assemble(rows: readonly Selectable<PipelineRow>[]): Promise<PipelineRecord[]> {
    if (rows.length === 0) return [];
    const stages = await db
      .selectFrom("kb_pipeline_stages")
      .selectAll()
      .where("tenant_id", "=", tenantId)
      .where(
        "pipeline_id",
        "in",
        rows.map((r) => r.id),
      )
      .execute();
    const of = groupBy(stages.map(stageFromRow), (s) => s.pipelineId);
    return rows.map((row) => ({
      id: row.id,
      name: row.name,
      stages: (of.get(row.id) ?? []).sort((a, b) => a.position - b.position),
      version: toNumber(row.version),
      createdAt: toInstant(row.created_at),
      updatedAt: toInstant(row.updated_at),
    }));
  }

  const pipelines = () => db.selectFrom("kb_pipelines").selectAll().where("tenant_id", "=", tenantId);

  return {
    async insert(record) {
      await db
        .insertInto("kb_pipelines")
        .values({ tenant_id: tenantId, id: record.id, name: record.name, version: record.version, created_at: record.createdAt, updated_at: record.updatedAt })
        .execute();
      await upsertStages(record);
    },

    async update(record, expectedVersion) {
      const result = await db
        .updateTable("kb_pipelines")
        .set({ name: record.name, version: record.version, updated_at: record.updatedAt })
        .where("tenant_id", "=", tenantId)
        .where("id", "=", record.id)
        .where("version", "=", expectedVersion)
        .executeTakeFirst();
      if (affected(result) === 0) return false;
      await upsertStages(record);
      return true;
    },

    async get(id) {
      const row = await pipelines().where("id", "=", id).executeTakeFirst();
      return row ? (await assemble([row]))[0] : undefined;
    },

    async list() {
      return assemble(await pipelines().orderBy("created_at").orderBy("id").execute());
    },

    async getStage(id) {
      const row = await db.selectFrom("kb_pipeline_stages").selectAll().where("tenant_id", "=", tenantId).where("id", "=", id).executeTakeFirst();
      return row ? stageFromRow(row) : undefined;
    },
  };
}

/** The lost-reason list, for one tenant. */
export function lostReasonStore({ db, tenantId }: StoreContext): LostReasonStore {
  const reasons = () => db.selectFrom("kb_lost_reasons").selectAll().where("tenant_id", "=", tenantId);
  return {
    async insert(record) {
      await db
        .insertInto("kb_lost_reasons")
        .values({
          tenant_id: tenantId,
          code: record.code,
          label: record.label,
          retired_at: record.retiredAt,
          version: record.version,
          created_at: record.createdAt,
          updated_at: record.updatedAt,
        })
        .execute();
    },

    async update(record, expectedVersion) {
      const result = await db
        .updateTable("kb_lost_reasons")
        .set({ label: record.label, retired_at: record.retiredAt, version: record.version, updated_at: record.updatedAt })
        .where("tenant_id", "=", tenantId)
        .where("code", "=", record.code)
        .where("version", "=", expectedVersion)
        .executeTakeFirst();
      return affected(result) > 0;
    },

    async get(code) {
      const row = await reasons().where("code", "=", code).executeTakeFirst();
      return row ? lostReasonFromRow(row) : undefined;
    },

    async list() {
      return (await reasons().orderBy("code").execute()).map(lostReasonFromRow);
    },
  };
}
