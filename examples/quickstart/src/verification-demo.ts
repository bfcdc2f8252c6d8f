import type { TenantCrm } from "@kaartenbak/core";
import type { attributes } from "./demo.js";
import { table } from "./table.js";

/**
 * The data-quality step of the quickstart: a call is logged and the CRM answers with the fields
 * of the relation that are due for verification, so the app can ask "is this still right?" while
 * the customer is on the line. Piet's job title lives on his employment link and was never
 * confirmed, so it is due at once; the other fields were confirmed when they were written and
 * come due as they age (shown a year ahead). Confirming changes nothing but the record of
 * verification, and a planned follow-up closes the loop.
 */
export async function runVerificationDemo(acme: TenantCrm<typeof attributes>, print: (line: string) => void): Promise<void> {
  const [piet] = await acme.relations.findByEmail("piet@devries.example");
  const holding = (await acme.relations.search({ namePrefix: "Bakkerij de Gouden Korst Holding" }))[0];
  if (!piet || !holding) throw new Error("the demo's Piet or holding is missing");
  // Piet keeps the holding's books; a job title lives on the employment link and is not confirmed by writing it.
  await acme.links.create({ kind: "employment", personId: piet.id, organisationId: holding.id, jobTitle: "Accountant" });
  await acme.verification.setPolicy({ maxAgeDays: { name: 365, email: 180, phone: 180, jobTitle: 90 } });

  const call = await acme.interactions.log(
    { kind: "call", direction: "inbound", relationIds: [piet.id], subject: "Question about an invoice", occurredAt: new Date() },
    { withDueFields: true },
  );
  const due = call.dueFields?.[piet.id] ?? [];
  print(`\nLogged a call with ${piet.name}; still right? ${due.length} field(s) to check`);
  print(
    table(
      ["field", "value", "last verified"],
      due.map((d) => [d.field, String(d.value), d.lastVerifiedAt ?? "never"]),
    ),
  );

  const confirmed = await acme.verification.verify(
    piet.id,
    due.map((d) => d.field),
    { actor: "user:sanne", source: "user" },
  );
  print(`Confirmed ${confirmed.verified.map((v) => v.field).join(", ")} (no change to the relation, version ${(await acme.relations.get(piet.id))!.version})`);

  const nextYear = new Date(Date.now() + 366 * 86_400_000);
  const later = await acme.verification.due(piet.id, { at: nextYear });
  print(`Due a year from now: ${later.map((d) => d.field).join(", ")}`);

  const followUp = await acme.activities.plan({
    subject: "Check the new invoice address",
    kind: "call",
    relationId: piet.id,
    ownerId: "user:sanne",
    dueAt: new Date(Date.now() + 7 * 86_400_000),
  });
  const done = await acme.activities.complete(followUp.id, { outcome: "address confirmed" }, { expectedVersion: followUp.version });
  print(`Follow-up "${followUp.subject}" ${done.activity.status}; logged contact moment ${done.interaction.kind} (${done.interaction.outcome ?? ""})`);
  const quality = await acme.dataQuality.counts();
  print(`Data quality: ${quality.relations} relations, ${quality.noContact} without e-mail or phone, ${quality.stale} stale, ${quality.bounced} bounced`);
}
