import { createCrm, defineAttributes, type TenantCrm } from "@kaartenbak/core";
import type { StorageAdapter } from "@kaartenbak/core";
import { table } from "./table.js";
import { runSegmentsDemo } from "./segments-demo.js";
import { runVerificationDemo } from "./verification-demo.js";
import { runDuplicatesDemo } from "./duplicates-demo.js";

/** The demo's data model: what this (imaginary) wholesaler records about its relations. */
export const attributes = defineAttributes({
  version: 1,
  attributes: {
    industry: { type: "enum", values: ["retail", "hospitality", "public"], appliesTo: ["organisation"], label: "Industry" },
    creditLimit: { type: "money", currencies: ["EUR"], appliesTo: ["organisation"], label: "Credit limit" },
    vatNumber: { type: "string", maxLength: 14, appliesTo: ["organisation"], label: "VAT number" },
    newsletter: { type: "boolean", label: "Wants the newsletter" },
  },
});

/** Runs the demo on a migrated storage and writes a readable report through `print`. */
export async function runDemo(storage: StorageAdapter, print: (line: string) => void = console.log): Promise<TenantCrm<typeof attributes>> {
  const crm = createCrm({ storage, attributes, defaultRegion: "NL" });
  const acme = crm.tenant(`demo-${Date.now().toString(36)}`, { actor: "user:sanne", source: "demo" });

  // Organisations, one under the other.
  const holding = await acme.relations.create({ kind: "organisation", name: "Bakkerij de Gouden Korst Holding", lifecycle: "customer" });
  const bakery = await acme.relations.upsertByExternalRef(
    { system: "erp", externalId: "DEB-1042" },
    {
      kind: "organisation",
      name: "Bakkerij de Gouden Korst",
      lifecycle: "customer",
      ownerId: "user:sanne",
      emails: ["Info@GoudenKorst.nl"],
      phones: ["020 - 555 01 23"],
      addresses: [{ label: "shop", street: "Prinsengracht", houseNumber: "12", postalCode: "1015 DV", city: "Amsterdam", country: "NL" }],
      tags: ["bakery", "amsterdam"],
      attributes: { industry: "retail", creditLimit: { amount: 2_500_000, currency: "EUR" }, vatNumber: "NL001234567B01" },
    },
  );
  await acme.links.create({ kind: "parent_organisation", organisationId: bakery.relation.id, parentId: holding.id });

  // People and a household.
  const anna = await acme.relations.create({
    kind: "person",
    givenName: "Anna",
    familyName: "de Vries",
    emails: ["anna@goudenkorst.nl"],
    phones: ["06 12 34 56 78"],
    attributes: { newsletter: true },
  });
  const piet = await acme.relations.create({ kind: "person", givenName: "Piet", familyName: "de Vries", emails: ["piet@devries.example"] });
  const household = await acme.relations.create({ kind: "household", name: "Familie de Vries", lifecycle: "customer" });
  await acme.links.create({
    kind: "employment",
    personId: anna.id,
    organisationId: bakery.relation.id,
    role: "decision maker",
    jobTitle: "Owner",
    validFrom: "2015-03-01",
  });
  await acme.links.create({ kind: "household_member", personId: anna.id, householdId: household.id });
  await acme.links.create({ kind: "household_member", personId: piet.id, householdId: household.id });

  // Contact moments: a call with Anna, an imported e-mail (imported twice: stored once), a visit to the bakery.
  await acme.interactions.log({
    kind: "call",
    direction: "outbound",
    channel: "phone",
    occurredAt: "2026-11-02T09:30:00+01:00",
    subject: "Christmas order",
    outcome: "quote requested",
    relationIds: [anna.id],
  });
  const email = {
    kind: "email",
    direction: "inbound",
    channel: "email",
    occurredAt: "2026-11-03T14:05:00+01:00",
    subject: "Re: Christmas order",
    participants: [
      { role: "from", relationId: anna.id, address: "anna@goudenkorst.nl", name: "Anna de Vries" },
      { role: "to", address: "sales@wholesaler.example" },
    ],
    externalKey: "<5f2c1a@goudenkorst.nl>",
  } as const;
  const first = await acme.interactions.log(email);
  const again = await acme.interactions.log(email);
  await acme.interactions.log({
    kind: "meeting",
    channel: "in_person",
    occurredAt: "2026-11-10T10:00:00+01:00",
    subject: "Tasting of the new range",
    relationIds: [bakery.relation.id],
  });
  const renamed = await acme.relations.update(anna.id, { phones: ["+31 6 12345678", "020 555 0124"] }, { expectedVersion: anna.version });

  print(`Kaartenbak quickstart (tenant ${acme.tenantId}, ${storage.id})\n`);
  print("Relations");
  const relations = [holding, (await acme.relations.get(bakery.relation.id))!, renamed, piet, household];
  print(
    table(
      ["kind", "name", "lifecycle", "primary e-mail", "phones", "v"],
      relations.map((r) => [
        r.kind,
        r.name,
        r.lifecycle,
        r.emails.find((e) => e.primary)?.address ?? "",
        r.phones.map((p) => p.number).join(", "),
        String(r.version),
      ]),
    ),
  );

  print("\nLinks of Anna de Vries");
  const links = await acme.links.list(anna.id);
  print(
    table(
      ["kind", "to", "role", "job title", "since"],
      await Promise.all(
        links.map(async (l) => {
          const other = l.kind === "employment" ? l.organisationId : l.kind === "household_member" ? l.householdId : l.parentId;
          return [l.kind, (await acme.relations.get(other))?.name ?? other, l.role ?? "", l.kind === "employment" ? (l.jobTitle ?? "") : "", l.validFrom ?? ""];
        }),
      ),
    ),
  );

  print(
    `\nImporting the same e-mail twice: first created=${first.created}, second created=${again.created} (same id: ${first.interaction.id === again.interaction.id})`,
  );

  print("\nTimeline of Bakkerij de Gouden Korst, rolled up with its people (newest first)");
  const timeline = await acme.interactions.timeline(bakery.relation.id, { rollUp: true, limit: 10 });
  print(
    table(
      ["when (UTC)", "kind", "direction", "subject", "outcome"],
      timeline.items.map((i) => [i.occurredAt.slice(0, 16).replace("T", " "), i.kind, i.direction ?? "", i.subject ?? "", i.outcome ?? ""]),
    ),
  );

  print("\nLookups");
  print(`  by e-mail "ANNA@goudenkorst.nl" -> ${(await acme.relations.findByEmail("ANNA@goudenkorst.nl")).map((r) => r.name).join(", ")}`);
  print(`  by phone "0612345678"          -> ${(await acme.relations.findByPhone("0612345678")).map((r) => r.name).join(", ")}`);
  print(
    `  by name prefix "de vr"          -> ${(await acme.relations.search({ namePrefix: "de vr" })).map((r) => r.name).join(", ") || "(names start with the given name)"}`,
  );
  print(`  by name prefix "bakkerij"       -> ${(await acme.relations.search({ namePrefix: "bakkerij" })).map((r) => r.name).join(", ")}`);
  print(`  by ERP number DEB-1042          -> ${(await acme.relations.findByExternalRef("erp", "DEB-1042"))?.name}`);

  print("\nHistory of Anna de Vries");
  print(
    table(
      ["v", "action", "actor", "changed fields"],
      (await acme.history.list("relation", anna.id)).map((h) => [String(h.version), h.action, h.actor, Object.keys(h.changes).join(", ")]),
    ),
  );

  print("\nOutbox (what a consumer would forward to other systems)");
  const events = await acme.outbox.poll("demo-forwarder", { limit: 100 });
  print(
    table(
      ["seq", "event", "entity"],
      events.map((e) => [String(e.sequence), e.type, e.entityId.slice(0, 8)]),
    ),
  );
  const last = events[events.length - 1];
  if (last) await acme.outbox.acknowledge("demo-forwarder", last.sequence);
  print(`\nAcknowledged up to ${await acme.outbox.checkpoint("demo-forwarder")}; ${(await acme.outbox.poll("demo-forwarder")).length} events left to forward.`);
  await runSegmentsDemo(acme, print);
  await runVerificationDemo(acme, print);
  await runDuplicatesDemo(acme, print);
  return acme;
}
