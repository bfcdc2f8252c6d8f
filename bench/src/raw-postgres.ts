import type pg from "pg";
import type { InteractionInput, RelationInput } from "@kaartenbak/core";
import type { RawDriver } from "./raw-driver.js";
import { floorByContact, floorTimeline, postgresFloor } from "./raw-floor.js";
import { COLUMNS, interactionRows, relationRows } from "./raw-rows.js";
import { dollarPlaceholders } from "./raw-reports.js";

const TYPES: Record<string, string> = {
  addresses: "jsonb",
  attributes: "jsonb",
  changes: "jsonb",
  payload: "jsonb",
  attributes_version: "int",
  version: "int",
  is_primary: "int",
  position: "int",
  sequence: "bigint",
  created_at: "timestamptz",
  updated_at: "timestamptz",
  deleted_at: "timestamptz",
  at: "timestamptz",
  occurred_at: "timestamptz",
};

/** The raw baseline on pg: one `insert … select * from unnest($1::text[], …)` per table per chunk. */
export function rawPostgres(pool: pg.Pool, schema: string): RawDriver {
  async function unnest(client: pg.PoolClient, table: string, columns: readonly string[], rows: readonly (readonly unknown[])[]): Promise<void> {
    if (rows.length === 0) return;
    const arrays = columns.map((_, c) => rows.map((r) => r[c]));
    const casts = columns.map((col, i) => `$${i + 1}::${TYPES[col] ?? "text"}[]`).join(", ");
    await client.query(`insert into ${schema}.${table} (${columns.join(", ")}) select * from unnest(${casts})`, arrays);
  }
  async function inTransaction(fn: (client: pg.PoolClient) => Promise<void>): Promise<void> {
    const client = await pool.connect();
    try {
      await client.query("begin");
      await fn(client);
      await client.query("commit");
    } catch (error) {
      await client.query("rollback");
      throw error;
    } finally {
      client.release();
    }
  }
  async function sequenceFor(client: pg.PoolClient, tenant: string, count: number): Promise<number> {
    const { rows } = await client.query(
      `insert into ${schema}.kb_counters (tenant_id, name, value) values ($1, 'outbox', $2) on conflict (tenant_id, name) do update set value = kb_counters.value + excluded.value returning value`,
      [tenant, count],
    );
    return Number(rows[0].value) - count + 1;
  }
  async function assemble(tenant: string, rows: Record<string, unknown>[]) {
    return Promise.all(
      rows.map(async (r) => {
        const child = (table: string, extra = "") =>
          pool.query(`select * from ${schema}.${table} where tenant_id = $1 and relation_id = $2${extra}`, [tenant, r.id]).then((x) => x.rows);
        const [emails, phones, tags, refs] = [
          await child("kb_relation_emails", " order by position"),
          await child("kb_relation_phones", " order by position"),
          await child("kb_relation_tags", " order by tag"),
          await child("kb_relation_refs"),
        ];
        return { ...r, emails, phones, tags, refs };
      }),
    );
  }

  const floor = {
    byEmail: floorByContact(postgresFloor(schema), "kb_relation_emails", "email"),
    byPhone: floorByContact(postgresFloor(schema), "kb_relation_phones", "phone"),
    timeline: floorTimeline(postgresFloor(schema)),
  };

  return {
    engine: "postgres",
    // pg parses json columns itself, so the rows are complete as they come.
    floor: {
      findByEmail: async (tenant, email) => (await pool.query(floor.byEmail, [tenant, email])).rows,
      findByPhone: async (tenant, phone) => (await pool.query(floor.byPhone, [tenant, phone])).rows,
      timeline: async (tenant, relationId) => (await pool.query(floor.timeline, [tenant, relationId])).rows,
    },
    writeRelations: (tenant, chunk: readonly RelationInput[]) =>
      inTransaction(async (client) => {
        const at = new Date().toISOString();
        const rows = chunk.map((input) => relationRows(tenant, input, at));
        const first = await sequenceFor(client, tenant, rows.length);
        await unnest(
          client,
          "kb_relations",
          COLUMNS.relation,
          rows.map((r) => r.relation),
        );
        await unnest(
          client,
          "kb_relation_emails",
          COLUMNS.email,
          rows.map((r) => r.email),
        );
        await unnest(
          client,
          "kb_relation_phones",
          COLUMNS.phone,
          rows.map((r) => r.phone),
        );
        await unnest(
          client,
          "kb_relation_refs",
          COLUMNS.ref,
          rows.map((r) => r.ref),
        );
        await unnest(
          client,
          "kb_search_documents",
          COLUMNS.search,
          rows.map((r) => r.search),
        );
        await unnest(
          client,
          "kb_history",
          COLUMNS.history,
          rows.map((r) => r.history),
        );
        await unnest(
          client,
          "kb_outbox",
          COLUMNS.outbox,
          rows.map((r, i) => {
            const [t, ...rest] = r.outbox.values;
            return [t, first + i, ...rest];
          }),
        );
      }),
    writeInteractions: (tenant, chunk: readonly InteractionInput[]) =>
      inTransaction(async (client) => {
        const at = new Date().toISOString();
        const rows = chunk.map((input) => interactionRows(tenant, input, at));
        const first = await sequenceFor(client, tenant, rows.length);
        await unnest(
          client,
          "kb_interactions",
          COLUMNS.interaction,
          rows.map((r) => r.interaction),
        );
        await unnest(
          client,
          "kb_interaction_relations",
          COLUMNS.interactionRelation,
          rows.flatMap((r) => r.links),
        );
        await unnest(
          client,
          "kb_interaction_participants",
          COLUMNS.participant,
          rows.map((r) => r.participant),
        );
        await unnest(
          client,
          "kb_search_documents",
          COLUMNS.search,
          rows.map((r) => r.search),
        );
        await unnest(
          client,
          "kb_history",
          COLUMNS.history,
          rows.map((r) => r.history),
        );
        await unnest(
          client,
          "kb_outbox",
          COLUMNS.outbox,
          rows.map((r, i) => {
            const [t, ...rest] = r.outbox.values;
            return [t, first + i, ...rest];
          }),
        );
      }),
    relationIds: async (tenant) =>
      (
        await pool.query(`select relation_id from ${schema}.kb_relation_refs where tenant_id = $1 and system = 'bench' order by substr(external_id, 2)::int`, [
          tenant,
        ])
      ).rows.map((r) => r.relation_id as string),
    findByEmail: async (tenant, email) =>
      assemble(
        tenant,
        (
          await pool.query(
            `select r.* from ${schema}.kb_relation_emails e join ${schema}.kb_relations r on r.tenant_id = e.tenant_id and r.id = e.relation_id where e.tenant_id = $1 and e.email = $2 and r.deleted_at is null`,
            [tenant, email],
          )
        ).rows,
      ),
    findByPhone: async (tenant, phone) =>
      assemble(
        tenant,
        (
          await pool.query(
            `select r.* from ${schema}.kb_relation_phones p join ${schema}.kb_relations r on r.tenant_id = p.tenant_id and r.id = p.relation_id where p.tenant_id = $1 and p.phone = $2 and r.deleted_at is null`,
            [tenant, phone],
          )
        ).rows,
      ),
    async timeline(tenant, relationId) {
      const { rows } = await pool.query(
        `select i.* from ${schema}.kb_interaction_relations ir join ${schema}.kb_interactions i on i.tenant_id = ir.tenant_id and i.id = ir.interaction_id ` +
          `where ir.tenant_id = $1 and ir.relation_id = $2 and i.deleted_at is null order by ir.occurred_at desc, ir.interaction_id desc limit 50`,
        [tenant, relationId],
      );
      if (rows.length === 0) return [];
      const ids = rows.map((r) => r.id);
      const links = (
        await pool.query(
          `select interaction_id, relation_id, position from ${schema}.kb_interaction_relations where tenant_id = $1 and interaction_id = any($2)`,
          [tenant, ids],
        )
      ).rows;
      const parts = (await pool.query(`select * from ${schema}.kb_interaction_participants where tenant_id = $1 and interaction_id = any($2)`, [tenant, ids]))
        .rows;
      return rows.map((r) => ({ ...r, links: links.filter((l) => l.interaction_id === r.id), participants: parts.filter((p) => p.interaction_id === r.id) }));
    },
    async rowCount(tenant) {
      const tables = [
        "kb_relations",
        "kb_relation_emails",
        "kb_relation_phones",
        "kb_relation_refs",
        "kb_interactions",
        "kb_interaction_relations",
        "kb_interaction_participants",
        "kb_history",
        "kb_outbox",
      ];
      const { rows } = await pool.query(tables.map((t) => `select count(*)::int as n from ${schema}.${t} where tenant_id = $1`).join(" union all "), [tenant]);
      return rows.reduce((sum, r) => sum + r.n, 0);
    },
    flavour: {
      s: `${schema}.`,
      utcDate: (c) => `to_char(${c} at time zone 'UTC', 'YYYY-MM-DD')`,
      millisBetween: (a, b) => `cast(round(extract(epoch from (${b} - ${a})) * 1000) as bigint)`,
    },
    async runQueries(queries) {
      const out: unknown[][] = [];
      for (const q of queries) out.push((await pool.query(dollarPlaceholders(q.sql), [...q.params])).rows);
      return out;
    },
    close: async () => undefined,
  };
}
