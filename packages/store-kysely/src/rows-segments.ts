import type { CampaignMemberRecord, CampaignRecord, SegmentRecord } from "@kaartenbak/core/storage";
import type { ConsentChannel, ConsentEntry, ExclusionReason, Filter, LegalBasis, MemberStatus, SegmentKind, SuppressionEntry } from "@kaartenbak/core";
import { toInstant } from "@kaartenbak/core/storage";
import { sql, type Expression, type RawBuilder, type Selectable } from "kysely";
import type { ColumnTypeSpec } from "./dialect-profile.js";
import { fromJson, toJson, toNullableInstant, toNumber } from "./rows.js";
import type { CampaignMemberRow, CampaignRow, ConsentLedgerRow, SegmentRow, SuppressionLedgerRow } from "./schema-segments.js";

/** Row ↔ record mapping of the segmentation tables (lenient on read, like rows.ts). */

/** A bound value cast to a column type, for insert … select lists where Postgres cannot infer a parameter's type. */
export function typed(value: unknown, type: ColumnTypeSpec): RawBuilder<unknown> {
  const spec: Expression<unknown> = typeof type === "string" ? sql.raw(type) : type;
  return sql`cast(${value} as ${spec})`;
}

/** A segment record from its row. */
export function segmentFromRow(row: Selectable<SegmentRow>): SegmentRecord {
  return {
    id: row.id,
    name: row.name,
    description: row.description,
    kind: row.kind as SegmentKind,
    filter: row.filter === null ? null : (fromJson(row.filter) as Filter),
    sourceSegmentId: row.source_segment_id,
    takenAt: toNullableInstant(row.taken_at),
    version: toNumber(row.version),
    createdAt: toInstant(row.created_at),
    updatedAt: toInstant(row.updated_at),
    deletedAt: toNullableInstant(row.deleted_at),
  };
}

/** The `kb_segments` columns of a record, without the key. */
export function segmentColumns(record: SegmentRecord) {
  return {
    name: record.name,
    description: record.description,
    kind: record.kind,
    filter: record.filter === null ? null : toJson(record.filter),
    source_segment_id: record.sourceSegmentId,
    taken_at: record.takenAt,
    version: record.version,
    created_at: record.createdAt,
    updated_at: record.updatedAt,
    deleted_at: record.deletedAt,
  };
}

/** A consent entry from its row. */
export function consentFromRow(row: Selectable<ConsentLedgerRow>): ConsentEntry {
  return {
    id: row.id,
    relationId: row.relation_id,
    channel: row.channel as ConsentChannel,
    purpose: row.purpose,
    action: row.action as ConsentEntry["action"],
    legalBasis: row.legal_basis as LegalBasis | null,
    source: row.source,
    note: row.note,
    occurredAt: toInstant(row.occurred_at),
    recordedAt: toInstant(row.recorded_at),
    actor: row.actor,
  };
}

/** A suppression entry from its row. */
export function suppressionFromRow(row: Selectable<SuppressionLedgerRow>): SuppressionEntry {
  return {
    id: row.id,
    relationId: row.relation_id,
    channel: row.channel as SuppressionEntry["channel"],
    action: row.action as SuppressionEntry["action"],
    reason: row.reason,
    source: row.source,
    occurredAt: toInstant(row.occurred_at),
    recordedAt: toInstant(row.recorded_at),
    actor: row.actor,
  };
}

/** A campaign record from its row. */
export function campaignFromRow(row: Selectable<CampaignRow>): CampaignRecord {
  return {
    id: row.id,
    name: row.name,
    description: row.description,
    segmentId: row.segment_id,
    channel: row.channel as ConsentChannel,
    purpose: row.purpose,
    status: row.status as CampaignRecord["status"],
    launchedAt: toNullableInstant(row.launched_at),
    targeted: toNumber(row.targeted),
    excluded: toNumber(row.excluded),
    version: toNumber(row.version),
    createdAt: toInstant(row.created_at),
    updatedAt: toInstant(row.updated_at),
  };
}

/** The `kb_campaigns` columns of a record, without the key. */
export function campaignColumns(record: CampaignRecord) {
  return {
    name: record.name,
    description: record.description,
    segment_id: record.segmentId,
    channel: record.channel,
    purpose: record.purpose,
    status: record.status,
    launched_at: record.launchedAt,
    targeted: record.targeted,
    excluded: record.excluded,
    version: record.version,
    created_at: record.createdAt,
    updated_at: record.updatedAt,
  };
}

/** A campaign member from its row. */
export function memberFromRow(row: Selectable<CampaignMemberRow>): CampaignMemberRecord {
  return {
    campaignId: row.campaign_id,
    relationId: row.relation_id,
    status: row.status as MemberStatus,
    reason: row.reason as ExclusionReason | null,
    address: row.address,
    statusAt: toInstant(row.status_at),
    version: toNumber(row.version),
  };
}
