import fc from "fast-check";
import { defineAttributes } from "@kaartenbak/core";
import type { FilterDataset } from "@kaartenbak/core/reference";
import { filterBuilder } from "@kaartenbak/core";
import type { Condition } from "@kaartenbak/core";
import { addDays } from "@kaartenbak/core/reference";
import { isCrmError } from "@kaartenbak/core";
import type { Deal } from "@kaartenbak/core";
import type { Link } from "@kaartenbak/core";
import type { Product } from "@kaartenbak/core";
import type { Relation } from "@kaartenbak/core";
import type { LinkRecord } from "@kaartenbak/core/storage";
import type { SuiteContext, SuiteWorld } from "./harness.js";
import { HOSTILE_STRINGS } from "./hostile.js";
import { TestClock } from "./sales-fixtures.js";

/**
 * Random CRM data for the differential filter tests: relations with hostile names, tags and
 * attributes of every type, links, interactions, deals and orders (some through quotes with
 * products), written through the SDK, plus the same data as a reference {@link FilterDataset}.
 */

/** The data model of the differential tests: every attribute type, hostile enum values, a deal-only attribute. */
export const filterRegistry = defineAttributes({
  version: 1,
  attributes: {
    industry: { type: "enum", values: ["retail", "finance", "o'neil & co %"], appliesTo: ["organisation"] },
    label: { type: "string", maxLength: 200 },
    score: { type: "number" },
    since: { type: "date" },
    vip: { type: "boolean" },
    credit: { type: "money", currencies: ["EUR", "USD"] },
    seats: { type: "number", integer: true, appliesTo: ["deal"] },
  },
});

/** The instant filters are evaluated at. */
export const FILTER_NOW = "2026-06-15T12:00:00.000Z";
/** Texts of the data (and of filter values, so filters hit). */
export const TEXTS = [...HOSTILE_STRINGS, "Acme", "Anna de Vries", "anna", "Bakkerij", "de Vries"] as const;
/** Tags of the data, in two cases and with wildcards. */
export const TAGS = ["vip", "VIP", "b2b", "100%", "a_b", "O'Brien", "😀"] as const;
/** E-mail addresses (filters lower-case theirs, like the store). */
export const EMAILS = ["anna@x.nl", "o'brien@x.nl", "a_b@x.nl", "ab@x.nl", "x+y@shop.example", "ANNA@X.NL"] as const;
/** Account managers, one of them an injection attempt. */
export const OWNERS = [null, "u1", "u2", "x' OR '1'='1"] as const;
/** Number attribute values, with decimals that do not round-trip naively. */
export const NUMBERS = [-2.5, 0, 1, 3, 3.5, 10, 1e6, 0.1, 0.30000000000000004] as const;
/** Date attribute values and window bounds around {@link FILTER_NOW}. */
export const DATES = ["2024-02-29", "2025-12-31", "2026-01-01", "2026-06-15", "2026-06-16"] as const;
/** The product catalogue of every scenario. */
export const PRODUCT_CODES = ["BRD-1", "CAKE_2", "PIE.3"] as const;
/** Interaction kinds of the data. */
export const KINDS = ["call", "email", "meeting", "note"] as const;
/** Interaction channels of the data. */
export const CHANNELS = ["phone", "email", "in_person"] as const;

/** Address parts: spellings that differ only by case, spaces or accents, postcodes in and around the area 3500–3599. */
export const CITIES = ["Utrecht", "utrecht", "Zürich", "Zurich", "'s-Hertogenbosch", "100%", "a_b"] as const;
export const POSTCODES = ["3512 AB", "3512ab", "3599ZZ", "3500", "3600 AA", "0350 XX", "35A1 BC", "351", "B-1000", "3512 ÄB", "😀12"] as const;
export const COUNTRIES = ["NL", "BE", "DE"] as const;
export const STREETS = ["Oudegracht", "Dam", "Straße", "O'Brien Lane"] as const;
export const ADDRESS_LABELS = ["billing", "visit"] as const;

