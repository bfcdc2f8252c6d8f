import { keys, type GraphObject, type GraphState, type StoredItem } from "./state.js";

const DAY = 86_400_000;

/** Graph's `dateTimeTimeZone` in UTC, as the fake always answers (no `Prefer: outlook.timezone`). */
export function utc(instant: string | Date): { dateTime: string; timeZone: string } {
  const iso = (instant instanceof Date ? instant : new Date(instant)).toISOString();
  return { dateTime: iso.replace("Z", "0000"), timeZone: "UTC" };
}

/** The instant of a `dateTimeTimeZone` the fake wrote (UTC). */
export function instantOf(value: unknown): number {
  const dt = (value as { dateTime?: string } | undefined)?.dateTime ?? "";
  // Graph writes seven fractional digits and no offset ("2026-03-01T10:00:00.0000000", UTC).
  return Date.parse(dt.endsWith("Z") ? dt : `${dt.slice(0, 23)}Z`);
}

/** Fake-internal fields of a series master, never rendered. */
interface SeriesExtras {
  /** Occurrence index → fields changed for that occurrence (an exception). */
  _exceptions?: Record<string, GraphObject>;
  /** Occurrence indexes deleted from the series. */
  _deleted?: number[];
}

/** Strips fake-internal fields. */
export function publicEvent(data: GraphObject): GraphObject {
  const { _exceptions: _e, _deleted: _d, ...rest } = data as GraphObject & SeriesExtras;
  return rest;
}

function occurrences(master: GraphObject): number {
  const range = (master.recurrence as { range?: { numberOfOccurrences?: number } } | undefined)?.range;
  return Math.max(0, Math.min(range?.numberOfOccurrences ?? 10, 500));
}

function stepMs(master: GraphObject): number {
  const pattern = (master.recurrence as { pattern?: { type?: string; interval?: number } } | undefined)?.pattern;
  return (pattern?.type === "weekly" ? 7 * DAY : DAY) * Math.max(1, pattern?.interval ?? 1);
}

/**
 * What the mailbox's calendar view holds for one event: the event itself for a single instance,
 * or one instance per occurrence of a series. Unmodified occurrences carry only `id, type,
 * seriesMasterId, start, end` (Graph's delta does the same; clients hydrate from the master);
 * exceptions carry everything plus `originalStart`.
 */
function instancesOf(id: string, event: GraphObject): Map<string, GraphObject> {
  const out = new Map<string, GraphObject>();
  if (event.type !== "seriesMaster") {
    out.set(id, { ...publicEvent(event), type: "singleInstance" });
    return out;
  }
  const extras = event as GraphObject & SeriesExtras;
  const start = instantOf(event.start);
  const length = instantOf(event.end) - start;
  for (let i = 0; i < occurrences(event); i++) {
    if (extras._deleted?.includes(i)) continue;
    const at = start + i * stepMs(event);
    const instanceId = `${id}_${i}`;
    const exception = extras._exceptions?.[String(i)];
    if (exception) {
      const { recurrence: _r, ...base } = publicEvent(event);
      out.set(instanceId, {
        ...base,
        start: utc(new Date(at)),
        end: utc(new Date(at + length)),
        ...exception,
        type: "exception",
        seriesMasterId: id,
        originalStart: new Date(at).toISOString(),
      });
    } else {
      out.set(instanceId, { type: "occurrence", seriesMasterId: id, start: utc(new Date(at)), end: utc(new Date(at + length)) });
    }
  }
  return out;
}

/**
 * Brings the calendar view of `mailbox` in line with event `id` (after it was created, changed or
 * deleted). When `all` is set every instance is logged as changed (the master changed, so clients
 * must re-read its occurrences); otherwise only instances whose JSON differs.
 */
export function syncInstances(state: GraphState, mailbox: string, id: string, all: boolean): void {
  const view = keys.calendarView(mailbox);
  const collection = state.collection(view);
  const event = state.events.get(mailbox)?.get(id);
  const wanted = event ? instancesOf(id, event.data) : new Map<string, GraphObject>();
  for (const existing of [...collection.items.values()]) {
    const belongs = existing.id === id || existing.data.seriesMasterId === id;
    if (belongs && !wanted.has(existing.id)) state.remove(view, existing.id);
  }
  for (const [instanceId, data] of wanted) {
    const current = collection.items.get(instanceId);
    if (!current || all || JSON.stringify(current.data) !== JSON.stringify(data)) state.put(view, instanceId, data);
  }
}

/** Whether an instance starts inside the window `[start, end)`. */
export function inWindow(item: StoredItem, start: string | undefined, end: string | undefined): boolean {
  const at = instantOf(item.data.start);
  return (start === undefined || at >= Date.parse(start)) && (end === undefined || at < Date.parse(end));
}
