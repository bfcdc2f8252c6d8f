/**
 * @kaartenbak/core — the CRM domain, its services and the storage contract.
 *
 * Start with {@link createCrm}; pick a storage adapter from `@kaartenbak/adapter-sqlite` or
 * `@kaartenbak/adapter-postgres`. Adapter authors implement {@link StorageAdapter} and run the
 * conformance suite from `@kaartenbak/core/testing`.
 */
export { createCrm, type Crm, type TenantCrm, type TenantOptions } from "./crm.js";
export type { CrmOptions } from "./context.js";
export {
  CrmError,
  isCrmError,
  notFound,
  staleVersion,
  validationError,
  type CrmErrorCode,
  type CrmErrorDetails,
  type CrmErrorOptions,
  type ValidationIssue,
} from "./errors.js";
export { assertTenantId, uuidv7, type TenantId } from "./ids.js";
export { nameKey, normaliseEmail, normalisePhone, type PhoneRegion } from "./normalise.js";
export { encodeCursor, decodeCursor } from "./cursor.js";
export {
  defineAttributes,
  emptyRegistry,
  moneySchema,
  type AttributeDefinition,
  type AttributeRegistry,
  type AttributeValue,
  type AttributeValues,
  type BooleanAttribute,
  type DateAttribute,
  type EnumAttribute,
  type InferAttributes,
  type Money,
  type MoneyAttribute,
  type NumberAttribute,
  type StringAttribute,
  type ValueOf,
} from "./attributes/registry.js";
export { toInstant, type Actor, type CalendarDate, type Instant } from "./model/common.js";
export { LIFECYCLES, RELATION_KINDS, type Lifecycle, type RelationKind } from "./model/relation-kind.js";
export type { EmailAddress, ExternalRef, PhoneNumber, PostalAddress, Relation, RelationInput, RelationPatch } from "./model/relation.js";
export { LINK_KINDS, type EmploymentLink, type HouseholdLink, type Link, type LinkInput, type LinkKind, type LinkPatch, type ParentLink } from "./model/link.js";
export {
  DIRECTIONS,
  INTERACTION_KINDS,
  PARTICIPANT_ROLES,
  type BuiltInInteractionKind,
  type Direction,
  type Interaction,
  type InteractionInput,
  type InteractionPatch,
  type Participant,
  type ParticipantRole,
} from "./model/interaction.js";
export type { EntityType, FieldChange, HistoryAction, HistoryEntry, OutboxEvent } from "./model/journal.js";
export type { CommandOptions } from "./services/command.js";
export type { RelationService, UpsertResult, VersionedOptions } from "./services/relations.js";
export type { LinkService } from "./services/links.js";
export type { InteractionService, LogResult, TimelineOptions, TimelinePage } from "./services/interactions.js";
export type { HistoryService, OutboxService } from "./services/journal.js";
export type {
  AttributeModelRecord,
  AttributeModelStore,
  InteractionRecord,
  InteractionStore,
  JournalStore,
  LinkRecord,
  LinkStore,
  MigrationReport,
  NewOutboxEvent,
  RelationRecord,
  RelationStore,
  StorageAdapter,
  StorageCapabilities,
  StoredAttributes,
  TenantStore,
  TimelineCursor,
  TimelineQuery,
  TransactionOptions,
} from "./storage.js";
export type { BulkOptions, BulkResult, BulkService } from "./services/bulk.js";
export type { BulkStore } from "./storage-bulk.js";
export type {
  SkippedItem,
  SyncEntityType,
  SyncFailure,
  SyncItemRecord,
  SyncLeaseRecord,
  SyncStage,
  SyncStateRecord,
  SyncStore,
  SyncTotals,
} from "./storage-sync.js";
// Sales: pipelines, deals, products, quotes, orders and reports.
export { currencyDigits, formatScaled, lineAmounts, parseScaled, roundHalfUp, sumLines, type LineAmounts, type LineInputUnits } from "./money.js";
export type { ExchangeRate, CurrencyOptions } from "./model/money.js";
export { impliedProbability, STAGE_KINDS, type Pipeline, type PipelineInput, type PipelinePatch, type Stage, type StageInput, type StageKind, type StagePatch } from "./model/pipeline.js";
export { DEAL_STATUSES, type Deal, type DealInput, type DealPatch, type DealStatus, type LostReason, type LostReasonInput, type StageMove, type StageVisit } from "./model/deal.js";
export type { Product, ProductInput, ProductPatch, ProductRecord } from "./model/product.js";
export { QUOTE_STATUSES, QUOTE_TRANSITIONS, type Quote, type QuoteInput, type QuoteLine, type QuoteLineInput, type QuoteLineRecord, type QuotePatch, type QuoteRecord, type QuoteStatus } from "./model/quote.js";
export type { Order, OrderInput, OrderRecord } from "./model/order.js";
export type {
  ForecastPeriod,
  ForecastQuery,
  ForecastReport,
  FunnelQuery,
  FunnelReport,
  FunnelStage,
  Granularity,
  OrdersGroup,
  OrdersGroupBy,
  OrdersQuery,
  OrdersReport,
  OwnerResult,
  OwnerResultsQuery,
  OwnerResultsReport,
  ReportPeriod,
  VelocityQuery,
  VelocityReport,
  VelocityStage,
} from "./model/report.js";
export type { PipelineService } from "./services/pipelines.js";
export type { LostReasonService } from "./services/lost-reasons.js";
export type { DealListOptions, DealPage, DealService } from "./services/deals.js";
export type { ProductService } from "./services/products.js";
export type { AcceptOptions, AcceptResult, QuoteService } from "./services/quotes.js";
export type { OrderService, RecordOrderResult } from "./services/orders.js";
export type { ReportService } from "./services/reports.js";
export type { DealTimelineQuery } from "./storage.js";
export type {
  AggregateRange,
  DealListQuery,
  DealRecord,
  DealStore,
  FunnelAggregate,
  ForecastAggregate,
  ForecastAggregateQuery,
  LostReasonRecord,
  LostReasonStore,
  OrderAggregateRow,
  OrderGrouping,
  OrderStore,
  OwnerAggregate,
  PeriodKey,
  PipelineRecord,
  PipelineStore,
  ProductStore,
  QuoteStore,
  ReportStore,
  StageRecord,
  StageVisitRecord,
  VelocityAggregateRow,
} from "./storage-sales.js";
export type { AttributeTarget } from "./attributes/registry.js";
// Segmentation: the filter language, segments, consent, campaigns and customer value.
export {
  COMPARISON_OPERATORS,
  FILTER_FIELDS,
  FILTER_OPERATORS,
  FILTER_VERSION,
  LINK_PATHS,
  conditionSchema,
  filterSchema,
  type AndCondition,
  type AttributeCondition,
  type ComparisonOperator,
  type Condition,
  type CountComparison,
  type DealsCondition,
  type FieldCondition,
  type Filter,
  type FilterField,
  type FilterOperator,
  type FilterScalar,
  type FilterValue,
  type InteractionsCondition,
  type LinkCondition,
  type LinkPath,
  type MoneyComparison,
  type NotCondition,
  type OrCondition,
  type OrdersCondition,
  type RelativeTime,
  type SegmentCondition,
  type TagsCondition,
  type TimePoint,
  type TimeWindow,
} from "./filter/schema.js";
export { validateFilter, type FilterEnvironment, type ValueType } from "./filter/validate.js";
export { resolveFilter, type ResolveEnvironment, type SegmentReference } from "./filter/resolve.js";
export { addDays, addMonths, dayOf } from "./filter/time.js";
export { compareNumbers, type Measure, type Operand, type RelationTextColumn, type ResolvedComparison, type ResolvedCondition, type ResolvedDeals, type ResolvedInteractions, type ResolvedLink, type ResolvedOrders, type TextMatch } from "./filter/resolved.js";
export { compareCodePoints, evaluateFilter, referencePredicate, type FilterDataset } from "./filter/reference.js";
export {
  filterBuilder,
  type AggregateOps,
  type AnyOps,
  type AttributeOps,
  type BooleanOps,
  type EqualityOps,
  type FieldOps,
  type FilterBuilder,
  type InstantOps,
  type MoneyAggregateOps,
  type NumberOps,
  type OrderedOps,
  type TextOps,
} from "./filter/builder.js";
export { SEGMENT_KINDS, type MemberPage, type PageOptions, type Segment, type SegmentInput, type SegmentKind, type SegmentPatch, type SegmentRecord } from "./model/segment.js";
export {
  CONSENT_ACTIONS,
  CONSENT_CHANNELS,
  LEGAL_BASES,
  SUPPRESSION_ACTIONS,
  contactBlock,
  deriveConsent,
  ledgerOrder,
  type ConsentAction,
  type ConsentChannel,
  type ConsentEntry,
  type ConsentInput,
  type ConsentState,
  type ConsentStatus,
  type ContactBlock,
  type LegalBasis,
  type SuppressionAction,
  type SuppressionEntry,
  type SuppressionInput,
} from "./model/consent.js";
export {
  CAMPAIGN_STATUSES,
  EXCLUSION_REASONS,
  MEMBER_PROGRESS,
  MEMBER_STATUSES,
  canMoveMember,
  type Campaign,
  type CampaignInput,
  type CampaignMember,
  type CampaignMemberRecord,
  type CampaignPatch,
  type CampaignRecord,
  type CampaignResults,
  type CampaignStatus,
  type ExclusionReason,
  type LaunchResult,
  type MailingListEntry,
  type MemberStatus,
  type MemberUpdate,
} from "./model/campaign.js";
export type {
  CrossSellPair,
  CrossSellQuery,
  CrossSellReport,
  LifetimeValueQuery,
  LifetimeValueReport,
  LifetimeValueRow,
  RfmQuery,
  RfmReport,
  RfmRow,
  SegmentValueQuery,
  SegmentValueReport,
  SegmentValueRow,
} from "./model/customer-value.js";
export { csvField, csvRecord, parseCsv } from "./csv.js";
export type { EvaluationOptions, SegmentService } from "./services/segments.js";
export type { ConsentService } from "./services/consent.js";
export type { CampaignService } from "./services/campaigns.js";
export type { CustomerValueService } from "./services/customer-value.js";
export type {
  CampaignStore,
  ConsentStore,
  CurrencyAggregate,
  CustomerOrdersRow,
  DayRange,
  IdPage,
  MailingRow,
  MaterialiseInput,
  MemberQuery,
  MemberStatusWrite,
  RfmAggregateRow,
  SegmentStore,
  ValueReportStore,
} from "./storage-segments.js";
