import type { ColumnType } from "kysely";
import type {
  DealContactRow,
  DealRow,
  InteractionDealRow,
  LostReasonRow,
  OrderRow,
  PipelineRow,
  ProductRow,
  QuoteLineRow,
  QuoteRow,
  StageHistoryRow,
  StageRow,
} from "./schema-sales.js";
import type { CampaignMemberRow, CampaignRow, ConsentLedgerRow, SegmentMemberRow, SegmentRow, SuppressionLedgerRow } from "./schema-segments.js";
import type { DuplicateKeyRow, DuplicatePairRow } from "./schema-duplicates.js";
import type { ActivityRow, FieldVerificationRow, VerificationPolicyRow } from "./schema-verification.js";
import type { TargetRow } from "./schema-targets.js";
import type { MergeRow } from "./schema-merges.js";

/**
 * The Kaartenbak tables as Kysely sees them. Names are part of the public contract: the
 * conformance suite reads these tables through its own raw side channel, and hosts may report on
 * them. Every table starts with `tenant_id`, and every key and foreign key includes it, so no
 * query can join across tenants by accident.
 */

/** An instant: written as an ISO-8601 string, read back as text (SQLite) or a Date (Postgres `timestamptz`). */
export type InstantColumn = ColumnType<Date | string, string, string>;
/** A nullable instant. */
export type NullableInstantColumn = ColumnType<Date | string | null, string | null, string | null>;
/** A JSON document: written as JSON text, read back as text (SQLite) or parsed (Postgres `jsonb`). */
export type JsonColumn = ColumnType<unknown, string, string>;
/** A 64-bit integer: the pg driver returns `bigint` columns as strings to avoid precision loss. */
export type BigIntColumn = ColumnType<number | string | bigint, number, number>;
/** A small integer; drivers agree on numbers here, but be lenient on read. */
export type IntColumn = ColumnType<number | string, number, number>;

/** `kb_relations`: one row per relation; lists of contact points live in child tables. */
export interface RelationRow {
  tenant_id: string;
  id: string;
  kind: string;
  name: string;
  /** `nameKey(name)`: folded for prefix search. */
  name_key: string;
  given_name: string | null;
  family_name: string | null;
  lifecycle: string;
  owner_id: string | null;
  addresses: JsonColumn;
  attributes: JsonColumn;
  attributes_version: IntColumn;
  version: IntColumn;
  created_at: InstantColumn;
  updated_at: InstantColumn;
  deleted_at: NullableInstantColumn;
}

/** `kb_relation_emails`: a relation's e-mail addresses, in their given order. */
export interface RelationEmailRow {
  tenant_id: string;
  relation_id: string;
  email: string;
  label: string | null;
  /** 0 or 1: portable across engines, unlike a boolean column. */
  is_primary: IntColumn;
  position: IntColumn;
}

/** `kb_relation_phones`: a relation's phone numbers (E.164), in their given order. */
export interface RelationPhoneRow {
  tenant_id: string;
  relation_id: string;
  phone: string;
  label: string | null;
  is_primary: IntColumn;
  position: IntColumn;
}

/** `kb_relation_tags`: one row per tag. */
export interface RelationTagRow {
  tenant_id: string;
  relation_id: string;
  tag: string;
}

/** `kb_relation_refs`: external references; the primary key makes a reference unique per tenant. */
export interface RelationRefRow {
  tenant_id: string;
  system: string;
  external_id: string;
  relation_id: string;
}

/** `kb_links`: employment, household membership and parent organisation. */
export interface LinkRow {
  tenant_id: string;
  id: string;
  kind: string;
  from_id: string;
  to_id: string;
  role: string | null;
  job_title: string | null;
  /** `YYYY-MM-DD` as text: a SQL `date` would come back from pg as a local-time Date. */
  valid_from: string | null;
  valid_to: string | null;
  version: IntColumn;
  created_at: InstantColumn;
  updated_at: InstantColumn;
}

