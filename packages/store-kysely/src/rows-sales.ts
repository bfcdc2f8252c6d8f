import {
  toInstant,
  type AttributeValues,
  type DealRecord,
  type LostReasonRecord,
  type OrderRecord,
  type ProductRecord,
  type QuoteLineRecord,
  type QuoteRecord,
  type StageRecord,
  type StageVisitRecord,
} from "@kaartenbak/core/storage";
import { type QuoteStatus, type StageKind } from "@kaartenbak/core";
import type { Selectable } from "kysely";
import { fromJson, toJson, toNullableInstant, toNumber } from "./rows.js";
import type { DealRow, LostReasonRow, OrderRow, ProductRow, QuoteLineRow, QuoteRow, StageHistoryRow, StageRow } from "./schema-sales.js";

/** Row ↔ record mapping of the sales tables; lenient on read like `rows.ts` (pg hands out bigint as text). */

/** A sum or other 64-bit aggregate as read: text (we cast sums to text), number or bigint; null as 0. */
export function toBigInt(value: unknown): bigint {
  if (value === null || value === undefined) return 0n;
  if (typeof value === "bigint") return value;
  if (typeof value === "number") return BigInt(value);
  return BigInt(String(value));
}

/** A stage record from its row. */
export function stageFromRow(row: Selectable<StageRow>): StageRecord {
  return {
    id: row.id,
    pipelineId: row.pipeline_id,
    name: row.name,
    position: toNumber(row.position),
    probability: toNumber(row.probability),
    kind: row.kind as StageKind,
    retiredAt: toNullableInstant(row.retired_at),
    version: toNumber(row.version),
    createdAt: toInstant(row.created_at),
    updatedAt: toInstant(row.updated_at),
  };
}

/** The columns of a stage. */
export function stageColumns(record: StageRecord) {
  return {
    pipeline_id: record.pipelineId,
    name: record.name,
    position: record.position,
    probability: record.probability,
    kind: record.kind,
    retired_at: record.retiredAt,
    version: record.version,
    created_at: record.createdAt,
    updated_at: record.updatedAt,
  };
}

/** A lost reason from its row. */
export function lostReasonFromRow(row: Selectable<LostReasonRow>): LostReasonRecord {
  return {
    code: row.code,
    label: row.label,
    retiredAt: toNullableInstant(row.retired_at),
    version: toNumber(row.version),
    createdAt: toInstant(row.created_at),
    updatedAt: toInstant(row.updated_at),
  };
}

/** A deal record from its row and its (ordered) contact ids. */
export function dealFromRow(row: Selectable<DealRow>, contactIds: readonly string[]): DealRecord {
  return {
    id: row.id,
    title: row.title,
    relationId: row.relation_id,
    contactIds,
    ownerId: row.owner_id,
    pipelineId: row.pipeline_id,
    stageId: row.stage_id,
    status: row.status as DealRecord["status"],
    amount: toNumber(row.amount),
    currency: row.currency,
    expectedCloseDate: row.expected_close_date,
    source: row.source,
    lostReason: row.lost_reason,
    closedAt: toNullableInstant(row.closed_at),
    attributes: fromJson(row.attributes) as AttributeValues,
    attributesVersion: toNumber(row.attributes_version),
    version: toNumber(row.version),
    createdAt: toInstant(row.created_at),
    updatedAt: toInstant(row.updated_at),
    deletedAt: toNullableInstant(row.deleted_at),
  };
}

/** The columns of a deal, without tenant and id. */
export function dealColumns(record: DealRecord) {
  return {
    title: record.title,
    relation_id: record.relationId,
    owner_id: record.ownerId,
    pipeline_id: record.pipelineId,
    stage_id: record.stageId,
    status: record.status,
    amount: record.amount,
    currency: record.currency,
    expected_close_date: record.expectedCloseDate,
    source: record.source,
    lost_reason: record.lostReason,
    closed_at: record.closedAt,
    attributes: toJson(record.attributes),
    attributes_version: record.attributesVersion,
    version: record.version,
    created_at: record.createdAt,
    updated_at: record.updatedAt,
    deleted_at: record.deletedAt,
  };
}

/** A stay from its row. */
export function visitFromRow(row: Selectable<StageHistoryRow>): StageVisitRecord {
  return {
    id: row.id,
    dealId: row.deal_id,
    pipelineId: row.pipeline_id,
    stageId: row.stage_id,
    enteredAt: toInstant(row.entered_at),
    leftAt: toNullableInstant(row.left_at),
  };
}

