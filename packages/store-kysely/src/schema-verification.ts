import type { InstantColumn, IntColumn, JsonColumn, NullableInstantColumn } from "./schema.js";

/** The data-quality tables (migration `006-verification`); `tenant_id` first in every key. */

/** `kb_field_verifications`: the last confirmation of each field of a relation. */
export interface FieldVerificationRow {
  tenant_id: string;
  relation_id: string;
  /** The field key, e.g. `name`, `email:anna@acme.nl`. */
  field: string;
  /** The field's kind (`name`, `email`, `phone`, `address`, `jobTitle`, `attribute`). */
  kind: string;
  verified_at: InstantColumn;
  verified_by: string;
  source: string;
}

/** `kb_verification_policies`: one row per tenant that set a policy. */
export interface VerificationPolicyRow {
  tenant_id: string;
  policy: JsonColumn;
  updated_at: InstantColumn;
}

/** `kb_activities`: planned follow-ups. */
export interface ActivityRow {
  tenant_id: string;
  id: string;
  subject: string;
  kind: string;
  relation_id: string;
  deal_id: string | null;
  owner_id: string;
  due_at: InstantColumn;
  time_zone: string | null;
  reminder_at: NullableInstantColumn;
  notes: string | null;
  status: string;
  closed_at: NullableInstantColumn;
  interaction_id: string | null;
  version: IntColumn;
  created_at: InstantColumn;
  updated_at: InstantColumn;
}
