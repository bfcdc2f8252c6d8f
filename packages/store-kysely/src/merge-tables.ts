/**
 * The tables a merge touches, with how each refers to a relation. A new table that refers to a
 * relation belongs here, or merge and undo would leave its rows with the loser; the schema test
 * next to the privacy columns checks every `relation_id` column is listed.
 */

/** One table: its primary key (without `tenant_id`), the columns that hold a relation id, and its JSON columns. */
export interface MergeTable {
  readonly table: string;
  readonly key: readonly string[];
  readonly refs: readonly string[];
  readonly json?: readonly string[];
  /**
   * How a merge treats the table: `own` rows are the relation itself and its contact points,
   * which core rewrites through the relation store; `move` rows are pointed at the survivor;
   * `move-unique` rows too, unless the survivor has the same row (same key), then the loser's is
   * dropped; `links`, `sync`, `pairs` and `drop` are described in `repoint`.
   */
  readonly mode: "own" | "move" | "move-unique" | "links" | "sync" | "pairs" | "drop";
}

/** Every table that refers to a relation, in foreign-key order (a row's parents come first). */
export const MERGE_TABLES_TOUCHED: readonly MergeTable[] = [
  { table: "kb_relations", key: ["id"], refs: ["id"], json: ["addresses", "attributes"], mode: "own" },
  { table: "kb_relation_emails", key: ["relation_id", "email"], refs: ["relation_id"], mode: "own" },
  { table: "kb_relation_phones", key: ["relation_id", "phone"], refs: ["relation_id"], mode: "own" },
  { table: "kb_relation_tags", key: ["relation_id", "tag"], refs: ["relation_id"], mode: "own" },
  { table: "kb_relation_refs", key: ["system", "external_id"], refs: ["relation_id"], mode: "own" },
  { table: "kb_links", key: ["id"], refs: ["from_id", "to_id"], mode: "links" },
  { table: "kb_interaction_relations", key: ["interaction_id", "relation_id"], refs: ["relation_id"], mode: "move-unique" },
  { table: "kb_interaction_participants", key: ["interaction_id", "position"], refs: ["relation_id"], mode: "move" },
  { table: "kb_deals", key: ["id"], refs: ["relation_id"], json: ["attributes"], mode: "move" },
  { table: "kb_deal_contacts", key: ["deal_id", "relation_id"], refs: ["relation_id"], mode: "move-unique" },
  { table: "kb_quotes", key: ["id"], refs: ["relation_id"], mode: "move" },
  { table: "kb_orders", key: ["id"], refs: ["relation_id"], mode: "move" },
  { table: "kb_sync_items", key: ["account", "resource", "external_id"], refs: ["entity_id"], mode: "sync" },
  { table: "kb_segment_members", key: ["segment_id", "relation_id"], refs: ["relation_id"], mode: "move-unique" },
  { table: "kb_consent_ledger", key: ["id"], refs: ["relation_id"], mode: "move" },
  { table: "kb_suppression_ledger", key: ["id"], refs: ["relation_id"], mode: "move" },
  { table: "kb_campaign_members", key: ["campaign_id", "relation_id"], refs: ["relation_id"], mode: "move-unique" },
  { table: "kb_duplicate_keys", key: ["key", "relation_id"], refs: ["relation_id"], mode: "drop" },
  { table: "kb_duplicate_pairs", key: ["first_id", "second_id"], refs: ["first_id", "second_id"], json: ["reasons"], mode: "pairs" },
  { table: "kb_field_verifications", key: ["relation_id", "field"], refs: ["relation_id"], mode: "move-unique" },
  { table: "kb_activities", key: ["id"], refs: ["relation_id"], mode: "move" },
];

/**
 * Tables with a relation id that a merge deliberately leaves alone: history and erasure keys
 * belong to the relation they were written for (the loser's history stays the loser's), and the
 * merge log names both relations by design. Search documents are derived: the store rebuilds
 * those of both relations (and of the people employed by either) after a merge and after its undo.
 */
export const MERGE_TABLES_UNTOUCHED: readonly string[] = ["kb_history", "kb_outbox", "kb_erasure_keys", "kb_merges", "kb_search_documents"];
