import fc from "fast-check";
import type { Money } from "@kaartenbak/core";
import { CRM_VOCABULARY } from "@kaartenbak/core";

const { lifecycles: LIFECYCLES, relationKinds: RELATION_KINDS } = CRM_VOCABULARY;
import type { Condition } from "@kaartenbak/core";
import type { ComparisonOperator, FilterOperator, FilterValue, TimeWindow } from "@kaartenbak/core/reference";
import { CHANNELS, DATES, EMAILS, filterRegistry, KINDS, NUMBERS, OWNERS, PRODUCT_CODES, TAGS, TEXTS } from "./filter-data.js";
import { ADDRESS_LABELS, CITIES, COUNTRIES, POSTCODES, STREETS } from "./filter-data.js";
import { HOSTILE_FRAGMENTS } from "./hostile.js";

/**
 * Random filters over the whole language, typed against {@link filterRegistry}: every field,
 * every attribute type, tags, links with nested conditions, interaction / deal / order aggregates
 * with windows, counts and sums, segment membership, and and/or/not. Values come from the same
 * pools as the data (hostile strings included), so filters both hit and miss.
 */

const op = <O extends FilterOperator>(...ops: O[]) => fc.constantFrom(...ops);
const cmp = fc.constantFrom<ComparisonOperator>("eq", "neq", "gt", "gte", "lt", "lte");
const textValue = fc.oneof(fc.constantFrom(...TEXTS), fc.constantFrom(...HOSTILE_FRAGMENTS));
const relative = fc.integer({ min: -420, max: 30 }).map((daysFromNow) => ({ daysFromNow }));
const instant = fc.oneof(
  relative,
  fc.integer({ min: -70, max: 5 }).map((d) => new Date(Date.UTC(2026, 5, 15) + d * 86_400_000 + 3_600_000).toISOString()),
);
const money = (currency?: string): fc.Arbitrary<Money> =>
  fc.record({
    amount: fc.constantFrom(-5, 0, 500, 1_000, 99_999, 1_000_000, 2_500_000),
    currency: currency ? fc.constant(currency) : fc.constantFrom("EUR", "USD"),
  });

/** An operator and value of a value type, from a generator of single values. */
function operated<T extends FilterValue>(
  ops: fc.Arbitrary<FilterOperator>,
  single: fc.Arbitrary<T>,
): fc.Arbitrary<{ op: FilterOperator; value?: FilterValue }> {
  return ops.chain((o): fc.Arbitrary<{ op: FilterOperator; value?: FilterValue }> => {
    if (o === "isEmpty" || o === "isNotEmpty") return fc.constant({ op: o });
    if (o === "in" || o === "notIn") return fc.array(single, { minLength: 1, maxLength: 3 }).map((value) => ({ op: o, value: value as FilterValue }));
    if (o === "between") return fc.tuple(single, single).map((value) => ({ op: o, value: value as FilterValue }));
    return single.map((value) => ({ op: o, value }));
  });
}

const textOps = op("eq", "neq", "in", "notIn", "contains", "startsWith", "isEmpty", "isNotEmpty");
const orderedOps = op("eq", "neq", "gt", "gte", "lt", "lte", "between", "isEmpty", "isNotEmpty");

const field: fc.Arbitrary<Condition> = fc.oneof(
  fc
    .tuple(fc.constantFrom("name", "givenName", "familyName") as fc.Arbitrary<"name">, operated(textOps, textValue), fc.boolean())
    .map(([f, o, fold]) => ({ type: "field" as const, field: f, ...o, ...(fold && f === "name" ? { ignoreCase: true } : {}) })),
  operated(textOps, fc.constantFrom(...OWNERS.filter((o) => o !== null))).map((o) => ({ type: "field" as const, field: "ownerId" as const, ...o })),
  operated(textOps, fc.oneof(fc.constantFrom(...EMAILS), fc.constantFrom("@x.nl", "ANNA", "o'", "_", "%"))).map((o) => ({
    type: "field" as const,
    field: "email" as const,
    ...o,
  })),
  operated(op("eq", "neq", "in", "notIn", "isEmpty"), fc.constantFrom(...RELATION_KINDS)).map((o) => ({
    type: "field" as const,
    field: "kind" as const,
    ...o,
  })),
  operated(op("eq", "neq", "in", "notIn", "isNotEmpty"), fc.constantFrom(...LIFECYCLES)).map((o) => ({
    type: "field" as const,
    field: "lifecycle" as const,
    ...o,
  })),
  fc
    .tuple(fc.constantFrom("createdAt", "updatedAt") as fc.Arbitrary<"createdAt">, operated(op("gt", "gte", "lt", "lte", "between", "isEmpty"), instant))
    .map(([f, o]) => ({ type: "field" as const, field: f, ...o })),
);

