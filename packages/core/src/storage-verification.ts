/**
 * The data-quality seam of the storage contract: per-field verification records, the tenant's
 * verification policy, the data-quality report, and planned activities. Core keeps every rule
 * (which write confirms what, when a field is due, state changes of activities); these methods
 * only store and find rows, each scoped to the transaction's tenant.
 */
import type { Activity, ActivityStatus } from "./model/activity.js";
import type { Instant } from "./model/common.js";
import type { FieldVerification, VerificationPolicy, VerifiedFieldKey } from "./model/verification.js";

/** A verification as stored: one row per relation and field key, overwritten by each confirmation. */
export type FieldVerificationRecord = FieldVerification;

/** Names one confirmation: a field of a relation. */
export interface VerificationKey {
  readonly relationId: string;
  readonly field: VerifiedFieldKey;
}

/** Verification records and the tenant's policy. */
export interface VerificationStore {
  /** Inserts or overwrites the confirmation of each (relation, field). Throws INTEGRITY for a missing relation. */
  confirm(records: readonly FieldVerificationRecord[]): Promise<void>;
  /** Drops these confirmations (of values that were removed); unknown keys are ignored. */
  forget(keys: readonly VerificationKey[]): Promise<void>;
  /** The confirmations of the relations, by relation then field. */
  list(relationIds: readonly string[]): Promise<FieldVerificationRecord[]>;
  /** The tenant's stored policy, or undefined when it never set one. */
  getPolicy(): Promise<VerificationPolicy | undefined>;
  /** Stores the tenant's policy. */
  setPolicy(policy: VerificationPolicy, at: Instant): Promise<void>;
}

/** The problems the data-quality report counts and lists. */
export const DATA_QUALITY_PROBLEMS = ["stale", "noContact", "bounced", "duplicates"] as const;
/** One problem of the data-quality report. */
export type DataQualityProblem = (typeof DATA_QUALITY_PROBLEMS)[number];

/** The key-field kinds whose staleness the report counts. */
export type StaleKind = "name" | "email" | "phone" | "address";

/** Which relations the report looks at, and when a confirmation counts as stale. */
export interface DataQualityScope {
  /** Per kind: a confirmation older than this instant is stale. A kind left out is never stale. */
  readonly staleBefore: Partial<Record<StaleKind, Instant>>;
  /** Only relations of this owner (null: relations without an owner); every relation when absent. */
  readonly ownerId?: string | null;
}

/** Counts of one owner (or of the whole tenant). */
export interface DataQualityCountsRow {
  /** The owner, null for relations without one; also null in the tenant-wide row. */
  readonly ownerId: string | null;
  /** Non-deleted relations looked at. */
  readonly relations: number;
  readonly stale: number;
  readonly noContact: number;
  readonly bounced: number;
  readonly duplicates: number;
}

/** The data-quality report, computed in the database over non-deleted relations. */
export interface DataQualityStore {
  /** The tenant-wide counts (`byOwner` false) or one row per owner, ordered by owner id with null first. */
  counts(scope: DataQualityScope, byOwner: boolean): Promise<DataQualityCountsRow[]>;
  /** Ids of relations with `problem`, ascending, after `after` (exclusive), at most `limit`. */
  page(scope: DataQualityScope, problem: DataQualityProblem, after: string | undefined, limit: number): Promise<string[]>;
}

/** An activity as stored: the domain {@link Activity}. */
export type ActivityRecord = Activity;

/** A position in an activity list: the last item of the previous page. */
export interface ActivityCursor {
  readonly dueAt: Instant;
  readonly id: string;
}

/** A request for one page of activities, ordered by due time then id. */
export interface ActivityQuery {
  readonly statuses: readonly ActivityStatus[];
  readonly ownerId?: string;
  readonly relationId?: string;
  /** Only activities due strictly before this instant (overdue lists). */
  readonly dueBefore?: Instant;
  readonly after?: ActivityCursor;
  readonly limit: number;
}

/** Planned follow-ups. */
export interface ActivityStore {
  /** Inserts an activity. Throws INTEGRITY when its relation or deal does not exist. */
  insert(record: ActivityRecord): Promise<void>;
  /** Replaces an activity when its version equals `expectedVersion`; false (no change) otherwise. */
  update(record: ActivityRecord, expectedVersion: number): Promise<boolean>;
  /** One activity by id. */
  get(id: string): Promise<ActivityRecord | undefined>;
  /** A page of activities, `dueAt` then `id` ascending. */
  list(query: ActivityQuery): Promise<ActivityRecord[]>;
  /**
   * Ids of non-deleted relations without an open activity ("no planned next step"), ascending,
   * after `after`, at most `limit`; only relations of `ownerId` when given.
   */
  relationsWithoutNextStep(ownerId: string | undefined, after: string | undefined, limit: number): Promise<string[]>;
}
