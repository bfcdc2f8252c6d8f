/**
 * Where personal data can sit in the Kaartenbak tables, and what an erasure does with it. Every
 * text and JSON column of every kb_ table is listed here (ids, timestamps and numbers aside), so
 * a new column has to be classified before the schema test passes: personal data cannot slip
 * into a table without erasure knowing about it.
 *
 * - `scrub`: the erased person's names, e-mail addresses and phone numbers are replaced wherever
 *   they occur in the text; `scrub-json`: the same inside every string of the JSON document.
 * - `relation-rows`: the column belongs to rows of the erased relation itself (its e-mails, phones,
 *   tags, references, sync mappings), which erasure deletes or clears outright.
 * - `derived`: computed from other columns (the search documents): erasure rebuilds it from them
 *   once they are scrubbed, or deletes it with the erased relation, never rewrites it in place.
 * - `kept`: not personal data of a relation (codes, vocabularies, the host's user ids, catalogue
 *   data, remote message ids), or a financial record the host must keep.
 */
export type ColumnTreatment = "scrub" | "scrub-json" | "relation-rows" | "derived" | "kept";

/** One table: its primary key (without `tenant_id`) and the treatment of each text or JSON column. */
export interface TableTreatment {
  readonly key: readonly string[];
  readonly columns: Readonly<Record<string, ColumnTreatment>>;
}

