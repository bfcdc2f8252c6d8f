import { filterBuilder, type TenantCrm } from "@kaartenbak/core";
import type { attributes } from "./demo.js";
import { table } from "./table.js";

/**
 * The segmentation step of the quickstart: a dynamic segment and its count preview, a newsletter
 * campaign launched on it (the consent ledger decides who is left out, and why), the mailing list
 * as CSV, and an RFM table over the wholesaler's orders.
 */
export async function runSegmentsDemo(acme: TenantCrm<typeof attributes>, print: (line: string) => void): Promise<void> {
  const f = filterBuilder<typeof attributes>();
  const [anna] = await acme.relations.findByEmail("anna@goudenkorst.nl");
  const [piet] = await acme.relations.findByEmail("piet@devries.example");
  const bakery = (await acme.relations.findByExternalRef("erp", "DEB-1042"))!;

  // A second retail customer and two more newsletter readers.
  const butcher = await acme.relations.create({ kind: "organisation", name: "Slagerij Jansen", lifecycle: "customer", attributes: { industry: "retail" } });
  const cafe = await acme.relations.create({ kind: "organisation", name: "Café de Hoek", lifecycle: "customer", attributes: { industry: "hospitality" } });
  const karel = await acme.relations.create({ kind: "person", givenName: "Karel", familyName: "Jansen", emails: ["karel@slagerij-jansen.nl"] });
  await acme.links.create({ kind: "employment", personId: karel.id, organisationId: butcher.id, role: "owner" });
  const sophie = await acme.relations.create({
    kind: "person",
    givenName: "Sophie",
    familyName: "Bakker",
    emails: ["sophie@bakker.example"],
    attributes: { newsletter: true },
  });
  const lotte = await acme.relations.create({ kind: "person", givenName: "Lotte", familyName: "Visser", attributes: { newsletter: true } });
  await acme.relations.update(piet!.id, { attributes: { newsletter: true } }, { expectedVersion: piet!.version });

  // The consent ledger: statements are appended, never edited; the latest one counts.
  const optIn = (relationId: string) => acme.consent.optIn({ relationId, channel: "email", purpose: "newsletter", legalBasis: "consent", source: "web-form" });
  for (const r of [anna!, karel, sophie, lotte, piet!]) await optIn(r.id);
  await acme.consent.optOut({ relationId: piet!.id, channel: "email", purpose: "newsletter", source: "unsubscribe-link" });
  await acme.consent.suppress({ relationId: sophie.id, channel: "email", reason: "bounced" });

  // A dynamic segment: people who want the newsletter or work at a retail customer.
  const audience = f.filter(f.and(f.field("kind").eq("person"), f.or(f.attribute("newsletter").eq(true), f.employer(f.attribute("industry").eq("retail")))));
  const segment = await acme.segments.create({ kind: "dynamic", name: "Newsletter audience", filter: audience });
  print(`\nSegment "${segment.name}": ${await acme.segments.countMembers(segment.id)} relations (count preview, nothing materialised)`);
  const members = await acme.segments.members(segment.id, { limit: 10 });
  print(
    `  members: ${members.items
      .map((r) => r.name)
      .sort()
      .join(", ")}`,
  );

  const draft = await acme.campaigns.create({ name: "Christmas newsletter", segmentId: segment.id, channel: "email", purpose: "newsletter" });
  const launch = await acme.campaigns.launch(draft.id, { expectedVersion: draft.version });
  print(`\nCampaign "${launch.campaign.name}" launched: targeted ${launch.targeted}, excluded ${launch.campaign.excluded}`);
  const excluded = await acme.campaigns.members(draft.id, { status: "excluded" });
  const names = new Map((await acme.segments.members(segment.id, { limit: 100 })).items.map((r) => [r.id, r.name]));
  print(
    table(
      ["excluded relation", "why"],
      excluded.items.map((m) => [names.get(m.relationId) ?? m.relationId, m.reason ?? ""]).sort((a, b) => a[0]!.localeCompare(b[0]!)),
    ),
  );
  print("\nMailing list for the newsletter tool (RFC 4180 CSV)");
  for await (const record of acme.campaigns.mailingListCsv(draft.id)) print(`  ${record.trimEnd()}`);
  await acme.campaigns.recordStatuses(draft.id, [
    { relationId: anna!.id, status: "clicked" },
    { relationId: karel.id, status: "responded" },
  ]);
  const results = await acme.campaigns.results(draft.id);
  print(`Results: ${results.sent} sent, response rate ${Math.round((results.responseRate ?? 0) * 100)}%`);

  // Orders over the last year, then RFM quintiles (5 is best) computed in the database.
  const day = (daysAgo: number) => new Date(Date.now() - daysAgo * 86_400_000).toISOString().slice(0, 10);
  const orders: Array<[string, number, number]> = [
    [bakery.id, 3, 182_500],
    [bakery.id, 40, 99_000],
    [bakery.id, 95, 120_000],
    [bakery.id, 200, 87_500],
    [butcher.id, 12, 45_000],
    [butcher.id, 150, 30_000],
    [cafe.id, 300, 12_500],
  ];
  for (const [relationId, daysAgo, netAmount] of orders)
    await acme.orders.record({ relationId, orderDate: day(daysAgo), currency: "EUR", netAmount, taxAmount: Math.round(netAmount * 0.09) });
  const rfm = await acme.value.rfm({ currency: "EUR", from: day(365) });
  print(`\nRFM over the last 12 months (${rfm.customers} customers; scores are quintiles, 5 is best)`);
  const euros = (cents: number) => `EUR ${(cents / 100).toFixed(2)}`;
  print(
    table(
      ["customer", "last order", "days ago", "orders", "value", "R", "F", "M", "RFM"],
      [...rfm.rows]
        .sort((a, b) => b.score.localeCompare(a.score))
        .map((r) => [
          r.name,
          r.lastOrderDate,
          String(r.recencyDays),
          String(r.frequency),
          euros(r.monetary.amount),
          String(r.recency),
          String(r.frequencyScore),
          String(r.monetaryScore),
          r.score,
        ]),
    ),
  );
}
