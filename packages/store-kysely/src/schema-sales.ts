import type { BigIntColumn, InstantColumn, IntColumn, JsonColumn, NullableInstantColumn } from "./schema.js";

/**
 * The sales tables (migration `002-sales`). Same rules as the foundation: `tenant_id` first in every
 * key, money as 64-bit integer minor units, calendar dates as `YYYY-MM-DD` text (so periods are
 * substrings on every engine), instants as the profile's timestamp type.
 */

/** `kb_pipelines`: one row per pipeline. */
export interface PipelineRow {
  tenant_id: string;
  id: string;
  name: string;
  version: IntColumn;
  created_at: InstantColumn;
  updated_at: InstantColumn;
}

/** `kb_pipeline_stages`: the stages of a pipeline; never deleted, only retired. */
export interface StageRow {
  tenant_id: string;
  id: string;
  pipeline_id: string;
  name: string;
  position: IntColumn;
  /** Win probability, 0–100 (a check constraint holds it there). */
  probability: IntColumn;
  /** `open`, `won` or `lost`. */
  kind: string;
  retired_at: NullableInstantColumn;
  version: IntColumn;
  created_at: InstantColumn;
  updated_at: InstantColumn;
}

/** `kb_lost_reasons`: the tenant's list of lost reasons, keyed by code. */
export interface LostReasonRow {
  tenant_id: string;
  code: string;
  label: string;
  retired_at: NullableInstantColumn;
  version: IntColumn;
  created_at: InstantColumn;
  updated_at: InstantColumn;
}

/** `kb_deals`: deals; `status` follows the stage's kind and is stored so reports need no join for it. */
export interface DealRow {
  tenant_id: string;
  id: string;
  title: string;
  relation_id: string;
  owner_id: string | null;
  pipeline_id: string;
  stage_id: string;
  status: string;
  amount: BigIntColumn;
  currency: string;
  /** `YYYY-MM-DD`. */
  expected_close_date: string | null;
  source: string | null;
  lost_reason: string | null;
  closed_at: NullableInstantColumn;
  attributes: JsonColumn;
  attributes_version: IntColumn;
  version: IntColumn;
  created_at: InstantColumn;
  updated_at: InstantColumn;
  deleted_at: NullableInstantColumn;
}

/** `kb_deal_contacts`: a deal's contact people, in order. */
export interface DealContactRow {
  tenant_id: string;
  deal_id: string;
  relation_id: string;
  position: IntColumn;
}

/** `kb_deal_stage_history`: one row per stay of a deal in a stage; `left_at` is null while it is there. */
export interface StageHistoryRow {
  tenant_id: string;
  id: string;
  deal_id: string;
  pipeline_id: string;
  stage_id: string;
  entered_at: InstantColumn;
  left_at: NullableInstantColumn;
}

/** `kb_products`: the product catalogue. */
export interface ProductRow {
  tenant_id: string;
  id: string;
  code: string;
  name: string;
  description: string | null;
  unit_price: BigIntColumn;
  currency: string;
  /** Parts per million: 21 % is 210000. */
  tax_rate_ppm: IntColumn;
  retired_at: NullableInstantColumn;
  version: IntColumn;
  created_at: InstantColumn;
  updated_at: InstantColumn;
}

/** `kb_quotes`: quote revisions; (group_id, revision) is unique. */
export interface QuoteRow {
  tenant_id: string;
  id: string;
  group_id: string;
  revision: IntColumn;
  deal_id: string | null;
  relation_id: string;
  title: string | null;
  currency: string;
  status: string;
  valid_until: string | null;
  notes: string | null;
  subtotal: BigIntColumn;
  tax_total: BigIntColumn;
  total: BigIntColumn;
  sent_at: NullableInstantColumn;
  decided_at: NullableInstantColumn;
  superseded_by_id: string | null;
  version: IntColumn;
  created_at: InstantColumn;
  updated_at: InstantColumn;
}

/** `kb_quote_lines`: the lines of a quote with their rounded figures. */
export interface QuoteLineRow {
  tenant_id: string;
  quote_id: string;
  position: IntColumn;
  product_id: string | null;
  description: string;
  /** Thousandths of a unit. */
  quantity_milli: BigIntColumn;
  unit_price: BigIntColumn;
  discount_ppm: IntColumn;
  tax_rate_ppm: IntColumn;
  net: BigIntColumn;
  tax: BigIntColumn;
  total: BigIntColumn;
}

/** `kb_orders`: realised revenue; one order per quote, one per external reference. */
export interface OrderRow {
  tenant_id: string;
  id: string;
  relation_id: string;
  deal_id: string | null;
  quote_id: string | null;
  /** `YYYY-MM-DD`. */
  order_date: string;
  currency: string;
  net_amount: BigIntColumn;
  tax_amount: BigIntColumn;
  total_amount: BigIntColumn;
  description: string | null;
  external_system: string | null;
  external_id: string | null;
  cancelled_at: NullableInstantColumn;
  version: IntColumn;
  created_at: InstantColumn;
  updated_at: InstantColumn;
}

/** `kb_interaction_deals`: which deals an interaction is about; `occurred_at` is copied for the deal timeline index. */
export interface InteractionDealRow {
  tenant_id: string;
  interaction_id: string;
  deal_id: string;
  occurred_at: InstantColumn;
  position: IntColumn;
}
