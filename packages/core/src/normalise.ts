import { parsePhoneNumberFromString, type CountryCode } from "libphonenumber-js/max";

/**
 * Normalisation of contact points. Stored values are canonical so that lookups match whatever
 * format a user or a sync source typed: e-mail addresses lower-cased and trimmed, phone numbers
 * in E.164 (`+31201234567`).
 */

/** A two-letter ISO 3166 region used to read phone numbers written without a country code. */
export type PhoneRegion = CountryCode;

/** Lower-cases and trims an e-mail address. Validation of its shape is the schema's job. */
export function normaliseEmail(input: string): string {
  return input.trim().toLowerCase();
}

/**
 * Parses a phone number in any common notation and returns it in E.164, or `undefined` when it is
 * not a valid number (for the default region when it has no country code).
 */
export function normalisePhone(input: string, defaultRegion?: PhoneRegion): string | undefined {
  const parsed = parsePhoneNumberFromString(input.trim(), defaultRegion ? { defaultCountry: defaultRegion } : undefined);
  if (!parsed || !parsed.isValid()) return undefined;
  return parsed.number;
}

/** The key used for name-prefix search: Unicode-normalised, accents folded, lower-cased, spaces collapsed. */
export function nameKey(name: string): string {
  return name
    .normalize("NFKD")
    .replace(/\p{M}+/gu, "")
    .toLowerCase()
    .replace(/\s+/g, " ")
    .trim();
}
