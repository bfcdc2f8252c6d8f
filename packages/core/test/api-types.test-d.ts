// Type tests: the registry given to createCrm types attributes end to end, and the input types
// agree with the zod schemas that parse them. Checked by `vitest --typecheck` (in npm test) and tsc.
import { describe, expectTypeOf, it } from "vitest";
import type * as z from "zod";
import {
  type CRM_VOCABULARY,
  createCrm,
  defineAttributes,
  isCrmError,
  type Crm,
  type CrmErrorReason,
  type CrmEvent,
  type CrmEventType,
  type Deal,
  type Money,
  type Relation,
  type RelationInput,
  type TenantCrm,
} from "../src/index.js";
import type { StorageAdapter } from "../src/entry/storage.js";
import type { dealInputSchema } from "../src/model/deal.js";
import type { relationSchemas } from "../src/model/relation.js";
import type { linkInputSchema } from "../src/model/link.js";
import type {
  CampaignInput,
  ConsentInput,
  InteractionInput,
  LinkInput,
  MemberUpdate,
  OrderInput,
  ProductInput,
  QuoteInput,
  QuoteLineInput,
  SuppressionInput,
} from "../src/index.js";
import type { campaignInputSchema, memberUpdateSchema } from "../src/model/campaign.js";
import type { consentInputSchema, suppressionInputSchema } from "../src/model/consent.js";
import type { interactionSchemas } from "../src/model/interaction.js";
import type { orderInputSchema } from "../src/model/order.js";
import type { productInputSchema } from "../src/model/product.js";
import type { quoteInputSchema, quoteLineInputSchema } from "../src/model/quote.js";

declare const storage: StorageAdapter<{ readonly hostTx: true }>;

const attributes = defineAttributes({
  version: 1,
  attributes: {
    industry: { type: "enum", values: ["retail", "finance"], appliesTo: ["organisation"] },
    creditLimit: { type: "money", currencies: ["EUR"] },
    employees: { type: "number", integer: true },
    dealSource: { type: "string", appliesTo: ["deal"] },
    vip: { type: "boolean", appliesTo: ["person", "deal"] },
  },
});

const crm = createCrm({ storage, attributes });
const acme = crm.tenant("acme");

