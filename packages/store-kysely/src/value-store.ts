import type { DayRange, ResolvedCondition, ValueReportStore } from "@kaartenbak/core/storage";
import { sql } from "kysely";
import type { DialectProfile } from "./dialect-profile.js";
import { matchingRelations } from "./filter-compiler.js";
import { withFilter } from "./large-expression.js";
import { toNumber } from "./rows.js";
import { toBigInt } from "./rows-sales.js";
import type { StoreContext } from "./store-context.js";

/** A count as read (pg returns bigint counts as text). */
const count = () => sql<number | string>`count(*)`;

/**
 * Customer-value aggregates, for one tenant: each report a few queries written once with Kysely.
 * Sums travel as `cast(… as text)` into BigInt (exact on both engines); quintiles use `rank()`
 * and integer division (no floating point), which SQLite and Postgres evaluate identically, so ties
 * share a score and the engines agree row for row.
 */
export function valueStore({ db, tenantId }: StoreContext, profile: DialectProfile): ValueReportStore {
  /** Non-cancelled orders of non-deleted relations in the range. */
  function orders(range: DayRange) {
    let q = db
      .selectFrom("kb_orders as o")
      .innerJoin("kb_relations as r", (join) => join.onRef("r.tenant_id", "=", "o.tenant_id").onRef("r.id", "=", "o.relation_id"))
      .where("o.tenant_id", "=", tenantId)
      .where("o.cancelled_at", "is", null)
      .where("r.deleted_at", "is", null);
    if (range.from !== null) q = q.where("o.order_date", ">=", range.from);
    if (range.to !== null) q = q.where("o.order_date", "<=", range.to);
    return q;
  }

  /** Per-customer aggregates of one currency's orders. */
  const perCustomer = (currency: string, range: DayRange) =>
    orders(range)
      .where("o.currency", "=", currency)
      .select([
        "o.relation_id",
        "r.name",
        sql<number | string>`count(*)`.as("orders"),
        sql<string>`sum(${sql.ref("o.net_amount")})`.as("net"),
        sql<string>`min(${sql.ref("o.order_date")})`.as("first_date"),
        sql<string>`max(${sql.ref("o.order_date")})`.as("last_date"),
      ])
      .groupBy(["o.relation_id", "r.name"]);

  return {
    async rfm(currency, range, page) {
      const ranked = db
        .selectFrom(perCustomer(currency, range).as("a"))
        .select([
          "a.relation_id",
          "a.name",
          "a.last_date",
          "a.orders",
          sql<string>`cast(${sql.ref("a.net")} as text)`.as("net_text"),
          sql<number>`rank() over (order by ${sql.ref("a.last_date")} desc)`.as("rr"),
          sql<number>`rank() over (order by ${sql.ref("a.orders")} desc)`.as("fr"),
          sql<number>`rank() over (order by ${sql.ref("a.net")} desc)`.as("mr"),
          sql<number>`count(*) over ()`.as("n"),
        ]);
      // ceil(5 × c / n) in integers, c = customers with a value at most this one's = n − rank_desc + 1.
      const score = (rank: string) => sql<number | string>`(5 * (${sql.ref("k.n")} - ${sql.ref(`k.${rank}`)} + 1) + ${sql.ref("k.n")} - 1) / ${sql.ref("k.n")}`;
      let q = db
        .selectFrom(ranked.as("k"))
        .select(["k.relation_id", "k.name", "k.last_date", "k.orders", "k.net_text", "k.n", score("rr").as("r"), score("fr").as("f"), score("mr").as("m")]);
      if (page.after !== null) q = q.where("k.relation_id", ">", page.after);
      const rows = await q.orderBy("k.relation_id").limit(page.limit).execute();
      const total = await db.selectFrom(perCustomer(currency, range).as("a")).select(count().as("n")).executeTakeFirstOrThrow();
      return {
        customers: toNumber(total.n),
        rows: rows.map((r) => ({
          relationId: r.relation_id,
          name: r.name,
          lastOrderDate: r.last_date,
          orders: toNumber(r.orders),
          net: toBigInt(r.net_text),
          recency: toNumber(r.r),
          frequency: toNumber(r.f),
          monetary: toNumber(r.m),
        })),
      };
    },

    async lifetimeValue(currency, range, limit) {
      const rows = await db
        .selectFrom(perCustomer(currency, range).as("a"))
        .select(["a.relation_id", "a.name", "a.orders", sql<string>`cast(${sql.ref("a.net")} as text)`.as("net_text"), "a.first_date", "a.last_date"])
        .orderBy(sql`${sql.ref("a.net")}`, "desc")
        .orderBy("a.relation_id")
        .limit(limit)
        .execute();
      const totals = await db
        .selectFrom(perCustomer(currency, range).as("a"))
        .select([
          count().as("customers"),
          sql<string | null>`cast(sum(${sql.ref("a.orders")}) as text)`.as("orders"),
          sql<string | null>`cast(sum(${sql.ref("a.net")}) as text)`.as("net"),
        ])
        .executeTakeFirstOrThrow();
      return {
        customers: toNumber(totals.customers),
        orders: totals.orders === null ? 0 : toNumber(totals.orders),
        net: toBigInt(totals.net),
        rows: rows.map((r) => ({
          relationId: r.relation_id,
          name: r.name,
          orders: toNumber(r.orders),
          net: toBigInt(r.net_text),
          firstOrderDate: r.first_date,
          lastOrderDate: r.last_date,
        })),
      };
    },

    async crossSell(range, minCustomers) {
      // (customer, product) pairs: a product counts once per customer however often it was bought.
      const bought = orders(range)
        .innerJoin("kb_quote_lines as ql", (join) => join.onRef("ql.tenant_id", "=", "o.tenant_id").onRef("ql.quote_id", "=", "o.quote_id"))
        .innerJoin("kb_products as p", (join) => join.onRef("p.tenant_id", "=", "ql.tenant_id").onRef("p.id", "=", "ql.product_id"))
        .select(["o.relation_id", "p.code", "p.name"])
        .distinct();
      const customers = await db
        .selectFrom(bought.as("b"))
        .select(sql<number | string>`count(distinct ${sql.ref("b.relation_id")})`.as("n"))
        .executeTakeFirstOrThrow();
      const products = await db
        .selectFrom(bought.as("b"))
        .select(["b.code", "b.name", count().as("n")])
        .groupBy(["b.code", "b.name"])
        .execute();
      const pairs = await db
        .selectFrom(bought.as("a"))
        .innerJoin(bought.as("b"), (join) => join.onRef("b.relation_id", "=", "a.relation_id").onRef("a.code", "<", "b.code"))
        .select(["a.code as a_code", "b.code as b_code", count().as("n")])
        .groupBy(["a.code", "b.code"])
        .having(count(), ">=", minCustomers)
        .execute();
      return {
        customers: toNumber(customers.n),
        products: products.map((p) => ({ code: p.code, name: p.name, customers: toNumber(p.n) })),
        pairs: pairs.map((p) => ({ a: p.a_code, b: p.b_code, customers: toNumber(p.n) })),
      };
    },

    segmentValue: (audience, range) => withFilter(db, profile, audience, () => segmentValue(audience, range)),
  };

  /** Members, buyers and net order value of a filter's audience (large filters run through the profile's hook). */
  async function segmentValue(audience: ResolvedCondition, range: DayRange) {
    const members = matchingRelations(db, profile.filters, tenantId, audience);
    const memberCount = await members.select(count().as("n")).executeTakeFirstOrThrow();
    const theirOrders = () => orders(range).where("o.relation_id", "in", matchingRelations(db, profile.filters, tenantId, audience).select("r0.id"));
    const net = await theirOrders()
      .select(["o.currency", count().as("n"), sql<string>`cast(sum(${sql.ref("o.net_amount")}) as text)`.as("net")])
      .groupBy("o.currency")
      .execute();
    const buyers = await theirOrders()
      .select(sql<number | string>`count(distinct ${sql.ref("o.relation_id")})`.as("n"))
      .executeTakeFirstOrThrow();
    return {
      members: toNumber(memberCount.n),
      buyers: toNumber(buyers.n),
      orders: net.reduce((n, r) => n + toNumber(r.n), 0),
      net: net.map((r) => ({ currency: r.currency, count: toNumber(r.n), amount: toBigInt(r.net) })),
    };
  }
}
