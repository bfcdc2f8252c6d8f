/**
 * People API persons ↔ Kaartenbak relations.
 *
 * Google merges a contact with the Google profile it is linked to and repeats names and e-mail
 * addresses per source (`metadata.source.type` CONTACT or PROFILE): the CONTACT source's primary
 * name wins, e-mail addresses are merged case-insensitively, phones deduplicated on their digits.
 * A phone's `canonicalForm` (E.164) is used when Google sends one; otherwise the raw value goes to
 * the core rules, which normalise it with the CRM's default region. The CRM id of a pushed
 * relation is stored in the contact's `clientData` under {@link CLIENT_DATA_KEY}.
 */
import type { PostalAddress, Relation } from "@kaartenbak/core";
import type { SyncChange } from "@kaartenbak/core/sync";
import { arr, obj, str, type Json } from "./json.js";

/** The person fields the connector reads. */
export const PERSON_FIELDS = "names,emailAddresses,phoneNumbers,organizations,addresses,clientData,metadata";
/** The person fields a push replaces (organisations live on links, which a relation change does not carry). */
export const UPDATE_PERSON_FIELDS = "names,emailAddresses,phoneNumbers,addresses,clientData";
/** The `clientData` key holding the CRM relation id. */
export const CLIENT_DATA_KEY = "kaartenbak.relationId";

const PHONE_LABEL: Record<string, string> = { mobile: "mobile", work: "business", home: "home", main: "business", workMobile: "mobile" };
const ADDRESS_LABEL: Record<string, string> = { work: "business", home: "home", other: "other" };
const GOOGLE_PHONE: Record<string, string> = { mobile: "mobile", business: "work", home: "home" };
const GOOGLE_ADDRESS: Record<string, string> = { business: "work", home: "home", other: "other" };

const sourceType = (value: unknown) => str(obj(obj(obj(value).metadata).source).type);

/** The CRM relation id a contact carries in `clientData`, if any. */
export function relationIdOf(person: Json): string | undefined {
  return arr(person.clientData)
    .map(obj)
    .find((d) => d.key === CLIENT_DATA_KEY)?.value as string | undefined;
}

/** Maps a Person (list item or get) to a sync change. */
export function personChange(person: Json): SyncChange {
  const id = str(person.resourceName);
  if (!id) return { type: "invalid", externalId: "(no resourceName)", reason: "person without a resourceName" };
  if (obj(person.metadata).deleted === true) return { type: "removed", externalId: id };
  const names = arr(person.names).map(obj);
  const name0 =
    names.find((n) => sourceType(n) === "CONTACT" && obj(n.metadata).primary === true) ?? names.find((n) => sourceType(n) === "CONTACT") ?? names[0] ?? {};
  const emails = [...new Set(arr(person.emailAddresses).flatMap((e) => str(obj(e).value)?.toLowerCase() ?? []))].filter((e) => e.includes("@"));
  const given = str(name0.givenName);
  const family = str(name0.familyName);
  const org = arr(person.organizations)
    .map(obj)
    .find((x) => str(x.name));
  const company = str(org?.name);
  const name = str(name0.displayName) ?? ([given, family].filter(Boolean).join(" ") || undefined) ?? emails[0] ?? company;
  if (!name) return { type: "invalid", externalId: id, reason: "person has no name, e-mail address or organisation" };
  const phones: { number: string; label: string }[] = [];
  const seen = new Set<string>();
  for (const p of arr(person.phoneNumbers).map(obj)) {
    const number = str(p.canonicalForm) ?? str(p.value);
    const digits = number?.replace(/[^\d]/g, "");
    if (!number || !digits || seen.has(digits)) continue;
    seen.add(digits);
    phones.push({ number: number.slice(0, 100), label: PHONE_LABEL[str(p.type) ?? ""] ?? "other" });
  }
  const addresses: PostalAddress[] = [];
  for (const a of arr(person.addresses).map(obj)) {
    const country = str(a.countryCode);
    const parts = {
      street: str(a.streetAddress)?.slice(0, 200),
      city: str(a.city)?.slice(0, 100),
      region: str(a.region)?.slice(0, 100),
      postalCode: str(a.postalCode)?.slice(0, 20),
      country: country && /^[A-Za-z]{2}$/.test(country) ? country.toUpperCase() : undefined,
    };
    const present = Object.fromEntries(Object.entries(parts).filter(([, v]) => v !== undefined));
    if (Object.keys(present).length > 0) addresses.push({ label: ADDRESS_LABEL[str(a.type) ?? ""] ?? "other", ...present });
  }
  return {
    type: "relation",
    externalId: id,
    changeKey: str(person.etag) ?? null,
    relation: {
      input: { kind: "person", name: name.slice(0, 300), givenName: given ?? null, familyName: family ?? null, emails, phones, addresses },
      ...(company ? { organisation: { name: company.slice(0, 300), jobTitle: str(org?.title) ?? null } } : {}),
    },
  };
}

/**
 * The pushed name: the structured parts while the display name is just those parts, else the
 * display name as Google's free-form `unstructuredName` (Google parses it into the parts), so a
 * display name edited in the CRM reaches Google.
 */
function nameOf(relation: Relation): Record<string, string> {
  const parts = [relation.givenName, relation.familyName].filter(Boolean).join(" ");
  if (relation.kind === "person" && parts && parts === relation.name) return { givenName: relation.givenName ?? "", familyName: relation.familyName ?? "" };
  return { unstructuredName: relation.name };
}

/**
 * True when a push of `relation` sends the free-form `unstructuredName`: Google then derives the
 * structured parts itself, so the contact differs from what was pushed and must be read back.
 */
export function pushesUnstructuredName(relation: Relation): boolean {
  return "unstructuredName" in nameOf(relation);
}

/** The Person body of a push (create or update): the fields of {@link UPDATE_PERSON_FIELDS}. */
export function personFromRelation(relation: Relation): Record<string, unknown> {
  return {
    names: [nameOf(relation)],
    emailAddresses: relation.emails.map((e, i) => ({ value: e.address, ...(i === 0 ? {} : {}) })),
    phoneNumbers: relation.phones.map((p) => ({ value: p.number, type: GOOGLE_PHONE[p.label ?? ""] ?? "other" })),
    addresses: relation.addresses.map((a) => ({
      type: GOOGLE_ADDRESS[a.label ?? ""] ?? "other",
      ...(a.street ? { streetAddress: a.street } : {}),
      ...(a.city ? { city: a.city } : {}),
      ...(a.region ? { region: a.region } : {}),
      ...(a.postalCode ? { postalCode: a.postalCode } : {}),
      ...(a.country ? { countryCode: a.country } : {}),
    })),
    clientData: [{ key: CLIENT_DATA_KEY, value: relation.id }],
  };
}
