import type { InstantColumn, IntColumn, JsonColumn, NullableInstantColumn } from "./schema.js";

/**
 * The segmentation tables (migration `004-segments`). Same rules as the rest: `tenant_id` first
 * in every key, instants as the profile's timestamp type. The two ledgers have neither `version`
 * nor `updated_at`: they are append-only, and the store has no statement that changes a row.
 */

/** `kb_segments`: dynamic, static and snapshot segments. */
export interface SegmentRow {
  tenant_id: string;
  id: string;
  name: string;
  description: string | null;
  /** `dynamic`, `static` or `snapshot`. */
  kind: string;
  /** The filter JSON (dynamic, snapshot); null for static. */
  filter: JsonColumn | null;
  source_segment_id: string | null;
  taken_at: NullableInstantColumn;
  version: IntColumn;
  created_at: InstantColumn;
  updated_at: InstantColumn;
  deleted_at: NullableInstantColumn;
}

/** `kb_segment_members`: member lists of static and snapshot segments. */
export interface SegmentMemberRow {
  tenant_id: string;
  segment_id: string;
  relation_id: string;
  added_at: InstantColumn;
}

/** `kb_consent_ledger`: append-only opt-ins and opt-outs. */
export interface ConsentLedgerRow {
  tenant_id: string;
  id: string;
  relation_id: string;
  channel: string;
  purpose: string;
  /** `opt_in` or `opt_out`. */
  action: string;
  legal_basis: string | null;
  source: string;
  note: string | null;
  occurred_at: InstantColumn;
  recorded_at: InstantColumn;
  actor: string;
}

/** `kb_suppression_ledger`: append-only suppressions and their lifting; channel `all` covers every channel. */
export interface SuppressionLedgerRow {
  tenant_id: string;
  id: string;
  relation_id: string;
  channel: string;
  /** `suppress` or `lift`. */
  action: string;
  reason: string;
  source: string;
  occurred_at: InstantColumn;
  recorded_at: InstantColumn;
  actor: string;
}

/** `kb_campaigns`: campaigns on segments. */
export interface CampaignRow {
  tenant_id: string;
  id: string;
  name: string;
  description: string | null;
  segment_id: string;
  channel: string;
  purpose: string;
  status: string;
  launched_at: NullableInstantColumn;
  targeted: IntColumn;
  excluded: IntColumn;
  version: IntColumn;
  created_at: InstantColumn;
  updated_at: InstantColumn;
}

/** `kb_campaign_members`: one row per relation of the segment at launch, targeted or excluded with a reason. */
export interface CampaignMemberRow {
  tenant_id: string;
  campaign_id: string;
  relation_id: string;
  status: string;
  reason: string | null;
  address: string | null;
  status_at: InstantColumn;
  version: IntColumn;
}
