import { filterBuilder, type Money, type TenantCrm } from "@kaartenbak/core";
import { dayFromNow, thisMonth } from "./seed.js";

/** How many days without a contact moment make a customer "stale". */
export const STALE_DAYS = 90;

/** One entry of the "needs attention" list; `kind` says which list it came from. */
export interface AttentionItem {
  readonly kind: "overdue_deal" | "no_recent_contact";
  readonly relationId: string;
  readonly title: string;
  /** The date that makes it overdue, or null. */
  readonly since: string | null;
}

/**
 * A source of "needs attention" items. The dashboard shows every source's items in one list, so a
 * new check (open duplicate candidates, overdue follow-ups, stale fields) is one more function here.
 */
export type AttentionSource = (t: TenantCrm) => Promise<AttentionItem[]>;

/** Open deals whose expected close date has passed. */
export const overdueDeals: AttentionSource = async (t) => {
  const today = dayFromNow(0);
  const { items } = await t.deals.list({ status: "open", limit: 100 });
  return items
    .filter((d) => d.expectedCloseDate !== null && d.expectedCloseDate < today)
    .map((d) => ({ kind: "overdue_deal" as const, relationId: d.relationId, title: d.title, since: d.expectedCloseDate }));
};

/** Customers without any contact moment in the last {@link STALE_DAYS} days, evaluated in the database. */
export const staleCustomers: AttentionSource = async (t) => {
  const f = filterBuilder();
  const stale = f.filter(f.and(f.field("lifecycle").eq("customer"), f.interactions({ within: f.lastDays(STALE_DAYS) }).none()));
  const { items } = await t.segments.query(stale, { limit: 100 });
  return items.map((r) => ({ kind: "no_recent_contact" as const, relationId: r.id, title: r.name, since: null }));
};

/** The sources the dashboard uses today. */
export const ATTENTION_SOURCES: readonly AttentionSource[] = [overdueDeals, staleCustomers];

/** Money figures of one currency, keyed by label: what one chart shows. */
export interface CurrencySeries {
  readonly currency: string;
  readonly labels: readonly string[];
  readonly values: readonly number[];
}

/** Splits per-label money lists into one series per currency, so no chart mixes currencies. */
export function perCurrency(rows: ReadonlyArray<{ label: string; money: readonly Money[] }>): CurrencySeries[] {
  const currencies = [...new Set(rows.flatMap((r) => r.money.map((m) => m.currency)))].sort();
  return currencies.map((currency) => ({
    currency,
    labels: rows.map((r) => r.label),
    values: rows.map((r) => r.money.find((m) => m.currency === currency)?.amount ?? 0),
  }));
}

/** Everything the dashboard page shows, read through the SDK's reports. */
export async function dashboardData(t: TenantCrm) {
  const [pipeline] = await t.pipelines.list();
  const month = thisMonth();
  const firstOfMonth = `${month}-01`;
  const funnel = pipeline ? await t.reports.funnel({ pipelineId: pipeline.id }) : null;
  const forecast = await t.reports.forecast({ from: firstOfMonth, to: addMonths(firstOfMonth, 6) });
  const owners = await t.reports.ownerResults({ from: firstOfMonth, to: addMonths(firstOfMonth, 1) });
  const attainment = await t.targets.attainment({ from: month, to: month });
  const segments = await Promise.all((await t.segments.list()).map(async (s) => ({ id: s.id, name: s.name, size: await t.segments.countMembers(s.id) })));
  const attention = (await Promise.all(ATTENTION_SOURCES.map((source) => source(t)))).flat();
  const f = filterBuilder();
  const everyone = f.filter(f.field("lifecycle").in(["prospect", "lead", "customer", "former", "internal"]));
  const relations = (await t.segments.query(everyone, { limit: 100 })).items;
  return { pipeline, funnel, forecast, owners, attainment, segments, attention, relations, month };
}

/** `YYYY-MM-01` plus `n` months. */
function addMonths(day: string, n: number): string {
  const d = new Date(`${day}T00:00:00Z`);
  return new Date(Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + n, 1)).toISOString().slice(0, 10);
}
