import type { TenantCrm } from "@kaartenbak/core";
import type { attributes } from "./demo.js";
import { table } from "./table.js";

/**
 * The duplicates step of the quickstart: someone typed the bakery in again, with the legal form
 * written out and a second address. The duplicate check finds the original (with its score and
 * reasons), a dry run shows what a merge would move and which fields conflict, the merge moves
 * the double's contact moment to the original and leaves a tombstone that still finds it, and
 * the undo brings both back exactly as they were.
 */
export async function runDuplicatesDemo(acme: TenantCrm<typeof attributes>, print: (line: string) => void): Promise<void> {
  const input = {
    kind: "organisation" as const,
    name: "Bakkerij De Gouden Korst B.V.",
    emails: ["orders@goudenkorst.nl"],
    addresses: [{ label: "billing", street: "Prinsengracht", houseNumber: "12", postalCode: "1015DV", city: "Amsterdam", country: "NL" }],
    attributes: { industry: "hospitality" as const },
  };
  const candidates = await acme.duplicates.check(input);
  print(`\nBefore creating "${input.name}": ${candidates.length} possible duplicate(s)`);
  print(
    table(
      ["relation", "score", "reasons"],
      candidates.map((c) => [c.relation.name, c.score.toFixed(2), c.reasons.join(", ")]),
    ),
  );
  const original = candidates.find((c) => c.relation.name === "Bakkerij de Gouden Korst")?.relation;
  if (!original) throw new Error("the demo's bakery was not found as a duplicate");

  // Created anyway (say, by a colleague in a hurry), with a contact moment of its own.
  const double = await acme.relations.create(input);
  await acme.interactions.log({ kind: "note", relationIds: [double.id], subject: "Asked for a price list", occurredAt: new Date() });

  const plan = await acme.relations.merge(original.id, double.id, { dryRun: true });
  print(`Dry run of the merge: ${plan.rowsChanged} row(s) would change; conflicts:`);
  print(
    table(
      ["field", "original", "double", "kept"],
      plan.conflicts.map((c) => [c.field, String(c.survivor), String(c.loser), c.kept]),
    ),
  );
  const merged = await acme.relations.merge(original.id, double.id);
  const found = await acme.relations.get(double.id);
  const timeline = await acme.interactions.timeline(original.id);
  print(
    `Merged: ${merged.survivor.emails.map((e) => e.address).join(", ")}; the double's id now finds "${found?.name}"; ` +
      `${timeline.items.length} contact moment(s) on the original`,
  );
  const undone = await acme.relations.unmerge(merged.mergeId!);
  print(
    `Undone: "${undone.loser.name}" is back with ${undone.rowsRestored} row(s) restored; the original has ${undone.survivor.emails.length} e-mail(s) again`,
  );
}
