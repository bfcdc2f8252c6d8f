import type { AttributeRegistry, DealAttributes, RelationAttributes } from "./attributes/registry.js";
import { createContext, type CrmContext, type CrmOptions } from "./context.js";
import { configurationError, validationError } from "./errors.js";
import { filterBuilder, type FilterBuilder } from "./filter/builder.js";
import { assertTenantId } from "./ids.js";
import type { MigrationReport, StorageAdapter } from "./storage.js";
import { interactionService, type InteractionService } from "./services/interactions.js";
import { historyService, outboxService, type HistoryService, type OutboxService } from "./services/journal.js";
import { linkService, type LinkService } from "./services/links.js";
import { relationService, type RelationService } from "./services/relations.js";
import { resolveActor, runUnit, type TenantScope } from "./services/command.js";
import { dealService, type DealService } from "./services/deals.js";
import { lostReasonService, type LostReasonService } from "./services/lost-reasons.js";
import { orderService, type OrderService } from "./services/orders.js";
import { pipelineService, type PipelineService } from "./services/pipelines.js";
import { productService, type ProductService } from "./services/products.js";
import { quoteService, type QuoteService } from "./services/quotes.js";
import { reportService, type ReportService } from "./services/reports.js";
import { bulkService, type BulkService } from "./services/bulk.js";
import { scopeTag } from "./tenant-scope.js";
import { segmentService, type SegmentService } from "./services/segments.js";
import { consentService, type ConsentService } from "./services/consent.js";
import { campaignService, type CampaignService } from "./services/campaigns.js";
import { customerValueService, type CustomerValueService } from "./services/customer-value.js";
import { privacyService, type PrivacyService } from "./services/privacy.js";
import { targetService, type TargetService } from "./services/targets.js";
import { verificationService, type VerificationService } from "./services/verification.js";
import { dataQualityService, type DataQualityService } from "./services/data-quality.js";
import { activityService, type ActivityService } from "./services/activities.js";
import { duplicateService, type DuplicateService } from "./services/duplicates.js";

/** Defaults for every call made through one tenant handle. */
export interface TenantOptions {
  /** Who acts, e.g. `user:42`; recorded in history and events. Default: the CRM's `defaultActor`. */
  readonly actor?: string;
  /** Where changes come from, e.g. `ui`, `import`. Default: the CRM's `defaultSource`. */
  readonly source?: string;
}

/**
 * The CRM of one tenant. Every operation is scoped to it; there is no way to name another tenant
 * here. `R` is the attribute registry given to {@link createCrm}: it types the `attributes` of every
 * relation and deal read or written through this handle.
 */
export interface TenantCrm<R extends AttributeRegistry = AttributeRegistry> {
  /** The tenant id this handle is bound to. */
  readonly tenantId: string;
  /** People, organisations and households. */
  readonly relations: RelationService<RelationAttributes<R>>;
  /** Employment, household membership and organisation hierarchy. */
  readonly links: LinkService;
  /** Contact moments and timelines. */
  readonly interactions: InteractionService;
  /** Field-level change history. */
  readonly history: HistoryService;
  /** The transactional outbox for forwarding changes to other systems. */
  readonly outbox: OutboxService;
  /** Sales pipelines and their stages. */
  readonly pipelines: PipelineService;
  /** The tenant's list of reasons why deals are lost. */
  readonly lostReasons: LostReasonService;
  /** Deals: stage moves with history, won / lost, timelines. */
  readonly deals: DealService<DealAttributes<R>>;
  /** The product catalogue. */
  readonly products: ProductService;
  /** Quotes with exact totals, revisions, and acceptance into orders. */
  readonly quotes: QuoteService<DealAttributes<R>>;
  /** Orders: realised revenue, from quotes or imported. */
  readonly orders: OrderService;
  /** Funnel, forecast, owner results, orders and stage velocity, computed in the database. */
  readonly reports: ReportService;
  /** Set-based imports of relations and interactions, streamed in chunked transactions. */
  readonly bulk: BulkService<RelationAttributes<R>>;
  /** Dynamic, static and snapshot segments; filter counts and member pages, evaluated in the database. */
  readonly segments: SegmentService<RelationAttributes<R>>;
  /** The append-only consent and suppression ledgers, and the state derived from them. */
  readonly consent: ConsentService;
  /** Campaigns on segments: launch with consent exclusions, member statuses, results, mailing lists. */
  readonly campaigns: CampaignService;
  /** Customer value: RFM, lifetime value, cross-sell and value per segment, computed in the database. */
  readonly value: CustomerValueService;
  /** Privacy requests: access export, erasure that keeps financial records, and re-admitting erased identifiers. */
  readonly privacy: PrivacyService;
  /** Sales targets per owner (or tenant) and period, and their attainment, computed in the database. */
  readonly targets: TargetService;
  /** Per-field verification: last confirmed at / by / source, fields due at a contact, and `verify`. */
  readonly verification: VerificationService;
  /** The data-quality report: stale key fields, relations without e-mail or phone, bounced e-mail. */
  readonly dataQuality: DataQualityService;
  /** Planned follow-ups (tasks, appointments): plan, complete (logs the contact moment), cancel, lists. */
  readonly activities: ActivityService;
  /** Duplicate detection: check a relation, scan the tenant, review and dismiss candidate pairs. */
  readonly duplicates: DuplicateService<RelationAttributes<R>>;
  /**
   * Runs several commands in one transaction. `fn` gets a tenant handle whose every call joins the
   * transaction: all changes, history entries and events commit together when `fn` resolves, and
   * none when it throws. A command that fails inside rolls everything back even if `fn` catches
   * its error (the result is then ROLLED_BACK, reason `unit_rolled_back`). Nested calls join the
   * outer transaction.
   *
   * @example
   * await acme.transaction(async (tx) => {
   *   const org = await tx.relations.create({ kind: "organisation", name: "Acme" });
   *   const anna = await tx.relations.create({ kind: "person", name: "Anna" });
   *   await tx.links.create({ kind: "employment", personId: anna.id, organisationId: org.id });
   * });
   */
  transaction<T>(fn: (tx: this) => Promise<T>): Promise<T>;
}

