/**
 * Country names to ISO 3166-1 alpha-2 codes, for connectors and importers whose sources write
 * "Nederland", "United Kingdom" or "Deutschland" where the CRM stores `NL` / `GB` / `DE`. The
 * names come from the platform's ICU data (Intl.DisplayNames) in a few languages, so no table of
 * names is kept here and new ICU data improves it for free.
 */

const LANGUAGES = ["en", "nl", "de", "fr", "es", "it"] as const;

/** Spellings ICU does not give but address books and exports use. */
const EXTRA: Readonly<Record<string, string>> = {
  holland: "NL",
  "the netherlands": "NL",
  "nederland holland": "NL",
  usa: "US",
  "united states of america": "US",
  uk: "GB",
  "great britain": "GB",
  england: "GB",
};

/** Codes ICU names that are not current countries (withdrawn, or groupings): "Deutschland" must be DE, not DD. */
const NOT_COUNTRIES = new Set(["DD", "YU", "CS", "SU", "ZR", "TP", "BU", "FX", "AN", "NT", "EU", "EZ", "UN", "ZZ", "AC", "CP", "DG", "EA", "IC", "TA"]);

let names: Map<string, string> | undefined;
let codes: Set<string> | undefined;

/** Accents folded, lower case, anything but letters a space: "Côte d’Ivoire" → "cote d ivoire". */
function key(name: string): string {
  return name
    .normalize("NFD")
    .replace(/\p{M}/gu, "")
    .toLowerCase()
    .replace(/[^a-z ]/g, " ")
    .replace(/\s+/g, " ")
    .trim();
}

/** False for withdrawn codes that Unicode replaces (VD → VN, BU → MM): their names belong to the successor. */
function current(code: string): boolean {
  try {
    return Intl.getCanonicalLocales(`und-${code}`)[0] === `und-${code}`;
  } catch {
    return false;
  }
}

function build(): void {
  names = new Map<string, string>(Object.entries(EXTRA));
  codes = new Set<string>();
  const display = LANGUAGES.map((l) => new Intl.DisplayNames([l], { type: "region", fallback: "none" }));
  for (let a = 65; a <= 90; a++) {
    for (let b = 65; b <= 90; b++) {
      const code = String.fromCharCode(a, b);
      // X* and Q* are user-assigned ranges, never countries.
      if (NOT_COUNTRIES.has(code) || code[0] === "X" || code[0] === "Q" || !current(code)) continue;
      for (const dn of display) {
        const name = dn.of(code);
        if (!name) continue;
        codes.add(code);
        if (!names.has(key(name))) names.set(key(name), code);
      }
    }
  }
}

/**
 * The ISO 3166-1 alpha-2 code of a country written as a code (`nl`, `NL`) or as a name in English,
 * Dutch, German, French, Spanish or Italian (`Nederland`, `United Kingdom`, `Allemagne`); undefined
 * when it is not a known country. Case, accents and punctuation do not matter.
 *
 * @example
 * import { countryCode } from "@kaartenbak/core/sync";
 * countryCode("Nederland"); // "NL"
 * countryCode("United Kingdom"); // "GB"
 * countryCode("Atlantis"); // undefined
 */
export function countryCode(text: string): string | undefined {
  if (!names || !codes) build();
  const k = key(text);
  // Names first: "UK" is a spelling of GB, not a code.
  const named = names!.get(k);
  if (named) return named;
  const upper = text.trim().toUpperCase();
  return /^[A-Z]{2}$/.test(upper) && codes!.has(upper) ? upper : undefined;
}

/** Every code {@link countryCode} can return, for tests and pick lists. */
export function countryCodes(): readonly string[] {
  if (!codes) build();
  return [...codes!].sort();
}