describe("the registry types every relation and deal", () => {
  it("types relation inputs: an unknown attribute or a wrong value is a compile error", () => {
    void acme.relations.create({ kind: "organisation", name: "Acme", attributes: { industry: "retail", employees: 12 } });
    // @ts-expect-error: a misspelt attribute name
    void acme.relations.create({ kind: "organisation", name: "Acme", attributes: { industy: "retail" } });
    // @ts-expect-error: not one of the enum's values
    void acme.relations.create({ kind: "organisation", name: "Acme", attributes: { industry: "mining" } });
    // @ts-expect-error: a number attribute given a string
    void acme.relations.update("id", { attributes: { employees: "12" } }, { expectedVersion: 1 });
    // @ts-expect-error: an attribute for deals only
    void acme.relations.create({ kind: "person", name: "Anna", attributes: { dealSource: "web" } });
    // null clears a value
    void acme.relations.update("id", { attributes: { industry: null } }, { expectedVersion: 1 });
  });

  it("types relation outputs", async () => {
    const org = await acme.relations.create({ kind: "organisation", name: "Acme" });
    expectTypeOf(org.attributes.industry).toEqualTypeOf<"retail" | "finance" | undefined>();
    expectTypeOf(org.attributes.creditLimit).toEqualTypeOf<Money | undefined>();
    expectTypeOf(org.attributes).not.toHaveProperty("dealSource");
    const found = await acme.relations.findByEmail("a@b.nl");
    expectTypeOf(found[0]!.attributes.employees).toEqualTypeOf<number | undefined>();
    const page = await acme.segments.members("segment");
    expectTypeOf(page.items[0]!.attributes.vip).toEqualTypeOf<boolean | undefined>();
    const upsert = await acme.relations.upsertByExternalRef({ system: "erp", externalId: "1" }, { kind: "organisation", name: "Acme" });
    expectTypeOf(upsert.relation.attributes.industry).toEqualTypeOf<"retail" | "finance" | undefined>();
    // Full-text search returns ranked hits of typed relations; the object form stays the name-prefix list.
    const hits = await acme.relations.search("de vr", { limit: 5, language: "dutch" });
    expectTypeOf(hits.items[0]!.item.attributes.industry).toEqualTypeOf<"retail" | "finance" | undefined>();
    expectTypeOf(hits.items[0]!.score).toEqualTypeOf<number>();
    expectTypeOf(hits.nextCursor).toEqualTypeOf<string | null>();
    const prefixed = await acme.relations.search({ namePrefix: "de" });
    expectTypeOf(prefixed[0]!.attributes.industry).toEqualTypeOf<"retail" | "finance" | undefined>();
    // @ts-expect-error: only Dutch and English are search languages
    void acme.relations.search("x", { language: "french" });
  });

  it("types deals by the attributes that apply to deals", async () => {
    const deal = await acme.deals.create({
      pipelineId: "p",
      relationId: "r",
      title: "Big",
      amount: 100,
      currency: "EUR",
      attributes: { dealSource: "web", vip: true },
    });
    expectTypeOf(deal.attributes.dealSource).toEqualTypeOf<string | undefined>();
    expectTypeOf(deal.attributes).not.toHaveProperty("industry");
    // @ts-expect-error: an attribute for organisations only
    void acme.deals.create({ pipelineId: "p", relationId: "r", title: "Big", currency: "EUR", attributes: { industry: "retail" } });
    const accepted = await acme.quotes.accept("q", { expectedVersion: 1 });
    expectTypeOf(accepted.deal).toEqualTypeOf<Deal<{ dealSource?: string; vip?: boolean }> | undefined>();
  });

  it("types transactions, bulk imports and the filter builder without restating the registry", async () => {
    await acme.transaction(async (tx) => {
      expectTypeOf(tx).toEqualTypeOf<TenantCrm<typeof attributes>>();
      // @ts-expect-error: unknown attribute inside a unit of work too
      await tx.relations.create({ kind: "organisation", name: "X", attributes: { nope: 1 } });
    });
    // @ts-expect-error: unknown attribute in a bulk import
    void acme.bulk.upsertRelations([{ kind: "organisation", name: "X", attributes: { nope: 1 } }]);
    const f = crm.filters;
    f.attribute("industry").eq("retail");
    // @ts-expect-error: not an attribute of the registry
    f.attribute("industy");
    // @ts-expect-error: not one of the enum's values
    f.attribute("industry").eq("mining");
  });

  it("binds to the storage's transaction type", () => {
    expectTypeOf(crm).toEqualTypeOf<Crm<typeof attributes, { readonly hostTx: true }>>();
    expectTypeOf(crm.withTransaction).parameter(0).toEqualTypeOf<{ readonly hostTx: true }>();
  });

  it("without a registry, no custom attributes are accepted", () => {
    const plain = createCrm({ storage }).tenant("t");
    // @ts-expect-error: this CRM has no attributes
    void plain.relations.create({ kind: "person", name: "A", attributes: { any: 1 } });
  });

  it("a registry built at run time gives untyped but valid attribute values", async () => {
    const dynamic = createCrm({ storage, attributes: defineAttributes({ version: 1, attributes: {} as Record<string, { type: "string" }> }) });
    const r = await dynamic.tenant("t").relations.create({ kind: "person", name: "A", attributes: { anything: "x" } });
    expectTypeOf(r).toEqualTypeOf<Relation>();
  });
});

describe("events and errors", () => {
  it("narrows an outbox event's payload by its type", async () => {
    const [event] = await acme.outbox.read();
    if (event?.type === "deal.won") expectTypeOf(event.payload).toEqualTypeOf<Deal>();
    if (event?.type === "segment.snapshot_taken") expectTypeOf(event.payload.members).toEqualTypeOf<number>();
    if (event?.type === "interaction.matched") expectTypeOf(event.payload).toEqualTypeOf<import("../src/index.js").InteractionMatched>();
    expectTypeOf<CrmEvent["type"]>().toEqualTypeOf<CrmEventType>();
    // The run-time list and the type agree, in both directions.
    expectTypeOf<(typeof CRM_VOCABULARY.eventTypes)[number]>().toEqualTypeOf<CrmEventType>();
    expectTypeOf<(typeof CRM_VOCABULARY.errorCodes)[number]>().toEqualTypeOf<import("../src/index.js").CrmErrorCode>();
  });

  it("lists unmatched contact moments as a timeline page; an unmatched input needs no relation", async () => {
    expectTypeOf(await acme.interactions.unmatched()).toEqualTypeOf<import("../src/index.js").TimelinePage>();
    expectTypeOf(acme.interactions.unmatched).parameter(0).toEqualTypeOf<{ readonly limit?: number; readonly cursor?: string } | undefined>();
    expectTypeOf({ kind: "email", occurredAt: "2026-01-01T00:00:00Z", participants: [{ address: "a@x.nl" }] }).toMatchTypeOf<InteractionInput>();
  });

  it("types reasons per code", () => {
    const e: unknown = undefined;
    if (isCrmError(e, "STALE_VERSION")) expectTypeOf(e.details.reason).toEqualTypeOf<"stale_version" | undefined>();
    expectTypeOf<"lease_lost">().toMatchTypeOf<CrmErrorReason<"BUSY">>();
    // @ts-expect-error: not a reason of INVALID_STATE
    const wrong: CrmErrorReason<"INVALID_STATE"> = "stale_version";
    void wrong;
  });
});

