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
export type { CrmOptions } from "./context.js";
export type { CommandOptions } from "./services/command.js";

// Errors.
export {
  CRM_ERROR_CODES,
  CrmError,
  isCrmError,
  type CrmErrorCode,
  type CrmErrorDetails,
  type CrmErrorReason,
  type CrmErrorReasons,
  type ValidationIssue,
} from "./errors.js";

// The data model: attributes.
export {
  defineAttributes,
  type AttributeDefinition,
  type AttributeRegistry,
  type AttributeTarget,
  type AttributeValue,
  type AttributeInput,
  type DealAttributes,
  type RelationAttributes,
  type Money,
} from "./attributes/registry.js";
export type { CalendarDate, Instant } from "./model/common.js";

// Relations, links, contact moments.
export { LIFECYCLES, RELATION_KINDS, type Lifecycle, type RelationKind } from "./model/relation-kind.js";
export type { EmailAddress, ExternalRef, PhoneNumber, PostalAddress, Relation, RelationInput, RelationPatch } from "./model/relation.js";
export type { UpsertResult, VersionedOptions } from "./services/relations.js";
export { LINK_KINDS, type Link, type LinkInput, type LinkKind, type LinkPatch } from "./model/link.js";
export {
  DIRECTIONS,
  INTERACTION_KINDS,
  PARTICIPANT_ROLES,
  type Direction,
  type Interaction,
  type InteractionInput,
  type InteractionPatch,
  type Participant,
  type ParticipantRole,
} from "./model/interaction.js";
export type { LogResult, TimelineOptions, TimelinePage } from "./services/interactions.js";
export type { BulkOptions, BulkResult } from "./services/bulk.js";

// History and the outbox.
export type { EntityType, FieldChange, HistoryAction, HistoryEntry } from "./model/journal.js";
export { CRM_EVENT_TYPES, type CrmEvent, type CrmEventOf, type CrmEventPayloads, type CrmEventType } from "./model/events.js";

// Sales.
export { STAGE_KINDS, type Pipeline, type PipelineInput, type PipelinePatch, type Stage, type StageInput, type StageKind, type StagePatch } from "./model/pipeline.js";
export { DEAL_STATUSES, type Deal, type DealInput, type DealPatch, type DealStatus, type LostReason, type LostReasonInput, type StageMove, type StageVisit } from "./model/deal.js";
export type { DealListOptions, DealPage } from "./services/deals.js";
export type { Product, ProductInput, ProductPatch } from "./model/product.js";
export { QUOTE_STATUSES, type Quote, type QuoteInput, type QuoteLine, type QuoteLineInput, type QuotePatch, type QuoteStatus } from "./model/quote.js";
export type { AcceptResult } from "./services/quotes.js";
export type { Order, OrderInput } from "./model/order.js";
export type { RecordOrderResult } from "./services/orders.js";
export type { CurrencyOptions, ExchangeRate } from "./model/money.js";
export type {
  ForecastQuery,
  ForecastReport,
  FunnelQuery,
  FunnelReport,
  OrdersGroupBy,
  OrdersQuery,
  OrdersReport,
  OwnerResultsQuery,
  OwnerResultsReport,
  VelocityQuery,
  VelocityReport,
} from "./model/report.js";

// Segments, consent, campaigns, customer value.
export { FILTER_VERSION, type Condition, type Filter } from "./filter/schema.js";
export { filterBuilder, type FilterBuilder } from "./filter/builder.js";
export { SEGMENT_KINDS, type MemberPage, type PageOptions, type Segment, type SegmentInput, type SegmentKind, type SegmentPatch } from "./model/segment.js";
export {
  CONSENT_CHANNELS,
  LEGAL_BASES,
  type ConsentChannel,
  type ConsentEntry,
  type ConsentInput,
  type ConsentState,
  type LegalBasis,
  type SuppressionEntry,
  type SuppressionInput,
} from "./model/consent.js";
export {
  EXCLUSION_REASONS,
  MEMBER_STATUSES,
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
