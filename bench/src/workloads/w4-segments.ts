import { createCrm, filterBuilder, type Filter } from "@kaartenbak/core";
import type { Engine } from "../engines.js";
import { median, time, type Figure } from "../measure.js";
import type { Loaded } from "./w1-bulk.js";

/** Windows are fixed from this instant, so both sides count the same rows. */
const NOW = "2027-01-01T00:00:00.000Z";
const YEAR_AGO = "2026-01-01T00:00:00.000Z";

interface Case {
  readonly name: string;
  readonly filter: Filter;
  /** The hand-written condition on `r` (a `kb_relations` row), with `?` parameters. */
  readonly where: (s: string) => string;
  readonly params: readonly unknown[];
}

/** Three filters of growing complexity: fields; an interaction aggregate in a window; that or an open-deal sum. */
function cases(): Case[] {
  const f = filterBuilder();
  const emails = (s: string) =>
    `(select count(*) from ${s}kb_interaction_relations ir join ${s}kb_interactions i on i.tenant_id = ir.tenant_id and i.id = ir.interaction_id ` +
    `where ir.tenant_id = r.tenant_id and ir.relation_id = r.id and i.deleted_at is null and i.kind = 'email' and ir.occurred_at >= ? and ir.occurred_at <= ?) >= 3`;
  const openEur = (s: string) =>
    `(select coalesce(sum(d.amount), 0) from ${s}kb_deals d where d.tenant_id = r.tenant_id and d.relation_id = r.id and d.deleted_at is null and d.status = 'open' and d.currency = 'EUR') >= 1000000`;
  const busyCustomers = f.and(f.field("lifecycle").eq("customer"), f.interactions({ kinds: ["email"], within: f.lastDays(365) }).atLeast(3));
  return [
    {
      name: "W4 segment count: customer organisations (fields)",
      filter: f.filter(f.and(f.field("lifecycle").eq("customer"), f.field("kind").eq("organisation"))),
      where: () => "r.lifecycle = 'customer' and r.kind = 'organisation'",
      params: [],
    },
    {
      name: "W4 segment count: customers with ≥ 3 e-mails in the last 365 days (aggregate in a window)",
      filter: f.filter(busyCustomers),
      where: (s) => `r.lifecycle = 'customer' and ${emails(s)}`,
      params: [YEAR_AGO, NOW],
    },
    {
      name: "W4 segment count: that, or open EUR deals worth ≥ 10,000.00 (or, two aggregates)",
      filter: f.filter(f.or(busyCustomers, f.deals({ statuses: ["open"] }).sum("gte", { amount: 1_000_000, currency: "EUR" }))),
      where: (s) => `((r.lifecycle = 'customer' and ${emails(s)}) or ${openEur(s)})`,
      params: [YEAR_AGO, NOW],
    },
  ];
}

/** W4: dynamic segment evaluation (count preview) through the SDK vs hand-written SQL; latency. */
export async function w4Segments(engine: Engine, loaded: Loaded, reps: number): Promise<Figure[]> {
  const t = createCrm({ storage: engine.storage, defaultRegion: "NL" }).tenant(loaded.sdkTenant);
  const s = engine.raw.flavour.s;
  const figures: Figure[] = [];
  for (const c of cases()) {
    const sql = `select count(*) as n from ${s}kb_relations r where r.tenant_id = ? and r.deleted_at is null and ${c.where(s)}`;
    const raw = async () => Number(((await engine.raw.runQueries([{ sql, params: [loaded.sdkTenant, ...c.params] }]))[0]![0] as { n: number | string }).n);
    const sdk = () => t.segments.count(c.filter, { now: NOW });
    // Both sides must answer the same question before anything is timed.
    const [a, b] = [await sdk(), await raw()];
    if (a !== b) throw new Error(`${c.name}: the SDK counts ${a}, the hand-written SQL ${b}`);
    const sdkMs: number[] = [];
    const rawMs: number[] = [];
    for (let rep = 0; rep < reps; rep++) {
      sdkMs.push(await time(sdk));
      rawMs.push(await time(raw));
    }
    figures.push({
      engine: engine.name,
      workload: c.name,
      unit: "ms",
      sdk: median(sdkMs),
      raw: median(rawMs),
      kind: "latency",
      target: 1.3,
      note: `${a.toLocaleString("en")} relations match`,
    });
  }
  return figures;
}
