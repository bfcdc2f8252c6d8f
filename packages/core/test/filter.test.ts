import { describe, expect, it } from "vitest";
import { defineAttributes } from "../src/attributes/registry.js";
import { filterBuilder } from "../src/filter/builder.js";
import { compareCodePoints, evaluateFilter, type FilterDataset } from "../src/filter/reference.js";
import { resolveFilter, type ResolveEnvironment } from "../src/filter/resolve.js";
import type { Filter } from "../src/filter/schema.js";
import { addMonths, dayWindow, instantWindow } from "../src/filter/time.js";
import { validateFilter } from "../src/filter/validate.js";
import { INTERACTION_KINDS } from "../src/model/interaction.js";
import type { Relation } from "../src/model/relation.js";

const registry = defineAttributes({
  version: 1,
  attributes: {
    industry: { type: "enum", values: ["retail", "finance"], appliesTo: ["organisation"] },
    score: { type: "number" },
    since: { type: "date" },
    vip: { type: "boolean" },
    credit: { type: "money" },
    note: { type: "string" },
    seats: { type: "number", appliesTo: ["deal"] },
  },
});
const env = { registry, interactionKinds: INTERACTION_KINDS };
const NOW = "2026-06-15T12:00:00.000Z";
const f = filterBuilder<typeof registry>();

function relation(id: string, overrides: Partial<Relation> = {}): Relation {
  return {
    id,
    kind: "organisation",
    name: id,
    givenName: null,
    familyName: null,
    lifecycle: "customer",
    ownerId: null,
    emails: [],
    phones: [],
    addresses: [],
    tags: [],
    attributes: {},
    attributesVersion: 1,
    externalRefs: [],
    version: 1,
    createdAt: "2026-01-01T00:00:00.000Z",
    updatedAt: "2026-01-01T00:00:00.000Z",
    deletedAt: null,
    ...overrides,
  };
}

function dataset(relations: Relation[], rest: Partial<FilterDataset> = {}): FilterDataset {
  return { relations, links: [], interactions: [], deals: [], orders: [], segmentMembers: new Map(), ...rest };
}

async function run(filter: Filter, data: FilterDataset, extra: Partial<ResolveEnvironment> = {}): Promise<string[]> {
  const checked = validateFilter(filter, env);
  expect(checked.issues).toEqual([]);
  return evaluateFilter(await resolveFilter(checked.filter!, { ...env, now: NOW, loadSegment: async () => undefined, ...extra }), data);
}

describe("filter schema and validation", () => {
  it("names the path of every problem", () => {
    const { issues } = validateFilter(
      {
        version: 1,
        where: {
          type: "or",
          of: [
            { type: "attribute", name: "score", op: "between", value: [1] },
            { type: "tags", op: "any" },
            { type: "field", field: "kind", op: "eq", value: "robot" },
            { type: "field", field: "ownerId", op: "eq", value: "a", ignoreCase: true },
          ],
        },
      },
      env,
    );
    expect(issues.map((i) => [i.path.join("."), i.code])).toEqual([
      ["where.of.0.value", "invalid_type"],
      ["where.of.1.values", "missing_value"],
      ["where.of.2.value", "invalid_value"],
      ["where.of.3.ignoreCase", "invalid_option"],
    ]);
  });

  it("is versioned and strict about its shape", () => {
    expect(validateFilter({ version: 2, where: { type: "and", of: [] } }, env).issues.map((i) => i.path.join("."))).toEqual(["version"]);
    expect(validateFilter({ version: 1, where: { type: "and", of: [], extra: 1 } }, env).issues[0]?.code).toBe("unrecognized_keys");
    expect(validateFilter({ version: 1, where: { type: "field", field: "name", op: "eq", value: "a\u0000b" } }, env).issues[0]?.path).toEqual([
      "where",
      "value",
    ]);
    expect(validateFilter({ version: 1, where: { type: "interactions", within: { from: "last week" } } }, env).issues[0]).toMatchObject({
      path: ["where", "within", "from"],
      code: "invalid_time",
    });
    let deep: unknown = { type: "and", of: [] };
    for (let i = 0; i < 20; i++) deep = { type: "not", of: deep };
    expect(validateFilter({ version: 1, where: deep }, env).issues[0]?.code).toBe("too_deep");
  });

  it("the builder writes valid JSON that survives a round trip", () => {
    const filter = f.filter(
      f.and(
        f.field("lifecycle").in(["customer", "lead"]),
        f.field("name", { ignoreCase: true }).startsWith("bakk"),
        f.attribute("industry").eq("retail"),
        f.attribute("credit").gte({ amount: 100, currency: "EUR" }),
        f.attribute("since").between("2020-01-01", f.daysAgo(30)),
        f.field("createdAt").gt(new Date("2026-01-01T00:00:00Z")),
        f.employer(f.attribute("industry").eq("retail"), { role: "owner" }),
        f.interactions({ kinds: ["meeting"], within: f.lastDays(90) }).atLeast(3),
        f.interactions({ within: f.lastDays(180) }).none(),
        f.deals({ statuses: ["open"] }).sum("gte", { amount: 1_000_000, currency: "EUR" }),
        f.orders({ products: ["BRD-1"], within: f.lastMonths(12) }).exists(),
        f.not(f.tags.any("churned")),
      ),
    );
    expect(validateFilter(JSON.parse(JSON.stringify(filter)), env)).toEqual({ filter, issues: [] });
    expect(filter.where).toMatchObject({
      type: "and",
      of: expect.arrayContaining([{ type: "field", field: "createdAt", op: "gt", value: "2026-01-01T00:00:00.000Z" }]),
    });
  });
});

