/**
 * The sales half of the storage contract: pipelines, lost reasons, deals with their stage history,
 * products, quotes, orders, and the report aggregates. Same conventions as `storage.ts`: every
 * repository is bound to one tenant inside one transaction; core owns every rule and computes every
 * field (versions, totals, statuses), repositories only store, find and aggregate.
 *
 * Money in records is integer minor units (JS numbers within the safe range). Report aggregates
 * return sums as `bigint`, because a sum of safe amounts (or of amount × probability) may not be.
 */
import type { CalendarDate, Instant } from "./model/common.js";
import type { Deal, LostReason, StageVisit } from "./model/deal.js";
import type { OrderRecord } from "./model/order.js";
import type { Pipeline, Stage } from "./model/pipeline.js";
import type { ProductRecord } from "./model/product.js";
import type { QuoteRecord } from "./model/quote.js";

/** A pipeline as stored: the domain {@link Pipeline} with every stage. */
export type PipelineRecord = Pipeline;
/** A stage as stored. */
export type StageRecord = Stage;

/** Pipelines and their stages. Stages are never deleted (deals and history point at them). */
export interface PipelineStore {
  /** Inserts a pipeline and its stages. */
  insert(record: PipelineRecord): Promise<void>;
  /**
   * Replaces the pipeline row and upserts every stage in `record.stages` (by id) when the stored
   * pipeline version equals `expectedVersion`; false, changing nothing, otherwise.
   */
  update(record: PipelineRecord, expectedVersion: number): Promise<boolean>;
  /** One pipeline with its stages (by position). */
  get(id: string): Promise<PipelineRecord | undefined>;
  /** Every pipeline of the tenant, oldest first, with stages. */
  list(): Promise<PipelineRecord[]>;
  /** One stage by id, whatever its pipeline. */
  getStage(id: string): Promise<StageRecord | undefined>;
}

/** A lost reason as stored. */
export type LostReasonRecord = LostReason;

/** The tenant's list of lost reasons. */
export interface LostReasonStore {
  /** Inserts a reason. Throws DUPLICATE when the code is taken. */
  insert(record: LostReasonRecord): Promise<void>;
  /** Replaces a reason when its version equals `expectedVersion`; false otherwise. */
  update(record: LostReasonRecord, expectedVersion: number): Promise<boolean>;
  /** One reason by code. */
  get(code: string): Promise<LostReasonRecord | undefined>;
  /** Every reason, by code. */
  list(): Promise<LostReasonRecord[]>;
}

/** A deal as stored: the domain {@link Deal} with its contact list. */
export type DealRecord = Deal;
/** A stay of a deal in a stage, as stored in the stage history. */
export type StageVisitRecord = StageVisit;

/** A page request over deals, newest first. */
export interface DealListQuery {
  /** Only deals of this pipeline. */
  readonly pipelineId?: string;
  /** Only deals of this customer. */
  readonly relationId?: string;
  /** Only open, won or lost deals. */
  readonly status?: Deal["status"];
  /** Start after this position (exclusive): the last deal of the previous page. */
  readonly after?: { readonly createdAt: Instant; readonly id: string };
  /** Page size. */
  readonly limit: number;
}

/** Deals, their contact people and their stage history. */
export interface DealStore {
  /** Inserts a deal and its contacts. Throws INTEGRITY when a relation, stage or lost reason is missing. */
  insert(record: DealRecord): Promise<void>;
  /** Replaces a deal (and its contacts) when its version equals `expectedVersion`; false otherwise. */
  update(record: DealRecord, expectedVersion: number): Promise<boolean>;
  /** One deal by id, deleted or not. */
  get(id: string): Promise<DealRecord | undefined>;
  /** Several deals by id, in no particular order; unknown ids are left out. */
  getMany(ids: readonly string[]): Promise<DealRecord[]>;
  /** Non-deleted deals, newest first (`createdAt` desc, then `id` desc). */
  list(query: DealListQuery): Promise<DealRecord[]>;
  /** Appends a stay (normally with `leftAt` null: the deal's current stage). */
  openVisit(visit: StageVisitRecord): Promise<void>;
  /** Sets `leftAt` on the deal's open stay, if it has one. */
  closeVisit(dealId: string, leftAt: Instant): Promise<void>;
  /** A deal's stays, oldest first. */
  visits(dealId: string): Promise<StageVisitRecord[]>;
}

/** Products of the catalogue. */
export interface ProductStore {
  /** Inserts a product. Throws DUPLICATE when the code is taken. */
  insert(record: ProductRecord): Promise<void>;
  /** Replaces a product when its version equals `expectedVersion`; false otherwise. Throws DUPLICATE on a taken code. */
  update(record: ProductRecord, expectedVersion: number): Promise<boolean>;
  /** One product by id. */
  get(id: string): Promise<ProductRecord | undefined>;
  /** Several products by id; unknown ids are left out. */
  getMany(ids: readonly string[]): Promise<ProductRecord[]>;
  /** The product with this code. */
  getByCode(code: string): Promise<ProductRecord | undefined>;
  /** Every product, by code. */
  list(): Promise<ProductRecord[]>;
}

/** Quotes and their lines. */
export interface QuoteStore {
  /** Inserts a quote and its lines. Throws DUPLICATE when the (group, revision) pair is taken. */
  insert(record: QuoteRecord): Promise<void>;
  /** Replaces a quote and its lines when its version equals `expectedVersion`; false otherwise. */
  update(record: QuoteRecord, expectedVersion: number): Promise<boolean>;
  /** One quote with its lines. */
  get(id: string): Promise<QuoteRecord | undefined>;
  /** Every revision sharing `groupId`, by revision. */
  listGroup(groupId: string): Promise<QuoteRecord[]>;
  /** Every quote of a deal, by group and revision. */
  listForDeal(dealId: string): Promise<QuoteRecord[]>;
}

