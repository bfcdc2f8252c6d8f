import type { AttainmentAggregateRow, TargetRecord, TargetStore } from "@kaartenbak/core/storage";
import { toInstant } from "@kaartenbak/core/storage";
import { sql, type Expression, type Selectable } from "kysely";
import type { DialectFunctions } from "./dialect-profile.js";
import { toNumber } from "./rows.js";
import { toBigInt } from "./rows-sales.js";
import type { TargetRow } from "./schema-targets.js";
import { affected, type StoreContext } from "./store-context.js";

/**
 * Targets and the results they are measured against, for one tenant. The results are two grouped
 * queries written once for every engine, with the conventions of the report store: periods are
 * `substr` of `YYYY-MM-DD` text, sums are `cast(sum(x) as text)` (exact on both engines), grouping
 * is by the columns of a derived table, and deleted deals and cancelled orders never count.
 */
export function targetStore({ db, tenantId }: StoreContext, fn: DialectFunctions): TargetStore {
  const fromRow = (r: Selectable<TargetRow>): TargetRecord => ({
    id: r.id,
    ownerId: r.owner_id === "" ? null : r.owner_id,
    metric: r.metric as TargetRecord["metric"],
    period: r.period,
    currency: r.currency === "" ? null : r.currency,
    amount: toNumber(r.amount),
    version: toNumber(r.version),
    createdAt: toInstant(r.created_at),
    updatedAt: toInstant(r.updated_at),
  });

  /** The year and month or quarter of a `YYYY-MM-DD` text expression. */
  const period = (day: Expression<unknown>, granularity: "month" | "quarter") => ({
    year: sql<number>`cast(substr(${day}, 1, 4) as integer)`,
    index: granularity === "month" ? sql<number>`cast(substr(${day}, 6, 2) as integer)` : sql<number>`(cast(substr(${day}, 6, 2) as integer) + 2) / 3`,
  });
  const startOf = (day: string) => `${day}T00:00:00.000Z`;
  const aggregate = (r: {
    period_year: unknown;
    period_index: unknown;
    owner_id: string | null;
    currency: string;
    n: unknown;
    amount: unknown;
  }): AttainmentAggregateRow => ({
    year: toNumber(r.period_year as number),
    index: toNumber(r.period_index as number),
    ownerId: r.owner_id,
    currency: r.currency,
    count: toNumber(r.n as number),
    amount: toBigInt(r.amount),
  });

  return {
    async insert(t) {
      await db
        .insertInto("kb_targets")
        .values({
          tenant_id: tenantId,
          id: t.id,
          owner_id: t.ownerId ?? "",
          metric: t.metric,
          granularity: t.period.includes("Q") ? "quarter" : "month",
          period: t.period,
          currency: t.currency ?? "",
          amount: t.amount,
          version: t.version,
          created_at: t.createdAt,
          updated_at: t.updatedAt,
        })
        .execute();
    },

    async update(t, expectedVersion) {
      const result = await db
        .updateTable("kb_targets")
        .set({ amount: t.amount, version: t.version, updated_at: t.updatedAt })
        .where("tenant_id", "=", tenantId)
        .where("id", "=", t.id)
        .where("version", "=", expectedVersion)
        .executeTakeFirst();
      return affected(result) === 1;
    },

    async getByKey(key) {
      const row = await db
        .selectFrom("kb_targets")
        .selectAll()
        .where("tenant_id", "=", tenantId)
        .where("metric", "=", key.metric)
        .where("period", "=", key.period)
        .where("owner_id", "=", key.ownerId ?? "")
        .where("currency", "=", key.currency ?? "")
        .executeTakeFirst();
      return row ? fromRow(row) : undefined;
    },

    async list(q) {
      let query = db
        .selectFrom("kb_targets")
        .selectAll()
        .where("tenant_id", "=", tenantId)
        .where("granularity", "=", q.from.includes("Q") ? "quarter" : "month")
        .where("period", ">=", q.from)
        .where("period", "<=", q.to);
      if (q.ownerId !== undefined) query = query.where("owner_id", "=", q.ownerId ?? "");
      // Tenant-wide targets ('') last; the key columns are binary-collated, so the order is the same on every engine.
      const rows = await query
        .orderBy("period")
        .orderBy(sql`case when ${sql.ref("owner_id")} = '' then 1 else 0 end`)
        .orderBy("owner_id")
        .orderBy("metric")
        .orderBy("currency")
        .execute();
      return rows.map(fromRow);
    },

    async results(granularity, range) {
      const won = db
        .selectFrom("kb_deals as d")
        .select(() => {
          const p = period(fn.utcDate(sql.ref("d.closed_at")), granularity);
          return [p.year.as("period_year"), p.index.as("period_index"), "d.owner_id", "d.currency", "d.amount"] as const;
        })
        .where("d.tenant_id", "=", tenantId)
        .where("d.deleted_at", "is", null)
        .where("d.status", "=", "won")
        .where("d.closed_at", ">=", startOf(range.from))
        .where("d.closed_at", "<", startOf(range.to));
      const wonRows = await db
        .selectFrom(won.as("w"))
        .select([
          "w.period_year",
          "w.period_index",
          "w.owner_id",
          "w.currency",
          sql<number | string>`count(*)`.as("n"),
          sql<string | null>`cast(sum(${sql.ref("w.amount")}) as text)`.as("amount"),
        ])
        .groupBy(["w.period_year", "w.period_index", "w.owner_id", "w.currency"])
        .execute();

      const orders = db
        .selectFrom("kb_orders as o")
        .innerJoin("kb_relations as r", (join) => join.onRef("r.tenant_id", "=", "o.tenant_id").onRef("r.id", "=", "o.relation_id"))
        .select(() => {
          const p = period(sql.ref("o.order_date"), granularity);
          return [p.year.as("period_year"), p.index.as("period_index"), "r.owner_id", "o.currency", "o.net_amount"] as const;
        })
        .where("o.tenant_id", "=", tenantId)
        .where("o.cancelled_at", "is", null)
        .where("o.order_date", ">=", range.from)
        .where("o.order_date", "<", range.to);
      const orderRows = await db
        .selectFrom(orders.as("x"))
        .select([
          "x.period_year",
          "x.period_index",
          "x.owner_id",
          "x.currency",
          sql<number | string>`count(*)`.as("n"),
          sql<string | null>`cast(sum(${sql.ref("x.net_amount")}) as text)`.as("amount"),
        ])
        .groupBy(["x.period_year", "x.period_index", "x.owner_id", "x.currency"])
        .execute();

      return { won: wonRows.map(aggregate), orders: orderRows.map(aggregate) };
    },
  };
}