/** `kb_interactions`: contact moments. */
export interface InteractionRow {
  tenant_id: string;
  id: string;
  kind: string;
  direction: string | null;
  channel: string | null;
  occurred_at: InstantColumn;
  subject: string | null;
  body: string | null;
  outcome: string | null;
  external_key: string | null;
  version: IntColumn;
  created_at: InstantColumn;
  updated_at: InstantColumn;
  deleted_at: NullableInstantColumn;
}

/** `kb_interaction_relations`: which timelines show an interaction; `occurred_at` is copied for the timeline index. */
export interface InteractionRelationRow {
  tenant_id: string;
  interaction_id: string;
  relation_id: string;
  occurred_at: InstantColumn;
  /** The relation's place in the interaction's `relationIds`, so they read back in the order written. */
  position: IntColumn;
}

/** `kb_interaction_participants`: who took part, in order. */
export interface InteractionParticipantRow {
  tenant_id: string;
  interaction_id: string;
  position: IntColumn;
  role: string;
  relation_id: string | null;
  address: string | null;
  name: string | null;
}

/** `kb_history`: one entry per change of an entity. */
export interface HistoryRow {
  tenant_id: string;
  id: string;
  entity_type: string;
  entity_id: string;
  action: string;
  version: IntColumn;
  changes: JsonColumn;
  actor: string;
  source: string;
  at: InstantColumn;
}

/** `kb_outbox`: the transactional outbox, numbered per tenant. */
export interface OutboxRow {
  tenant_id: string;
  sequence: BigIntColumn;
  id: string;
  type: string;
  entity_type: string;
  entity_id: string;
  payload: JsonColumn;
  actor: string;
  source: string;
  occurred_at: InstantColumn;
}

/** `kb_outbox_checkpoints`: how far each consumer has read. */
export interface OutboxCheckpointRow {
  tenant_id: string;
  consumer: string;
  position: BigIntColumn;
  updated_at: InstantColumn;
}

/** `kb_counters`: per-tenant counters; the `outbox` row hands out event sequences. */
export interface CounterRow {
  tenant_id: string;
  name: string;
  value: BigIntColumn;
}

/** `kb_attribute_models`: attribute-registry versions a tenant has written with. */
export interface AttributeModelRow {
  tenant_id: string;
  version: IntColumn;
  fingerprint: string;
  definition: JsonColumn;
  recorded_at: InstantColumn;
}

/** `kb_sync_states`: the sync state of one (account, resource) of a tenant. */
export interface SyncStateRow {
  tenant_id: string;
  account: string;
  resource: string;
  stage: string;
  cursor: string | null;
  pass: IntColumn;
  last_success_at: NullableInstantColumn;
  last_attempt_at: NullableInstantColumn;
  /** `{ reason, message, at }` or null. */
  last_error: JsonColumn;
  failure_count: IntColumn;
  /** Pass totals and the newest skipped items. */
  details: JsonColumn;
  version: IntColumn;
  updated_at: InstantColumn;
}

/** `kb_sync_leases`: at most one runner per account; a row may outlive its lease (`expires_at`). */
export interface SyncLeaseRow {
  tenant_id: string;
  account: string;
  holder: string;
  acquired_at: InstantColumn;
  expires_at: InstantColumn;
}

/** `kb_sync_items`: a remote item of an account's resource and the CRM entity it maps to. */
export interface SyncItemRow {
  tenant_id: string;
  account: string;
  resource: string;
  external_id: string;
  entity_type: string;
  entity_id: string;
  change_key: string | null;
  origin: string;
  pass: IntColumn;
  updated_at: InstantColumn;
}

