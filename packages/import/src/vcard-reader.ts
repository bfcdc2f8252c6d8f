/**
 * vCard (2.1, 3.0, 4.0; RFC 2426 and RFC 6350) read as a table: one record per card, with fixed
 * columns (`FN`, `N.given`, `EMAIL 1`, `EMAIL 1 TYPE`, `TEL 1`, `ADR 1 city`, …) so the same
 * mapping, dry run and checkpoints apply as to a CSV file. Lines are unfolded (a line starting with
 * a space or tab continues the previous one), quoted-printable values (with soft line breaks) are
 * decoded in their CHARSET, and backslash escapes are undone. Hand-written: the format is a few
 * line rules, and the maintained vCard packages do not stream.
 */
import iconv from "iconv-lite";
import type { CsvRecord } from "./csv-reader.js";

/** How many e-mail addresses, phone numbers and addresses of one card are read. */
export const VCARD_SLOTS = { email: 10, tel: 10, adr: 5 } as const;

const ADR_PARTS = ["poBox", "extended", "street", "city", "region", "postalCode", "country"] as const;

/** The columns every vCard record has. */
export const VCARD_HEADER: readonly string[] = [
  "UID",
  "KIND",
  "FN",
  "N.family",
  "N.given",
  "N.additional",
  "ORG",
  "TITLE",
  "CATEGORIES",
  "BDAY",
  "NOTE",
  ...Array.from({ length: VCARD_SLOTS.email }, (_, i) => [`EMAIL ${i + 1}`, `EMAIL ${i + 1} TYPE`]).flat(),
  ...Array.from({ length: VCARD_SLOTS.tel }, (_, i) => [`TEL ${i + 1}`, `TEL ${i + 1} TYPE`]).flat(),
  ...Array.from({ length: VCARD_SLOTS.adr }, (_, i) => [`ADR ${i + 1} TYPE`, ...ADR_PARTS.filter((p) => p !== "poBox").map((p) => `ADR ${i + 1} ${p}`)]).flat(),
];

/** One content line: name, parameters (upper-cased names), raw value. */
interface ContentLine {
  readonly name: string;
  readonly params: ReadonlyMap<string, string[]>;
  readonly value: string;
}

/** Logical lines from text chunks: unfolded, with quoted-printable soft breaks joined; each with its first physical line number. */
async function* logicalLines(chunks: AsyncIterable<string>): AsyncGenerator<{ line: number; text: string }> {
  let rest = "";
  let current: { line: number; text: string } | undefined;
  let number = 0;
  const physical = async function* () {
    for await (const chunk of chunks) {
      rest += chunk;
      const parts = rest.split(/\r\n|\n|\r/);
      rest = parts.pop()!;
      yield* parts;
    }
    if (rest) yield rest;
  };
  for await (const raw of physical()) {
    number++;
    if (current && (raw.startsWith(" ") || raw.startsWith("\t"))) current.text += raw.slice(1);
    else if (current && /QUOTED-PRINTABLE/i.test(current.text.split(":")[0]!) && current.text.endsWith("=")) current.text = current.text.slice(0, -1) + raw;
    else {
      if (current) yield current;
      current = { line: number, text: raw };
    }
  }
  if (current) yield current;
}

/** Splits at `sep` outside double quotes. */
function splitOutsideQuotes(text: string, sep: string): string[] {
  const out: string[] = [];
  let quoted = false;
  let start = 0;
  for (let i = 0; i < text.length; i++) {
    if (text[i] === '"') quoted = !quoted;
    else if (!quoted && text[i] === sep) {
      out.push(text.slice(start, i));
      start = i + 1;
    }
  }
  out.push(text.slice(start));
  return out;
}

function parseLine(text: string): ContentLine | undefined {
  const colon = splitOutsideQuotes(text, ":");
  if (colon.length < 2) return undefined;
  const [head, ...value] = colon;
  const [rawName, ...rawParams] = splitOutsideQuotes(head!, ";");
  const name = rawName!.replace(/^.*\./, "").toUpperCase();
  const params = new Map<string, string[]>();
  for (const p of rawParams) {
    const eq = p.indexOf("=");
    // vCard 2.1 writes bare types: TEL;WORK;VOICE.
    const [key, val] = eq < 0 ? ["TYPE", p] : [p.slice(0, eq).toUpperCase(), p.slice(eq + 1)];
    const values = splitOutsideQuotes(val, ",").map((v) => v.replace(/^"|"$/g, ""));
    params.set(key, [...(params.get(key) ?? []), ...values]);
  }
  return { name, params, value: value.join(":") };
}

/** Decodes a quoted-printable value in its charset (UTF-8 unless said). */
function decodeQuotedPrintable(value: string, charset: string | undefined): string {
  const bytes: number[] = [];
  for (let i = 0; i < value.length; i++) {
    const hex = value[i] === "=" ? /^[0-9A-Fa-f]{2}$/.exec(value.slice(i + 1, i + 3)) : null;
    if (hex) {
      bytes.push(parseInt(hex[0], 16));
      i += 2;
    } else bytes.push(...Buffer.from(value[i]!, "utf8"));
  }
  const name = (charset ?? "utf-8").toLowerCase();
  return iconv.encodingExists(name) ? iconv.decode(Buffer.from(bytes), name) : Buffer.from(bytes).toString("utf8");
}