/** A product from its row. */
export function productFromRow(row: Selectable<ProductRow>): ProductRecord {
  return {
    id: row.id,
    code: row.code,
    name: row.name,
    description: row.description,
    unitPrice: toNumber(row.unit_price),
    currency: row.currency,
    taxRatePpm: toNumber(row.tax_rate_ppm),
    retiredAt: toNullableInstant(row.retired_at),
    version: toNumber(row.version),
    createdAt: toInstant(row.created_at),
    updatedAt: toInstant(row.updated_at),
  };
}

/** The columns of a product, without tenant and id. */
export function productColumns(record: ProductRecord) {
  return {
    code: record.code,
    name: record.name,
    description: record.description,
    unit_price: record.unitPrice,
    currency: record.currency,
    tax_rate_ppm: record.taxRatePpm,
    retired_at: record.retiredAt,
    version: record.version,
    created_at: record.createdAt,
    updated_at: record.updatedAt,
  };
}

/** A quote line from its row. */
export function quoteLineFromRow(row: Selectable<QuoteLineRow>): QuoteLineRecord {
  return {
    position: toNumber(row.position),
    productId: row.product_id,
    description: row.description,
    quantityMilli: toNumber(row.quantity_milli),
    unitPrice: toNumber(row.unit_price),
    discountPpm: toNumber(row.discount_ppm),
    taxRatePpm: toNumber(row.tax_rate_ppm),
    net: toNumber(row.net),
    tax: toNumber(row.tax),
    total: toNumber(row.total),
  };
}

/** A quote from its row and its lines. */
export function quoteFromRow(row: Selectable<QuoteRow>, lines: readonly QuoteLineRecord[]): QuoteRecord {
  return {
    id: row.id,
    groupId: row.group_id,
    revision: toNumber(row.revision),
    dealId: row.deal_id,
    relationId: row.relation_id,
    title: row.title,
    currency: row.currency,
    status: row.status as QuoteStatus,
    validUntil: row.valid_until,
    notes: row.notes,
    lines: [...lines].sort((a, b) => a.position - b.position),
    subtotal: toNumber(row.subtotal),
    taxTotal: toNumber(row.tax_total),
    total: toNumber(row.total),
    sentAt: toNullableInstant(row.sent_at),
    decidedAt: toNullableInstant(row.decided_at),
    supersededById: row.superseded_by_id,
    version: toNumber(row.version),
    createdAt: toInstant(row.created_at),
    updatedAt: toInstant(row.updated_at),
  };
}

/** The columns of a quote, without tenant and id. */
export function quoteColumns(record: QuoteRecord) {
  return {
    group_id: record.groupId,
    revision: record.revision,
    deal_id: record.dealId,
    relation_id: record.relationId,
    title: record.title,
    currency: record.currency,
    status: record.status,
    valid_until: record.validUntil,
    notes: record.notes,
    subtotal: record.subtotal,
    tax_total: record.taxTotal,
    total: record.total,
    sent_at: record.sentAt,
    decided_at: record.decidedAt,
    superseded_by_id: record.supersededById,
    version: record.version,
    created_at: record.createdAt,
    updated_at: record.updatedAt,
  };
}

/** An order from its row. */
export function orderFromRow(row: Selectable<OrderRow>): OrderRecord {
  return {
    id: row.id,
    relationId: row.relation_id,
    dealId: row.deal_id,
    quoteId: row.quote_id,
    orderDate: row.order_date,
    currency: row.currency,
    netAmount: toNumber(row.net_amount),
    taxAmount: toNumber(row.tax_amount),
    totalAmount: toNumber(row.total_amount),
    description: row.description,
    externalRef: row.external_system !== null && row.external_id !== null ? { system: row.external_system, externalId: row.external_id } : null,
    cancelledAt: toNullableInstant(row.cancelled_at),
    version: toNumber(row.version),
    createdAt: toInstant(row.created_at),
    updatedAt: toInstant(row.updated_at),
  };
}

/** The columns of an order, without tenant and id. */
export function orderColumns(record: OrderRecord) {
  return {
    relation_id: record.relationId,
    deal_id: record.dealId,
    quote_id: record.quoteId,
    order_date: record.orderDate,
    currency: record.currency,
    net_amount: record.netAmount,
    tax_amount: record.taxAmount,
    total_amount: record.totalAmount,
    description: record.description,
    external_system: record.externalRef?.system ?? null,
    external_id: record.externalRef?.externalId ?? null,
    cancelled_at: record.cancelledAt,
    version: record.version,
    created_at: record.createdAt,
    updated_at: record.updatedAt,
  };
}