/** Orders. */
export interface OrderStore {
  /** Inserts an order. Throws DUPLICATE when its quote or external reference already has an order. */
  insert(record: OrderRecord): Promise<void>;
  /** Replaces an order when its version equals `expectedVersion`; false otherwise. */
  update(record: OrderRecord, expectedVersion: number): Promise<boolean>;
  /** One order by id. */
  get(id: string): Promise<OrderRecord | undefined>;
  /** The order made from a quote. */
  getByQuote(quoteId: string): Promise<OrderRecord | undefined>;
  /** The order holding an external reference. */
  findByExternalRef(system: string, externalId: string): Promise<OrderRecord | undefined>;
  /** A customer's orders, newest order date first. */
  listForRelation(relationId: string): Promise<OrderRecord[]>;
}

/** Half-open date bounds of an aggregate: `from <= day < to`, null for open. */
export interface AggregateRange {
  /** First day included, or null for no lower bound. */
  readonly from: CalendarDate | null;
  /** First day no longer included, or null for no upper bound. */
  readonly to: CalendarDate | null;
}

/** Funnel aggregates of one pipeline. Deleted deals are never counted. */
export interface FunnelAggregate {
  /** Deals now in each stage, per currency. */
  readonly current: ReadonlyArray<{ readonly stageId: string; readonly currency: string; readonly deals: number; readonly amount: bigint }>;
  /** Distinct deals per stage with a stay that began within the range. */
  readonly entered: ReadonlyArray<{ readonly stageId: string; readonly deals: number }>;
  /**
   * Per open or won stage S: distinct deals with a stay that began within the range in a stage T of
   * the pipeline whose kind is not lost and whose position is at least S's.
   */
  readonly reached: ReadonlyArray<{ readonly stageId: string; readonly deals: number }>;
}

/** What the forecast aggregates over. */
export interface ForecastAggregateQuery {
  /** One pipeline, or null for all. */
  readonly pipelineId: string | null;
  readonly granularity: "month" | "quarter";
  readonly range: { readonly from: CalendarDate; readonly to: CalendarDate };
  /** Open deals in stages with at least this probability are committed. */
  readonly committedProbability: number;
}

/** A period bucket: year and month (1–12) or quarter (1–4). */
export interface PeriodKey {
  readonly year: number;
  readonly index: number;
}

/** Forecast aggregates per period and currency. */
export interface ForecastAggregate {
  /** Open deals by expected close date. */
  readonly open: ReadonlyArray<
    PeriodKey & { readonly currency: string; readonly deals: number; readonly amount: bigint; readonly weightedSum: bigint; readonly committedAmount: bigint }
  >;
  /** Won deals by the UTC day they were won. */
  readonly won: ReadonlyArray<PeriodKey & { readonly currency: string; readonly deals: number; readonly amount: bigint }>;
}

/** Per-owner aggregates of deals closed within the range. */
export interface OwnerAggregate {
  /** Closed deals per owner, currency and outcome. */
  readonly closed: ReadonlyArray<{
    readonly ownerId: string | null;
    readonly currency: string;
    readonly status: "won" | "lost";
    readonly deals: number;
    readonly amount: bigint;
  }>;
  /** Won deals per owner with the summed milliseconds from creation to close. */
  readonly cycles: ReadonlyArray<{ readonly ownerId: string | null; readonly deals: number; readonly totalMs: bigint }>;
}

/** How the order aggregate groups: a relation column, the relation's tags, or one custom attribute. */
export type OrderGrouping = { readonly by: "customer" | "tag" | "lifecycle" | "owner" } | { readonly by: "attribute"; readonly name: string };

/** One group of the order aggregate. */
export interface OrderAggregateRow {
  /** The group's key; for an attribute its value as JSON text (e.g. `"retail"` with quotes, `42`, `true`). */
  readonly key: string | null;
  /** The relation's name when grouping by customer. */
  readonly label: string | null;
  readonly currency: string;
  readonly orders: number;
  readonly net: bigint;
}

/** Stage-duration aggregates over completed stays that ended within the range. */
export interface VelocityAggregateRow {
  readonly stageId: string;
  readonly visits: number;
  readonly totalMs: bigint;
  /** The sum of the middle stay (odd count) or the two middle stays (even count), in ms. */
  readonly middleMs: bigint;
  /** 1 or 2. */
  readonly middleCount: number;
}

/** Report aggregates, each one set of SQL queries; core turns them into reports. */
export interface ReportStore {
  /** Funnel aggregates of a pipeline. */
  funnel(pipelineId: string, range: AggregateRange): Promise<FunnelAggregate>;
  /** Forecast aggregates. */
  forecast(query: ForecastAggregateQuery): Promise<ForecastAggregate>;
  /** Per-owner aggregates of deals closed in the range, optionally of one pipeline. */
  ownerResults(pipelineId: string | null, range: AggregateRange): Promise<OwnerAggregate>;
  /** Non-cancelled orders with an order date in the range, grouped. */
  orders(grouping: OrderGrouping, range: AggregateRange): Promise<OrderAggregateRow[]>;
  /** Stage-duration aggregates of a pipeline. */
  stageVelocity(pipelineId: string, range: AggregateRange): Promise<VelocityAggregateRow[]>;
}
