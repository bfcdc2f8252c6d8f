import { expectId, parseOrThrow } from "../model/common.js";
import {
  crossSellQuerySchema,
  lifetimeValueQuerySchema,
  rfmQuerySchema,
  segmentValueQuerySchema,
  type CrossSellPair,
  type CrossSellQuery,
  type CrossSellReport,
  type LifetimeValueQuery,
  type LifetimeValueReport,
  type RfmQuery,
  type RfmReport,
  type SegmentValueQuery,
  type SegmentValueReport,
} from "../model/customer-value.js";
import { moneyList, safeNumber } from "../model/money.js";
import { roundHalfUp } from "../money.js";
import { dayOf } from "../filter/time.js";
import { compareCodePoints } from "../filter/reference.js";
import { audienceOf, decodeIdCursor, idCursor, liveSegment } from "./audience.js";
import { runQuery, type TenantScope } from "./command.js";

/**
 * Customer value, computed in the database (`store.valueReports`): RFM quintiles, lifetime value,
 * cross-sell pairs with support and lift, and order value per segment. This service adds what SQL
 * should not decide: default periods, ratios and rounding (half up, to minor units).
 */
export interface CustomerValueService {
  /** Recency, frequency and monetary quintiles of the customers with orders in a currency and period. */
  rfm(query: RfmQuery): Promise<RfmReport>;
  /** Historical lifetime value: the top customers by net order value, and the totals. */
  lifetimeValue(query: LifetimeValueQuery): Promise<LifetimeValueReport>;
  /** Products bought by the same customers, with support, confidence and lift. */
  crossSell(query?: CrossSellQuery): Promise<CrossSellReport>;
  /** Members, buyers, orders and net value of each segment's current members. */
  perSegment(query: SegmentValueQuery): Promise<SegmentValueReport>;
}

const DAY_MS = 86_400_000;

/** Builds the customer-value service of a tenant. */
export function customerValueService(scope: TenantScope): CustomerValueService {
  const { ctx } = scope;
  const today = () => dayOf(ctx.now());

  return {
    async rfm(query) {
      const q = parseOrThrow(rfmQuerySchema, query);
      const to = q.to ?? today();
      const after = q.after === undefined ? null : decodeIdCursor(q.after);
      const { customers, rows } = await runQuery(scope, (store) => store.valueReports.rfm(q.currency, { from: q.from ?? null, to }, { after, limit: q.limit }));
      const last = rows[rows.length - 1];
      return {
        currency: q.currency,
        from: q.from ?? null,
        to,
        customers,
        rows: rows.map((r) => ({
          relationId: r.relationId,
          name: r.name,
          lastOrderDate: r.lastOrderDate,
          recencyDays: Math.round((Date.parse(to) - Date.parse(r.lastOrderDate)) / DAY_MS),
          frequency: r.orders,
          monetary: { amount: safeNumber(r.net), currency: q.currency },
          recency: r.recency,
          frequencyScore: r.frequency,
          monetaryScore: r.monetary,
          score: `${r.recency}${r.frequency}${r.monetary}`,
        })),
        nextCursor: rows.length === q.limit && last ? idCursor(last.relationId) : null,
      };
    },

    async lifetimeValue(query) {
      const q = parseOrThrow(lifetimeValueQuerySchema, query);
      const money = (amount: bigint) => ({ amount: safeNumber(amount), currency: q.currency });
      const agg = await runQuery(scope, (store) => store.valueReports.lifetimeValue(q.currency, { from: q.from ?? null, to: q.to ?? today() }, q.limit));
      return {
        currency: q.currency,
        customers: agg.customers,
        orders: agg.orders,
        value: money(agg.net),
        averageValue: agg.customers === 0 ? null : money(roundHalfUp(agg.net, BigInt(agg.customers))),
        rows: agg.rows.map((r) => ({
          relationId: r.relationId,
          name: r.name,
          orders: r.orders,
          value: money(r.net),
          averageOrderValue: money(roundHalfUp(r.net, BigInt(r.orders))),
          firstOrderDate: r.firstOrderDate,
          lastOrderDate: r.lastOrderDate,
        })),
      };
    },

    async crossSell(query = {}) {
      const q = parseOrThrow(crossSellQuerySchema, query);
      const agg = await runQuery(scope, (store) => store.valueReports.crossSell({ from: q.from ?? null, to: q.to ?? today() }, q.minCustomers));
      const products = new Map(agg.products.map((p) => [p.code, p]));
      const n = agg.customers;
      const pairs = agg.pairs.flatMap((p): CrossSellPair[] => {
        const a = products.get(p.a);
        const b = products.get(p.b);
        if (!a || !b || n === 0) return [];
        return [
          {
            a,
            b,
            customers: p.customers,
            support: p.customers / n,
            confidenceAToB: p.customers / a.customers,
            confidenceBToA: p.customers / b.customers,
            lift: (p.customers * n) / (a.customers * b.customers),
          },
        ];
      });
      // Exact order on lift: compare p.customers / (a × b) as cross products of integers.
      pairs.sort(
        (x, y) =>
          y.customers * x.a.customers * x.b.customers - x.customers * y.a.customers * y.b.customers ||
          y.customers - x.customers ||
          compareCodePoints(x.a.code, y.a.code) ||
          compareCodePoints(x.b.code, y.b.code),
      );
      return { customers: n, pairs: pairs.slice(0, q.limit) };
    },

    async perSegment(query) {
      const q = parseOrThrow(segmentValueQuerySchema, query);
      const range = { from: q.from ?? null, to: q.to ?? today() };
      const now = ctx.now();
      return runQuery(scope, async (store) => {
        const segments = [];
        for (const id of q.segmentIds) {
          const segment = await liveSegment(store, expectId(id));
          const agg = await store.valueReports.segmentValue(await audienceOf(ctx, store, segment, now), range);
          const totals = new Map(agg.net.map((c) => [c.currency, c.amount]));
          const perMember = new Map(agg.net.map((c) => [c.currency, agg.members === 0 ? 0n : roundHalfUp(c.amount, BigInt(agg.members))]));
          segments.push({
            segmentId: segment.id,
            name: segment.name,
            members: agg.members,
            buyers: agg.buyers,
            orders: agg.orders,
            value: moneyList(totals, undefined),
            valuePerMember: moneyList(perMember, undefined),
          });
        }
        return { from: range.from, to: range.to, segments };
      });
    },
  };
}
