/**
 * The hand-written SQL for W5: the aggregates behind the funnel, the forecast and the owner
 * results, as an engineer would write them against Kaartenbak's tables. They compute the same
 * figures as the store's report queries; the engine-specific parts are two functions.
 */

/** What differs between the engines in the hand-written SQL. */
export interface SqlFlavour {
  /** Schema prefix, e.g. `crm.` (empty on SQLite). */
  readonly s: string;
  /** The UTC calendar date (`YYYY-MM-DD`) of an instant column. */
  readonly utcDate: (column: string) => string;
  /** Milliseconds between two instant columns. */
  readonly millisBetween: (from: string, to: string) => string;
}

/** Named statements with `?` placeholders, and their parameters. */
export interface RawReportQuery {
  readonly sql: string;
  readonly params: readonly unknown[];
}

/** Funnel: current deals per stage and currency, deals that entered each stage, deals that reached each stage. */
export function funnelQueries(f: SqlFlavour, tenant: string, pipelineId: string): RawReportQuery[] {
  const { s } = f;
  return [
    {
      sql: `select d.stage_id, d.currency, count(*) as deals, cast(sum(d.amount) as text) as amount from ${s}kb_deals d where d.tenant_id = ? and d.deleted_at is null and d.pipeline_id = ? group by d.stage_id, d.currency`,
      params: [tenant, pipelineId],
    },
    {
      sql: `select h.stage_id, count(distinct h.deal_id) as deals from ${s}kb_deal_stage_history h join ${s}kb_deals d on d.tenant_id = h.tenant_id and d.id = h.deal_id where h.tenant_id = ? and h.pipeline_id = ? and d.deleted_at is null group by h.stage_id`,
      params: [tenant, pipelineId],
    },
    {
      sql:
        `select s.id as stage_id, count(distinct h.deal_id) as deals from ${s}kb_pipeline_stages s ` +
        `join ${s}kb_deal_stage_history h on h.tenant_id = s.tenant_id and h.pipeline_id = s.pipeline_id ` +
        `join ${s}kb_pipeline_stages t on t.tenant_id = h.tenant_id and t.id = h.stage_id ` +
        `join ${s}kb_deals d on d.tenant_id = h.tenant_id and d.id = h.deal_id ` +
        `where s.tenant_id = ? and s.pipeline_id = ? and s.kind <> 'lost' and t.kind <> 'lost' and t.position >= s.position and d.deleted_at is null group by s.id`,
      params: [tenant, pipelineId],
    },
  ];
}

/** Forecast per month: open deals by expected close (amount, weighted, committed) and won deals by close date. */
export function forecastQueries(f: SqlFlavour, tenant: string, pipelineId: string, from: string, to: string, committed: number): RawReportQuery[] {
  const { s } = f;
  const byMonth = (day: string) => `cast(substr(${day}, 1, 4) as integer) as y, cast(substr(${day}, 6, 2) as integer) as m`;
  return [
    {
      sql:
        `select y, m, currency, count(*) as deals, cast(sum(amount) as text) as amount, cast(sum(amount * probability) as text) as weighted, ` +
        `cast(sum(case when probability >= ? then amount else 0 end) as text) as committed from (` +
        `select ${byMonth("d.expected_close_date")}, d.currency, d.amount, st.probability from ${s}kb_deals d ` +
        `join ${s}kb_pipeline_stages st on st.tenant_id = d.tenant_id and st.id = d.stage_id ` +
        `where d.tenant_id = ? and d.deleted_at is null and d.status = 'open' and d.expected_close_date >= ? and d.expected_close_date < ? and d.pipeline_id = ?) o group by y, m, currency`,
      params: [committed, tenant, from, to, pipelineId],
    },
    {
      sql:
        `select y, m, currency, count(*) as deals, cast(sum(amount) as text) as amount from (` +
        `select ${byMonth(f.utcDate("d.closed_at"))}, d.currency, d.amount from ${s}kb_deals d ` +
        `where d.tenant_id = ? and d.deleted_at is null and d.status = 'won' and d.closed_at >= ? and d.closed_at < ? and d.pipeline_id = ?) w group by y, m, currency`,
      params: [tenant, `${from}T00:00:00.000Z`, `${to}T00:00:00.000Z`, pipelineId],
    },
  ];
}

/** Owner results: closed deals per owner, currency and outcome, and the won deals' cycle time. */
export function ownerQueries(f: SqlFlavour, tenant: string, pipelineId: string): RawReportQuery[] {
  const { s } = f;
  return [
    {
      sql: `select owner_id, currency, status, count(*) as deals, cast(sum(amount) as text) as amount from ${s}kb_deals where tenant_id = ? and deleted_at is null and status in ('won', 'lost') and pipeline_id = ? group by owner_id, currency, status`,
      params: [tenant, pipelineId],
    },
    {
      sql: `select owner_id, count(*) as deals, cast(sum(ms) as text) as total_ms from (select owner_id, ${f.millisBetween("created_at", "closed_at")} as ms from ${s}kb_deals where tenant_id = ? and deleted_at is null and status = 'won' and pipeline_id = ?) c group by owner_id`,
      params: [tenant, pipelineId],
    },
  ];
}

/** `?` placeholders to Postgres `$1, $2, …`. */
export function dollarPlaceholders(sql: string): string {
  let n = 0;
  return sql.replace(/\?/g, () => `$${++n}`);
}
