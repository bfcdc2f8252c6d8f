import type { CalendarDate, Instant } from "../model/common.js";
import type { RelativeTime, TimePoint, TimeWindow } from "./schema.js";

/**
 * Time in filters, made absolute in core from one `now` the caller can pin, so storage only ever
 * compares with parameters (no SQL date arithmetic) and the reference evaluator sees the very same
 * bounds. Days are 24-hour UTC days; months are calendar months in UTC, clamped to the month's end
 * (31 March minus one month is 28 or 29 February).
 */

const DAY_MS = 86_400_000;

/** `instant` moved by whole 24-hour days. */
export function addDays(instant: Instant, days: number): Instant {
  return new Date(Date.parse(instant) + days * DAY_MS).toISOString();
}

/** `instant` moved by calendar months (UTC), keeping the time of day and clamping the day. */
export function addMonths(instant: Instant, months: number): Instant {
  const date = new Date(instant);
  const total = date.getUTCFullYear() * 12 + date.getUTCMonth() + months;
  const year = Math.floor(total / 12);
  const month = total - year * 12;
  // setUTCFullYear, not Date.UTC, which reads the years 0-99 as 1900-1999.
  const end = new Date(0);
  end.setUTCFullYear(year, month + 1, 0);
  const lastDay = end.getUTCDate();
  const target = new Date(date);
  target.setUTCFullYear(year, month, Math.min(date.getUTCDate(), lastDay));
  return target.toISOString();
}

/**
 * Whether an instant or day computed from a relative time lies in the years 0001-9999, the range
 * of every stored date and instant (Postgres has no year 0; outside it ISO strings take a sign).
 */
export function inSupportedRange(point: Instant | CalendarDate): boolean {
  return /^\d{4}-/.test(point) && !point.startsWith("0000");
}

/** The UTC calendar day of an instant. */
export function dayOf(instant: Instant): CalendarDate {
  return instant.slice(0, 10);
}

const isRelative = (point: unknown): point is RelativeTime => typeof point === "object" && point !== null && "daysFromNow" in point;
const isDay = (point: string) => point.length === 10;

/** A time point as an instant; a day is its first millisecond (`end`: its last). */
export function instantOf(point: TimePoint, now: Instant, end = false): Instant {
  if (isRelative(point)) return addDays(now, point.daysFromNow);
  if (isDay(point)) return `${point}T${end ? "23:59:59.999" : "00:00:00.000"}Z`;
  return new Date(point).toISOString();
}

/** A time point as a UTC day. */
export function dayOfPoint(point: TimePoint, now: Instant): CalendarDate {
  if (isRelative(point)) return dayOf(addDays(now, point.daysFromNow));
  return isDay(point) ? point : dayOf(new Date(point).toISOString());
}

/** Inclusive instant bounds of a window; null for an open end. */
export function instantWindow(window: TimeWindow | undefined, now: Instant): { from: Instant | null; to: Instant | null } {
  if (!window) return { from: null, to: null };
  if ("lastDays" in window) return { from: addDays(now, -window.lastDays), to: now };
  if ("lastMonths" in window) return { from: addMonths(now, -window.lastMonths), to: now };
  return {
    from: window.from === undefined ? null : instantOf(window.from, now),
    to: window.to === undefined ? null : instantOf(window.to, now, true),
  };
}

/** Inclusive day bounds of a window (for calendar-day columns such as order dates). */
export function dayWindow(window: TimeWindow | undefined, now: Instant): { from: CalendarDate | null; to: CalendarDate | null } {
  if (!window) return { from: null, to: null };
  if ("lastDays" in window) return { from: dayOf(addDays(now, -window.lastDays)), to: dayOf(now) };
  if ("lastMonths" in window) return { from: dayOf(addMonths(now, -window.lastMonths)), to: dayOf(now) };
  return {
    from: window.from === undefined ? null : dayOfPoint(window.from, now),
    to: window.to === undefined ? null : dayOfPoint(window.to, now),
  };
}
