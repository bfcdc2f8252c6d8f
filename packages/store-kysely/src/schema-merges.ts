import type { InstantColumn, JsonColumn, NullableInstantColumn } from "./schema.js";

/**
 * `kb_merges` (migration `014-merges`): one row per merge of one relation into another. `changes`
 * is the merge's row log (every row it moved, changed or removed, before and after), which undo
 * writes back; `summary` is what the merge reported (rows per table, field conflicts).
 */
export interface MergeRow {
  tenant_id: string;
  id: string;
  survivor_id: string;
  loser_id: string;
  /** `applied` or `undone`. */
  status: string;
  merged_at: InstantColumn;
  undone_at: NullableInstantColumn;
  actor: string;
  source: string;
  summary: JsonColumn;
  changes: JsonColumn;
}
