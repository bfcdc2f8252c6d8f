import * as z from "zod";
import type { AttributeValues } from "../attributes/registry.js";
import type { Instant } from "./common.js";
import type { Relation } from "./relation.js";

/** Options of `relations.merge`. */
export const mergeOptionsSchema = z
  .object({
    /** Compute everything and write nothing: the result lists what would move and every conflict. */
    dryRun: z.boolean().optional(),
    /**
     * How an attribute both relations have, with different values, is decided: `survivor` (the
     * default) keeps the survivor's; `recentlyVerified` keeps the value confirmed most recently
     * (see `tenant.verification`), the survivor's when neither or both equally.
     */
    attributes: z.enum(["survivor", "recentlyVerified"]).optional(),
  })
  .strict();

/** Options of `relations.merge`. */
export type MergeOptions = z.input<typeof mergeOptionsSchema>;

/** A field both relations have, with different values, and which value the survivor keeps. */
export interface MergeFieldConflict {
  /** `name`, `givenName`, `familyName`, `lifecycle`, `ownerId`, or `attributes.<name>`. */
  readonly field: string;
  readonly survivor: unknown;
  readonly loser: unknown;
  readonly kept: "survivor" | "loser";
}

/** What a merge moved and decided, stored with it and returned by it. */
export interface MergeSummary {
  /** Rows pointed at the survivor (`moved`) or dropped because the survivor had the same (`dropped`), per table. */
  readonly rows: Readonly<Record<string, { readonly moved: number; readonly dropped: number }>>;
  /** Fields both had with different values, and the value kept. */
  readonly conflicts: readonly MergeFieldConflict[];
  /** Fields the survivor lacked and took from the loser (`givenName`, `attributes.vatNumber`, ...). */
  readonly filledFromLoser: readonly string[];
  /**
   * Consent and suppression entries the merge appended so that an opt-out or a suppression on
   * either side stays in force (the later of the two ledgers would otherwise decide).
   */
  readonly withdrawalsCarried: number;
}

/** The result of a merge, applied or dry run. */
export interface MergeResult<A = AttributeValues> extends MergeSummary {
  /** The merge's id, for `unmerge`; null for a dry run. */
  readonly mergeId: string | null;
  readonly dryRun: boolean;
  /** The survivor as it is (or, for a dry run, would be) after the merge. */
  readonly survivor: Relation<A>;
  readonly loserId: string;
  /** Every row the merge changed, created or removed, in all tables. */
  readonly rowsChanged: number;
}

/** A merge as recorded: see `relations.merges(relationId)`. */
export interface Merge extends MergeSummary {
  readonly id: string;
  readonly survivorId: string;
  readonly loserId: string;
  /** `undone` after `unmerge`. */
  readonly status: "applied" | "undone";
  readonly mergedAt: Instant;
  readonly undoneAt: Instant | null;
  readonly actor: string;
  readonly source: string;
}

/** The result of `relations.unmerge`. */
export interface UnmergeResult<A = AttributeValues> {
  readonly mergeId: string;
  /** Both relations as they are again. */
  readonly survivor: Relation<A>;
  readonly loser: Relation<A>;
  /** Rows written back. */
  readonly rowsRestored: number;
}
