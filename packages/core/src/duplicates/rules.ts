/**
 * The duplicate rules, as pure functions: how a relation is normalised for comparison, which
 * blocking keys it has, and how two relations are scored. They take no storage, so the batch scan,
 * the create/update check and an import's own pre-check all decide exactly alike.
 *
 * Exact rules (score 1): the same normalised e-mail, the same E.164 phone, the same external
 * reference, or the same value of an attribute the registry marks `identifying`. Fuzzy rule: the
 * same kind, a Jaro-Winkler similarity of the normalised names of at least
 * {@link FUZZY_NAME_THRESHOLD}, and at least one shared context (postcode, city, or a company
 * e-mail domain); a shared city alone needs {@link FUZZY_CITY_THRESHOLD}. Jaro-Winkler (not trigrams) because relation names are short and their typical
 * differences — a dropped letter, swapped letters, a missing word — sit inside short tokens.
 */
import { jaroWinkler } from "@skyra/jaro-winkler";
import type { AttributeRegistry } from "../attributes/registry.js";
import type { Relation } from "../model/relation.js";
import { nameKey } from "../normalise.js";

/** The lowest name similarity the fuzzy rule accepts. */
export const FUZZY_NAME_THRESHOLD = 0.9;
/**
 * The lowest name similarity when the only shared context is the city. A city holds thousands of
 * relations, many with names alike ("Bakkerij Jansen", "Bakkerij Janssens"); measured on the W7
 * bench data, a city alone at 0.90 proposed about 90 unplanted pairs for every planted one.
 */
export const FUZZY_CITY_THRESHOLD = 0.95;

/** Legal forms dropped from organisation names (after dots and spaces inside them are removed). */
const LEGAL_FORMS = new Set([
  "bv",
  "nv",
  "vof",
  "cv",
  "ltd",
  "limited",
  "llc",
  "llp",
  "inc",
  "corp",
  "plc",
  "gmbh",
  "ag",
  "kg",
  "ug",
  "sa",
  "sarl",
  "sas",
  "srl",
  "spa",
  "bvba",
  "sprl",
  "ab",
  "as",
  "oy",
  "eenmanszaak",
  "stichting",
  "vereniging",
]);

/** Dutch (and neighbouring) name particles: "van der Berg", "Berg, van der" and "Vd Berg" compare alike. */
const PARTICLES = new Set([
  "van",
  "der",
  "den",
  "de",
  "het",
  "ten",
  "ter",
  "te",
  "t",
  "vd",
  "v",
  "d",
  "in",
  "op",
  "la",
  "le",
  "du",
  "da",
  "di",
  "von",
  "zu",
  "el",
  "al",
]);

/** Free-mail domains: sharing one says nothing about being the same relation. */
const FREE_MAIL = new Set([
  "gmail.com",
  "googlemail.com",
  "hotmail.com",
  "hotmail.nl",
  "outlook.com",
  "outlook.nl",
  "live.com",
  "live.nl",
  "yahoo.com",
  "icloud.com",
  "me.com",
  "ziggo.nl",
  "kpnmail.nl",
  "planet.nl",
  "home.nl",
  "xs4all.nl",
  "proton.me",
  "protonmail.com",
  "gmx.de",
  "web.de",
]);

/**
 * The comparison form of a name: accents folded, lower case, punctuation removed ("B.V." → "bv"),
 * legal forms and name particles dropped, tokens sorted (so "Berg, Jan van den" equals "Jan van
 * den Berg"). Falls back to the folded name when nothing would be left.
 */
