import type { Deal, Pipeline, Quote, TenantCrm } from "@kaartenbak/core";

const DAY = 86_400_000;

/** A clock the demo moves by hand, so a quarter of sales history plays out in a second. */
export class DemoClock {
  private at = Date.parse("2026-01-05T09:00:00.000Z");
  /** Pass to `createCrm({ clock })`. */
  readonly now = (): Date => new Date(this.at);
  /** Lets `days` pass. */
  wait(days: number): void {
    this.at += days * DAY;
  }
}

/** What the seed made, for the report pages. */
export interface SalesHistory {
  readonly pipeline: Pipeline;
  readonly oven: Deal;
  readonly quote: Quote;
  readonly customers: ReadonlyMap<string, string>;
}

/**
 * A wholesaler's first quarter: a pipeline, a product catalogue, six deals moving through the
 * stages, a quote revised, sent and accepted into an order, and an order imported from the ERP.
 */
export async function seedSalesHistory(t: TenantCrm, clock: DemoClock): Promise<SalesHistory> {
  const pipeline = await t.pipelines.create({
    name: "New business",
    stages: [
      { name: "Lead", probability: 10 },
      { name: "Qualified", probability: 25 },
      { name: "Proposal", probability: 50 },
      { name: "Negotiation", probability: 75 },
      { name: "Won", kind: "won" },
      { name: "Lost", kind: "lost" },
    ],
  });
  const [lead, qualified, proposal, negotiation] = pipeline.stages;
  for (const [code, label] of [
    ["price", "Too expensive"],
    ["competitor", "Chose a competitor"],
    ["no-budget", "No budget this year"],
  ] as const) {
    await t.lostReasons.define({ code, label });
  }
  const oven = await t.products.create({ code: "OVN-200", name: "Deck oven, 2 decks", unitPrice: 1_250_000, currency: "EUR", taxRate: "21" });
  const install = await t.products.create({ code: "SVC-INST", name: "Installation (per day)", unitPrice: 85_000, currency: "EUR", taxRate: "21" });
  await t.products.create({ code: "BRD-001", name: "Sourdough loaf", unitPrice: 450, currency: "EUR", taxRate: "9" });

  const org = (name: string, tags: string[], ownerId: string) => t.relations.create({ kind: "organisation", name, lifecycle: "customer", tags, ownerId });
  const korst = await org("Bakkerij de Gouden Korst", ["bakery"], "user:sanne");
  const hotel = await org("Hotel Amstelzicht", ["hospitality"], "user:joris");
  const cafe = await org("Café Noord", ["hospitality"], "user:sanne");
  const town = await org("Gemeente Zaandam", ["public"], "user:joris");
  const anna = await t.relations.create({ kind: "person", givenName: "Anna", familyName: "de Vries", emails: ["anna@goudenkorst.nl"] });

  const deal = (title: string, relationId: string, ownerId: string, amount: number, currency: string, expectedCloseDate: string | null, stageId?: string) =>
    t.deals.create({
      title,
      relationId,
      ownerId,
      amount,
      currency,
      expectedCloseDate,
      pipelineId: pipeline.id,
      source: "trade fair",
      ...(stageId ? { stageId } : {}),
    });
  let ovenDeal = await deal("Deck oven for the new shop", korst.id, "user:sanne", 1_335_000, "EUR", "2026-02-27");
  ovenDeal = await t.deals.update(ovenDeal.id, { contactIds: [anna.id] }, { expectedVersion: ovenDeal.version });
  let rolls = await deal("Breakfast rolls, daily", hotel.id, "user:joris", 240_000, "EUR", "2026-02-13");
  let subscription = await deal("Bread subscription 2026", hotel.id, "user:joris", 360_000, "EUR", "2026-03-31");
  const espresso = await deal("Espresso bar fit-out", cafe.id, "user:sanne", 480_000, "USD", "2026-04-15");
  const canteen = await deal("Town hall canteen", town.id, "user:joris", 2_500_000, "EUR", "2026-05-29", lead!.id);
  const secondOven = await deal("Second oven", korst.id, "user:sanne", 1_250_000, "EUR", "2026-06-30");

  const move = async (d: Deal, stageId: string) => t.deals.moveToStage(d.id, { stageId }, { expectedVersion: d.version });
  clock.wait(2);
  ovenDeal = await move(ovenDeal, qualified!.id);
  rolls = await move(rolls, qualified!.id);
  await t.interactions.log({
    kind: "meeting",
    channel: "in_person",
    occurredAt: clock.now(),
    subject: "Oven demo at the showroom",
    relationIds: [anna.id],
    dealIds: [ovenDeal.id],
  });
  clock.wait(4);
  ovenDeal = await move(ovenDeal, proposal!.id);
  subscription = await move(subscription, qualified!.id);
  await move(canteen, qualified!.id);
  await t.deals.markWon(rolls.id, { expectedVersion: rolls.version });

  // The quote: drafted, revised after a call (a discount on the oven), sent, accepted.
  const draft = await t.quotes.create({
    dealId: ovenDeal.id,
    title: "Deck oven with installation",
    validUntil: "2026-02-28",
    lines: [
      { productId: oven.id, quantity: 1 },
      { productId: install.id, quantity: "1.5" },
    ],
  });
  clock.wait(3);
  await t.interactions.log({
    kind: "call",
    direction: "inbound",
    occurredAt: clock.now(),
    subject: "Asks for a discount on the oven",
    relationIds: [anna.id],
    dealIds: [ovenDeal.id],
  });
  const revised = await t.quotes.revise(
    draft.id,
    {
      lines: [
        { productId: oven.id, quantity: 1, discount: "5" },
        { productId: install.id, quantity: "1.5" },
      ],
    },
    { expectedVersion: draft.version },
  );
  const sent = await t.quotes.send(revised.id, { expectedVersion: revised.version });
  ovenDeal = await move(ovenDeal, negotiation!.id);
  await move(espresso, proposal!.id);
  clock.wait(5);
  const accepted = await t.quotes.accept(sent.id, { expectedVersion: sent.version });
  await move(subscription, negotiation!.id);
  clock.wait(3);
  await t.deals.markLost(secondOven.id, { reason: "price" }, { expectedVersion: secondOven.version });

  // Revenue the ERP invoiced directly; importing it twice records it once.
  const erpOrder = {
    relationId: hotel.id,
    orderDate: "2026-01-20",
    currency: "EUR",
    netAmount: 182_500,
    taxAmount: 16_425,
    description: "Rolls, January",
    externalRef: { system: "erp", externalId: "SO-2026-0042" },
  };
  await t.orders.record(erpOrder);
  await t.orders.record(erpOrder);

  const customers = new Map([korst, hotel, cafe, town].map((r) => [r.id, r.name]));
  return { pipeline: (await t.pipelines.get(pipeline.id))!, oven: accepted.deal ?? ovenDeal, quote: accepted.quote, customers };
}
