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

/** A `YYYY-MM-DD` calendar date that exists (2026-02-30 is rejected). */
export const calendarDateSchema = z.iso.date();

/** Canonical form of an instant read back from storage (drivers return Date or string). */
export function toInstant(value: Date | string): Instant {
  return (value instanceof Date ? value : new Date(value)).toISOString();
}

/** A short, trimmed, non-empty label such as a role or channel. */
export const labelSchema = z.string().trim().min(1).max(100);

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

/** Validates an entity id argument (a non-empty string of at most 100 characters). */
export function expectId(value: unknown, name = "id"): string {
  if (typeof value !== "string" || value.length === 0 || value.length > 100) {
    throw validationError([{ path: [name], message: "Expected a non-empty id string", code: "invalid_type" }]);
  }
  return value;
}

/** Raises a TENANT error: used when something would cross tenants. */
export function crossTenant(message: string): CrmError {
  return new CrmError("TENANT", message, { reason: "cross_tenant" });
}
