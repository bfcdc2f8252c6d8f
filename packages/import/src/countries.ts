/**
 * Country names to ISO 3166-1 alpha-2 codes. Exports write "Netherlands", "Nederland" or
 * "Deutschland" where the CRM stores `NL` / `DE`; the names come from the platform's ICU data
 * (Intl.DisplayNames) in a few languages, so no table is kept here.
 */

const LANGUAGES = ["en", "nl", "de", "fr", "es", "it"] as const;

/** Spellings ICU does not give but exports use. */
const EXTRA: Readonly<Record<string, string>> = {
  holland: "NL",
  "the netherlands": "NL",
  "nederland (holland)": "NL",
  usa: "US",
  "united states of america": "US",
  uk: "GB",
  "great britain": "GB",
  england: "GB",
};

/** Codes ICU names that are not current countries (withdrawn, or groupings); "Deutschland" must be DE, not DD. */
const NOT_COUNTRIES = new Set(["DD", "YU", "CS", "SU", "ZR", "TP", "BU", "FX", "AN", "NT", "EU", "EZ", "UN", "ZZ", "AC", "CP", "DG", "EA", "IC", "TA"]);

let table: Map<string, string> | undefined;

function key(name: string): string {
  return name
    .normalize("NFD")
    .replace(/\p{M}/gu, "")
    .toLowerCase()
    .replace(/[^a-z ]/g, " ")
    .replace(/\s+/g, " ")
    .trim();
}

function build(): Map<string, string> {
  const map = new Map<string, string>(Object.entries(EXTRA));
  const names = LANGUAGES.map((l) => new Intl.DisplayNames([l], { type: "region", fallback: "none" }));
  for (let a = 65; a <= 90; a++) {
    for (let b = 65; b <= 90; b++) {
      const code = String.fromCharCode(a, b);
      if (NOT_COUNTRIES.has(code) || code[0] === "X" || code[0] === "Q") continue;
      for (const dn of names) {
        const name = dn.of(code);
        if (name && !map.has(key(name))) map.set(key(name), code);
      }
    }
  }
  return map;
}

/** The ISO code for a country code or name in English, Dutch, German, French, Spanish or Italian; undefined when unknown. */
export function countryCode(text: string): string | undefined {
  const s = text.trim();
  if (/^[A-Za-z]{2}$/.test(s)) return s.toUpperCase();
  table ??= build();
  return table.get(key(s));
}