describe("reference semantics", () => {
  it("treats missing values as not matching, so not() is an exact complement", async () => {
    const data = dataset([relation("a", { attributes: { score: 5 } }), relation("b"), relation("c", { attributes: { score: "5" } as never })]);
    expect(await run(f.filter(f.attribute("score").eq(5)), data)).toEqual(["a"]);
    expect(await run(f.filter(f.attribute("score").neq(5)), data)).toEqual(["b", "c"]);
    expect(await run(f.filter(f.attribute("score").isEmpty()), data)).toEqual(["b", "c"]);
    expect(await run(f.filter(f.not(f.attribute("score").lt(3))), data)).toEqual(["a", "b", "c"]);
  });

  it("compares text case-sensitively and literally; ignoreCase folds case and accents like name search", async () => {
    const data = dataset([relation("Zoë"), relation("ZOË"), relation("100%_x")]);
    expect(await run(f.filter(f.field("name").eq("zoë")), data)).toEqual([]);
    expect(await run(f.filter(f.field("name", { ignoreCase: true }).eq("zoe")), data)).toEqual(["ZOË", "Zoë"]);
    expect(await run(f.filter(f.field("name").contains("%_")), data)).toEqual(["100%_x"]);
    expect(await run(f.filter(f.field("name").startsWith("%")), data)).toEqual([]);
  });

  it("money compares only within one currency; windows are inclusive and relative to now", async () => {
    const data = dataset(
      [
        relation("eur", { attributes: { credit: { amount: 500, currency: "EUR" } } }),
        relation("usd", { attributes: { credit: { amount: 900, currency: "USD" } } }),
      ],
      {
        interactions: [
          { kind: "meeting", direction: null, channel: null, occurredAt: "2026-03-17T12:00:00.000Z", relationIds: ["eur"], deletedAt: null },
          { kind: "meeting", direction: null, channel: null, occurredAt: "2026-06-15T12:00:00.000Z", relationIds: ["usd"], deletedAt: null },
          {
            kind: "meeting",
            direction: null,
            channel: null,
            occurredAt: "2026-06-15T12:00:00.000Z",
            relationIds: ["eur"],
            deletedAt: "2026-06-15T12:00:00.000Z",
          },
        ],
      },
    );
    expect(await run(f.filter(f.attribute("credit").gt({ amount: 100, currency: "EUR" })), data)).toEqual(["eur"]);
    expect(await run(f.filter(f.attribute("credit").neq({ amount: 500, currency: "EUR" })), data)).toEqual(["usd"]);
    expect(await run(f.filter(f.interactions({ within: f.lastDays(90) }).exists()), data)).toEqual(["eur", "usd"]);
    expect(await run(f.filter(f.interactions({ within: f.lastDays(89) }).exists()), data)).toEqual(["usd"]);
    expect(await run(f.filter(f.interactions({ within: f.lastDays(180) }).none()), data)).toEqual([]);
  });

  it("follows current links to non-deleted relations", async () => {
    const link = (id: string, fromId: string, toId: string, validTo: string | null) => ({
      id,
      kind: "employment" as const,
      fromId,
      toId,
      role: null,
      jobTitle: null,
      validFrom: null,
      validTo,
      version: 1,
      createdAt: NOW,
      updatedAt: NOW,
    });
    const data = dataset(
      [
        relation("shop", { attributes: { industry: "retail" } }),
        relation("anna", { kind: "person" }),
        relation("bram", { kind: "person" }),
        relation("gone", { attributes: { industry: "retail" }, deletedAt: NOW }),
        relation("cas", { kind: "person" }),
      ],
      { links: [link("l1", "anna", "shop", null), link("l2", "bram", "shop", "2026-01-01"), link("l3", "cas", "gone", null)] },
    );
    expect(await run(f.filter(f.employer(f.attribute("industry").eq("retail"))), data)).toEqual(["anna"]);
    expect(await run(f.filter(f.employer(undefined, { current: false })), data)).toEqual(["anna", "bram"]);
    expect(await run(f.filter(f.link("employee")), data)).toEqual(["shop"]);
  });

  it("orders code points like the databases, not UTF-16 units", () => {
    expect(compareCodePoints("\uFFFD", "😀")).toBeLessThan(0);
    expect("\uFFFD" < "😀").toBe(false);
  });
});

describe("time windows", () => {
  it("clamps calendar months and keeps both ends inclusive", () => {
    expect(addMonths("2026-03-31T10:00:00.000Z", -1)).toBe("2026-02-28T10:00:00.000Z");
    expect(addMonths("2024-03-31T10:00:00.000Z", -13)).toBe("2023-02-28T10:00:00.000Z");
    expect(instantWindow({ from: "2026-01-01", to: "2026-01-31" }, NOW)).toEqual({ from: "2026-01-01T00:00:00.000Z", to: "2026-01-31T23:59:59.999Z" });
    expect(dayWindow({ lastMonths: 12 }, NOW)).toEqual({ from: "2025-06-15", to: "2026-06-15" });
    expect(dayWindow({ from: { daysFromNow: -1 }, to: "2026-07-01T23:00:00+02:00" }, NOW)).toEqual({ from: "2026-06-14", to: "2026-07-01" });
  });
});