const attribute: fc.Arbitrary<Condition> = fc.oneof(
  operated(op("eq", "neq", "in", "notIn", "isEmpty", "isNotEmpty"), fc.constantFrom(...filterRegistry.attributes.industry.values)).map((o) => ({
    type: "attribute" as const,
    name: "industry",
    ...o,
  })),
  operated(textOps, textValue).map((o) => ({ type: "attribute" as const, name: "label", ...o })),
  operated(op("eq", "neq", "in", "notIn", "gt", "gte", "lt", "lte", "between", "isEmpty", "isNotEmpty"), fc.constantFrom(...NUMBERS)).map((o) => ({
    type: "attribute" as const,
    name: "score",
    ...o,
  })),
  operated(orderedOps, fc.oneof(fc.constantFrom(...DATES), relative)).map((o) => ({ type: "attribute" as const, name: "since", ...o })),
  operated(op("eq", "neq", "isEmpty", "isNotEmpty"), fc.boolean()).map((o) => ({ type: "attribute" as const, name: "vip", ...o })),
  fc
    .constantFrom("EUR", "USD")
    .chain((c) => operated(orderedOps, money(c)))
    .map((o) => ({ type: "attribute" as const, name: "credit", ...o })),
);

const tags: fc.Arbitrary<Condition> = fc.oneof(
  fc
    .tuple(
      fc.constantFrom("any", "all", "none") as fc.Arbitrary<"any">,
      fc.array(fc.oneof(fc.constantFrom(...TAGS), fc.constantFrom("vi", "%", "")), { minLength: 1, maxLength: 3 }),
    )
    .map(([o, values]) => ({ type: "tags" as const, op: o, values })),
  fc.constantFrom("isEmpty", "isNotEmpty").map((o) => ({ type: "tags" as const, op: o as "isEmpty" })),
);

const window: fc.Arbitrary<TimeWindow> = fc.oneof(
  fc.integer({ min: 0, max: 400 }).map((lastDays) => ({ lastDays })),
  fc.integer({ min: 0, max: 14 }).map((lastMonths) => ({ lastMonths })),
  fc.record(
    {
      from: fc.oneof(relative, fc.constantFrom(...DATES)),
      to: fc.oneof(
        relative,
        fc.constantFrom(...DATES),
        instant.filter((v) => typeof v === "string"),
      ),
    },
    { requiredKeys: [] },
  ),
);
const count = fc.record({ op: cmp, value: fc.integer({ min: 0, max: 3 }) });
const opt = <T>(arb: fc.Arbitrary<T>) => fc.option(arb, { nil: undefined, freq: 2 });
const strip = <T extends object>(o: T): T => Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as T;

const interactions: fc.Arbitrary<Condition> = fc
  .record({
    kinds: opt(fc.subarray([...KINDS, "webinar"], { minLength: 1 })),
    directions: opt(fc.subarray(["inbound", "outbound", "internal"] as const, { minLength: 1 })),
    channels: opt(fc.subarray([...CHANNELS, "%"], { minLength: 1 })),
    within: opt(window),
    count: opt(count),
  })
  .map((o) => strip({ type: "interactions" as const, ...o }));

const deals: fc.Arbitrary<Condition> = fc.constantFrom("EUR", "USD").chain((currency) =>
  fc
    .record({
      statuses: opt(fc.subarray(["open", "won", "lost"] as const, { minLength: 1 })),
      amount: opt(fc.record({ op: cmp, value: money(currency) })),
      createdWithin: opt(window),
      closedWithin: opt(window),
      measure: fc.oneof(fc.record({ count }), fc.record({ sum: fc.record({ op: cmp, value: money(currency) }) }), fc.constant({})),
    })
    .map(({ measure, ...o }) => strip({ type: "deals" as const, ...o, ...measure })),
);

