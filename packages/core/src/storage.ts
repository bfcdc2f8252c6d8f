/**
 * The storage contract: everything the core needs from a database, and nothing more.
 *
 * Core owns the rules (validation, normalisation, history, events, concurrency checks); a storage
 * adapter only stores and finds records. All access goes through {@link StorageAdapter.transaction},
 * which binds a tenant: a {@link TenantStore} cannot name another tenant, so tenant scoping is a
 * property of the contract, not a convention of each query.
 *
 * Conventions for every method:
 * - instants are ISO-8601 UTC strings (`2026-11-24T09:30:00.000Z`), dates `YYYY-MM-DD`;
 * - records are complete aggregates (a relation with its e-mails, phones, tags and references);
 * - "missing" is `undefined`, never an error; rule violations found by the database are thrown as
 *   `CrmError` (DUPLICATE, INTEGRITY, BUSY, CONFIGURATION) by the adapter's native-error mapping.
 *
 * `@kaartenbak/conformance` holds the conformance suite every adapter must pass.
 */
import type { UnmatchedStore } from "./storage-unmatched.js";
import type { AttributeValues } from "./attributes/registry.js";
import type { CalendarDate, Instant } from "./model/common.js";
import type { Interaction } from "./model/interaction.js";
import type { EntityType, HistoryEntry, OutboxEvent } from "./model/journal.js";
import type { LinkKind } from "./model/link.js";
import type { Relation } from "./model/relation.js";
import type { DealStore, LostReasonStore, OrderStore, PipelineStore, ProductStore, QuoteStore, ReportStore } from "./storage-sales.js";
import type { BulkStore } from "./storage-bulk.js";
import type { SyncStore } from "./storage-sync.js";
import type { PrivacyStore } from "./storage-privacy.js";
import type { DuplicateStore } from "./storage-duplicates.js";
import type { MergeStore } from "./storage-merge.js";
import type { CampaignStore, ConsentStore, SegmentStore, ValueReportStore } from "./storage-segments.js";
import type { TargetStore } from "./storage-targets.js";
import type { ActivityStore, DataQualityStore, VerificationStore } from "./storage-verification.js";
import type { SearchLanguage, SearchStore } from "./storage-search.js";

/** What an adapter can do, as data. Core and the conformance suite read these instead of probing. */
export interface StorageCapabilities {
  /** The engine family, e.g. `sqlite` or `postgres`. */
  readonly dialect: string;
  /** True when several connections can write at once (Postgres); false when writes serialise (SQLite). */
  readonly concurrentWriters: boolean;
  /** True when the adapter is bound to a transaction its host owns: `transaction()` then nests in it. */
  readonly hostTransaction: boolean;
  /** True when database row-level security policies back the tenant scoping. Default false. */
  readonly rowLevelSecurity: boolean;
  /**
   * The search languages whose words the engine stems (see `SearchStore`); a language missing here
   * is accepted and matches as plain prefixes. Absent means none.
   */
  readonly searchStemming?: readonly SearchLanguage[];
}

/** Options for {@link StorageAdapter.transaction}. */
export interface TransactionOptions {
  /** A hint that the callback only reads; adapters may use a cheaper or read-only transaction. */
  readonly readOnly?: boolean;
  /**
   * A hint, with `readOnly`, that the callback makes ONE repository call that reads, so no other
   * statement needs to see the same snapshot. An adapter that answers that call with a single
   * statement may run it without a transaction (no begin and commit round trips); one that needs
   * a transaction for other reasons (e.g. a per-transaction row-level security setting) keeps it.
   */
  readonly singleStatement?: boolean;
}

/** The outcome of {@link StorageAdapter.migrate}. */
export interface MigrationReport {
  /** Names of migrations applied by this call (empty when the schema was already current). */
  readonly applied: readonly string[];
  /** Names of all migrations the schema now has. */
  readonly current: readonly string[];
}

/**
 * A database that can hold Kaartenbak data. `Tx` is what {@link StorageAdapter.bind} accepts: the
 * host's open transaction object (for the Kysely adapters, a Kysely `Transaction`).
 */
export interface StorageAdapter<Tx = unknown> {
  /** A short adapter id, e.g. `sqlite` or `postgres`. */
  readonly id: string;
  /** What this adapter supports. */
  readonly capabilities: StorageCapabilities;
  /** Creates or upgrades the schema. Idempotent: a second call applies nothing. */
  migrate(): Promise<MigrationReport>;
  /**
   * Runs `fn` in one database transaction bound to `tenantId`. It commits when `fn` resolves and
   * rolls back when it throws; either way nothing is half-written. Errors from the database are
   * rethrown as `CrmError`.
   */
  transaction<T>(tenantId: string, fn: (store: TenantStore) => Promise<T>, options?: TransactionOptions): Promise<T>;
  /**
   * The same adapter — schema, row-level security, every other setting — bound to a transaction
   * the host opened: every CRM call then runs inside it (each in a savepoint) and commits or rolls
   * back with the host's own writes. The bound adapter never closes the host's transaction.
   * Adapters that cannot join a host transaction throw UNSUPPORTED.
   */
  bind(transaction: Tx): StorageAdapter<Tx>;
  /** Releases what the adapter opened itself; a driver object the host passed in is left open. */
  close(): Promise<void>;
}

