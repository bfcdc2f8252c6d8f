import type { OrderAggregateRow, ReportStore } from "@kaartenbak/core/storage";
import { sql, type Expression, type RawBuilder } from "kysely";
import type { DialectFunctions } from "./dialect-profile.js";
import { toNumber } from "./rows.js";
import { toBigInt } from "./rows-sales.js";
import type { StoreContext } from "./store-context.js";

/**
 * The report aggregates: each report is one set of queries, written once with Kysely and run on
 * every engine. Engine differences go through {@link DialectFunctions}; calendar dates are
 * `YYYY-MM-DD` text, so periods are plain `substr` everywhere.
 *
 * Conventions that keep the numbers exact and the SQL portable:
 * - money sums are `cast(sum(x) as text)`: SQLite sums 64-bit integers, Postgres `sum(bigint)` is
 *   numeric, and text carries both to a BigInt without passing through a double;
 * - expressions that Postgres would have to match between SELECT and GROUP BY are computed in a
 *   derived table and grouped by column name (a bound parameter in both places would not match);
 * - deleted deals and cancelled orders are never counted.
 */

/** The first instant of a `YYYY-MM-DD` day, for comparing instant columns with a date bound. */
const startOf = (day: string) => `${day}T00:00:00.000Z`;

/** `cast(sum(x) as text)`: an exact 64-bit (or wider) sum. */
const exactSum = (x: Expression<unknown>): RawBuilder<string | null> => sql<string | null>`cast(sum(${x}) as text)`;

/** A count as read (pg returns bigint counts as text). */
const count = () => sql<number | string>`count(*)`;

