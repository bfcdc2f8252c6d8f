import * as z from "zod";
import { CrmError, validationError, type ValidationIssue } from "../errors.js";

/** An instant as an ISO-8601 UTC string with millisecond precision, e.g. `2026-11-24T09:30:00.000Z`. */
export type Instant = string;

/** A calendar date without time zone, `YYYY-MM-DD`. */
export type CalendarDate = string;

/** Who did something and through which channel; recorded on every history entry. */
export interface Actor {
  /** The acting user or system, in the host's own terms, e.g. `user:42` or `sync:outlook`. */
  readonly actor: string;
  /** Where the change came from, e.g. `api`, `import`, `sync:outlook`, `ui`. */
  readonly source: string;
}

/** Accepts a Date or an ISO-8601 string with an offset, and yields a canonical UTC {@link Instant}. */
export const instantSchema = z.union([z.date(), z.iso.datetime({ offset: true })]).transform((value, ctx) => {
  const date = value instanceof Date ? value : new Date(value);
  if (Number.isNaN(date.getTime())) {
    ctx.addIssue({ code: "custom", message: "Invalid date" });
    return z.NEVER;
  }
  // Outside these years ISO strings take a sign and six digits, which databases reject and
  // which no longer sort as text.
  const year = date.getUTCFullYear();
  if (year < 1 || year > 9999) {
    ctx.addIssue({ code: "custom", message: "Date must fall in the years 0001-9999", params: { code: "date_out_of_range" } });
    return z.NEVER;
  }
  return date.toISOString();
});

/**
 * A `YYYY-MM-DD` calendar date that exists (2026-02-30 is rejected), in the years 0001-9999 like
 * every instant: Postgres `date` and `timestamptz` have no year 0, so `0000-…` is refused here
 * rather than by one engine only.
 */
export const calendarDateSchema = z.iso
  .date()
  .refine((day) => !day.startsWith("0000"), { message: "Date must fall in the years 0001-9999", params: { code: "date_out_of_range" } });

/** Canonical form of an instant read back from storage (drivers return Date or string). */
export function toInstant(value: Date | string): Instant {
  return (value instanceof Date ? value : new Date(value)).toISOString();
}

const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/**
 * The one text rule of the SDK (docs/design.md, "Text"): every string it stores or looks up must be
 * well-formed Unicode (no lone UTF-16 surrogate, e.g. from a sync source that cut a string between the
 * two halves of an emoji) and must not contain U+0000. Such a string is refused, never repaired: SQLite
 * would store invalid UTF-8 and Postgres refuses it, and replacing the character would silently change
 * customer data. Returns why `value` breaks the rule, or undefined when it keeps it.
 */
export function textProblem(value: string): string | undefined {
  // isWellFormed is ES2024 (Node 20 has it); the lib of this package is ES2023.
  if (!(value as unknown as { isWellFormed(): boolean }).isWellFormed()) {
    const at = LONE_SURROGATE.exec(value)?.index ?? 0;
    const unit = value.charCodeAt(at).toString(16).toUpperCase();
    return `Text must be well-formed Unicode: a lone UTF-16 surrogate (U+${unit}) is at index ${at}`;
  }
  const nul = value.indexOf("\u0000");
  if (nul >= 0) return `Text must not contain U+0000 (NUL); one is at index ${nul}`;
  return undefined;
}

/** Whether `value` keeps the text rule ({@link textProblem}). */
export function isText(value: string): boolean {
  return textProblem(value) === undefined;
}

/**
 * The base of every string schema of stored data: a string that keeps the text rule, refused
 * otherwise with the issue code `invalid_text`. Chain `.trim()`, `.min()`, `.max()` onto it.
 */
export const textSchema = z.string().refine(isText, { error: (issue) => textProblem(String(issue.input)), params: { code: "invalid_text" } });

/** The issues of one string argument outside a zod schema (a lookup value, the actor): a string that keeps the text rule. */
export function textIssues(value: unknown, name: string): ValidationIssue[] {
  if (typeof value !== "string") return [{ path: [name], message: "Expected a string", code: "invalid_type" }];
  const problem = textProblem(value);
  return problem ? [{ path: [name], message: problem, code: "invalid_text" }] : [];
}

/** Validates a string argument of a lookup (e-mail, phone, external key) against the text rule. */
export function expectText(value: unknown, name: string): string {
  throwIfIssues(textIssues(value, name));
  return value as string;
}

/** An entity id in input: 1–100 characters of text. */
export const idSchema = textSchema.min(1).max(100);

/** A short, trimmed, non-empty label such as a role or channel. */
export const labelSchema = textSchema.trim().min(1).max(100);

/** Translates a zod error into Kaartenbak issues (paths as strings and numbers). */
export function zodIssues(error: z.ZodError, prefix: ReadonlyArray<string | number> = []): ValidationIssue[] {
  return error.issues.map((issue) => ({
    path: [...prefix, ...issue.path.map((p) => (typeof p === "number" ? p : String(p)))],
    message: issue.message,
    code: issue.code === "custom" && typeof issue.params?.code === "string" ? issue.params.code : issue.code,
  }));
}

/** Parses `input` with `schema`, or throws one VALIDATION error that lists every issue. */
export function parseOrThrow<S extends z.ZodType>(schema: S, input: unknown): z.output<S> {
  const result = schema.safeParse(input);
  if (!result.success) throw validationError(zodIssues(result.error), result.error);
  return result.data;
}

/** Throws a VALIDATION error when `issues` is not empty. */
export function throwIfIssues(issues: readonly ValidationIssue[]): void {
  if (issues.length > 0) throw validationError(issues);
}

/** A positive integer version, as used for optimistic concurrency. */
export const versionSchema = z.number().int().positive();

/** Validates the `expectedVersion` of a mutating call. */
export function expectVersion(value: unknown): number {
  const parsed = versionSchema.safeParse(value);
  if (!parsed.success) {
    throw validationError(zodIssues(parsed.error, ["expectedVersion"]));
  }
  return parsed.data;
}

/**
 * Validates an entity id argument: a non-empty string of at most 100 characters that keeps the text
 * rule. An id that breaks the rule can never have been stored, and is refused like any other
 * malformed id (VALIDATION), on every engine alike.
 */
export function expectId(value: unknown, name = "id"): string {
  if (typeof value !== "string" || value.length === 0 || value.length > 100) {
    throw validationError([{ path: [name], message: "Expected a non-empty id string", code: "invalid_type" }]);
  }
  return expectText(value, name);
}

/** Raises a TENANT error: used when something would cross tenants. */
export function crossTenant(message: string): CrmError {
  return new CrmError("TENANT", message, { reason: "cross_tenant" });
}

/**
 * An optional options argument: `undefined` is no options; anything but a plain object (`null`, a
 * string) is a VALIDATION error instead of a TypeError deep inside.
 */
export function optionsOf<T extends object>(value: T | undefined, path = "options"): T {
  if (value === undefined) return {} as T;
  if (value === null || typeof value !== "object" || Array.isArray(value)) {
    throw validationError([{ path: [path], message: "Expected an options object", code: "invalid_type" }]);
  }
  return value;
}
