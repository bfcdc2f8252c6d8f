import { parsePhoneNumberFromString } from "libphonenumber-js/max";
import type { Interaction } from "../model/interaction.js";
import type { Relation } from "../model/relation.js";

/**
 * The text side of full-text search, in TypeScript so that every engine indexes and queries the
 * very same tokens: SQLite's FTS5 and Postgres' tsvector then only have to split on spaces and
 * match prefixes, and case and accent folding cannot differ between them (Postgres' `unaccent` is
 * an extension a host may not be allowed to install, and SQLite's `lower` folds ASCII only).
 */

/** Letters that NFKD leaves whole but a Dutch or English reader treats as a plain letter or two. */
const LETTERS: Readonly<Record<string, string>> = { ø: "o", æ: "ae", œ: "oe", ß: "ss", ł: "l", đ: "d", ð: "d", þ: "th", ı: "i" };

/**
 * The body of a document is cut here. Postgres refuses a tsvector over 1 MB and ignores positions
 * past 16,383; a contact moment's first 64k characters are what anybody searches for anyway.
 */
export const SEARCH_TEXT_LIMIT = 65_536;

/**
 * Folds text for search: NFKD, combining marks removed, lower case, the letters of
 * {@link LETTERS} spelled out, every run of characters other than letters and digits one space.
 * Groups of digits written with spaces, dashes, dots, slashes or brackets between them are joined
 * ("06-1234 5678" is one token "0612345678"), so a phone number in a body or a query is one token.
 * So "José  de Vries-Ünal, 06 1234 5678" folds to "jose de vries unal 0612345678".
 */
export function foldSearchText(text: string): string {
  return text
    .slice(0, SEARCH_TEXT_LIMIT)
    .normalize("NFKD")
    .replace(/\p{M}+/gu, "")
    .toLowerCase()
    .replace(/[øæœßłđðþı]/g, (c) => LETTERS[c] ?? c)
    .replace(/\d+(?:[\s\-./()]+\d+)+/g, (run) => run.replace(/\D+/g, ""))
    .replace(/[^\p{L}\p{N}]+/gu, " ")
    .trim();
}

/** The tokens of a text: {@link foldSearchText} split on spaces. */
export function searchTokens(text: string): string[] {
  const folded = foldSearchText(text);
  return folded ? folded.split(" ") : [];
}

/**
 * The tokens that make a phone number findable by the digits people type: the E.164 digits
 * (`31612345678`), the national number with and without a leading 0 (`0612345678`, `612345678`),
 * and every suffix of the E.164 digits of six digits or more, so a prefix query on "12345678"
 * finds "+31 6 1234 5678" too.
 */
export function phoneSearchTokens(e164: string): string[] {
  const digits = e164.replace(/\D+/g, "");
  const out = new Set<string>([digits]);
  const national = parsePhoneNumberFromString(e164)?.nationalNumber;
  if (national) {
    out.add(String(national));
    out.add(`0${national}`);
  }
  for (let i = 1; digits.length - i >= 6; i++) out.add(digits.slice(i));
  return [...out];
}

/**
 * The two weighted parts of a search document, as folded space-separated tokens: `title` ranks
 * above `body` (a name above an e-mail address or city, a subject above a mention in the text).
 */
export interface SearchDocumentText {
  readonly title: string;
  readonly body: string;
}

/** Folds each part on its own (digits of neighbouring parts must not join) and joins them. */
const join = (parts: readonly (string | null | undefined)[]) =>
  parts
    .filter((p): p is string => typeof p === "string")
    .map(foldSearchText)
    .filter(Boolean)
    .join(" ");

/**
 * The search document of a relation: its names in the title; its e-mail addresses (the local part,
 * and the domain as its own tokens), phone numbers ({@link phoneSearchTokens}), the organisations
 * it works for, the cities and postcodes of its addresses and its tags in the body.
 */
export function relationSearchText(relation: Relation, organisations: readonly string[] = []): SearchDocumentText {
  const title = join([relation.name, relation.givenName, relation.familyName]);
  const tokens = new Set(title.split(" "));
  const body = join([
    ...relation.emails.map((e) => e.address.replace("@", " ")),
    ...relation.phones.flatMap((p) => phoneSearchTokens(p.number)),
    ...organisations,
    ...relation.addresses.flatMap((a) => [a.city, a.postalCode?.replace(/\s+/g, "")]),
    ...relation.tags,
  ]);
  // A name token repeated in the body adds no recall, only rank noise: left out.
  return { title: [...tokens].join(" "), body: [...new Set(body.split(" "))].filter((t) => t && !tokens.has(t)).join(" ") };
}

/** The search document of a contact moment: its subject in the title, its body and outcome in the body. */
export function interactionSearchText(interaction: Pick<Interaction, "subject" | "body" | "outcome">): SearchDocumentText {
  return { title: join([interaction.subject]), body: join([interaction.body, interaction.outcome]) };
}

/**
 * Whether a document matches query terms when nothing is stemmed: every term is a prefix of some
 * token of the title or body. This is the meaning every engine's index must agree with.
 */
export function searchTextMatches(document: SearchDocumentText, terms: readonly string[]): boolean {
  const tokens = `${document.title} ${document.body}`.split(" ").filter(Boolean);
  return terms.every((term) => tokens.some((token) => token.startsWith(term)));
}
