import type { ValidationIssue } from "../errors.js";

/**
 * The limits of the filter language. Filters often come from an end user's segment builder, so
 * each limit is checked in core, with the same message on every engine, before any engine sees
 * the filter; each message names its limit. Why each value (see also the "Limits" table of the
 * core README):
 * - `depth` and `conditions` keep validation, resolution and the SQL small; the structure is
 *   checked iteratively before anything recursive (the zod parse included) reads the input, so a
 *   filter nested 10,000 levels deep is a VALIDATION error, not a stack overflow.
 * - `children` bounds one and / or.
 * - `listValues` and `values` keep the bind parameters of the compiled query far below SQLite's
 *   32,766 (`SQLITE_MAX_VARIABLE_NUMBER` of better-sqlite3) and Postgres's 65,535 per statement:
 *   each list value is one parameter, and a condition at most 15 (SQLite) or 27 (Postgres)
 *   besides, so a filter at every limit binds at most about 25,000 (SQLite) or 37,000 (Postgres).
 *
 * `conditions`, `depth` and `values` count the conditions of the dynamic segments a filter refers
 * to as well: resolution inlines them, and the database runs the whole.
 */
export const FILTER_LIMITS = {
  /** Levels of nesting below `where` (each and / or / not / link `where` is one level). */
  depth: 16,
  /** Conditions in a filter. */
  conditions: 1000,
  /** Conditions one and / or combines. */
  children: 100,
  /** Values in one list (`in` / `notIn` / `between` values, tags, kinds, directions, channels, statuses, pipeline ids, products). */
  listValues: 500,
  /** List values in a filter in total. */
  values: 10_000,
  /** Characters in one text value. */
  textLength: 1000,
  /** `daysFromNow` either way, and `lastDays` (100 years). */
  days: 36_500,
  /** `lastMonths` (100 years). */
  months: 1200,
} as const;

type Path = ReadonlyArray<string | number>;

const format = (n: number) => n.toLocaleString("en-US");

/** The messages of the limits, shared by the structure check, the zod schema and resolution. */
export const LIMIT_MESSAGES = {
  depth: `A filter nests and, or, not and link at most ${FILTER_LIMITS.depth} levels deep`,
  conditions: `A filter has at most ${format(FILTER_LIMITS.conditions)} conditions`,
  children: `An and / or condition combines at most ${FILTER_LIMITS.children} conditions`,
  listValues: `A list holds at most ${FILTER_LIMITS.listValues} values`,
  values: `A filter holds at most ${format(FILTER_LIMITS.values)} list values in total`,
  textLength: `Text in a filter is at most ${format(FILTER_LIMITS.textLength)} characters`,
  days: `At most ${format(FILTER_LIMITS.days)} days (100 years)`,
  months: `At most ${format(FILTER_LIMITS.months)} months (100 years)`,
} as const;

/** What resolution adds to a filter's own counts: the segments it inlines. */
export const SEGMENT_NOTE = " (with the dynamic segments it refers to inlined)";

/** The list-valued members of a condition (by name), whatever its type. */
const LIST_KEYS = ["value", "values", "kinds", "directions", "channels", "statuses", "pipelineIds", "products"] as const;

/** The number of list values a (raw or parsed) condition node carries itself, not counting its children. */
export function listValueCount(node: object): number {
  let n = 0;
  for (const key of LIST_KEYS) {
    const list: unknown = Object.hasOwn(node, key) ? (node as Record<string, unknown>)[key] : undefined;
    if (Array.isArray(list)) n += list.length;
  }
  return n;
}

/**
 * Checks the size of a filter as given (untrusted input, not yet parsed) without recursion:
 * nesting depth, number of conditions, width of and / or, length of each list and list values in
 * total. Returns the issues (one per limit broken); empty when the filter is within every limit,
 * so that the recursive parse and checks can run safely. Stops as soon as a limit is exceeded, so
 * a filter with 100,000 conditions or a cyclic object costs no more than the limit.
 */
export function structureIssues(input: unknown, prefix: Path = []): ValidationIssue[] {
  if (typeof input !== "object" || input === null || !Object.hasOwn(input, "where")) return [];
  const issues: ValidationIssue[] = [];
  const broken = new Set<string>();
  const report = (limit: keyof typeof LIMIT_MESSAGES, path: Path, code: string) => {
    if (broken.has(limit)) return;
    broken.add(limit);
    issues.push({ path, message: LIMIT_MESSAGES[limit], code });
  };
  const stack: { node: unknown; path: Path; depth: number }[] = [{ node: (input as { where: unknown }).where, path: [...prefix, "where"], depth: 0 }];
  let conditions = 0;
  let values = 0;
  while (stack.length > 0) {
    const { node, path, depth } = stack.pop()!;
    // Anything but an object is the schema's to report.
    if (typeof node !== "object" || node === null || Array.isArray(node)) continue;
    conditions += 1;
    if (conditions > FILTER_LIMITS.conditions) {
      report("conditions", [...prefix, "where"], "too_large");
      break;
    }
    if (depth > FILTER_LIMITS.depth) {
      report("depth", path, "too_deep");
      continue;
    }
    const record = node as Record<string, unknown>;
    for (const key of LIST_KEYS) {
      const list = Object.hasOwn(record, key) ? record[key] : undefined;
      if (!Array.isArray(list)) continue;
      if (list.length > FILTER_LIMITS.listValues) report("listValues", [...path, key], "too_many_values");
      values += list.length;
    }
    if (record.type === "and" || record.type === "or") {
      const of = record.of;
      if (!Array.isArray(of)) continue;
      if (of.length > FILTER_LIMITS.children) {
        report("children", [...path, "of"], "too_wide");
        continue;
      }
      for (let i = of.length - 1; i >= 0; i--) stack.push({ node: of[i], path: [...path, "of", i], depth: depth + 1 });
      continue;
    }
    if (record.type === "not") stack.push({ node: record.of, path: [...path, "of"], depth: depth + 1 });
    else if (record.type === "link" && record.where !== undefined) stack.push({ node: record.where, path: [...path, "where"], depth: depth + 1 });
  }
  if (values > FILTER_LIMITS.values) report("values", [...prefix, "where"], "too_many_values");
  return issues;
}
