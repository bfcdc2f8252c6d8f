import { interactionSearchText, nameKey, relationSearchText, uuidv7 } from "@kaartenbak/core/storage";
import { type InteractionInput, type RelationInput } from "@kaartenbak/core";

/**
 * The rows the raw driver writes: exactly what the SDK writes for the same input (the relation
 * and its child rows, one history entry and one outbox event each), but built directly, without
 * validation or normalisation: the inputs are already canonical. This is the physical floor.
 * That includes the search document (core's folded tokens, the same function the store calls).
 */
export interface RawRelationRows {
  readonly relation: readonly unknown[];
  readonly email: readonly unknown[];
  readonly phone: readonly unknown[];
  readonly ref: readonly unknown[];
  readonly history: readonly unknown[];
  readonly search: readonly unknown[];
  readonly outbox: Omit<RawOutbox, "sequence">;
}

/** An outbox row before its sequence is known. */
export interface RawOutbox {
  readonly sequence: number;
  readonly values: readonly unknown[];
}

/** Column lists, in the order of the value arrays below. */
export const COLUMNS = {
  relation: [
    "tenant_id",
    "id",
    "kind",
    "name",
    "name_key",
    "given_name",
    "family_name",
    "lifecycle",
    "owner_id",
    "addresses",
    "attributes",
    "attributes_version",
    "version",
    "created_at",
    "updated_at",
    "deleted_at",
  ],
  email: ["tenant_id", "relation_id", "email", "label", "is_primary", "position"],
  phone: ["tenant_id", "relation_id", "phone", "label", "is_primary", "position"],
  ref: ["tenant_id", "system", "external_id", "relation_id"],
  history: ["tenant_id", "id", "entity_type", "entity_id", "action", "version", "changes", "actor", "source", "at"],
  outbox: ["tenant_id", "sequence", "id", "type", "entity_type", "entity_id", "payload", "actor", "source", "occurred_at"],
  interaction: [
    "tenant_id",
    "id",
    "kind",
    "direction",
    "channel",
    "occurred_at",
    "subject",
    "body",
    "outcome",
    "external_key",
    "version",
    "created_at",
    "updated_at",
    "deleted_at",
  ],
  interactionRelation: ["tenant_id", "interaction_id", "relation_id", "occurred_at", "position"],
  participant: ["tenant_id", "interaction_id", "position", "role", "relation_id", "address", "name"],
  search: ["tenant_id", "entity", "entity_id", "title", "body"],
} as const;

/** The rows for one relation input. */
export function relationRows(tenant: string, input: RelationInput, at: string): RawRelationRows {
  const id = uuidv7();
  const email = String(input.emails?.[0]).toLowerCase();
  const phone = String(input.phones?.[0]);
  const ref = input.externalRefs![0]!;
  const record = {
    id,
    kind: input.kind,
    name: input.name,
    givenName: null,
    familyName: null,
    lifecycle: input.lifecycle,
    ownerId: null,
    emails: [{ address: email, label: null, primary: true }],
    phones: [{ number: phone, label: null, primary: true }],
    addresses: [],
    tags: [],
    attributes: {},
    attributesVersion: 1,
    externalRefs: [ref],
    version: 1,
    createdAt: at,
    updatedAt: at,
    deletedAt: null,
  };
  const changes = {
    name: { from: null, to: input.name },
    lifecycle: { from: null, to: input.lifecycle },
    emails: { from: null, to: record.emails },
    phones: { from: null, to: record.phones },
    externalRefs: { from: null, to: [ref] },
  };
  return {
    relation: [tenant, id, input.kind, input.name, nameKey(input.name!), null, null, input.lifecycle, null, "[]", "{}", 1, 1, at, at, null],
    email: [tenant, id, email, null, 1, 0],
    phone: [tenant, id, phone, null, 1, 0],
    ref: [tenant, ref.system, ref.externalId, id],
    history: [tenant, uuidv7(), "relation", id, "create", 1, JSON.stringify(changes), "bench", "bench", at],
    search: searchRow(tenant, "relation", id, relationSearchText(record as unknown as Parameters<typeof relationSearchText>[0])),
    outbox: { values: [tenant, uuidv7(), "relation.created", "relation", id, JSON.stringify(record), "bench", "bench", at] },
  };
}

/** The rows for one interaction input. */
export function interactionRows(tenant: string, input: InteractionInput, at: string) {
  const id = uuidv7();
  const occurredAt = new Date(input.occurredAt).toISOString();
  const participant = input.participants![0]!;
  const record = {
    id,
    kind: input.kind,
    direction: input.direction ?? null,
    channel: null,
    occurredAt,
    subject: input.subject ?? null,
    body: null,
    outcome: null,
    relationIds: input.relationIds,
    participants: [{ role: participant.role, relationId: null, address: participant.address, name: null }],
    externalKey: input.externalKey,
    version: 1,
    createdAt: at,
    updatedAt: at,
    deletedAt: null,
  };
  const changes = {
    kind: { from: null, to: input.kind },
    direction: { from: null, to: record.direction },
    occurredAt: { from: null, to: occurredAt },
    subject: { from: null, to: record.subject },
    relationIds: { from: null, to: record.relationIds },
    participants: { from: null, to: record.participants },
    externalKey: { from: null, to: input.externalKey },
  };
  return {
    interaction: [tenant, id, input.kind, record.direction, null, occurredAt, record.subject, null, null, input.externalKey, 1, at, at, null],
    links: input.relationIds!.map((relationId, position) => [tenant, id, relationId, occurredAt, position]),
    participant: [tenant, id, 0, participant.role, null, participant.address, null],
    history: [tenant, uuidv7(), "interaction", id, "create", 1, JSON.stringify(changes), "bench", "bench", at],
    search: searchRow(tenant, "interaction", id, interactionSearchText(record)),
    outbox: { values: [tenant, uuidv7(), "interaction.logged", "interaction", id, JSON.stringify(record), "bench", "bench", at] },
  };
}

/** The `kb_search_documents` row of a record. */
function searchRow(tenant: string, entity: string, id: string, text: { title: string; body: string }): unknown[] {
  return [tenant, entity, id, text.title, text.body];
}
