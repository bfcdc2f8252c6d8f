import { parsePhoneNumberFromString } from "libphonenumber-js/max";
import type { Relation } from "../model/relation.js";

/**
 * Identifiers shorter than this are not searched for in free text: removing every "Li" or "Bo"
 * from a tenant's notes would destroy other people's data. The relation's own fields are cleared
 * whatever their length.
 */
export const MIN_IDENTIFIER_LENGTH = 4;

/**
 * The strings by which free text can name a relation: its display name, given + family name,
 * family name + given name, e-mail addresses, and each phone number as E.164, as digits without
 * the plus, in national notation and as national digits (`+31612345678`, `31612345678`,
 * `06 12345678`, `0612345678`). Longest first, so a full name is replaced before a part of it.
 */
export function personalIdentifiers(relation: Pick<Relation, "name" | "givenName" | "familyName" | "emails" | "phones">): string[] {
  const out = new Set<string>();
  const add = (value: string | null | undefined) => {
    const v = value?.trim();
    if (v && v.length >= MIN_IDENTIFIER_LENGTH) out.add(v);
  };
  add(relation.name);
  if (relation.givenName && relation.familyName) {
    add(`${relation.givenName} ${relation.familyName}`);
    add(`${relation.familyName} ${relation.givenName}`);
    add(`${relation.familyName}, ${relation.givenName}`);
  }
  for (const e of relation.emails) add(e.address);
  for (const p of relation.phones) {
    add(p.number);
    add(p.number.replace(/^\+/, ""));
    const parsed = parsePhoneNumberFromString(p.number);
    if (parsed) {
      const national = parsed.formatNational();
      add(national);
      add(national.replace(/\D/g, ""));
    }
  }
  return [...out].sort((a, b) => b.length - a.length || (a < b ? -1 : a > b ? 1 : 0));
}