/**
 * A Kaartenbak instance: storage, data model and settings, shared by all tenants. `R` is its
 * attribute registry; `Tx` the host transaction type its storage can bind to (see `withTransaction`).
 */
export interface Crm<R extends AttributeRegistry = AttributeRegistry, Tx = unknown> {
  /** Returns the API of one tenant. Throws TENANT for a missing or malformed id. Cheap; call it per request. */
  tenant(tenantId: string, options?: TenantOptions): TenantCrm<R>;
  /** The attribute registry this CRM validates every write against. */
  readonly attributes: R;
  /**
   * The filter builder for this CRM's registry: attribute names and value types are checked by the
   * compiler, so a filter built here needs no type argument.
   *
   * @example
   * const f = crm.filters;
   * const retail = f.filter(f.and(f.field("lifecycle").eq("customer"), f.attribute("industry").eq("retail")));
   */
  readonly filters: FilterBuilder<R>;
  /** Creates or upgrades the storage schema (same as `storage.migrate()`). */
  migrate(): Promise<MigrationReport>;
  /**
   * The same CRM (registry, settings) bound to a transaction the host opened: CRM commands then
   * commit or roll back with the host's own writes, and the storage keeps every setting it was
   * made with (schema, row-level security). Cheap; call it per transaction.
   *
   * @example
   * await db.transaction().execute(async (trx) => {
   *   await trx.insertInto("invoices").values(invoice).execute();
   *   await crm.withTransaction(trx).tenant("acme").interactions.log(moment);
   * });
   */
  withTransaction(transaction: Tx): Crm<R, Tx>;
  /** The same CRM (registry, settings) on another storage adapter. */
  withStorage(storage: StorageAdapter<Tx>): Crm<R, Tx>;
  /** Closes what the storage adapter opened itself. */
  close(): Promise<void>;
}

/**
 * Creates a CRM on a storage adapter.
 *
 * @example
 * const crm = createCrm({ storage: sqliteAdapter({ filename: "crm.db" }), defaultRegion: "NL" });
 * await crm.migrate();
 * const acme = crm.tenant("acme", { actor: "user:42" });
 * const org = await acme.relations.create({ kind: "organisation", name: "Acme BV" });
 */
export function createCrm<R extends AttributeRegistry = AttributeRegistry<Record<never, never>>, Tx = unknown>(options: CrmOptions<R, Tx>): Crm<R, Tx> {
  // The registry types the handles; at run time every write is still validated against it.
  return crmOn(createContext(options)) as unknown as Crm<R, Tx>;
}

/** The services of one tenant over a scope (plain, or bound to an open unit of work). */
function tenantCrm(scope: TenantScope): TenantCrm {
  return {
    tenantId: scope.tenantId,
    ...scopeTag(scope),
    relations: relationService(scope),
    links: linkService(scope),
    interactions: interactionService(scope),
    history: historyService(scope),
    outbox: outboxService(scope),
    pipelines: pipelineService(scope),
    lostReasons: lostReasonService(scope),
    deals: dealService(scope),
    products: productService(scope),
    quotes: quoteService(scope),
    orders: orderService(scope),
    reports: reportService(scope),
    bulk: bulkService(scope),
    segments: segmentService(scope),
    consent: consentService(scope),
    campaigns: campaignService(scope),
    value: customerValueService(scope),
    privacy: privacyService(scope),
    targets: targetService(scope),
    verification: verificationService(scope),
    dataQuality: dataQualityService(scope),
    activities: activityService(scope),
    duplicates: duplicateService(scope),
    async transaction(fn) {
      if (typeof fn !== "function") throw validationError([{ path: ["fn"], message: "Expected a function that runs the commands", code: "invalid_type" }]);
      return runUnit(scope, (unit) => fn(unit === scope.unit ? tenantCrm(scope) : tenantCrm({ ...scope, unit })));
    },
  };
}

function crmOn(ctx: CrmContext): Crm {
  const crm: Crm = {
    tenant(tenantId, tenantOptions = {}) {
      assertTenantId(tenantId);
      // The defaults are checked too: they are stored with every change made through the handle.
      const actor = resolveActor({ actor: ctx.defaultActor, source: ctx.defaultSource }, tenantOptions);
      return tenantCrm({ ctx, tenantId, actor });
    },
    attributes: ctx.registry,
    filters: filterBuilder(),
    migrate: () => ctx.storage.migrate(),
    withTransaction(transaction) {
      return crmOn({ ...ctx, storage: ctx.storage.bind(transaction) });
    },
    withStorage(storage) {
      if (typeof storage?.transaction !== "function") throw configurationError("withStorage: expected a storage adapter such as sqliteAdapter(...)");
      return crmOn({ ...ctx, storage });
    },
    close: () => ctx.storage.close(),
  };
  return crm;
}
