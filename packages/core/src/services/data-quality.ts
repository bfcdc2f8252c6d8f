import { decodeIdCursor, encodeIdCursor, pageLimit } from "../id-cursor.js";
import { idSchema, instantSchema, parseOrThrow } from "../model/common.js";
import { DEFAULT_VERIFICATION_POLICY, type VerificationPolicy } from "../model/verification.js";
import { DATA_QUALITY_PROBLEMS, type DataQualityCountsRow, type DataQualityProblem, type DataQualityScope, type StaleKind } from "../storage-verification.js";
import { staleBefore } from "./verification-fields.js";
import { runQuery, type TenantScope } from "./command.js";
import type { RelationIdPage } from "./activities.js";
import * as z from "zod";

/** Options of the data-quality report. */
export interface DataQualityOptions {
  /** Only relations of this owner (`null`: relations without an owner); all relations when absent. */
  readonly ownerId?: string | null;
  /** Judge staleness at this moment; default now. */
  readonly at?: string | Date;
}

/**
 * The data-quality figures of a tenant or of one owner. Each count is of non-deleted relations:
 * `stale` holds a key field (name, an e-mail, a phone, the address) whose last confirmation is
 * older than the tenant's policy allows; `noContact` has neither an e-mail nor a phone;
 * `bounced` has e-mail suppressed because it bounced (the latest e-mail entry of the suppression
 * ledger is a `bounced` suppression); `duplicates` is in an open pair of the duplicate review
 * list (see `duplicates.scan`), waiting to be merged or dismissed. A relation can count under
 * several problems.
 */
export interface DataQualityCounts {
  readonly ownerId: string | null;
  readonly relations: number;
  readonly stale: number;
  readonly noContact: number;
  readonly bounced: number;
  readonly duplicates: number;
}

/** The data-quality report: counts per tenant or owner, and keyset-paged lists per problem. */
export interface DataQualityService {
  /**
   * The counts for the tenant (or one owner).
   *
   * @example
   * const { stale, noContact, bounced } = await acme.dataQuality.counts({ ownerId: "user:42" });
   */
  counts(options?: DataQualityOptions): Promise<DataQualityCounts>;
  /** The counts of every owner (relations without an owner under `ownerId: null`), by owner id. */
  countsByOwner(options?: Pick<DataQualityOptions, "at">): Promise<DataQualityCounts[]>;
  /** The ids of relations with one problem, ascending, keyset-paged. */
  list(problem: DataQualityProblem, options?: DataQualityOptions & { limit?: number; cursor?: string }): Promise<RelationIdPage>;
}

/** The cut-off instants of the key fields under a policy at `now`. */
export function staleCutoffs(policy: VerificationPolicy, now: string): Partial<Record<StaleKind, string>> {
  const out: Partial<Record<StaleKind, string>> = {};
  for (const kind of ["name", "email", "phone", "address"] as const) {
    const days = policy.maxAgeDays[kind];
    if (days !== undefined) out[kind] = staleBefore(now, days);
  }
  return out;
}

const problemSchema = z.enum(DATA_QUALITY_PROBLEMS);

/** Builds the data-quality service of a tenant. */
export function dataQualityService(scope: TenantScope): DataQualityService {
  const { ctx } = scope;
  const scopeOf = (options: DataQualityOptions | undefined) => {
    const at = options?.at === undefined ? ctx.now() : parseOrThrow(instantSchema, options.at);
    const ownerId = options?.ownerId === undefined ? undefined : options.ownerId === null ? null : parseOrThrow(idSchema, options.ownerId);
    return { at, ownerId };
  };
  const withPolicy = async (
    store: Parameters<Parameters<typeof runQuery>[1]>[0],
    at: string,
    ownerId: string | null | undefined,
  ): Promise<DataQualityScope> => {
    const policy = (await store.verification.getPolicy()) ?? DEFAULT_VERIFICATION_POLICY;
    return { staleBefore: staleCutoffs(policy, at), ...(ownerId !== undefined ? { ownerId } : {}) };
  };
  const counted = (row: DataQualityCountsRow | undefined, ownerId: string | null): DataQualityCounts =>
    row ? { ...row, ownerId } : { ownerId, relations: 0, stale: 0, noContact: 0, bounced: 0, duplicates: 0 };
  return {
    async counts(options) {
      const { at, ownerId } = scopeOf(options);
      return runQuery(scope, async (store) => counted((await store.dataQuality.counts(await withPolicy(store, at, ownerId), false))[0], ownerId ?? null));
    },
    async countsByOwner(options) {
      const { at } = scopeOf(options);
      return runQuery(scope, async (store) => store.dataQuality.counts(await withPolicy(store, at, undefined), true));
    },
    async list(problem, options) {
      const parsed = parseOrThrow(problemSchema, problem);
      const limit = pageLimit(options?.limit);
      const after = options?.cursor === undefined ? undefined : decodeIdCursor(options.cursor);
      const { at, ownerId } = scopeOf(options);
      const ids = await runQuery(scope, async (store) => store.dataQuality.page(await withPolicy(store, at, ownerId), parsed, after, limit + 1));
      const relationIds = ids.slice(0, limit);
      return ids.length > limit ? { relationIds, nextCursor: encodeIdCursor(relationIds[relationIds.length - 1]!) } : { relationIds };
    },
  };
}
