import {
  toInstant as parseInstant,
  type AttributeModelRecord,
  type AttributeValues,
  type InteractionRecord,
  type LinkRecord,
  type OutboxEvent,
  type RelationRecord,
} from "@kaartenbak/core/storage";
import {
  type Direction,
  type EntityType,
  type HistoryEntry,
  type Instant,
  type Lifecycle,
  type LinkKind,
  type Participant,
  type ParticipantRole,
  type PostalAddress,
  type RelationKind,
} from "@kaartenbak/core";
import type { FieldChange, HistoryAction } from "@kaartenbak/core/storage";
import type { Insertable, Selectable } from "kysely";
import type {
  AttributeModelRow,
  HistoryRow,
  InteractionParticipantRow,
  InteractionRow,
  LinkRow,
  OutboxRow,
  RelationEmailRow,
  RelationPhoneRow,
  RelationRefRow,
  RelationRow,
} from "./schema.js";

/**
 * Row ↔ record mapping. Drivers disagree on types (pg returns `timestamptz` as Date, `bigint` as
 * string and `jsonb` parsed; better-sqlite3 returns text and numbers), so every read goes through
 * these lenient converters and every record leaves in one canonical shape.
 */

/** JSON text for a JSON column; `undefined` is stored as `null` so NOT NULL columns stay valid. */
export function toJson(value: unknown): string {
  return JSON.stringify(value ?? null);
}

/** A JSON column's value: text is parsed, a driver-parsed value is taken as is. */
export function fromJson(value: unknown): unknown {
  return typeof value === "string" ? JSON.parse(value) : value;
}

/** A numeric column's value as a JS number (pg hands out `bigint` as a string). */
export function toNumber(value: number | string | bigint): number {
  return typeof value === "number" ? value : Number(value);
}

/** `YYYY-MM-DDTHH:mm:ss.sssZ`, exactly what `Date.prototype.toISOString` writes for years 0000-9999. */
const CANONICAL_INSTANT = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;

/**
 * An instant column in canonical form. The store writes instants as `toISOString()` text, so on
 * SQLite a stored value is already canonical and is returned as is: parsing it into a Date and
 * formatting it back was a measurable share of every read. Dates (pg) and other text are parsed.
 */
export function toInstant(value: Date | string): Instant {
  return typeof value === "string" && value.length === 24 && CANONICAL_INSTANT.test(value) ? value : parseInstant(value);
}

/** A nullable instant column in canonical form. */
export function toNullableInstant(value: Date | string | null): Instant | null {
  return value === null ? null : toInstant(value);
}

