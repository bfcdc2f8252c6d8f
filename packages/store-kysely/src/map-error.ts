import { CrmError } from "@kaartenbak/core/storage";
import type { DialectProfile } from "./dialect-profile.js";

/**
 * Turns anything thrown by the database layer into a {@link CrmError}: a CrmError passes through,
 * a native error the profile recognises becomes DUPLICATE / INTEGRITY / BUSY, or CONFIGURATION
 * (`not_migrated`, see {@link notMigratedError}) when a Kaartenbak table is missing, and the rest
 * becomes STORAGE with the original kept as `cause`.
 */
export function mapError(profile: DialectProfile, error: unknown): CrmError {
  if (error instanceof CrmError) return error;
  const classified = profile.classifyError(error);
  if (classified) return classified;
  const message = error instanceof Error ? error.message : String(error);
  return new CrmError("STORAGE", `Storage failure: ${message}`, { cause: error, reason: "driver_error" });
}

/**
 * The error a profile's `classifyError` returns for the engine's "no such table" on a `kb_` table:
 * nearly always a database that was never migrated, which a driver message hides well.
 * `location` names where the tables were looked for, e.g. `schema "crm"` or `the SQLite database`.
 */
export function notMigratedError(location: string, cause: unknown): CrmError<"CONFIGURATION"> {
  return new CrmError("CONFIGURATION", `The Kaartenbak tables are missing in ${location}: call storage.migrate() (or crm.migrate()) first`, {
    reason: "not_migrated",
    cause,
  });
}

/**
 * Wraps every method of a repository so database errors surface as CrmError at the call that
 * caused them. Core may catch a DUPLICATE from one call and carry on, so mapping only at the
 * transaction boundary would be too late.
 */
export function withMappedErrors<T extends object>(profile: DialectProfile, repository: T): T {
  const wrapped: Record<string, unknown> = {};
  for (const [name, value] of Object.entries(repository)) {
    wrapped[name] =
      typeof value === "function"
        ? async (...args: unknown[]) => {
            try {
              return await (value as (...a: unknown[]) => Promise<unknown>).apply(repository, args);
            } catch (error) {
              throw mapError(profile, error);
            }
          }
        : value;
  }
  return wrapped as T;
}