/** The Kaartenbak schema as a Kysely database type. */
export interface KyselyDatabase {
  kb_relations: RelationRow;
  kb_relation_emails: RelationEmailRow;
  kb_relation_phones: RelationPhoneRow;
  kb_relation_tags: RelationTagRow;
  kb_relation_refs: RelationRefRow;
  kb_links: LinkRow;
  kb_interactions: InteractionRow;
  kb_interaction_relations: InteractionRelationRow;
  kb_interaction_participants: InteractionParticipantRow;
  kb_history: HistoryRow;
  kb_outbox: OutboxRow;
  kb_outbox_checkpoints: OutboxCheckpointRow;
  kb_counters: CounterRow;
  kb_attribute_models: AttributeModelRow;
  kb_pipelines: PipelineRow;
  kb_pipeline_stages: StageRow;
  kb_lost_reasons: LostReasonRow;
  kb_deals: DealRow;
  kb_deal_contacts: DealContactRow;
  kb_deal_stage_history: StageHistoryRow;
  kb_products: ProductRow;
  kb_quotes: QuoteRow;
  kb_quote_lines: QuoteLineRow;
  kb_orders: OrderRow;
  kb_interaction_deals: InteractionDealRow;
  kb_sync_states: SyncStateRow;
  kb_sync_leases: SyncLeaseRow;
  kb_sync_items: SyncItemRow;
  kb_segments: SegmentRow;
  kb_segment_members: SegmentMemberRow;
  kb_consent_ledger: ConsentLedgerRow;
  kb_suppression_ledger: SuppressionLedgerRow;
  kb_campaigns: CampaignRow;
  kb_campaign_members: CampaignMemberRow;
  kb_duplicate_keys: DuplicateKeyRow;
  kb_duplicate_pairs: DuplicatePairRow;
  kb_field_verifications: FieldVerificationRow;
  kb_verification_policies: VerificationPolicyRow;
  kb_activities: ActivityRow;
  kb_targets: TargetRow;
  kb_erasure_keys: ErasureKeyRow;
  kb_search_documents: SearchDocumentRow;
  kb_merges: MergeRow;
}

/**
 * `kb_search_documents`: the folded tokens of one relation or contact moment (see the 013-search
 * migration). Postgres adds generated tsvector columns the store never writes or reads by name.
 */
export interface SearchDocumentRow {
  tenant_id: string;
  entity: "relation" | "interaction";
  entity_id: string;
  title: string;
  body: string;
}

/** `kb_erasure_keys`: digests of erased identifiers (see the 012-privacy migration). */
export interface ErasureKeyRow {
  tenant_id: string;
  key: string;
  kind: string;
  relation_id: string;
  erased_at: InstantColumn;
}

/** Every Kaartenbak table, in creation order (drop in reverse). */
export const KB_TABLES = [
  "kb_relations",
  "kb_relation_emails",
  "kb_relation_phones",
  "kb_relation_tags",
  "kb_relation_refs",
  "kb_links",
  "kb_interactions",
  "kb_interaction_relations",
  "kb_interaction_participants",
  "kb_history",
  "kb_outbox",
  "kb_outbox_checkpoints",
  "kb_counters",
  "kb_attribute_models",
  "kb_pipelines",
  "kb_pipeline_stages",
  "kb_lost_reasons",
  "kb_deals",
  "kb_deal_contacts",
  "kb_deal_stage_history",
  "kb_products",
  "kb_quotes",
  "kb_quote_lines",
  "kb_orders",
  "kb_interaction_deals",
  "kb_sync_states",
  "kb_sync_leases",
  "kb_sync_items",
  "kb_segments",
  "kb_segment_members",
  "kb_consent_ledger",
  "kb_suppression_ledger",
  "kb_campaigns",
  "kb_campaign_members",
  "kb_duplicate_keys",
  "kb_duplicate_pairs",
  "kb_field_verifications",
  "kb_verification_policies",
  "kb_activities",
  "kb_targets",
  "kb_erasure_keys",
  "kb_search_documents",
  "kb_merges",
] as const satisfies ReadonlyArray<keyof KyselyDatabase>;

/** Kysely's bookkeeping tables for our migrations, named so they cannot clash with a host's own. */
export const MIGRATION_TABLE = "kb_migration";
/** The lock table Kysely's migrator uses while migrating. */
export const MIGRATION_LOCK_TABLE = "kb_migration_lock";
