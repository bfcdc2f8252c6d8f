import { CRM_VOCABULARY, type ExclusionReason, type MemberStatus } from "@kaartenbak/core";
import { type CampaignStore } from "@kaartenbak/core/storage";
import { sql, type SqlBool } from "kysely";
import { channelAddress, exclusionReason, latestConsent, suppressed } from "./consent-sql.js";
import type { DialectProfile } from "./dialect-profile.js";
import { matchingRelations } from "./filter-compiler.js";
import { withFilter } from "./large-expression.js";
import { fromJson, toNumber } from "./rows.js";
import { toBigInt } from "./rows-sales.js";
import { campaignColumns, campaignFromRow, memberFromRow, typed } from "./rows-segments.js";
import { affected, inChunks, type StoreContext } from "./store-context.js";

const EXCLUSION_REASONS = CRM_VOCABULARY.exclusionReasons;

const MEMBER_COLUMNS = ["tenant_id", "campaign_id", "relation_id", "status", "reason", "address", "status_at", "version"] as const;

/** Campaigns and their members, for one tenant. */
export function campaignStore(context: StoreContext, profile: DialectProfile): CampaignStore {
  const { db, tenantId } = context;
  const members = (campaignId: string) =>
    db.selectFrom("kb_campaign_members").selectAll().where("tenant_id", "=", tenantId).where("campaign_id", "=", campaignId);
  /** Targeted (not excluded) members' relation ids, for attribution. */
  const reached = (campaignId: string) =>
    db
      .selectFrom("kb_campaign_members")
      .select("relation_id")
      .where("tenant_id", "=", tenantId)
      .where("campaign_id", "=", campaignId)
      .where("status", "<>", "excluded");

  return {
    async insert(record) {
      await db
        .insertInto("kb_campaigns")
        .values({ tenant_id: tenantId, id: record.id, ...campaignColumns(record) })
        .execute();
    },

    async update(record, expectedVersion) {
      const result = await db
        .updateTable("kb_campaigns")
        .set(campaignColumns(record))
        .where("tenant_id", "=", tenantId)
        .where("id", "=", record.id)
        .where("version", "=", expectedVersion)
        .executeTakeFirst();
      return affected(result) > 0;
    },

    async get(id) {
      const row = await db.selectFrom("kb_campaigns").selectAll().where("tenant_id", "=", tenantId).where("id", "=", id).executeTakeFirst();
      return row ? campaignFromRow(row) : undefined;
    },

    async list() {
      const rows = await db
        .selectFrom("kb_campaigns")
        .selectAll()
        .where("tenant_id", "=", tenantId)
        .orderBy("created_at", "desc")
        .orderBy("id", "desc")
        .execute();
      return rows.map(campaignFromRow);
    },

    async materialise({ campaignId, audience, channel, purpose, at }) {
      // One insert … select: the audience, each with its exclusion reason (or none) and address.
      const candidates = matchingRelations(db, profile.filters, tenantId, audience).select([
        "r0.tenant_id",
        "r0.id as relation_id",
        exclusionReason(db, profile.filters, "r0", channel, purpose).as("reason"),
        channelAddress(db, "r0", channel).as("address"),
      ]);
      const rows = db
        .selectFrom(candidates.as("x"))
        .select([
          "x.tenant_id",
          typed(campaignId, "text").as("campaign_id"),
          "x.relation_id",
          sql<string>`(case when ${sql.ref("x.reason")} is null then ${"targeted"} else ${"excluded"} end)`.as("status"),
          "x.reason",
          "x.address",
          typed(at, profile.types.timestamp).as("status_at"),
          sql<number>`1`.as("version"),
        ]);
      await withFilter(db, profile, audience, () =>
        db
          .insertInto("kb_campaign_members")
          .columns([...MEMBER_COLUMNS])
          .expression(rows)
          .execute(),
      );
      const counts = await members(campaignId)
        .clearSelect()
        .select(["status", "reason", sql<number | string>`count(*)`.as("n")])
        .groupBy(["status", "reason"])
        .execute();
      const excluded = Object.fromEntries(EXCLUSION_REASONS.map((r) => [r, 0])) as Record<ExclusionReason, number>;
      let targeted = 0;
      for (const row of counts) {
        if (row.status === "targeted") targeted += toNumber(row.n);
        else excluded[row.reason as ExclusionReason] += toNumber(row.n);
      }
      return { targeted, excluded };
    },

    async getMembers(campaignId, relationIds) {
      const rows = await inChunks(relationIds, (chunk) => members(campaignId).where("relation_id", "in", chunk).execute());
      return rows.map(memberFromRow);
    },

    async updateMembers(campaignId, writes) {
      const done: string[] = [];
      for (const w of writes) {
        const result = await db
          .updateTable("kb_campaign_members")
          .set({ status: w.status, status_at: w.statusAt, version: w.expectedVersion + 1 })
          .where("tenant_id", "=", tenantId)
          .where("campaign_id", "=", campaignId)
          .where("relation_id", "=", w.relationId)
          .where("version", "=", w.expectedVersion)
          .executeTakeFirst();
        if (affected(result) > 0) done.push(w.relationId);
      }
      return done;
    },

    async members(campaignId, query) {
      let q = members(campaignId);
      if (query.status !== null) q = q.where("status", "=", query.status);
      if (query.after !== null) q = q.where("relation_id", ">", query.after);
      const rows = await q.orderBy("relation_id").limit(query.limit).execute();
      return rows.map(memberFromRow);
    },

    async mailingList(campaignId, channel, purpose, page) {
      let q = db
        .selectFrom("kb_campaign_members as m")
        .innerJoin("kb_relations as r", (join) => join.onRef("r.tenant_id", "=", "m.tenant_id").onRef("r.id", "=", "m.relation_id"))
        .select(["m.relation_id", "m.address", "m.status", "r.name", "r.given_name", "r.family_name", "r.addresses"])
        .where("m.tenant_id", "=", tenantId)
        .where("m.campaign_id", "=", campaignId)
        .where("m.status", "not in", ["excluded", "bounced", "opted_out"])
        .where("r.deleted_at", "is", null)
        // Consent is checked again now: an opt-out or suppression after launch takes the relation off the list.
        .where(sql<SqlBool>`not ${suppressed(db, "r", channel)}`)
        .where(sql<SqlBool>`coalesce(${latestConsent(db, "r", channel, purpose)}, 'none') = 'opt_in'`);
      if (page.after !== null) q = q.where("m.relation_id", ">", page.after);
      const rows = await q.orderBy("m.relation_id").limit(page.limit).execute();
      return rows.map((row) => ({
        relationId: row.relation_id,
        name: row.name,
        givenName: row.given_name,
        familyName: row.family_name,
        address: row.address,
        status: row.status as MemberStatus,
        addresses: fromJson(row.addresses),
      }));
    },

    async statusCounts(campaignId) {
      const rows = await members(campaignId)
        .clearSelect()
        .select(["status", sql<number | string>`count(*)`.as("n")])
        .groupBy("status")
        .execute();
      return Object.fromEntries(rows.map((r) => [r.status, toNumber(r.n)]));
    },

    async attribution(campaignId, window) {
      const deals = await db
        .selectFrom("kb_deals")
        .select(["currency", sql<number | string>`count(*)`.as("n"), sql<string>`cast(sum(amount) as text)`.as("amount")])
        .where("tenant_id", "=", tenantId)
        .where("deleted_at", "is", null)
        .where("created_at", ">=", window.from)
        .where("created_at", "<=", window.to)
        .where("relation_id", "in", reached(campaignId))
        .groupBy("currency")
        .execute();
      const orders = await db
        .selectFrom("kb_orders")
        .select(["currency", sql<number | string>`count(*)`.as("n"), sql<string>`cast(sum(net_amount) as text)`.as("amount")])
        .where("tenant_id", "=", tenantId)
        .where("cancelled_at", "is", null)
        .where("order_date", ">=", window.fromDay)
        .where("order_date", "<=", window.toDay)
        .where("relation_id", "in", reached(campaignId))
        .groupBy("currency")
        .execute();
      const agg = (rows: { currency: string; n: number | string; amount: string }[]) =>
        rows.map((r) => ({ currency: r.currency, count: toNumber(r.n), amount: toBigInt(r.amount) }));
      return { deals: agg(deals), orders: agg(orders) };
    },
  };
}
