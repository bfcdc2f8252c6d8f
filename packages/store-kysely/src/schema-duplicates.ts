import type { InstantColumn, JsonColumn } from "./schema.js";

/** The duplicate-detection tables (migration `005-duplicates`). `tenant_id` first in every key. */

/** `kb_duplicate_keys`: one blocking key of one relation, written by a scan. */
export interface DuplicateKeyRow {
  tenant_id: string;
  key: string;
  relation_id: string;
}

/** `kb_duplicate_pairs`: a candidate pair, `first_id < second_id`, with its review state. */
export interface DuplicatePairRow {
  tenant_id: string;
  first_id: string;
  second_id: string;
  /** `open`, `merged` or `dismissed`. */
  status: string;
  score: number;
  /** The reasons, a JSON array of strings. */
  reasons: JsonColumn;
  found_at: InstantColumn;
  updated_at: InstantColumn;
}