const address = fc.record(
  {
    label: fc.constantFrom(...ADDRESS_LABELS),
    street: fc.constantFrom(...STREETS),
    postalCode: fc.constantFrom(...POSTCODES),
    city: fc.constantFrom(...CITIES),
    country: fc.constantFrom(...COUNTRIES),
  },
  { requiredKeys: [] },
);

const text = fc.constantFrom(...TEXTS.filter((t) => t.trim().length > 0));
const attributeValues = fc.record(
  {
    industry: fc.constantFrom(...filterRegistry.attributes.industry.values),
    label: text,
    score: fc.constantFrom(...NUMBERS),
    since: fc.constantFrom(...DATES),
    vip: fc.boolean(),
    credit: fc.record({ amount: fc.integer({ min: 0, max: 200_000 }), currency: fc.constantFrom("EUR", "USD") }),
  },
  { requiredKeys: [] },
);

const relationSpec = fc.record({
  kind: fc.constantFrom("person", "organisation", "household"),
  name: text,
  givenName: fc.option(text, { nil: null }),
  familyName: fc.option(text, { nil: null }),
  lifecycle: fc.constantFrom("prospect", "lead", "customer", "former"),
  ownerId: fc.constantFrom(...OWNERS),
  emails: fc.subarray([...EMAILS], { maxLength: 2 }),
  tags: fc.subarray([...TAGS], { maxLength: 3 }),
  addresses: fc.array(address, { maxLength: 2 }),
  attributes: attributeValues,
  deleted: fc.integer({ min: 0, max: 9 }).map((n) => n < 2),
  legacy: fc.integer({ min: 0, max: 9 }).map((n) => n === 0),
  advance: fc.integer({ min: 1, max: 3 * 86_400_000 }),
});

const day = fc.integer({ min: -400, max: 20 });

/** A random scenario (plain data, written by {@link writeScenario}). */
export const scenarioArbitrary = fc.record({
  relations: fc.array(relationSpec, { minLength: 4, maxLength: 12 }),
  links: fc.array(
    fc.record({
      kind: fc.constantFrom("employment", "household_member", "parent_organisation"),
      from: fc.nat(),
      to: fc.nat(),
      role: fc.constantFrom(null, "owner", "O'Brien"),
      validFrom: fc.option(fc.constantFrom(...DATES), { nil: null }),
      validTo: fc.option(fc.constantFrom(...DATES), { nil: null }),
    }),
    { maxLength: 8 },
  ),
  interactions: fc.array(
    fc.record({
      kind: fc.constantFrom(...KINDS),
      direction: fc.constantFrom(null, "inbound", "outbound"),
      channel: fc.constantFrom(null, ...CHANNELS),
      day,
      ms: fc.integer({ min: 0, max: 86_399_999 }),
      relations: fc.array(fc.nat(), { minLength: 1, maxLength: 2 }),
      deleted: fc.integer({ min: 0, max: 9 }).map((n) => n < 2),
    }),
    { maxLength: 14 },
  ),
  deals: fc.array(
    fc.record({
      relation: fc.nat(),
      stage: fc.nat({ max: 5 }),
      amount: fc.constantFrom(0, 500, 1_000_000, 2_500_000),
      currency: fc.constantFrom("EUR", "USD"),
      advance: fc.integer({ min: 1, max: 20 * 86_400_000 }),
    }),
    { maxLength: 6 },
  ),
  orders: fc.array(
    fc.record({
      relation: fc.nat(),
      day,
      currency: fc.constantFrom("EUR", "USD"),
      net: fc.constantFrom(0, 1_000, 99_999, 1_000_000),
      cancelled: fc.integer({ min: 0, max: 9 }).map((n) => n < 3),
      products: fc.subarray([0, 1, 2], { maxLength: 2 }),
    }),
    { maxLength: 6 },
  ),
  staticMembers: fc.array(fc.nat(), { maxLength: 5 }),
});

