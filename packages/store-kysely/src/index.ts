/**
 * @kaartenbak/store-kysely — the one Kysely implementation of the Kaartenbak storage contract.
 *
 * SQL adapters reuse it unchanged and contribute only a {@link DialectProfile}: column types,
 * native-error mapping, a per-transaction hook and capabilities. Queries are written once with
 * Kysely builders that run on SQLite and Postgres alike.
 */
export { createKyselyStorage, drainOnClose, migrateMode, migrateOnFirstUse, once, type KyselyStorageOptions, type MigrateMode } from "./storage.js";
export type {
  ColumnTypeSpec,
  DialectColumnTypes,
  DialectFunctions,
  DialectProfile,
  FilterFunctions,
  SearchFunctions,
  SearchMatch,
  SearchMatchRequest,
} from "./dialect-profile.js";
export { mapError, notMigratedError } from "./map-error.js";
export { migrateSchema, type MigrateOptions } from "./migrate.js";
export { migrations, MIGRATION_NAMES } from "./migrations/index.js";
export {
  KB_TABLES,
  MIGRATION_LOCK_TABLE,
  MIGRATION_TABLE,
  type AttributeModelRow,
  type BigIntColumn,
  type CounterRow,
  type HistoryRow,
  type InstantColumn,
  type IntColumn,
  type InteractionParticipantRow,
  type InteractionRelationRow,
  type InteractionRow,
  type JsonColumn,
  type KyselyDatabase,
  type LinkRow,
  type NullableInstantColumn,
  type OutboxCheckpointRow,
  type OutboxRow,
  type RelationEmailRow,
  type RelationPhoneRow,
  type RelationRefRow,
  type RelationRow,
  type RelationTagRow,
  type SyncItemRow,
  type SyncLeaseRow,
  type SyncStateRow,
} from "./schema.js";
export { SALES_TABLES } from "./migrations/002-sales.js";
export type {
  DealContactRow,
  DealRow,
  InteractionDealRow,
  LostReasonRow,
  OrderRow,
  PipelineRow,
  ProductRow,
  QuoteLineRow,
  QuoteRow,
  StageHistoryRow,
  StageRow,
} from "./schema-sales.js";
export { SEGMENT_TABLES } from "./migrations/004-segments.js";
export { TARGET_TABLES } from "./migrations/007-targets.js";
export type { TargetRow } from "./schema-targets.js";
export { VERIFICATION_TABLES } from "./migrations/006-verification.js";
export type { CampaignMemberRow, CampaignRow, ConsentLedgerRow, SegmentMemberRow, SegmentRow, SuppressionLedgerRow } from "./schema-segments.js";
export { filterCompiler, matchingRelations, type CompileCondition } from "./filter-compiler.js";
export { SEARCH_TABLES } from "./migrations/013-search.js";
export type { SearchDocumentRow } from "./schema.js";
export { PERSONAL_DATA_COLUMNS, type ColumnTreatment, type TableTreatment } from "./privacy-columns.js";
export { MERGE_TABLES_TOUCHED, MERGE_TABLES_UNTOUCHED, type MergeTable } from "./merge-tables.js";
