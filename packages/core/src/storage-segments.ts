/**
 * The segmentation half of the storage contract: filter evaluation, segments, the consent and
 * suppression ledgers, campaigns and customer-value aggregates. Same conventions as `storage.ts`:
 * every repository is bound to one tenant inside one transaction, core owns every rule and
 * computes every field, repositories only store, find and aggregate.
 *
 * Filters reach storage in their resolved form ({@link ResolvedCondition}): absolute times,
 * typed attributes, segment references replaced. A store compiles them to SQL with parameters
 * only and evaluates them in the database; it never loads relations to filter them in memory.
 * Its results must equal `evaluateFilter` (the reference evaluator) on the same data.
 */
import type { CalendarDate, Instant } from "./model/common.js";
import type { CampaignMemberRecord, CampaignRecord, ExclusionReason, MemberStatus } from "./model/campaign.js";
import type { ConsentChannel, ConsentEntry, SuppressionEntry } from "./model/consent.js";
import type { SegmentRecord } from "./model/segment.js";
import type { ResolvedCondition } from "./filter/resolved.js";

/** A keyset page over relation ids: ids greater than `after` (all when null), at most `limit`. */
export interface IdPage {
  readonly after: string | null;
  readonly limit: number;
}

/** Filter evaluation and segments. */
export interface SegmentStore {
  /** The number of non-deleted relations matching `filter`, in one COUNT query. */
  count(filter: ResolvedCondition): Promise<number>;
  /** Ids of non-deleted relations matching `filter`, ascending (code point order), one page. */
  matchIds(filter: ResolvedCondition, page: IdPage): Promise<string[]>;
  /** Inserts a segment. */
  insert(record: SegmentRecord): Promise<void>;
  /** Replaces a segment when its version equals `expectedVersion`; false (no change) otherwise. */
  update(record: SegmentRecord, expectedVersion: number): Promise<boolean>;
  /** One segment by id, deleted or not. */
  get(id: string): Promise<SegmentRecord | undefined>;
  /** Non-deleted segments, by name then id. */
  list(): Promise<SegmentRecord[]>;
  /**
   * Adds relations to a static segment's member list in multi-row statements; ids already on it
   * are skipped. Returns how many were added. Throws INTEGRITY when a relation does not exist.
   */
  addMembers(segmentId: string, relationIds: readonly string[], at: Instant): Promise<number>;
  /** Removes relations from a member list; returns how many were on it. */
  removeMembers(segmentId: string, relationIds: readonly string[]): Promise<number>;
  /**
   * Writes the relations matching `filter` as the member list of `segmentId` in one
   * insert … select (no round trip per member). Returns the number of members written.
   */
  snapshotMembers(segmentId: string, filter: ResolvedCondition, at: Instant): Promise<number>;
}

/** The append-only consent and suppression ledgers. There is deliberately no update or delete. */
export interface ConsentStore {
  /** Appends a consent entry. Throws INTEGRITY when the relation does not exist. */
  appendConsent(entry: ConsentEntry): Promise<void>;
  /** Appends a suppression entry. Throws INTEGRITY when the relation does not exist. */
  appendSuppression(entry: SuppressionEntry): Promise<void>;
  /** A relation's consent entries in ledger order (`occurredAt`, then id). */
  consentLedger(relationId: string): Promise<ConsentEntry[]>;
  /** A relation's suppression entries in ledger order. */
  suppressionLedger(relationId: string): Promise<SuppressionEntry[]>;
}

/** What launching a campaign materialises. */
export interface MaterialiseInput {
  readonly campaignId: string;
  /** The segment's audience. */
  readonly audience: ResolvedCondition;
  readonly channel: ConsentChannel;
  readonly purpose: string;
  readonly at: Instant;
}

/** A member's status change, applied when its stored version equals `expectedVersion`. */
export interface MemberStatusWrite {
  readonly relationId: string;
  readonly status: MemberStatus;
  readonly statusAt: Instant;
  readonly expectedVersion: number;
}

/** A page of campaign members, by relation id. */
export interface MemberQuery extends IdPage {
  /** Only members with this status. */
  readonly status: MemberStatus | null;
}

/** A mailing-list row as stored: the member plus the names of its relation. */
export interface MailingRow {
  readonly relationId: string;
  readonly name: string;
  readonly givenName: string | null;
  readonly familyName: string | null;
  readonly address: string | null;
  readonly status: MemberStatus;
  /** The relation's postal addresses (JSON-compatible), for the `post` channel. */
  readonly addresses: unknown;
}

/** Per-currency count and sum, as aggregated in the database. */
export interface CurrencyAggregate {
  readonly currency: string;
  readonly count: number;
  readonly amount: bigint;
}