/** A scenario as fast-check generates it. */
export type Scenario = typeof scenarioArbitrary extends fc.Arbitrary<infer T> ? T : never;

/** What a written scenario is: the world, its reference data, and the segments filters can refer to. */
export interface WrittenScenario {
  readonly w: SuiteWorld;
  readonly data: FilterDataset;
  readonly staticSegmentId: string;
  readonly dynamicSegmentId: string;
  readonly dynamicFilter: Condition;
}

function linkRecord(link: Link): LinkRecord {
  const [fromId, toId] =
    link.kind === "employment"
      ? [link.personId, link.organisationId]
      : link.kind === "household_member"
        ? [link.personId, link.householdId]
        : [link.organisationId, link.parentId];
  return {
    id: link.id,
    kind: link.kind,
    fromId,
    toId,
    role: link.role,
    jobTitle: null,
    validFrom: link.validFrom,
    validTo: link.validTo,
    version: link.version,
    createdAt: link.createdAt,
    updatedAt: link.updatedAt,
  };
}

/** Writes a scenario into a fresh tenant through the SDK and returns it with its reference dataset. */
export async function writeScenario(ctx: SuiteContext, s: Scenario): Promise<WrittenScenario> {
  const clock = new TestClock(addDays(FILTER_NOW, -60));
  const w = ctx.world({ attributes: filterRegistry, clock: clock.now });
  const { t } = w;
  const relations: Relation[] = [];
  for (const spec of s.relations) {
    clock.advance(spec.advance);
    const attributes = spec.kind === "organisation" ? spec.attributes : { ...spec.attributes, industry: undefined };
    relations.push(
      await t.relations.create({
        kind: spec.kind,
        name: spec.name,
        lifecycle: spec.lifecycle,
        ownerId: spec.ownerId,
        emails: spec.emails,
        tags: spec.tags,
        addresses: spec.addresses,
        attributes,
        ...(spec.kind === "person" ? { givenName: spec.givenName, familyName: spec.familyName } : {}),
      }),
    );
  }
  const pick = (n: number) => relations[n % relations.length]!;
  // Deals and quotes need an organisation or a person as the customer.
  const customers = relations.filter((r) => r.kind !== "household");
  const customer = (n: number) => customers[n % customers.length];
  const links: LinkRecord[] = [];
  for (const l of s.links) {
    const [from, to] = [pick(l.from), pick(l.to)];
    const common = { role: l.role, validFrom: l.validFrom, validTo: l.validTo && l.validFrom && l.validTo < l.validFrom ? null : l.validTo };
    const input =
      l.kind === "employment"
        ? { kind: l.kind, personId: from.id, organisationId: to.id, ...common }
        : l.kind === "household_member"
          ? { kind: l.kind, personId: from.id, householdId: to.id, ...common }
          : { kind: l.kind, organisationId: from.id, parentId: to.id, ...common };
    try {
      links.push(linkRecord(await t.links.create(input)));
    } catch (error) {
      if (!isCrmError(error, "INTEGRITY") && !isCrmError(error, "DUPLICATE")) throw error; // wrong kinds or a cycle: skip
    }
  }
  const interactions = [];
  for (const i of s.interactions) {
    const occurredAt = new Date(Date.parse(FILTER_NOW.slice(0, 10)) + i.day * 86_400_000 + i.ms).toISOString();
    const logged = await t.interactions.log({
      kind: i.kind,
      direction: i.direction,
      channel: i.channel,
      occurredAt,
      relationIds: [...new Set(i.relations.map((n) => pick(n).id))],
    });
    interactions.push(i.deleted ? await t.interactions.delete(logged.interaction.id, { expectedVersion: logged.interaction.version }) : logged.interaction);
  }
  const pipeline = await t.pipelines.create({
    name: "P",
    stages: [
      { name: "A", probability: 10 },
      { name: "B", probability: 50 },
      { name: "C", probability: 70 },
      { name: "D", probability: 90 },
      { name: "Won", kind: "won" },
      { name: "Lost", kind: "lost" },
    ],
  });
  const deals: Deal[] = [];
  for (const d of s.deals) {
    clock.advance(d.advance);
    const buyer = customer(d.relation);
    if (!buyer) continue;
    deals.push(
      await t.deals.create({
        title: "Deal",
        relationId: buyer.id,
        pipelineId: pipeline.id,
        stageId: pipeline.stages[d.stage]!.id,
        amount: d.amount,
        currency: d.currency,
      }),
    );
  }
  const products: Product[] = [];
  for (const code of PRODUCT_CODES) products.push(await t.products.create({ code, name: `Product ${code}`, unitPrice: 1250, currency: "EUR" }));
  const codeOf = new Map(products.map((p) => [p.id, p.code]));
  const orders = [];
  for (const o of s.orders) {
    const relationId = pick(o.relation).id;
    let order;
    // The reference's product codes are those of the lines actually written: the accepted quote's.
    // An order recorded directly (no products asked for, or no customer to quote: all households)
    // has no lines, whatever products the scenario named, so it never "ordered product X".
    let productCodes: string[] = [];
    if (o.products.length > 0 && customer(o.relation)) {
      const quote = await t.quotes.create({
        relationId: customer(o.relation)!.id,
        currency: "EUR",
        lines: o.products.map((p) => ({ productId: products[p]!.id, quantity: 1 })),
      });
      await t.quotes.send(quote.id, { expectedVersion: quote.version });
      const accepted = await t.quotes.accept(quote.id, { expectedVersion: quote.version + 1 });
      order = accepted.order;
      productCodes = accepted.quote.lines.flatMap((l) => (l.productId === null ? [] : [codeOf.get(l.productId)!]));
    } else {
      order = (await t.orders.record({ relationId, orderDate: addDays(FILTER_NOW, o.day).slice(0, 10), currency: o.currency, netAmount: o.net })).order;
    }
    if (o.cancelled) order = await t.orders.cancel(order.id, { expectedVersion: order.version });
    orders.push({ ...order, productCodes });
  }
  for (const [index, spec] of s.relations.entries()) {
    let r = relations[index]!;
    if (spec.legacy) {
      // Values an older data model left behind: each typed extraction must see them as absent.
      const legacy = {
        ...r,
        attributes: { ...r.attributes, score: "12", vip: "yes", since: 20260101, label: 42, credit: { amount: "5", currency: "EUR" } } as never,
        version: r.version + 1,
      };
      await w.storage.transaction(w.tenantId, (store) => store.relations.update(legacy, r.version));
      r = legacy;
    }
    if (spec.deleted) r = await t.relations.delete(r.id, { expectedVersion: r.version });
    relations[index] = r;
  }
  const liveIds = relations.filter((r) => !r.deletedAt).map((r) => r.id);
  const members = [...new Set(s.staticMembers.map((n) => liveIds[n % Math.max(liveIds.length, 1)]).filter((id): id is string => id !== undefined))];
  const staticSegment = await t.segments.create({ kind: "static", name: "Static", relationIds: members });
  const f = filterBuilder<typeof filterRegistry>();
  const dynamicFilter = f.or(f.tags.any("vip"), f.attribute("score").gt(1));
  const dynamic = await t.segments.create({ kind: "dynamic", name: "Dynamic", filter: f.filter(dynamicFilter) });
  return {
    w,
    staticSegmentId: staticSegment.id,
    dynamicSegmentId: dynamic.id,
    dynamicFilter,
    data: { relations, links, interactions, deals, orders, segmentMembers: new Map([[staticSegment.id, new Set(members)]]) },
  };
}
