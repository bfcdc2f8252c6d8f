/**
 * @kaartenbak/core/sync — the sync engine and the connector contract.
 *
 * @example
 * const engine = createSyncEngine({ tenant: crm.tenant("acme"), connector, account: "anna@contoso.com" });
 * const report = await engine.run();
 * console.table(await engine.states());
 */
export {
  SyncError,
  isSyncError,
  type Connector,
  type InteractionDraft,
  type ParticipantDraft,
  type PushChange,
  type PushResult,
  type RelationDraft,
  type SyncChange,
  type SyncErrorOptions,
  type SyncErrorReason,
  type SyncPage,
  type SyncResource,
} from "./connector.js";
export { createSyncEngine, type ResourceReport, type SyncEngine, type SyncEngineOptions, type SyncRunOptions, type SyncRunReport } from "./engine.js";
export type { PageCounts, SyncEvent, SyncListener } from "./events.js";
export { countryCode } from "../countries.js";
export { meetingKey } from "./keys.js";
export { FREE_MAIL_DOMAINS, type MatchOptions, type UnknownAddressPolicy, type UnmatchedPolicy } from "./matching.js";
export { pushConsumer, type ConflictPolicy, type PushConflict } from "./push.js";
export type { RetryOptions } from "./retry.js";
export { resetSync, syncStates } from "./state.js";
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