/** Splits a structured value at unescaped `sep`, and undoes the escapes of each part. */
function components(value: string, sep: ";" | ","): string[] {
  const out: string[] = [];
  let current = "";
  for (let i = 0; i < value.length; i++) {
    const ch = value[i]!;
    if (ch === "\\" && i + 1 < value.length) {
      const next = value[++i]!;
      current += next === "n" || next === "N" ? "\n" : next;
    } else if (ch === sep) {
      out.push(current);
      current = "";
    } else current += ch;
  }
  out.push(current);
  return out.map((s) => s.trim());
}

const IGNORED_TYPES = new Set(["internet", "pref", "voice", "x400", "msg", "text", "dom", "intl", "postal", "parcel"]);

/** The label of a typed value: the first type that says something (`cell` is `mobile`). */
function label(params: ReadonlyMap<string, string[]>): string {
  const types = (params.get("TYPE") ?? []).flatMap((t) => t.split(",")).map((t) => t.trim());
  const chosen = types.find((t) => t && !IGNORED_TYPES.has(t.toLowerCase()));
  // A label with no standard type is written as an extension type, `x-billing` (its case kept).
  if (chosen && /^x-./i.test(chosen)) return chosen.slice(2);
  return chosen?.toLowerCase() === "cell" ? "mobile" : (chosen?.toLowerCase() ?? "");
}

/** Builds the record of one card from its content lines. */
function cardRecord(line: number, lines: readonly ContentLine[]): CsvRecord {
  const f: Record<string, string> = Object.fromEntries(VCARD_HEADER.map((h) => [h, ""]));
  let emails = 0;
  let tels = 0;
  let adrs = 0;
  let showAsCompany = false;
  for (const l of lines) {
    const encoding = l.params.get("ENCODING")?.[0]?.toUpperCase();
    const raw = encoding === "QUOTED-PRINTABLE" ? decodeQuotedPrintable(l.value, l.params.get("CHARSET")?.[0]) : l.value;
    const text = () => components(raw, ";").join(" ").trim();
    switch (l.name) {
      case "UID":
      case "FN":
      case "TITLE":
      case "NOTE":
      case "KIND":
        f[l.name] ||= components(raw, ";").join(";");
        break;
      case "N": {
        const [family = "", given = "", additional = ""] = components(raw, ";");
        [f["N.family"], f["N.given"], f["N.additional"]] = [family, given, additional];
        break;
      }
      case "ORG":
        f.ORG ||= components(raw, ";")[0] ?? "";
        break;
      case "CATEGORIES":
        // One tag per line: a category may itself hold a `;` (escaped in the card).
        f.CATEGORIES = [f.CATEGORIES, ...components(raw, ",")].filter(Boolean).join("\n");
        break;
      case "BDAY": {
        const d = /^(\d{4})-?(\d{2})-?(\d{2})/.exec(raw.trim());
        f.BDAY = d ? `${d[1]}-${d[2]}-${d[3]}` : raw.trim();
        break;
      }
      case "EMAIL":
        if (emails < VCARD_SLOTS.email) [f[`EMAIL ${++emails}`], f[`EMAIL ${emails} TYPE`]] = [text(), label(l.params)];
        break;
      case "TEL":
        if (tels < VCARD_SLOTS.tel) [f[`TEL ${++tels}`], f[`TEL ${tels} TYPE`]] = [text().replace(/^tel:/i, ""), label(l.params)];
        break;
      case "ADR":
        if (adrs < VCARD_SLOTS.adr) {
          const parts = components(raw, ";");
          f[`ADR ${++adrs} TYPE`] = label(l.params);
          ADR_PARTS.forEach((p, i) => p !== "poBox" && (f[`ADR ${adrs} ${p}`] = parts[i] ?? ""));
        }
        break;
      case "X-KAARTENBAK-KIND":
        // How a vCard 3.0 export marks a household (3.0 has no KIND).
        if (raw.trim().toLowerCase() === "household") f.KIND ||= "group";
        break;
      case "X-ABSHOWAS":
        showAsCompany = raw.trim().toUpperCase() === "COMPANY";
        break;
    }
  }
  const kind = (f.KIND ?? "").toLowerCase();
  const isOrg = kind === "org" || showAsCompany || (!kind && !f["N.given"] && !f["N.family"] && !!f.ORG);
  f.KIND = isOrg ? "organisation" : kind === "group" ? "household" : "person";
  if (isOrg) {
    // The card is the organisation: its ORG is its name, not an employer.
    f.FN ||= f.ORG ?? "";
    f.ORG = "";
  }
  return { row: line, fields: f };
}

/** Reads the cards of a vCard file; a record's row is the line of its BEGIN:VCARD. */
export async function* readVcards(chunks: AsyncIterable<string>): AsyncGenerator<CsvRecord> {
  let card: { line: number; lines: ContentLine[] } | undefined;
  for await (const { line, text } of logicalLines(chunks)) {
    const parsed = parseLine(text.charCodeAt(0) === 0xfeff ? text.slice(1) : text);
    if (!parsed) continue;
    if (parsed.name === "BEGIN" && parsed.value.trim().toUpperCase() === "VCARD") card = { line, lines: [] };
    else if (parsed.name === "END" && parsed.value.trim().toUpperCase() === "VCARD" && card) {
      yield cardRecord(card.line, card.lines);
      card = undefined;
    } else card?.lines.push(parsed);
  }
}
