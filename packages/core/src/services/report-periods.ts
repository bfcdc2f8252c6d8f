import type { Granularity } from "../model/report.js";
import type { PeriodKey } from "../storage-sales.js";

/** The period (year and month or quarter) a `YYYY-MM-DD` day falls in. */
export function periodOf(day: string, granularity: Granularity): PeriodKey {
  const year = Number(day.slice(0, 4));
  const month = Number(day.slice(5, 7));
  return { year, index: granularity === "month" ? month : Math.floor((month + 2) / 3) };
}

/** The label of a period: `2026-03` for a month, `2026-Q1` for a quarter. */
export function periodLabel(key: PeriodKey, granularity: Granularity): string {
  const year = String(key.year).padStart(4, "0");
  return granularity === "month" ? `${year}-${String(key.index).padStart(2, "0")}` : `${year}-Q${key.index}`;
}

/** The day before a `YYYY-MM-DD` day, in UTC. */
function dayBefore(day: string): string {
  return new Date(Date.parse(`${day}T00:00:00.000Z`) - 86_400_000).toISOString().slice(0, 10);
}

/** Every period touching the half-open day range `[from, to)`, in order. */
export function periodKeys(from: string, to: string, granularity: Granularity): PeriodKey[] {
  const first = periodOf(from, granularity);
  const last = periodOf(dayBefore(to), granularity);
  const perYear = granularity === "month" ? 12 : 4;
  const keys: PeriodKey[] = [];
  for (let n = first.year * perYear + first.index - 1; n <= last.year * perYear + last.index - 1; n++) {
    keys.push({ year: Math.floor(n / perYear), index: (n % perYear) + 1 });
  }
  return keys;
}
