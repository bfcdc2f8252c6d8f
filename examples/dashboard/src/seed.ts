import { filterBuilder, type TenantCrm } from "@kaartenbak/core";

const DAY = 86_400_000;
/** A `YYYY-MM-DD` day `n` days from now (UTC). */
export const dayFromNow = (n: number) => new Date(Date.now() + n * DAY).toISOString().slice(0, 10);
/** The current month label, e.g. `2026-12`. */
export const thisMonth = () => new Date().toISOString().slice(0, 7);

/**
 * Demo data for the dashboard, relative to today so every chart has something to show: a pipeline
 * with deals in every stage, won and lost deals, orders, contact moments (recent and stale), two
 * segments and this month's targets for two account managers. Runs once per tenant.
 */
export async function seedDashboard(t: TenantCrm): Promise<void> {
  if ((await t.pipelines.list()).length > 0) return;
  const pipeline = await t.pipelines.create({
    name: "Sales",
    stages: [
      { name: "Lead", probability: 10 },
      { name: "Qualified", probability: 30 },
      { name: "Proposal", probability: 60 },
      { name: "Negotiation", probability: 80 },
      { name: "Won", kind: "won" },
      { name: "Lost", kind: "lost" },
    ],
  });
  const [lead, qualified, proposal, negotiation] = pipeline.stages;
  const customers = [
    { name: "Bakkerij de Vries", ownerId: "sanne", lifecycle: "customer" as const, tags: ["retail"] },
    { name: "Jansen Installatietechniek", ownerId: "sanne", lifecycle: "customer" as const, tags: ["b2b"] },
    { name: "Hotel Zeezicht", ownerId: "daan", lifecycle: "lead" as const, tags: ["hospitality"] },
    { name: "Groenland Hoveniers", ownerId: "daan", lifecycle: "prospect" as const, tags: ["b2b"] },
    { name: "Fietsenmakerij Snel", ownerId: "sanne", lifecycle: "customer" as const, tags: ["retail"] },
  ];
  const relations = [];
  for (const c of customers) relations.push(await t.relations.create({ kind: "organisation", ...c }));
  type R = (typeof relations)[number];
  const [devries, jansen, zeezicht, groenland, snel] = relations as [R, R, R, R, R];

  const deal = (title: string, relationId: string, ownerId: string, stageId: string, amount: number, expectedCloseDate: string) =>
    t.deals.create({ title, relationId, ownerId, pipelineId: pipeline.id, stageId, amount, currency: "EUR", expectedCloseDate });
  await deal("Ovens vervangen", devries.id, "sanne", negotiation!.id, 1_850_000, dayFromNow(20));
  await deal("Onderhoudscontract", jansen.id, "sanne", proposal!.id, 640_000, dayFromNow(45));
  await deal("Zonnepanelen dak", zeezicht.id, "daan", qualified!.id, 2_400_000, dayFromNow(75));
  await deal("Tuinontwerp", groenland.id, "daan", lead!.id, 300_000, dayFromNow(110));
  // Past its expected close date and still open: on the "needs attention" list.
  await deal("Kassasysteem", snel.id, "sanne", proposal!.id, 420_000, dayFromNow(-12));
  const won1 = await deal("Koelcel", devries.id, "sanne", negotiation!.id, 980_000, dayFromNow(3));
  await t.deals.markWon(won1.id, { expectedVersion: won1.version });
  const won2 = await deal("Verlichting lobby", zeezicht.id, "daan", proposal!.id, 560_000, dayFromNow(5));
  await t.deals.markWon(won2.id, { expectedVersion: won2.version });
  const lost = await deal("Airco", jansen.id, "sanne", qualified!.id, 700_000, dayFromNow(8));
  await t.deals.markLost(lost.id, {}, { expectedVersion: lost.version });

  await t.orders.record({ relationId: devries.id, orderDate: dayFromNow(0), currency: "EUR", netAmount: 980_000 });
  await t.orders.record({ relationId: zeezicht.id, orderDate: dayFromNow(0), currency: "EUR", netAmount: 560_000 });

  // Contact moments: recent ones, and old ones only for two customers (stale relations).
  await t.interactions.log({ kind: "meeting", occurredAt: new Date(Date.now() - 3 * DAY), relationIds: [devries.id], subject: "Offerte ovens besproken" });
  await t.interactions.log({ kind: "call", occurredAt: new Date(Date.now() - 10 * DAY), relationIds: [devries.id], subject: "Levertijd koelcel" });
  await t.interactions.log({ kind: "email", occurredAt: new Date(Date.now() - 5 * DAY), relationIds: [zeezicht.id], subject: "Voorstel zonnepanelen" });
  await t.interactions.log({ kind: "note", occurredAt: new Date(Date.now() - 200 * DAY), relationIds: [jansen.id], subject: "Jaargesprek" });
  await t.interactions.log({ kind: "call", occurredAt: new Date(Date.now() - 150 * DAY), relationIds: [snel.id], subject: "Storing kassa" });

  const f = filterBuilder();
  await t.segments.create({ kind: "dynamic", name: "Klanten / Customers", filter: f.filter(f.field("lifecycle").eq("customer")) });
  await t.segments.create({ kind: "dynamic", name: "Retail", filter: f.filter(f.tags.any("retail")) });
  await t.segments.create({ kind: "static", name: "Nieuwjaarsborrel / New year drinks", relationIds: [devries.id, zeezicht.id, groenland.id] });
  for (const target of [
    { ownerId: "sanne", amount: 2_000_000 },
    { ownerId: "daan", amount: 1_000_000 },
  ])
    await t.targets.set({ ownerId: target.ownerId, metric: "won_value", period: thisMonth(), currency: "EUR", amount: target.amount });
  await t.targets.set({ ownerId: "sanne", metric: "won_count", period: thisMonth(), amount: 3 });
  await t.targets.set({ ownerId: "daan", metric: "won_count", period: thisMonth(), amount: 2 });
}
