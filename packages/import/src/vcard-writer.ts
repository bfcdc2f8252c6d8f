/**
 * Relations as vCards. 3.0 (RFC 2426, default) is what Outlook, Google Contacts and Apple
 * Contacts all read; 4.0 (RFC 6350) on request. Text is escaped (`\\`, `\,`, `\;`, `\n`), lines
 * are folded at 75 octets without splitting a UTF-8 character, and lines end in CRLF. The card's
 * UID is the relation's `vcard` reference when it came from a card, else `urn:uuid:<id>`, so the
 * file imports again as the same relations (its UID is what {@link vcardMapping} matches on).
 */
import type { Relation } from "@kaartenbak/core";
import type { Employer } from "./export-row.js";
import { VCARD_REF_SYSTEM } from "./vcard.js";

/** The vCard versions an export writes. */
export type VcardVersion = "3.0" | "4.0";

const escapeText = (s: string) =>
  s
    .replace(/\\/g, "\\\\")
    .replace(/,/g, "\\,")
    .replace(/;/g, "\\;")
    .replace(/\r\n|\r|\n/g, "\\n");

/** Folds a content line at 75 octets; continuation lines start with a space. */
export function foldLine(line: string): string {
  const out: string[] = [];
  let current = "";
  let octets = 0;
  for (const ch of line) {
    const size = Buffer.byteLength(ch, "utf8");
    const limit = out.length === 0 ? 75 : 74;
    if (octets + size > limit) {
      out.push(current);
      current = "";
      octets = 0;
    }
    current += ch;
    octets += size;
  }
  out.push(current);
  return out.join("\r\n ");
}

const TEL_TYPES: Readonly<Record<string, string>> = { mobile: "CELL", cell: "CELL", work: "WORK", home: "HOME", fax: "FAX", pager: "PAGER" };

/** A TYPE parameter for a label: the standard type when there is one, else the extension type `x-<label>`. */
function typeParam(label: string | null | undefined, standard: Readonly<Record<string, string>>): string {
  if (!label) return "";
  const known = standard[label.toLowerCase()];
  if (known) return `;TYPE=${known}`;
  // A label that is not a token goes in quotes; a double quote cannot be written in a parameter.
  const plain = label.replace(/["\p{Cc}]/gu, "");
  return /^[A-Za-z0-9-]+$/.test(plain) ? `;TYPE=x-${plain}` : `;TYPE="x-${plain}"`;
}

const GENERAL_TYPES: Readonly<Record<string, string>> = { work: "WORK", home: "HOME" };

/** The UID a relation's card carries. */
export function cardUid(relation: Relation<unknown>): string {
  return relation.externalRefs.find((r) => r.system === VCARD_REF_SYSTEM)?.externalId ?? `urn:uuid:${relation.id}`;
}

/** One relation as a vCard, CRLF line ends included. */
export function vcardOf(relation: Relation<unknown>, employer: Employer | undefined, version: VcardVersion = "3.0"): string {
  const lines = ["BEGIN:VCARD", `VERSION:${version}`, `UID:${escapeText(cardUid(relation))}`, `FN:${escapeText(relation.name)}`];
  if (relation.kind === "person") {
    lines.push(`N:${escapeText(relation.familyName ?? "")};${escapeText(relation.givenName ?? "")};;;`);
    if (employer) lines.push(`ORG:${escapeText(employer.name)}`);
    if (employer?.jobTitle) lines.push(`TITLE:${escapeText(employer.jobTitle)}`);
  } else {
    // 3.0 has no KIND: Apple's X-ABShowAs marks a company card, an X- property a household.
    lines.push("N:;;;;");
    if (relation.kind === "organisation") lines.push(`ORG:${escapeText(relation.name)}`);
    if (version === "4.0") lines.push(`KIND:${relation.kind === "organisation" ? "org" : "group"}`);
    else lines.push(relation.kind === "organisation" ? "X-ABShowAs:COMPANY" : "X-KAARTENBAK-KIND:household");
  }
  for (const e of relation.emails) lines.push(`EMAIL${version === "3.0" ? ";TYPE=INTERNET" : ""}${typeParam(e.label, GENERAL_TYPES)}:${escapeText(e.address)}`);
  for (const p of relation.phones)
    lines.push(version === "4.0" ? `TEL;VALUE=uri${typeParam(p.label, TEL_TYPES)}:tel:${p.number}` : `TEL${typeParam(p.label, TEL_TYPES)}:${p.number}`);
  for (const a of relation.addresses) {
    const street = [a.street, a.houseNumber].filter(Boolean).join(" ");
    const parts = ["", "", street, a.city ?? "", a.region ?? "", a.postalCode ?? "", a.country ?? ""].map(escapeText);
    lines.push(`ADR${typeParam(a.label, GENERAL_TYPES)}:${parts.join(";")}`);
  }
  if (relation.tags.length) lines.push(`CATEGORIES:${relation.tags.map(escapeText).join(",")}`);
  lines.push(`REV:${relation.updatedAt.replace(/\.\d+Z$/, "Z")}`, "END:VCARD");
  return lines.map(foldLine).join("\r\n") + "\r\n";
}
