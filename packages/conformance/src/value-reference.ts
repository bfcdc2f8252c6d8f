import { compareCodePoints } from "@kaartenbak/core/reference";
import type { Order } from "@kaartenbak/core";

/**
 * Reference computations of the customer-value reports in plain TypeScript, for the property
 * tests: the definitions the SQL (`ValueReportStore`) must reproduce exactly.
 */

/** An order as the reference sees it: with its relation's state and its product codes. */
export interface ValueOrder extends Pick<Order, "relationId" | "orderDate" | "currency" | "netAmount" | "cancelledAt"> {
  readonly productCodes: readonly string[];
}

/** Inclusive day bounds. */
export interface Range {
  readonly from: string | null;
  readonly to: string | null;
}

const counted = (o: ValueOrder, live: ReadonlySet<string>, range: Range) =>
  o.cancelledAt === null && live.has(o.relationId) && (range.from === null || o.orderDate >= range.from) && (range.to === null || o.orderDate <= range.to);

/** Per-customer aggregates of one currency. */
export function customerTotals(orders: readonly ValueOrder[], live: ReadonlySet<string>, currency: string, range: Range) {
  const by = new Map<string, { relationId: string; orders: number; net: number; first: string; last: string }>();
  for (const o of orders) {
    if (!counted(o, live, range) || o.currency !== currency) continue;
    const c = by.get(o.relationId) ?? { relationId: o.relationId, orders: 0, net: 0, first: o.orderDate, last: o.orderDate };
    by.set(o.relationId, {
      ...c,
      orders: c.orders + 1,
      net: c.net + o.netAmount,
      first: o.orderDate < c.first ? o.orderDate : c.first,
      last: o.orderDate > c.last ? o.orderDate : c.last,
    });
  }
  return [...by.values()];
}

/** RFM scores: `ceil(5 × c / n)`, c = customers with a value at most this one's. */
export function referenceRfm(orders: readonly ValueOrder[], live: ReadonlySet<string>, currency: string, range: Range) {
  const customers = customerTotals(orders, live, currency, range);
  const n = customers.length;
  const score = (value: number | string, all: readonly (number | string)[]) => Math.ceil((5 * all.filter((v) => v <= value).length) / n);
  return customers
    .map((c) => ({
      relationId: c.relationId,
      lastOrderDate: c.last,
      frequency: c.orders,
      monetary: c.net,
      recency: score(
        c.last,
        customers.map((x) => x.last),
      ),
      frequencyScore: score(
        c.orders,
        customers.map((x) => x.orders),
      ),
      monetaryScore: score(
        c.net,
        customers.map((x) => x.net),
      ),
    }))
    .sort((a, b) => compareCodePoints(a.relationId, b.relationId));
}

/** Products bought per customer, and the pairs bought by the same customers. */
export function referenceCrossSell(orders: readonly ValueOrder[], live: ReadonlySet<string>, range: Range, minCustomers: number) {
  const baskets = new Map<string, Set<string>>();
  for (const o of orders) {
    if (!counted(o, live, range) || o.productCodes.length === 0) continue;
    const basket = baskets.get(o.relationId) ?? new Set<string>();
    for (const code of o.productCodes) basket.add(code);
    baskets.set(o.relationId, basket);
  }
  const products = new Map<string, number>();
  const pairs = new Map<string, number>();
  for (const basket of baskets.values()) {
    const codes = [...basket].sort(compareCodePoints);
    for (const a of codes) products.set(a, (products.get(a) ?? 0) + 1);
    for (const [i, a] of codes.entries()) for (const b of codes.slice(i + 1)) pairs.set(`${a}\u0000${b}`, (pairs.get(`${a}\u0000${b}`) ?? 0) + 1);
  }
  const n = baskets.size;
  const result = [...pairs.entries()]
    .filter(([, customers]) => customers >= minCustomers)
    .map(([key, customers]) => {
      const [a, b] = key.split("\u0000") as [string, string];
      const ca = products.get(a)!;
      const cb = products.get(b)!;
      return {
        a,
        b,
        customers,
        support: customers / n,
        confidenceAToB: customers / ca,
        confidenceBToA: customers / cb,
        lift: (customers * n) / (ca * cb),
        ca,
        cb,
      };
    })
    .sort(
      (x, y) =>
        y.customers * x.ca * x.cb - x.customers * y.ca * y.cb || y.customers - x.customers || compareCodePoints(x.a, y.a) || compareCodePoints(x.b, y.b),
    );
  return { customers: n, pairs: result };
}

/** Order value of a set of members. */
export function referenceSegmentValue(orders: readonly ValueOrder[], members: ReadonlySet<string>, range: Range) {
  const net = new Map<string, number>();
  const buyers = new Set<string>();
  let count = 0;
  for (const o of orders) {
    if (!counted(o, members, range)) continue;
    net.set(o.currency, (net.get(o.currency) ?? 0) + o.netAmount);
    buyers.add(o.relationId);
    count += 1;
  }
  return { members: members.size, buyers: buyers.size, orders: count, net };
}
