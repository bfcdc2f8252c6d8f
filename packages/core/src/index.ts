/**
 * @kaartenbak/core — what an app calls: {@link createCrm}, the inputs and outputs of its services,
 * the typed events, the errors and the filter builder.
 *
 * Adapter authors use `@kaartenbak/core/storage`; connector authors `@kaartenbak/core/sync`;
 * differential tests `@kaartenbak/core/reference`. The conformance suites are a package of their
 * own, `@kaartenbak/conformance`, that apps never install.
 *
 * Every export here is covered by semver; `test/exports.test.ts` keeps the list.
 */

// The CRM and its tenants.
export { createCrm, type Crm, type TenantCrm, type TenantOptions } from "./crm.js";
export type { StorageAdapter } from "./storage.js";
export type { CrmOptions, DuplicatePolicy } from "./context.js";
export type { CommandOptions } from "./services/command.js";

// Every closed list of values (lifecycles, statuses, event types, error codes, ...).
export { CRM_VOCABULARY } from "./model/vocabulary.js";

// Errors.
export { CrmError, isCrmError, type CrmErrorCode, type CrmErrorReason, type CrmErrorReasons, type ValidationIssue } from "./errors.js";

// The data model: attributes.
export {
  defineAttributes,
  type AttributeDefinition,
  type AttributeRegistry,
  type AttributeValue,
  type DealAttributes,
  type RelationAttributes,
  type Money,
} from "./attributes/registry.js";
export { formatAmount } from "./money.js";
export type { CalendarDate, Instant } from "./model/common.js";

// Relations, links, contact moments.
export { type Lifecycle, type RelationKind } from "./model/relation-kind.js";
export type { EmailAddress, ExternalRef, PhoneNumber, PostalAddress, Relation, RelationInput, RelationPatch } from "./model/relation.js";
export type { RelationWriteOptions, UpsertResult, VersionedOptions } from "./services/relations.js";
export { type Link, type LinkInput, type LinkKind, type LinkPatch } from "./model/link.js";
export { type Direction, type Interaction, type InteractionInput, type InteractionPatch, type Participant, type ParticipantRole } from "./model/interaction.js";
export type { LogResult, TimelinePage } from "./services/interactions.js";
export type { BulkOptions, BulkResult } from "./services/bulk.js";

// History and the outbox.
export type { EntityType, HistoryEntry } from "./model/journal.js";
export { type CrmEvent, type CrmEventPayloads, type CrmEventType } from "./model/events.js";

// Sales.
export { type Pipeline, type PipelineInput, type PipelinePatch, type Stage, type StageInput, type StageKind, type StagePatch } from "./model/pipeline.js";
export {
  type Deal,
  type DealInput,
  type DealPatch,
  type DealStatus,
  type LostReason,
  type LostReasonInput,
  type StageMove,
  type StageVisit,
} from "./model/deal.js";
export type { DealPage } from "./services/deals.js";
export type { Product, ProductInput, ProductPatch } from "./model/product.js";
export { type Quote, type QuoteInput, type QuoteLine, type QuoteLineInput, type QuotePatch, type QuoteStatus } from "./model/quote.js";
export type { AcceptResult } from "./services/quotes.js";
export type { Order, OrderInput } from "./model/order.js";
export type { RecordOrderResult } from "./services/orders.js";
export type { ExchangeRate } from "./model/money.js";
export type { ForecastReport, FunnelReport, OrdersReport, OwnerResultsReport, VelocityReport } from "./model/report.js";

// Segments, consent, campaigns, customer value.
export { type Condition, type Filter } from "./filter/schema.js";
export { filterBuilder, type FilterBuilder } from "./filter/builder.js";
export { type MemberPage, type Segment, type SegmentInput, type SegmentKind, type SegmentPatch } from "./model/segment.js";
export {
  type ConsentChannel,
  type ConsentEntry,
  type ConsentInput,
  type ConsentState,
  type LegalBasis,
  type SuppressionEntry,
  type SuppressionInput,
} from "./model/consent.js";
export {
  type Campaign,
  type CampaignInput,
  type CampaignMember,
  type CampaignPatch,
  type CampaignResults,
  type ExclusionReason,
  type LaunchResult,
  type MailingListEntry,
  type MemberStatus,
  type MemberUpdate,
} from "./model/campaign.js";
export type { CrossSellReport, LifetimeValueReport, RfmReport, SegmentValueReport } from "./model/customer-value.js";
export type { ErasureResult, PersonalDataExport } from "./model/privacy.js";
export type { RelationErased } from "./model/events.js";
export type { Merge, MergeOptions, MergeResult, UnmergeResult } from "./model/merge.js";
export type { RelationMerged, RelationUnmerged } from "./model/events.js";
export type { InteractionMatched } from "./model/events.js";