/** Builds the report store of a tenant. */
export function reportStore({ db, tenantId }: StoreContext, fn: DialectFunctions): ReportStore {
  /** The year and month or quarter of a `YYYY-MM-DD` text expression. */
  function period(day: Expression<unknown>, granularity: "month" | "quarter") {
    const month = sql<number>`cast(substr(${day}, 6, 2) as integer)`;
    return {
      year: sql<number>`cast(substr(${day}, 1, 4) as integer)`,
      index: granularity === "month" ? month : sql<number>`(cast(substr(${day}, 6, 2) as integer) + 2) / 3`,
    };
  }

  /** Live deals joined with nothing, scoped to the tenant. */
  const liveDeals = () => db.selectFrom("kb_deals as d").where("d.tenant_id", "=", tenantId).where("d.deleted_at", "is", null);

  /** Stays of live deals in a pipeline. */
  const staysOf = (pipelineId: string) =>
    db
      .selectFrom("kb_deal_stage_history as h")
      .innerJoin("kb_deals as d", (join) => join.onRef("d.tenant_id", "=", "h.tenant_id").onRef("d.id", "=", "h.deal_id"))
      .where("h.tenant_id", "=", tenantId)
      .where("h.pipeline_id", "=", pipelineId)
      .where("d.deleted_at", "is", null);

  return {
    async funnel(pipelineId, range) {
      const current = await liveDeals()
        .select(["d.stage_id", "d.currency", count().as("deals"), exactSum(sql.ref("d.amount")).as("amount")])
        .where("d.pipeline_id", "=", pipelineId)
        .groupBy(["d.stage_id", "d.currency"])
        .execute();

      let entered = staysOf(pipelineId).select((eb) => ["h.stage_id", eb.fn.count<number | string>("h.deal_id").distinct().as("deals")]);
      if (range.from) entered = entered.where("h.entered_at", ">=", startOf(range.from));
      if (range.to) entered = entered.where("h.entered_at", "<", startOf(range.to));
      const enteredRows = await entered.groupBy("h.stage_id").execute();

      // A deal reaches stage S when it enters S or any later stage that is not lost.
      let reached = db
        .selectFrom("kb_pipeline_stages as s")
        .innerJoin("kb_deal_stage_history as h", (join) => join.onRef("h.tenant_id", "=", "s.tenant_id").onRef("h.pipeline_id", "=", "s.pipeline_id"))
        .innerJoin("kb_pipeline_stages as t", (join) => join.onRef("t.tenant_id", "=", "h.tenant_id").onRef("t.id", "=", "h.stage_id"))
        .innerJoin("kb_deals as d", (join) => join.onRef("d.tenant_id", "=", "h.tenant_id").onRef("d.id", "=", "h.deal_id"))
        .select((eb) => ["s.id as stage_id", eb.fn.count<number | string>("h.deal_id").distinct().as("deals")])
        .where("s.tenant_id", "=", tenantId)
        .where("s.pipeline_id", "=", pipelineId)
        .where("s.kind", "<>", "lost")
        .where("t.kind", "<>", "lost")
        .whereRef("t.position", ">=", "s.position")
        .where("d.deleted_at", "is", null);
      if (range.from) reached = reached.where("h.entered_at", ">=", startOf(range.from));
      if (range.to) reached = reached.where("h.entered_at", "<", startOf(range.to));
      const reachedRows = await reached.groupBy("s.id").execute();

      return {
        current: current.map((r) => ({ stageId: r.stage_id, currency: r.currency, deals: toNumber(r.deals), amount: toBigInt(r.amount) })),
        entered: enteredRows.map((r) => ({ stageId: r.stage_id, deals: toNumber(r.deals) })),
        reached: reachedRows.map((r) => ({ stageId: r.stage_id, deals: toNumber(r.deals) })),
      };
    },

    async forecast({ pipelineId, granularity, range, committedProbability }) {
      let openDeals = liveDeals()
        .innerJoin("kb_pipeline_stages as s", (join) => join.onRef("s.tenant_id", "=", "d.tenant_id").onRef("s.id", "=", "d.stage_id"))
        .select(() => {
          const p = period(sql.ref("d.expected_close_date"), granularity);
          return [p.year.as("period_year"), p.index.as("period_index"), "d.currency", "d.amount", "s.probability"] as const;
        })
        .where("d.status", "=", "open")
        .where("d.expected_close_date", ">=", range.from)
        .where("d.expected_close_date", "<", range.to);
      if (pipelineId) openDeals = openDeals.where("d.pipeline_id", "=", pipelineId);
      const open = await db
        .selectFrom(openDeals.as("o"))
        .select([
          "o.period_year",
          "o.period_index",
          "o.currency",
          count().as("deals"),
          exactSum(sql.ref("o.amount")).as("amount"),
          exactSum(sql`${sql.ref("o.amount")} * ${sql.ref("o.probability")}`).as("weighted_sum"),
          exactSum(sql`case when ${sql.ref("o.probability")} >= ${committedProbability} then ${sql.ref("o.amount")} else 0 end`).as("committed_amount"),
        ])
        .groupBy(["o.period_year", "o.period_index", "o.currency"])
        .execute();

      let wonDeals = liveDeals()
        .select(() => {
          const p = period(fn.utcDate(sql.ref("d.closed_at")), granularity);
          return [p.year.as("period_year"), p.index.as("period_index"), "d.currency", "d.amount"] as const;
        })
        .where("d.status", "=", "won")
        .where("d.closed_at", ">=", startOf(range.from))
        .where("d.closed_at", "<", startOf(range.to));
      if (pipelineId) wonDeals = wonDeals.where("d.pipeline_id", "=", pipelineId);
      const won = await db
        .selectFrom(wonDeals.as("w"))
        .select(["w.period_year", "w.period_index", "w.currency", count().as("deals"), exactSum(sql.ref("w.amount")).as("amount")])
        .groupBy(["w.period_year", "w.period_index", "w.currency"])
        .execute();

      return {
        open: open.map((r) => ({
          year: toNumber(r.period_year),
          index: toNumber(r.period_index),
          currency: r.currency,
          deals: toNumber(r.deals),
          amount: toBigInt(r.amount),
          weightedSum: toBigInt(r.weighted_sum),
          committedAmount: toBigInt(r.committed_amount),
        })),
        won: won.map((r) => ({
          year: toNumber(r.period_year),
          index: toNumber(r.period_index),
          currency: r.currency,
          deals: toNumber(r.deals),
          amount: toBigInt(r.amount),
        })),
      };
    },

    async ownerResults(pipelineId, range) {
      let closed = liveDeals().where("d.status", "in", ["won", "lost"]);
      if (pipelineId) closed = closed.where("d.pipeline_id", "=", pipelineId);
      if (range.from) closed = closed.where("d.closed_at", ">=", startOf(range.from));
      if (range.to) closed = closed.where("d.closed_at", "<", startOf(range.to));
      const rows = await closed
        .select(["d.owner_id", "d.currency", "d.status", count().as("deals"), exactSum(sql.ref("d.amount")).as("amount")])
        .groupBy(["d.owner_id", "d.currency", "d.status"])
        .execute();
      const cycles = await db
        .selectFrom(
          closed
            .where("d.status", "=", "won")
            .select(["d.owner_id", fn.millisBetween(sql.ref("d.created_at"), sql.ref("d.closed_at")).as("ms")])
            .as("c"),
        )
        .select(["c.owner_id", count().as("deals"), exactSum(sql.ref("c.ms")).as("total_ms")])
        .groupBy("c.owner_id")
        .execute();
      return {
        closed: rows.map((r) => ({
          ownerId: r.owner_id,
          currency: r.currency,
          status: r.status as "won" | "lost",
          deals: toNumber(r.deals),
          amount: toBigInt(r.amount),
        })),
        cycles: cycles.map((r) => ({ ownerId: r.owner_id, deals: toNumber(r.deals), totalMs: toBigInt(r.total_ms) })),
      };
    },

    async orders(grouping, range) {
      const orders = db
        .selectFrom("kb_orders as o")
        .innerJoin("kb_relations as r", (join) => join.onRef("r.tenant_id", "=", "o.tenant_id").onRef("r.id", "=", "o.relation_id"));
      // The tags are joined only when grouping by tag, and then on tenant and relation: Citus
      // refuses a join of distributed tables that is not on the distribution column (an
      // always-false `on 1 = 0` included). The key below refers to `t.tag` only in that case.
      const withTags =
        grouping.by === "tag"
          ? (orders.leftJoin("kb_relation_tags as t", (join) =>
              join.onRef("t.tenant_id", "=", "r.tenant_id").onRef("t.relation_id", "=", "r.id"),
            ) as unknown as typeof orders)
          : orders;
      let base = withTags.where("o.tenant_id", "=", tenantId).where("o.cancelled_at", "is", null);
      if (range.from) base = base.where("o.order_date", ">=", range.from);
      if (range.to) base = base.where("o.order_date", "<", range.to);
      const keyed = base.select(() => {
        const key: Expression<string | null> =
          grouping.by === "attribute"
            ? fn.jsonMember(sql.ref("r.attributes"), grouping.name)
            : grouping.by === "customer"
              ? sql.ref<string>("r.id")
              : grouping.by === "tag"
                ? sql.ref<string | null>("t.tag")
                : grouping.by === "lifecycle"
                  ? sql.ref<string>("r.lifecycle")
                  : sql.ref<string | null>("r.owner_id");
        const label: Expression<string | null> = grouping.by === "customer" ? sql.ref<string>("r.name") : sql<string | null>`null`;
        return [sql<string | null>`${key}`.as("group_key"), sql<string | null>`${label}`.as("group_label"), "o.currency", "o.net_amount"] as const;
      });
      const rows = await db
        .selectFrom(keyed.as("g"))
        .select(["g.group_key", "g.group_label", "g.currency", count().as("orders"), exactSum(sql.ref("g.net_amount")).as("net")])
        .groupBy(["g.group_key", "g.group_label", "g.currency"])
        .execute();
      return rows.map((r): OrderAggregateRow => ({
        key: r.group_key,
        label: r.group_label,
        currency: r.currency,
        orders: toNumber(r.orders),
        net: toBigInt(r.net),
      }));
    },

    async stageVelocity(pipelineId, range) {
      let stays = staysOf(pipelineId)
        .select(["h.stage_id", fn.millisBetween(sql.ref("h.entered_at"), sql.ref("h.left_at")).as("ms")])
        .where("h.left_at", "is not", null);
      if (range.from) stays = stays.where("h.left_at", ">=", startOf(range.from));
      if (range.to) stays = stays.where("h.left_at", "<", startOf(range.to));
      // The median without a median function: rank the stays of each stage and keep the middle one
      // (odd count) or two (even count); (n+1)/2 and (n+2)/2 are integer divisions on both engines.
      const ranked = db
        .selectFrom(stays.as("x"))
        .select([
          "x.stage_id",
          "x.ms",
          sql<number>`row_number() over (partition by ${sql.ref("x.stage_id")} order by ${sql.ref("x.ms")})`.as("rn"),
          sql<number>`count(*) over (partition by ${sql.ref("x.stage_id")})`.as("n"),
        ]);
      const middle = sql`${sql.ref("y.rn")} in ((${sql.ref("y.n")} + 1) / 2, (${sql.ref("y.n")} + 2) / 2)`;
      const rows = await db
        .selectFrom(ranked.as("y"))
        .select([
          "y.stage_id",
          count().as("visits"),
          exactSum(sql.ref("y.ms")).as("total_ms"),
          exactSum(sql`case when ${middle} then ${sql.ref("y.ms")} else 0 end`).as("middle_ms"),
          sql<number | string>`sum(case when ${middle} then 1 else 0 end)`.as("middle_count"),
        ])
        .groupBy("y.stage_id")
        .execute();
      return rows.map((r) => ({
        stageId: r.stage_id,
        visits: toNumber(r.visits),
        totalMs: toBigInt(r.total_ms),
        middleMs: toBigInt(r.middle_ms),
        middleCount: toNumber(r.middle_count),
      }));
    },
  };
}