/** The repositories of one tenant inside one transaction. */
export interface TenantStore {
  /** The tenant every call is scoped to. */
  readonly tenantId: string;
  readonly relations: RelationStore;
  readonly links: LinkStore;
  readonly interactions: InteractionStore;
  readonly journal: JournalStore;
  readonly attributeModels: AttributeModelStore;
  /** Sales pipelines and their stages (see storage-sales.ts). */
  readonly pipelines: PipelineStore;
  /** The tenant's lost reasons. */
  readonly lostReasons: LostReasonStore;
  /** Deals and their stage history. */
  readonly deals: DealStore;
  /** The product catalogue. */
  readonly products: ProductStore;
  /** Quotes and their lines. */
  readonly quotes: QuoteStore;
  /** Orders (realised revenue). */
  readonly orders: OrderStore;
  /** Report aggregates computed in the database. */
  readonly reports: ReportStore;
  /** Set-based writes for imports (see storage-bulk.ts). */
  readonly bulk: BulkStore;
  /** Sync state, leases and remote-item mappings (see storage-sync.ts). */
  readonly sync: SyncStore;
  /** Filter evaluation and segments (see storage-segments.ts). */
  readonly segments: SegmentStore;
  /** The append-only consent and suppression ledgers. */
  readonly consent: ConsentStore;
  /** Campaigns and their members. */
  readonly campaigns: CampaignStore;
  /** Customer-value aggregates (RFM, lifetime value, cross-sell, value per segment). */
  readonly valueReports: ValueReportStore;
  /** Access requests and erasure (see storage-privacy.ts). */
  readonly privacy: PrivacyStore;
  /** Sales targets and the results they are measured against (see storage-targets.ts). */
  readonly targets: TargetStore;
  /** Per-field verification records and the tenant's verification policy (see storage-verification.ts). */
  readonly verification: VerificationStore;
  /** The data-quality report. */
  readonly dataQuality: DataQualityStore;
  /** Planned follow-ups. */
  readonly activities: ActivityStore;
  /** Duplicate blocking keys and the reviewable list of candidate pairs (see storage-duplicates.ts). */
  readonly duplicates: DuplicateStore;
  /** Merges: moving one relation's rows to another, and back (see `storage-merge.ts`). */
  readonly merges: MergeStore;
  /** Ranked full-text search over relations and contact moments (see storage-search.ts). */
  readonly search: SearchStore;
  /** Unmatched contact moments and claims of participants by e-mail address (see storage-unmatched.ts). */
  readonly unmatched: UnmatchedStore;
}

/** A relation as stored: the domain {@link Relation}, complete. */
export type RelationRecord = Relation;

/** Relations with their e-mails, phones, tags and external references. */
export interface RelationStore {
  /** Inserts a new relation and its child rows. Throws DUPLICATE when an external reference is taken. */
  insert(record: RelationRecord): Promise<void>;
  /**
   * Replaces a relation (and its child rows) when its stored version equals `expectedVersion`.
   * Returns false, changing nothing, when the version differs or the row is gone.
   */
  update(record: RelationRecord, expectedVersion: number): Promise<boolean>;
  /** One relation by id, deleted or not. */
  get(id: string): Promise<RelationRecord | undefined>;
  /** Several relations by id, in no particular order; unknown ids are left out. */
  getMany(ids: readonly string[]): Promise<RelationRecord[]>;
  /** Non-deleted relations having this normalised e-mail address, oldest first. */
  findByEmail(email: string): Promise<RelationRecord[]>;
  /** Non-deleted relations having this E.164 phone number, oldest first. */
  findByPhone(phone: string): Promise<RelationRecord[]>;
  /** Non-deleted relations whose name key starts with `prefix` (already folded with `nameKey`), by name. */
  findByNamePrefix(prefix: string, limit: number): Promise<RelationRecord[]>;
  /** The relation (deleted or not) holding this external reference. */
  findByExternalRef(system: string, externalId: string): Promise<RelationRecord | undefined>;
}

/** A link as stored: `fromId` is the person or child organisation, `toId` the organisation, household or parent. */
export interface LinkRecord {
  readonly id: string;
  readonly kind: LinkKind;
  readonly fromId: string;
  readonly toId: string;
  readonly role: string | null;
  readonly jobTitle: string | null;
  readonly validFrom: CalendarDate | null;
  readonly validTo: CalendarDate | null;
  readonly version: number;
  readonly createdAt: Instant;
  readonly updatedAt: Instant;
}

