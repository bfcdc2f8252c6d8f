import type { ResolvedCondition } from "@kaartenbak/core/storage";
import type { Kysely } from "kysely";
import type { DialectProfile } from "./dialect-profile.js";
import type { KyselyDatabase } from "./schema.js";

/**
 * Filters with more nodes than this run through the profile's `largeExpression` hook. A filter
 * compiles into one boolean expression per relation row; from a few hundred nodes on, compiling
 * that expression to machine code (Postgres JIT, which switches itself on by plan cost, i.e. once
 * the tables are large or analysed) takes far longer than evaluating it: measured on Postgres 15
 * with LLVM 14, a 1,000-condition filter over one tenant's single row ran in 5 ms without JIT and
 * did not finish in 6 minutes with it. Below this size compiling is cheap, and the engine decides.
 */
export const LARGE_FILTER_NODES = 64;

/** Nodes of a resolved condition: every object in the tree that carries a `t` (condition type). */
export function conditionNodes(condition: unknown): number {
  if (Array.isArray(condition)) return condition.reduce((n: number, c: unknown) => n + conditionNodes(c), 0);
  if (condition === null || typeof condition !== "object") return 0;
  let n = "t" in condition ? 1 : 0;
  for (const value of Object.values(condition)) if (value !== null && typeof value === "object") n += conditionNodes(value);
  return n;
}

/**
 * Runs the statements of a filter read through the profile's `largeExpression` hook when the
 * filter is large (see {@link LARGE_FILTER_NODES}), and as they are otherwise.
 */
export function withFilter<T>(db: Kysely<KyselyDatabase>, profile: DialectProfile, condition: ResolvedCondition, run: () => Promise<T>): Promise<T> {
  if (!profile.largeExpression || conditionNodes(condition) <= LARGE_FILTER_NODES) return run();
  return profile.largeExpression(db, run);
}
