/**
 * @kaartenbak/core/storage — for storage-adapter authors: the storage contract, the records it
 * stores, the resolved filter tree the SQL compilers consume, and the helpers an adapter needs to
 * report errors the way core does.
 *
 * Apps do not need this entry. Adapters prove themselves with `testStorageAdapter()` from
 * `@kaartenbak/conformance`.
 */
export type {
  AttributeModelRecord,
  AttributeModelStore,
  DealTimelineQuery,
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
} from "../storage.js";
export type { BulkStore } from "../storage-bulk.js";
export type { ClaimedInteraction, UnmatchedStore } from "../storage-unmatched.js";
export type { SearchLanguage, SearchStore, StoredSearchHit, StoredSearchQuery } from "../storage-search.js";
export {
  foldSearchText,
  interactionSearchText,
  phoneSearchTokens,
  relationSearchText,
  SEARCH_TEXT_LIMIT,
  searchTextMatches,
  searchTokens,
  type SearchDocumentText,
} from "../search/text.js";
export type { ErasureCounts, ErasureKeyRecord, ErasurePlan, PersonalRecords, PrivacyStore } from "../storage-privacy.js";
export type {
  AggregateRange,
  DealListQuery,
  DealRecord,
  DealStore,
  ForecastAggregate,
  ForecastAggregateQuery,
  FunnelAggregate,
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
} from "../storage-sales.js";
export type { ProductRecord } from "../model/product.js";
export type { QuoteLineRecord, QuoteRecord } from "../model/quote.js";
export type { OrderRecord } from "../model/order.js";
export type { AttainmentAggregate, AttainmentAggregateRow, TargetKey, TargetRangeQuery, TargetRecord, TargetStore } from "../storage-targets.js";
export type { CampaignMemberRecord, CampaignRecord } from "../model/campaign.js";
export type { SegmentRecord } from "../model/segment.js";
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
} from "../storage-segments.js";
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
} from "../storage-sync.js";
export type {
  Measure,
  Operand,
  RelationTextColumn,
  ResolvedComparison,
  ResolvedCondition,
  ResolvedDeals,
  ResolvedInteractions,
  ResolvedLink,
  ResolvedOrders,
  TextMatch,
} from "../filter/resolved.js";
export type { CandidateIdPair, DuplicatePairRecord, DuplicatePairStatus, DuplicateStore } from "../storage-duplicates.js";
export type { CapturedRow, MergeRecord, MergeStore, RepointCounts, RowChange, StoredRow } from "../storage-merge.js";
export type { MergeSummary, MergeFieldConflict } from "../model/merge.js";
// The duplicate rules as pure functions, for SDK packages (import, CLI) that must decide exactly as the scan does.
export {
  duplicateKeys,
  FUZZY_NAME_THRESHOLD,
  identifyingAttributes,
  normaliseName,
  normalisePostcode,
  scoreDuplicate,
  type ComparableRelation,
  type DuplicateScore,
} from "../duplicates/rules.js";
export type { DuplicateCandidate, DuplicatePair, DuplicateScanBatch, DuplicateScanOptions, DuplicateService } from "../services/duplicates.js";
export type { AttributeValues } from "../attributes/registry.js";
export type { FieldChange, HistoryAction, OutboxEvent } from "../model/journal.js";
export { configurationError, CrmError, invalidState, notFound, staleVersion, validationError, type CrmErrorOptions } from "../errors.js";
export { assertTenantId, uuidv7 } from "../ids.js";
export { toInstant } from "../model/common.js";
export { nameKey } from "../normalise.js";
export { decodeCursor, encodeCursor } from "../cursor.js";
export {
  DATA_QUALITY_PROBLEMS,
  type ActivityCursor,
  type ActivityQuery,
  type ActivityRecord,
  type ActivityStore,
  type DataQualityCountsRow,
  type DataQualityProblem,
  type DataQualityScope,
  type DataQualityStore,
  type FieldVerificationRecord,
  type StaleKind,
  type VerificationKey,
  type VerificationStore,
} from "../storage-verification.js";
export type { FieldVerification, VerifiableKind, VerificationPolicy, VerifiedFieldKey } from "../model/verification.js";
export type { Activity, ActivityStatus } from "../model/activity.js";