/** Strips `readonly` at every level: the interfaces take readonly arrays, zod's inputs are mutable. */
type Writable<T> = T extends string | number | boolean | bigint | null | undefined | Date
  ? T
  : T extends readonly (infer U)[]
    ? Writable<U>[]
    : T extends object
      ? { -readonly [K in keyof T]: Writable<T[K]> }
      : T;

describe("input types agree with the schemas that parse them", () => {
  type RelationCreate = z.input<ReturnType<typeof relationSchemas>["create"]>;
  it("relations", () => {
    // Every field the schema reads is in the interface, with a type the schema accepts.
    expectTypeOf<keyof RelationCreate>().toEqualTypeOf<keyof RelationInput>();
    expectTypeOf<Writable<Omit<RelationInput, "attributes">>>().toMatchTypeOf<Omit<RelationCreate, "attributes">>();
  });
  it("deals", () => {
    type DealCreate = z.input<typeof dealInputSchema>;
    expectTypeOf<keyof DealCreate>().toEqualTypeOf<keyof import("../src/index.js").DealInput>();
    expectTypeOf<Writable<Omit<import("../src/index.js").DealInput, "attributes">>>().toMatchTypeOf<Omit<DealCreate, "attributes">>();
  });
  // Each pair: the same fields, and whatever the interface allows the schema accepts.
  it("interactions, products, quotes, orders, campaigns, consent", () => {
    type Same<I, S> = [keyof I, keyof S];
    type Interaction = z.input<ReturnType<typeof interactionSchemas>["create"]>;
    expectTypeOf<Same<InteractionInput, Interaction>[0]>().toEqualTypeOf<Same<InteractionInput, Interaction>[1]>();
    expectTypeOf<Writable<Omit<InteractionInput, "occurredAt">>>().toMatchTypeOf<Omit<Interaction, "occurredAt">>();
    expectTypeOf<keyof ProductInput>().toEqualTypeOf<keyof z.input<typeof productInputSchema>>();
    expectTypeOf<Writable<ProductInput>>().toMatchTypeOf<z.input<typeof productInputSchema>>();
    expectTypeOf<keyof QuoteInput>().toEqualTypeOf<keyof z.input<typeof quoteInputSchema>>();
    expectTypeOf<Writable<QuoteInput>>().toMatchTypeOf<z.input<typeof quoteInputSchema>>();
    expectTypeOf<keyof QuoteLineInput>().toEqualTypeOf<keyof z.input<typeof quoteLineInputSchema>>();
    expectTypeOf<keyof OrderInput>().toEqualTypeOf<keyof z.input<typeof orderInputSchema>>();
    expectTypeOf<Writable<OrderInput>>().toMatchTypeOf<z.input<typeof orderInputSchema>>();
    expectTypeOf<keyof CampaignInput>().toEqualTypeOf<keyof z.input<typeof campaignInputSchema>>();
    expectTypeOf<Writable<CampaignInput>>().toMatchTypeOf<z.input<typeof campaignInputSchema>>();
    expectTypeOf<keyof MemberUpdate>().toEqualTypeOf<keyof z.input<typeof memberUpdateSchema>>();
    expectTypeOf<keyof ConsentInput>().toEqualTypeOf<keyof z.input<typeof consentInputSchema>>();
    expectTypeOf<Writable<ConsentInput>>().toMatchTypeOf<z.input<typeof consentInputSchema>>();
    expectTypeOf<keyof SuppressionInput>().toEqualTypeOf<keyof z.input<typeof suppressionInputSchema>>();
    expectTypeOf<Writable<SuppressionInput>>().toMatchTypeOf<z.input<typeof suppressionInputSchema>>();
  });
  it("links are the schema's own input type", () => {
    expectTypeOf<LinkInput>().toEqualTypeOf<z.input<typeof linkInputSchema>>();
  });
});
