/**
 * Mapping helpers shared by connectors' drafts: matching e-mail participants to relations, the
 * unknown-address policy, and the employment link a contact's company implies.
 */
import type { TenantCrm } from "../crm.js";
import type { ParticipantRole } from "../model/interaction.js";
import type { Relation } from "../model/relation.js";
import { nameKey } from "../normalise.js";
import type { CommandOptions } from "../services/command.js";
import type { ParticipantDraft } from "./connector.js";

/**
 * What to do with a message or meeting participant whose address no relation has:
 * - `ignore` (default): keep the address on the interaction, create nothing;
 * - `create-person`: create a person with that address;
 * - `create-person-and-organisation`: also create (or reuse) an organisation for a work domain
 *   (not a free-mail domain such as gmail.com) and link the person to it.
 * Own addresses, meeting resources (rooms, equipment) and bulk mail never create anything.
 */
export type UnknownAddressPolicy = "ignore" | "create-person" | "create-person-and-organisation";

/**
 * What to do with a message or meeting none of whose participants is a relation (after the
 * unknown-address policy):
 * - `keep` (default): log it as an unmatched contact moment — its participants' addresses, time
 *   and subject, the body only with `unmatchedBodies` — that joins the timeline of the first
 *   relation that gets one of those addresses (created by hand, by an import or by sync), without
 *   fetching it again;
 * - `skip`: leave it out, recorded as skipped (`no_relation`).
 * A message whose only addresses are the account's own and meeting resources is always skipped.
 */
export type UnmatchedPolicy = "keep" | "skip";

/** Options of participant matching. */
export interface MatchOptions {
  readonly unknownAddresses: UnknownAddressPolicy;
  readonly unmatched: UnmatchedPolicy;
  /** Keep the body of unmatched contact moments too (default false: metadata only). */
  readonly unmatchedBodies: boolean;
  /** Domains that are never an organisation (free-mail providers); added to the built-in list. */
  readonly freeMailDomains: ReadonlySet<string>;
}

/** Free-mail providers: an address there says nothing about an employer. */
export const FREE_MAIL_DOMAINS: readonly string[] = [
  "gmail.com",
  "googlemail.com",
  "outlook.com",
  "hotmail.com",
  "live.com",
  "msn.com",
  "yahoo.com",
  "icloud.com",
  "me.com",
  "aol.com",
  "proton.me",
  "protonmail.com",
  "gmx.com",
  "gmx.net",
  "web.de",
  "ziggo.nl",
  "kpnmail.nl",
  "xs4all.nl",
  "hetnet.nl",
];

/** A participant ready for `interactions.log`. */
export interface MatchedParticipant {
  readonly role: ParticipantRole;
  readonly relationId: string | null;
  readonly address: string;
  readonly name: string | null;
}

/** The organisation reference system for organisations sync derives from names and domains. */
export const orgSystem = (system: string) => `${system}-org`;

/** Finds or creates the organisation with this name (by our reference, then by exact name). */
async function organisationNamed(tx: TenantCrm, system: string, name: string, command: CommandOptions): Promise<Relation> {
  const key = nameKey(name).slice(0, 300) || name.toLowerCase();
  const ref = { system: orgSystem(system), externalId: key };
  const held = await tx.relations.findByExternalRef(ref.system, ref.externalId);
  if (held && !held.deletedAt) return held;
  if (held) return tx.relations.restore(held.id, { ...command, expectedVersion: held.version });
  const sameName = nameKey(name)
    ? (await tx.relations.search({ namePrefix: name, limit: 50 })).find((r) => r.kind === "organisation" && nameKey(r.name) === nameKey(name))
    : undefined;
  if (sameName) return sameName;
  return tx.relations.create({ kind: "organisation", name, externalRefs: [ref] }, command);
}

/**
 * Makes the person's employment links agree with the remote company: a link to the named
 * organisation (with the job title), and no links to other organisations sync created. Links the
 * host made to its own organisations are left alone. Returns whether it wrote anything.
 */
export async function ensureEmployment(
  tx: TenantCrm,
  system: string,
  personId: string,
  organisation: { readonly name: string; readonly jobTitle?: string | null } | undefined,
  command: CommandOptions,
): Promise<boolean> {
  const links = (await tx.links.list(personId)).filter((l) => l.kind === "employment" && l.personId === personId);
  let wrote = false;
  let target: Relation | undefined;
  if (organisation) target = await organisationNamed(tx, system, organisation.name, command);
  const jobTitle = organisation?.jobTitle ?? null;
  for (const link of links) {
    if (link.kind !== "employment") continue;
    if (target && link.organisationId === target.id) {
      if (link.jobTitle !== jobTitle) {
        await tx.links.update(link.id, { jobTitle }, { ...command, expectedVersion: link.version });
        wrote = true;
      }
      continue;
    }
    const org = await tx.relations.get(link.organisationId, { includeDeleted: true });
    if (org?.externalRefs.some((r) => r.system === orgSystem(system))) {
      await tx.links.remove(link.id, { ...command, expectedVersion: link.version });
      wrote = true;
    }
  }
  if (target && !links.some((l) => l.kind === "employment" && l.organisationId === target.id)) {
    await tx.links.create({ kind: "employment", personId, organisationId: target.id, jobTitle }, command);
    wrote = true;
  }
  return wrote;
}

function displayName(address: string, name: string | null | undefined): string {
  const trimmed = name?.trim();
  const local = address.split("@")[0] ?? address;
  // A display name that is just the address or its local part says nothing; derive a readable one.
  if (trimmed && !trimmed.includes("@") && trimmed.toLowerCase() !== local.toLowerCase()) return trimmed.slice(0, 300);
  return (
    local
      .replace(/[._-]+/g, " ")
      .replace(/\b\w/g, (c) => c.toUpperCase())
      .trim() || address
  );
}

/**
 * The relation for one participant address (normalised): the oldest relation holding it, else
 * what the unknown-address policy creates, else null.
 */
export async function resolve(
  tx: TenantCrm,
  address: string,
  draft: ParticipantDraft,
  options: MatchOptions,
  system: string,
  command: CommandOptions,
): Promise<string | null> {
  const [known] = await tx.relations.findByEmail(address);
  if (known) return known.id;
  // A room or a projector is not a person: its address is kept on the interaction only.
  if (draft.own || draft.role === "resource" || options.unknownAddresses === "ignore" || !/^[^@\s]+@[^@\s]+\.[^@\s]+$/.test(address)) return null;
  const person = await tx.relations.create({ kind: "person", name: displayName(address, draft.name), emails: [address] }, command);
  const domain = address.split("@")[1] ?? "";
  if (options.unknownAddresses === "create-person-and-organisation" && domain && !options.freeMailDomains.has(domain)) {
    await ensureEmployment(tx, system, person.id, { name: domain }, command);
  }
  return person.id;
}