/** Links between relations. */
export interface LinkStore {
  /** Inserts a link. Throws INTEGRITY when either relation does not exist in the tenant. */
  insert(record: LinkRecord): Promise<void>;
  /** Replaces a link when its version equals `expectedVersion`; false (no change) otherwise. */
  update(record: LinkRecord, expectedVersion: number): Promise<boolean>;
  /** Deletes a link when its version equals `expectedVersion`; false (no change) otherwise. */
  delete(id: string, expectedVersion: number): Promise<boolean>;
  /** One link by id. */
  get(id: string): Promise<LinkRecord | undefined>;
  /** Every link where the relation is at either end, oldest first. */
  listForRelation(relationId: string): Promise<LinkRecord[]>;
  /** Ids of all organisations above `organisationId` through `parent_organisation` links (any validity). */
  ancestorsOf(organisationId: string): Promise<string[]>;
}

/** An interaction as stored: the domain {@link Interaction}, with its relation links, participants and deal links. */
export type InteractionRecord = Interaction;

/** A position in a timeline: the last item of the previous page. */
export interface TimelineCursor {
  readonly occurredAt: Instant;
  readonly id: string;
}

/** A request for one page of a timeline. */
export interface TimelineQuery {
  /** Interactions linked to any of these relations are included (each once). */
  readonly relationIds: readonly string[];
  /** Start after this position (exclusive); from the newest when absent. */
  readonly after?: TimelineCursor;
  /** Page size. */
  readonly limit: number;
}

/** A request for one page of a deal's timeline. */
export interface DealTimelineQuery {
  readonly dealId: string;
  /** Start after this position (exclusive); from the newest when absent. */
  readonly after?: TimelineCursor;
  /** Page size. */
  readonly limit: number;
}

/** Contact moments. */
export interface InteractionStore {
  /**
   * Inserts an interaction with its links and participants. Returns false, inserting nothing, when
   * `externalKey` is set and already taken in the tenant (the idempotent-import case).
   * Throws INTEGRITY when a linked relation does not exist.
   */
  insert(record: InteractionRecord): Promise<boolean>;
  /** Replaces the interaction's own fields (not links or participants) when the version matches. */
  update(record: InteractionRecord, expectedVersion: number): Promise<boolean>;
  /** One interaction by id, deleted or not. */
  get(id: string): Promise<InteractionRecord | undefined>;
  /** The interaction (deleted or not) holding this external key. */
  getByExternalKey(externalKey: string): Promise<InteractionRecord | undefined>;
  /** Non-deleted interactions of the relations, newest first (`occurredAt` desc, then `id` desc). */
  timeline(query: TimelineQuery): Promise<InteractionRecord[]>;
  /** Non-deleted interactions linked to a deal, newest first (`occurredAt` desc, then `id` desc). */
  dealTimeline(query: DealTimelineQuery): Promise<InteractionRecord[]>;
  /** Replaces the deals an interaction is linked to. Throws INTEGRITY when a deal does not exist. */
  setDeals(interactionId: string, dealIds: readonly string[], occurredAt: Instant): Promise<void>;
}

/** A history entry or outbox event before storage (the sequence is assigned on append). */
export type NewOutboxEvent = Omit<OutboxEvent, "sequence">;

/** History and the transactional outbox. */
export interface JournalStore {
  /** Appends a history entry. */
  appendHistory(entry: HistoryEntry): Promise<void>;
  /** An entity's history, oldest first. */
  listHistory(entityType: EntityType, entityId: string): Promise<HistoryEntry[]>;
  /**
   * Appends an event and returns its sequence: the tenant's previous sequence plus one. Must be
   * gap-free and never duplicated under concurrent writers (a counter row, not `max()+1`).
   */
  appendEvent(event: NewOutboxEvent): Promise<number>;
  /** Events with a sequence greater than `after`, in sequence order, at most `limit`. */
  readEvents(after: number, limit: number): Promise<OutboxEvent[]>;
  /** A consumer's acknowledged position (0 when it never acknowledged). */
  getCheckpoint(consumer: string): Promise<number>;
  /** Stores a consumer's position. */
  setCheckpoint(consumer: string, position: number, at: Instant): Promise<void>;
}

/** A version of the attribute registry as first seen by a tenant. */
export interface AttributeModelRecord {
  readonly version: number;
  readonly fingerprint: string;
  /** The definitions, as JSON-compatible data. */
  readonly definition: unknown;
  readonly recordedAt: Instant;
}

/** The attribute-registry versions a tenant has used, so a changed model under an old version is caught. */
export interface AttributeModelStore {
  /** The stored model of a version. */
  get(version: number): Promise<AttributeModelRecord | undefined>;
  /** The record with the highest version, or undefined when the tenant has none. */
  latest(): Promise<AttributeModelRecord | undefined>;
  /**
   * Records a model version; does nothing when the version is already recorded, because the
   * first writes of a new tenant may race to record it (core re-reads and compares afterwards).
   */
  insert(record: AttributeModelRecord): Promise<void>;
}

/** Values a relation's custom attributes may take in storage (re-exported for adapter authors). */
export type StoredAttributes = AttributeValues;
