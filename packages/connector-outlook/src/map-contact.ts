/**
 * Outlook contacts ↔ Kaartenbak relations.
 *
 * A contact becomes a person: display name (or given name + surname, file-as, first e-mail),
 * given and family name, e-mails, phones (business, home, mobile as labels), postal addresses
 * (business, home, other), and an employment link to an organisation named by `companyName` with
 * the `jobTitle`. Countries (`countryOrRegion`, free text) become ISO codes through core's
 * `countryCode`; a name it does not know is left out. A number under several Outlook fields
 * ("home" and "mobile") is one phone whose label lists them all (`home, mobile`): core keeps one
 * row per number (the phone's primary key), so a second row per label cannot exist.
 */
import type { PostalAddress, Relation } from "@kaartenbak/core";
import { countryCode, type SyncChange } from "@kaartenbak/core/sync";
import { arr, obj, str, type GraphJson } from "./graph-json.js";

/** The contact fields the connector reads (`$select` of the first delta request). */
export const CONTACT_FIELDS = [
  "displayName",
  "givenName",
  "surname",
  "fileAs",
  "emailAddresses",
  "businessPhones",
  "homePhones",
  "mobilePhone",
  "companyName",
  "jobTitle",
  "businessAddress",
  "homeAddress",
  "otherAddress",
  "changeKey",
] as const;

const ADDRESS_FIELDS = [
  ["businessAddress", "business"],
  ["homeAddress", "home"],
  ["otherAddress", "other"],
] as const;

function addressOf(value: unknown, label: string): PostalAddress | undefined {
  const a = obj(value);
  if (!a) return undefined;
  const country = str(a.countryOrRegion);
  const parts = {
    street: str(a.street)?.slice(0, 200),
    city: str(a.city)?.slice(0, 100),
    region: str(a.state)?.slice(0, 100),
    postalCode: str(a.postalCode)?.slice(0, 20),
    // The address model holds only an ISO code; an unknown name has nowhere to go and is dropped.
    country: country ? countryCode(country) : undefined,
  };
  const present = Object.fromEntries(Object.entries(parts).filter(([, v]) => v !== undefined));
  return Object.keys(present).length === 0 ? undefined : { label, ...present };
}

/** Digits (and a leading +) only: "+31 6-1234 5678" and "+31612345678" are one number. */
const phoneKey = (n: string) => n.replace(/[^\d+]/g, "");

/** The Outlook fields a phone label names: `home, mobile` → ["home", "mobile"]. */
export const labelsOf = (label: string | null | undefined): string[] =>
  (label ?? "")
    .split(",")
    .map((l) => l.trim())
    .filter(Boolean);

/** Maps a Graph contact (delta item or GET) to a sync change. */
export function contactChange(contact: GraphJson): SyncChange {
  const id = str(contact.id);
  if (!id) return { type: "invalid", externalId: "(no id)", reason: "contact without an id" };
  if (contact["@removed"] !== undefined) return { type: "removed", externalId: id };
  const emails = [...new Set(arr(contact.emailAddresses).flatMap((e) => str(obj(e)?.address)?.toLowerCase() ?? []))];
  const given = str(contact.givenName);
  const surname = str(contact.surname);
  const company = str(contact.companyName);
  const name = str(contact.displayName) ?? ([given, surname].filter(Boolean).join(" ") || undefined) ?? str(contact.fileAs) ?? emails[0] ?? company;
  if (!name) return { type: "invalid", externalId: id, reason: "contact has no name, e-mail address or company" };
  const phones: { number: string; label: string }[] = [];
  const addPhone = (value: unknown, label: string) => {
    const number = str(value);
    if (!number) return;
    const i = phones.findIndex((p) => phoneKey(p.number) === phoneKey(number));
    if (i < 0) phones.push({ number, label });
    else if (!labelsOf(phones[i]!.label).includes(label)) phones[i] = { number: phones[i]!.number, label: `${phones[i]!.label}, ${label}` };
  };
  for (const p of arr(contact.businessPhones)) addPhone(p, "business");
  for (const p of arr(contact.homePhones)) addPhone(p, "home");
  addPhone(contact.mobilePhone, "mobile");
  const addresses = ADDRESS_FIELDS.flatMap(([field, label]) => addressOf(contact[field], label) ?? []);
  return {
    type: "relation",
    externalId: id,
    changeKey: str(contact.changeKey) ?? null,
    relation: {
      input: { kind: "person", name: name.slice(0, 300), givenName: given ?? null, familyName: surname ?? null, emails, phones, addresses },
      ...(company ? { organisation: { name: company.slice(0, 300), jobTitle: str(contact.jobTitle) ?? null } } : {}),
    },
  };
}

/**
 * The contact fields a pushed relation sets (a PATCH body or a POST body). Company and job title
 * are not pushed: they live on links, which a relation's change does not carry.
 */
export function contactFromRelation(relation: Relation): Record<string, unknown> {
  // A phone goes to every Outlook field its label lists; one with no known field is a business phone.
  const fields = (label: string | null) => {
    const known = labelsOf(label).filter((l) => ["business", "home", "mobile"].includes(l));
    return known.length > 0 ? known : ["business"];
  };
  const phones = (label: string) => relation.phones.filter((p) => fields(p.label).includes(label)).map((p) => p.number);
  const address = (label: string, fallback: boolean) => {
    const a =
      relation.addresses.find((x) => x.label === label) ??
      (fallback ? relation.addresses.find((x) => !x.label || !["business", "home", "other"].includes(x.label)) : undefined);
    return a ? { street: a.street ?? "", city: a.city ?? "", state: a.region ?? "", postalCode: a.postalCode ?? "", countryOrRegion: a.country ?? "" } : null;
  };
  return {
    displayName: relation.name,
    givenName: relation.givenName,
    surname: relation.familyName,
    emailAddresses: relation.emails.slice(0, 3).map((e) => ({ address: e.address, name: relation.name })),
    businessPhones: phones("business"),
    homePhones: phones("home"),
    mobilePhone: phones("mobile")[0] ?? null,
    businessAddress: address("business", true),
    homeAddress: address("home", false),
    otherAddress: address("other", false),
  };
}