const orders: fc.Arbitrary<Condition> = fc.constantFrom("EUR", "USD").chain((currency) =>
  fc
    .record({
      products: opt(fc.subarray([...PRODUCT_CODES, "NOPE%"], { minLength: 1 })),
      within: opt(window),
      currency: opt(fc.constant(currency)),
      measure: fc.oneof(fc.record({ count }), fc.record({ sum: fc.record({ op: cmp, value: money(currency) }) }), fc.constant({})),
    })
    .map(({ measure, ...o }) => strip({ type: "orders" as const, ...o, ...measure })),
);

/** Address parts with values from the data's pools, fragments, other spellings, and postcode areas. */
const addressValues = {
  city: fc.oneof(fc.constantFrom(...CITIES), fc.constantFrom("Utr", "recht", "ü", "%")),
  street: fc.oneof(fc.constantFrom(...STREETS), fc.constantFrom("Oude", "ß", "'")),
  country: fc.oneof(fc.constantFrom(...COUNTRIES), fc.constantFrom("nl", "N", "FR")),
  postalCode: fc.oneof(fc.constantFrom(...POSTCODES), fc.constantFrom("3512", "35", "ab", " 3512 a b ", "ä")),
} as const;
const addressOps = op("eq", "neq", "in", "notIn", "contains", "startsWith", "isEmpty", "isNotEmpty");
const area = fc.constantFrom<[string, string]>(
  ["3500", "3599"],
  ["3512", "3512"],
  ["0000", "3511"],
  ["35", "35"],
  ["3", "4"],
  ["3600", "3500"],
  ["351200", "351299"],
);
const address: fc.Arbitrary<Condition> = fc
  .record({
    part: fc.constantFrom("city", "street", "country", "postalCode") as fc.Arbitrary<keyof typeof addressValues>,
    label: opt(fc.constantFrom(...ADDRESS_LABELS, "other")),
    area: fc.boolean(),
  })
  .chain(({ part, label, area: isArea }) =>
    (part === "postalCode" && isArea
      ? area.map((value) => ({ op: "between" as FilterOperator, value: value as FilterValue }))
      : operated(addressOps, addressValues[part])
    ).map((o) => strip({ type: "address" as const, part, label, ...o }) as Condition),
  );

/** Random conditions up to `depth` levels of and / or / not / link, over the given segments. */
export function conditionArbitrary(segmentIds: readonly string[], depth = 3): fc.Arbitrary<Condition> {
  const leaf = fc.oneof(
    { weight: 4, arbitrary: field },
    { weight: 5, arbitrary: attribute },
    { weight: 2, arbitrary: tags },
    { weight: 2, arbitrary: interactions },
    { weight: 2, arbitrary: deals },
    { weight: 2, arbitrary: orders },
    { weight: 2, arbitrary: address },
    { weight: 1, arbitrary: fc.constantFrom(...segmentIds).map((segmentId): Condition => ({ type: "segment", segmentId })) },
  );
  if (depth === 0) return leaf;
  const inner = conditionArbitrary(segmentIds, depth - 1);
  return fc.oneof(
    { weight: 5, arbitrary: leaf },
    {
      weight: 2,
      arbitrary: fc.tuple(fc.constantFrom("and", "or") as fc.Arbitrary<"and">, fc.array(inner, { maxLength: 3 })).map(([type, of]) => ({ type, of })),
    },
    { weight: 1, arbitrary: inner.map((of): Condition => ({ type: "not", of })) },
    {
      weight: 2,
      arbitrary: fc
        .record({
          via: fc.constantFrom("employer", "employee", "household", "householdMember", "parent", "subsidiary"),
          role: opt(fc.constantFrom("owner", "O'Brien")),
          current: opt(fc.boolean()),
          where: opt(inner),
        })
        .map((o) => strip({ type: "link" as const, ...o })),
    },
  );
}