/** Campaigns and their members. */
export interface CampaignStore {
  /** Inserts a campaign. Throws INTEGRITY when its segment does not exist. */
  insert(record: CampaignRecord): Promise<void>;
  /** Replaces a campaign when its version equals `expectedVersion`; false otherwise. */
  update(record: CampaignRecord, expectedVersion: number): Promise<boolean>;
  /** One campaign by id. */
  get(id: string): Promise<CampaignRecord | undefined>;
  /** Every campaign, newest first. */
  list(): Promise<CampaignRecord[]>;
  /**
   * Writes one member row per relation of the audience in one insert … select: `targeted`, or
   * `excluded` with the first reason that applies, in this order: suppressed (the channel or all
   * channels, by the latest suppression entry), opted out (latest consent entry for channel and
   * purpose), no consent (no entry), no address for the channel. Returns the counts.
   */
  materialise(input: MaterialiseInput): Promise<{ readonly targeted: number; readonly excluded: Readonly<Record<ExclusionReason, number>> }>;
  /** Members by relation id (unknown ids are left out). */
  getMembers(campaignId: string, relationIds: readonly string[]): Promise<CampaignMemberRecord[]>;
  /** Applies status changes; returns the relation ids whose version matched (the others are unchanged). */
  updateMembers(campaignId: string, writes: readonly MemberStatusWrite[]): Promise<string[]>;
  /** One page of members by relation id. */
  members(campaignId: string, query: MemberQuery): Promise<CampaignMemberRecord[]>;
  /**
   * One page of the mailing list: targeted members not bounced or opted out, whose relation is not
   * deleted and whose consent for channel and purpose is still valid now (not suppressed, latest
   * entry an opt-in).
   */
  mailingList(campaignId: string, channel: ConsentChannel, purpose: string, page: IdPage): Promise<MailingRow[]>;
  /** Members per status. */
  statusCounts(campaignId: string): Promise<Partial<Record<MemberStatus, number>>>;
  /**
   * Deals created in [from, to] and non-cancelled orders dated in [fromDay, toDay] of the
   * campaign's non-excluded members, per currency.
   */
  attribution(
    campaignId: string,
    window: { from: Instant; to: Instant; fromDay: CalendarDate; toDay: CalendarDate },
  ): Promise<{ deals: CurrencyAggregate[]; orders: CurrencyAggregate[] }>;
}

/** An inclusive range of order days; null ends are open. */
export interface DayRange {
  readonly from: CalendarDate | null;
  readonly to: CalendarDate | null;
}

/** One customer's RFM aggregate with its quintile scores (1–5, 5 best; ties share a score). */
export interface RfmAggregateRow {
  readonly relationId: string;
  readonly name: string;
  readonly lastOrderDate: CalendarDate;
  readonly orders: number;
  readonly net: bigint;
  readonly recency: number;
  readonly frequency: number;
  readonly monetary: number;
}

/** One customer's order aggregate. */
export interface CustomerOrdersRow {
  readonly relationId: string;
  readonly name: string;
  readonly orders: number;
  readonly net: bigint;
  readonly firstOrderDate: CalendarDate;
  readonly lastOrderDate: CalendarDate;
}

/** Customer-value aggregates over non-cancelled orders of non-deleted relations, in SQL. */
export interface ValueReportStore {
  /**
   * RFM over the orders in `currency` and `range`. A score is `ceil(5 × c / n)`, computed in
   * integers, where c is the number of customers whose last order day, order count or net sum is at
   * most this customer's and n the number of customers: ties share a score, the best get 5. Rows
   * in relation-id order after `page.after`.
   */
  rfm(currency: string, range: DayRange, page: IdPage): Promise<{ customers: number; rows: RfmAggregateRow[] }>;
  /** Per-customer totals in `currency`, the top `limit` by net (then relation id), plus the overall totals. */
  lifetimeValue(currency: string, range: DayRange, limit: number): Promise<{ customers: number; orders: number; net: bigint; rows: CustomerOrdersRow[] }>;
  /**
   * Distinct customers per product and per pair of products (code a < code b) over order lines
   * (the accepted quote's lines) in the range; pairs with fewer than `minCustomers` are left out.
   */
  crossSell(
    range: DayRange,
    minCustomers: number,
  ): Promise<{
    customers: number;
    products: Array<{ code: string; name: string; customers: number }>;
    pairs: Array<{ a: string; b: string; customers: number }>;
  }>;
  /** Members of `audience`, members with orders in the range, and their orders and net per currency. */
  segmentValue(audience: ResolvedCondition, range: DayRange): Promise<{ members: number; buyers: number; orders: number; net: CurrencyAggregate[] }>;
}
