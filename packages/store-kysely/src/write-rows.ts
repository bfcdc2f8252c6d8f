import { type NewOutboxEvent, type RelationRecord } from "@kaartenbak/core/storage";
import { type HistoryEntry } from "@kaartenbak/core";
import { toJson, toNumber } from "./rows.js";
import { insertRows } from "./insert-rows.js";
import type { StoreContext } from "./store-context.js";

/**
 * Multi-row writers shared by the one-by-one repositories and the bulk store, so a row is spelled
 * in one place. Each statement carries at most one chunk of records (see `chunks`), which keeps it
 * under both engines' parameter limits.
 */

/** The counter row in `kb_counters` that numbers a tenant's outbox. */
const OUTBOX_COUNTER = "outbox";

const EMAIL_COLUMNS = ["tenant_id", "relation_id", "email", "label", "is_primary", "position"];
const PHONE_COLUMNS = ["tenant_id", "relation_id", "phone", "label", "is_primary", "position"];
const HISTORY_COLUMNS = ["tenant_id", "id", "entity_type", "entity_id", "action", "version", "changes", "actor", "source", "at"];
const OUTBOX_COLUMNS = ["tenant_id", "sequence", "id", "type", "entity_type", "entity_id", "payload", "actor", "source", "occurred_at"];

/** Inserts the e-mails, phones, tags and external references of relations whose row exists. */
export async function insertRelationChildRows(context: StoreContext, records: readonly RelationRecord[]): Promise<void> {
  const { tenantId } = context;
  const owner = (r: RelationRecord) => ({ tenant_id: tenantId, relation_id: r.id });
  const emails = records.flatMap((r) =>
    r.emails.map((e, position) => ({ ...owner(r), email: e.address, label: e.label, is_primary: e.primary ? 1 : 0, position })),
  );
  const phones = records.flatMap((r) =>
    r.phones.map((p, position) => ({ ...owner(r), phone: p.number, label: p.label, is_primary: p.primary ? 1 : 0, position })),
  );
  const tags = records.flatMap((r) => r.tags.map((tag) => ({ ...owner(r), tag })));
  // A reference held by another relation breaks the primary key: the profile maps that to DUPLICATE.
  const refs = records.flatMap((r) => r.externalRefs.map((ref) => ({ ...owner(r), system: ref.system, external_id: ref.externalId })));
  await insertRows(context, "kb_relation_emails", EMAIL_COLUMNS, emails);
  await insertRows(context, "kb_relation_phones", PHONE_COLUMNS, phones);
  await insertRows(context, "kb_relation_tags", ["tenant_id", "relation_id", "tag"], tags);
  await insertRows(context, "kb_relation_refs", ["tenant_id", "relation_id", "system", "external_id"], refs);
}

/** Appends history entries. */
export async function insertHistoryRows(context: StoreContext, entries: readonly HistoryEntry[]): Promise<void> {
  const { tenantId } = context;
  await insertRows(
    context,
    "kb_history",
    HISTORY_COLUMNS,
    entries.map((e) => ({
      tenant_id: tenantId,
      id: e.id,
      entity_type: e.entityType,
      entity_id: e.entityId,
      action: e.action,
      version: e.version,
      changes: toJson(e.changes),
      actor: e.actor,
      source: e.source,
      at: e.at,
    })),
  );
}

/**
 * Appends events and returns the first one's sequence. One statement reserves the whole range:
 * the counter upsert locks the tenant's counter row until commit, so concurrent writers queue
 * behind it and numbers are gap-free in commit order (a rollback takes its increment back too).
 * `max(sequence) + 1` would race.
 */
export async function insertEventRows(context: StoreContext, events: readonly NewOutboxEvent[]): Promise<number> {
  const { db, tenantId } = context;
  const count = events.length;
  const counter = await db
    .insertInto("kb_counters")
    .values({ tenant_id: tenantId, name: OUTBOX_COUNTER, value: count })
    .onConflict((oc) => oc.columns(["tenant_id", "name"]).doUpdateSet((eb) => ({ value: eb(eb.ref("kb_counters.value"), "+", count) })))
    .returning("value")
    .executeTakeFirstOrThrow();
  const first = toNumber(counter.value) - count + 1;
  let sequence = first;
  await insertRows(
    context,
    "kb_outbox",
    OUTBOX_COLUMNS,
    events.map((e) => ({
      tenant_id: tenantId,
      sequence: sequence++,
      id: e.id,
      type: e.type,
      entity_type: e.entityType,
      entity_id: e.entityId,
      payload: toJson(e.payload),
      actor: e.actor,
      source: e.source,
      occurred_at: e.occurredAt,
    })),
  );
  return first;
}