/** Code-unit order, the order JavaScript's default sort and core use; never the database collation. */
export function compareText(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** The child rows of one relation, as loaded in batch. */
export interface RelationChildren {
  readonly emails: readonly Pick<Selectable<RelationEmailRow>, "email" | "label" | "is_primary" | "position">[];
  readonly phones: readonly Pick<Selectable<RelationPhoneRow>, "phone" | "label" | "is_primary" | "position">[];
  readonly tags: readonly string[];
  readonly refs: readonly Pick<Selectable<RelationRefRow>, "system" | "external_id">[];
}

const byPosition = (a: { position: number | string }, b: { position: number | string }) => toNumber(a.position) - toNumber(b.position);

/** Assembles a relation record from its row and child rows. */
export function relationFromRows(row: Selectable<RelationRow>, children: RelationChildren): RelationRecord {
  return {
    id: row.id,
    kind: row.kind as RelationKind,
    name: row.name,
    givenName: row.given_name,
    familyName: row.family_name,
    lifecycle: row.lifecycle as Lifecycle,
    ownerId: row.owner_id,
    emails: [...children.emails].sort(byPosition).map((e) => ({ address: e.email, label: e.label, primary: toNumber(e.is_primary) === 1 })),
    phones: [...children.phones].sort(byPosition).map((p) => ({ number: p.phone, label: p.label, primary: toNumber(p.is_primary) === 1 })),
    addresses: fromJson(row.addresses) as PostalAddress[],
    tags: [...children.tags].sort(compareText),
    attributes: fromJson(row.attributes) as AttributeValues,
    attributesVersion: toNumber(row.attributes_version),
    externalRefs: [...children.refs]
      .sort((a, b) => compareText(a.system, b.system) || compareText(a.external_id, b.external_id))
      .map((r) => ({ system: r.system, externalId: r.external_id })),
    version: toNumber(row.version),
    createdAt: toInstant(row.created_at),
    updatedAt: toInstant(row.updated_at),
    deletedAt: toNullableInstant(row.deleted_at),
  };
}

/** The `kb_relations` row of a record, without tenant and key columns that never change on update. */
export function relationColumns(record: RelationRecord, nameKey: string) {
  return {
    kind: record.kind,
    name: record.name,
    name_key: nameKey,
    given_name: record.givenName,
    family_name: record.familyName,
    lifecycle: record.lifecycle,
    owner_id: record.ownerId,
    addresses: toJson(record.addresses),
    attributes: toJson(record.attributes),
    attributes_version: record.attributesVersion,
    version: record.version,
    created_at: record.createdAt,
    updated_at: record.updatedAt,
    deleted_at: record.deletedAt,
  } satisfies Partial<Insertable<RelationRow>>;
}

/** A link record from its row. */
export function linkFromRow(row: Selectable<LinkRow>): LinkRecord {
  return {
    id: row.id,
    kind: row.kind as LinkKind,
    fromId: row.from_id,
    toId: row.to_id,
    role: row.role,
    jobTitle: row.job_title,
    validFrom: row.valid_from,
    validTo: row.valid_to,
    version: toNumber(row.version),
    createdAt: toInstant(row.created_at),
    updatedAt: toInstant(row.updated_at),
  };
}

/** A participant from its row. */
export function participantFromRow(row: Selectable<InteractionParticipantRow>): Participant {
  return { role: row.role as ParticipantRole, relationId: row.relation_id, address: row.address, name: row.name };
}

/** An interaction record from its row plus its (ordered) relation ids and participants. */
export function interactionFromRow(row: Selectable<InteractionRow>, relationIds: readonly string[], participants: readonly Participant[]): InteractionRecord {
  return {
    id: row.id,
    kind: row.kind,
    direction: row.direction as Direction | null,
    channel: row.channel,
    occurredAt: toInstant(row.occurred_at),
    subject: row.subject,
    body: row.body,
    outcome: row.outcome,
    relationIds,
    participants,
    externalKey: row.external_key,
    version: toNumber(row.version),
    createdAt: toInstant(row.created_at),
    updatedAt: toInstant(row.updated_at),
    deletedAt: toNullableInstant(row.deleted_at),
  };
}

/** A history entry from its row. */
export function historyFromRow(row: Selectable<HistoryRow>): HistoryEntry {
  return {
    id: row.id,
    entityType: row.entity_type as EntityType,
    entityId: row.entity_id,
    action: row.action as HistoryAction,
    version: toNumber(row.version),
    changes: fromJson(row.changes) as Record<string, FieldChange>,
    actor: row.actor,
    source: row.source,
    at: toInstant(row.at),
  };
}

/** An outbox event from its row. */
export function outboxFromRow(row: Selectable<OutboxRow>): OutboxEvent {
  return {
    sequence: toNumber(row.sequence),
    id: row.id,
    type: row.type,
    entityType: row.entity_type as EntityType,
    entityId: row.entity_id,
    payload: fromJson(row.payload),
    actor: row.actor,
    source: row.source,
    occurredAt: toInstant(row.occurred_at),
  };
}

/** An attribute model record from its row. */
export function attributeModelFromRow(row: Selectable<AttributeModelRow>): AttributeModelRecord {
  return {
    version: toNumber(row.version),
    fingerprint: row.fingerprint,
    definition: fromJson(row.definition),
    recordedAt: toInstant(row.recorded_at),
  };
}