/** Every kb_ table with text or JSON columns, and how erasure treats each. */
export const PERSONAL_DATA_COLUMNS: Readonly<Record<string, TableTreatment>> = {
  kb_relations: {
    key: ["id"],
    columns: {
      kind: "kept",
      lifecycle: "kept",
      name: "scrub",
      name_key: "scrub",
      given_name: "scrub",
      family_name: "scrub",
      addresses: "scrub-json",
      attributes: "scrub-json",
    },
  },
  kb_relation_emails: { key: ["relation_id", "position"], columns: { email: "relation-rows", label: "relation-rows" } },
  kb_relation_phones: { key: ["relation_id", "position"], columns: { phone: "relation-rows", label: "relation-rows" } },
  kb_relation_tags: { key: ["relation_id", "tag"], columns: { tag: "relation-rows" } },
  kb_relation_refs: { key: ["system", "external_id"], columns: { system: "relation-rows", external_id: "relation-rows" } },
  kb_links: { key: ["id"], columns: { kind: "kept", role: "scrub", job_title: "scrub", valid_from: "kept", valid_to: "kept" } },
  kb_interactions: {
    key: ["id"],
    // Message ids stay: they are the remote systems' keys, and a sync must keep recognising the message.
    columns: { kind: "kept", direction: "kept", channel: "kept", subject: "scrub", body: "scrub", outcome: "scrub", external_key: "kept" },
  },
  kb_interaction_participants: { key: ["interaction_id", "position"], columns: { role: "kept", address: "scrub", name: "scrub" } },
  kb_history: { key: ["id"], columns: { entity_type: "kept", action: "kept", changes: "scrub-json", actor: "kept", source: "kept", at: "kept" } },
  kb_outbox: { key: ["sequence"], columns: { type: "kept", entity_type: "kept", payload: "scrub-json", actor: "kept", source: "kept" } },
  kb_outbox_checkpoints: { key: ["consumer"], columns: { consumer: "kept" } },
  kb_counters: { key: ["name"], columns: { name: "kept" } },
  kb_attribute_models: { key: ["version"], columns: { fingerprint: "kept", definition: "kept" } },
  kb_pipelines: { key: ["id"], columns: { name: "kept" } },
  kb_pipeline_stages: { key: ["id"], columns: { name: "kept", kind: "kept" } },
  kb_lost_reasons: { key: ["code"], columns: { code: "kept", label: "kept" } },
  kb_deals: {
    key: ["id"],
    columns: { title: "scrub", status: "kept", currency: "kept", expected_close_date: "kept", source: "scrub", lost_reason: "kept", attributes: "scrub-json" },
  },
  kb_products: { key: ["id"], columns: { code: "kept", name: "kept", description: "kept", currency: "kept" } },
  kb_quotes: { key: ["id"], columns: { title: "scrub", currency: "kept", status: "kept", valid_until: "kept", notes: "scrub" } },
  kb_quote_lines: { key: ["quote_id", "position"], columns: { description: "scrub" } },
  // Orders are financial records: amounts, dates and the ERP's reference stay; only free text is scrubbed.
  kb_orders: { key: ["id"], columns: { order_date: "kept", currency: "kept", description: "scrub", external_system: "kept", external_id: "kept" } },
  kb_sync_states: {
    key: ["account", "resource"],
    columns: { account: "kept", resource: "kept", stage: "kept", cursor: "kept", last_error: "scrub", details: "scrub-json" },
  },
  kb_sync_leases: { key: ["account"], columns: { account: "kept", holder: "kept" } },
  kb_sync_items: {
    key: ["account", "resource", "external_id"],
    columns: {
      account: "relation-rows",
      resource: "relation-rows",
      external_id: "relation-rows",
      entity_type: "kept",
      change_key: "relation-rows",
      origin: "kept",
    },
  },
  kb_segments: { key: ["id"], columns: { name: "scrub", description: "scrub", kind: "kept", filter: "scrub-json" } },
  kb_consent_ledger: {
    key: ["id"],
    columns: { channel: "kept", purpose: "kept", action: "kept", legal_basis: "kept", source: "scrub", note: "scrub", actor: "kept" },
  },
  kb_suppression_ledger: { key: ["id"], columns: { channel: "kept", action: "kept", reason: "scrub", source: "scrub", actor: "kept" } },
  kb_campaigns: { key: ["id"], columns: { name: "scrub", description: "scrub", channel: "kept", purpose: "kept", status: "kept" } },
  kb_campaign_members: { key: ["campaign_id", "relation_id"], columns: { status: "kept", reason: "scrub", address: "scrub" } },
  kb_erasure_keys: { key: ["key"], columns: { key: "kept", kind: "kept" } },
  // The merge log holds copies of both relations' rows (e-mails, names, addresses): scrubbed like history.
  kb_merges: { key: ["id"], columns: { status: "kept", actor: "kept", source: "kept", summary: "scrub-json", changes: "scrub-json" } },
  kb_field_verifications: { key: ["relation_id", "field"], columns: { field: "relation-rows", kind: "kept", verified_by: "kept", source: "kept" } },
  kb_verification_policies: { key: [], columns: { policy: "kept" } },
  kb_activities: { key: ["id"], columns: { subject: "scrub", kind: "kept", time_zone: "kept", notes: "scrub", status: "kept" } },
  kb_duplicate_keys: { key: ["key", "relation_id"], columns: { key: "relation-rows" } },
  kb_duplicate_pairs: { key: ["first_id", "second_id"], columns: { status: "kept", score: "kept", reasons: "scrub-json" } },
  kb_targets: { key: ["id"], columns: { metric: "kept", granularity: "kept", period: "kept", currency: "kept" } },
  // Folded tokens of names, addresses, subjects and bodies: rebuilt from the scrubbed rows after an erasure.
  kb_search_documents: { key: ["entity", "entity_id"], columns: { entity: "kept", title: "derived", body: "derived" } },
};

/** The columns erasure searches and rewrites, per table. */
export function scrubTargets(): { table: string; key: readonly string[]; text: string[]; json: string[] }[] {
  return Object.entries(PERSONAL_DATA_COLUMNS)
    .map(([table, t]) => ({
      table,
      key: t.key,
      // name_key is derived from name: it is rewritten together with it, never searched on its own.
      text: Object.keys(t.columns).filter((c) => t.columns[c] === "scrub" && c !== "name_key"),
      json: Object.keys(t.columns).filter((c) => t.columns[c] === "scrub-json"),
    }))
    .filter((t) => t.text.length + t.json.length > 0);
}