export function normaliseName(name: string): string {
  const folded = nameKey(name)
    // "b.v." and "n. v." become one token before the legal-form check.
    .replace(/\b(\p{L})\.\s?(\p{L})\.?(?=\s|$)/gu, "$1$2")
    .replace(/['’`]/g, "")
    .replace(/[^\p{L}\p{N}]+/gu, " ")
    .trim();
  const tokens = folded.split(" ").filter((t) => t && !LEGAL_FORMS.has(t) && !PARTICLES.has(t));
  return tokens.length > 0 ? tokens.sort().join(" ") : folded;
}

/** A postcode in comparison form: upper case, no spaces ("1234 ab" → "1234AB"). */
export function normalisePostcode(postcode: string): string {
  return postcode.replace(/\s+/g, "").toUpperCase();
}

/** The company e-mail domains of a relation (free-mail domains left out). */
function domains(relation: Pick<Relation, "emails">): string[] {
  return [...new Set(relation.emails.map((e) => e.address.split("@")[1] ?? "").filter((d) => d && !FREE_MAIL.has(d)))];
}

function postcodes(relation: Pick<Relation, "addresses">): string[] {
  return [...new Set(relation.addresses.flatMap((a) => (a.postalCode ? [normalisePostcode(a.postalCode)] : [])))];
}

function cities(relation: Pick<Relation, "addresses">): string[] {
  return [...new Set(relation.addresses.flatMap((a) => (a.city ? [nameKey(a.city)] : [])))];
}

/** Names of the registry's attributes marked `identifying`. */
export function identifyingAttributes(registry: AttributeRegistry): string[] {
  return Object.entries(registry.attributes)
    .filter(([, def]) => def.identifying === true)
    .map(([name]) => name)
    .sort();
}

/** The value of an identifying attribute in comparison form, or undefined when it has none. */
function identifyingValue(relation: Pick<Relation, "attributes">, name: string): string | undefined {
  const value = (relation.attributes as Record<string, unknown>)[name];
  if (typeof value === "string") {
    const key = value.replace(/[\s.-]/g, "").toUpperCase();
    return key || undefined;
  }
  if (typeof value === "number") return String(value);
  return undefined;
}

/** What the rules read of a relation (a full {@link Relation} fits, and so does an unsaved input). */
export type ComparableRelation = Pick<Relation, "kind" | "name" | "emails" | "phones" | "addresses" | "externalRefs" | "attributes">;

/**
 * The blocking keys of a relation: two relations become a candidate pair only when they share a
 * key. Exact keys (e-mail, phone, identifying attribute) and, for the fuzzy rule, the first four
 * letters of each name token combined with each context (postcode, city, company domain), so a
 * typo after the fourth letter still meets its twin.
 */
export function duplicateKeys(relation: ComparableRelation, identifying: readonly string[]): string[] {
  const keys = new Set<string>();
  for (const e of relation.emails) keys.add(`e:${e.address}`);
  for (const p of relation.phones) keys.add(`p:${p.number}`);
  for (const name of identifying) {
    const v = identifyingValue(relation, name);
    if (v !== undefined) keys.add(`a:${name}=${v}`);
  }
  const contexts = [...postcodes(relation).map((p) => `pc:${p}`), ...cities(relation).map((c) => `c:${c}`), ...domains(relation).map((d) => `d:${d}`)];
  const tokens = new Set(
    normaliseName(relation.name)
      .split(" ")
      .filter((t) => t.length >= 2)
      .map((t) => t.slice(0, 4)),
  );
  for (const token of tokens) for (const context of contexts) keys.add(`n:${relation.kind}:${token}|${context}`);
  return [...keys].sort();
}

/** Why two relations look like one: a score from 0 to 1 and the rules that fired. */
export interface DuplicateScore {
  /** 1 for an exact rule, otherwise the name similarity (two decimals). */
  readonly score: number;
  /** Human-readable reasons, e.g. `same e-mail`, `name 0.94 + same postcode`. */
  readonly reasons: readonly string[];
}

function shared(a: readonly string[], b: readonly string[]): boolean {
  return a.some((x) => b.includes(x));
}

/**
 * Scores a pair of relations, or undefined when no rule fires. Symmetric by construction: the two
 * names are compared in a fixed (sorted) order, so `scoreDuplicate(a, b)` equals `scoreDuplicate(b, a)`.
 */
export function scoreDuplicate(a: ComparableRelation, b: ComparableRelation, identifying: readonly string[]): DuplicateScore | undefined {
  const reasons: string[] = [];
  if (
    shared(
      a.emails.map((e) => e.address),
      b.emails.map((e) => e.address),
    )
  )
    reasons.push("same e-mail");
  if (
    shared(
      a.phones.map((p) => p.number),
      b.phones.map((p) => p.number),
    )
  )
    reasons.push("same phone");
  const refs = (r: ComparableRelation) => r.externalRefs.map((x) => `${x.system}\u0000${x.externalId}`);
  if (shared(refs(a), refs(b))) reasons.push("same external reference");
  for (const name of identifying) {
    const va = identifyingValue(a, name);
    if (va !== undefined && va === identifyingValue(b, name)) reasons.push(`same ${name}`);
  }
  if (reasons.length > 0) return { score: 1, reasons };
  if (a.kind !== b.kind) return undefined;
  const [x, y] = [normaliseName(a.name), normaliseName(b.name)].sort();
  const similarity = Math.round(jaroWinkler(x!, y!) * 100) / 100;
  if (similarity < FUZZY_NAME_THRESHOLD) return undefined;
  const context = [
    ...(shared(postcodes(a), postcodes(b)) ? ["same postcode"] : []),
    ...(shared(cities(a), cities(b)) ? ["same city"] : []),
    ...(shared(domains(a), domains(b)) ? ["same e-mail domain"] : []),
  ];
  if (context.length === 0) return undefined;
  if (context.length === 1 && context[0] === "same city" && similarity < FUZZY_CITY_THRESHOLD) return undefined;
  return { score: similarity, reasons: [`name ${similarity.toFixed(2)} + ${context.join(" + ")}`] };
}
