/**
 * One CSV record to the relation input it stands for, with where each part came from: core
 * validates the input (and names problems by input path), and `columnOf` turns such a path back
 * into the column the user has to fix.
 */
import { createHash } from "node:crypto";
import type { AttributeDefinition, AttributeRegistry, ExternalRef, PostalAddress, RelationInput, RelationKind } from "@kaartenbak/core";
import { countryCode } from "@kaartenbak/core/sync";
import type { CsvRecord, TypedValue } from "./csv-reader.js";
import type { ColumnTarget, ImportMapping, LabelColumn } from "./mapping.js";
import { parseBoolean, parseDate, parseDecimal, parseMoney, type Parsed } from "./values.js";

/** A problem with one row: its row number as the file shows it (header = 1), the column when known, and what is wrong. */
export interface RowProblem {
  /** The row as a spreadsheet shows it (header = 1); in a vCard file, the line of the card's BEGIN:VCARD. */
  readonly row: number;
  /** The column to fix, when the problem is in one. */
  readonly column?: string;
  /** What is wrong, for people. */
  readonly message: string;
  /** Machine-readable: core's issue code (`invalid_phone`, `required`, …) or the import's (`invalid_value`, `unknown_country`). */
  readonly code: string;
}

/** A record mapped to a relation input, with provenance. */
export interface MappedRow {
  readonly row: number;
  readonly input: RelationInput;
  /** Input paths and the column each came from, longest first when looked up. */
  readonly sources: ReadonlyArray<readonly [ReadonlyArray<string | number>, string]>;
  /** The person's employer by name, and the column it came from. */
  readonly employer?: { readonly name: string; readonly column: string; readonly jobTitle?: string };
  /** The external references that identify this row (from a column, or the derived row key). */
  readonly refs: readonly ExternalRef[];
}

/** The outcome of mapping a record: a relation input, problems, or an empty row to skip. */
export type MapOutcome =
  { readonly kind: "row"; readonly row: MappedRow } | { readonly kind: "invalid"; readonly problems: RowProblem[] } | { readonly kind: "empty" };

const KINDS: Readonly<Record<string, RelationKind>> = {
  person: "person",
  persoon: "person",
  contact: "person",
  organisation: "organisation",
  organization: "organisation",
  organisatie: "organisation",
  company: "organisation",
  bedrijf: "organisation",
  household: "household",
  huishouden: "household",
};

/** Lifecycle words as spreadsheets write them, in English and Dutch. */
const LIFECYCLES: Readonly<Record<string, string>> = {
  prospect: "prospect",
  lead: "lead",
  customer: "customer",
  klant: "customer",
  former: "former",
  "oud-klant": "former",
  oudklant: "former",
  voormalig: "former",
  internal: "internal",
  intern: "internal",
};

const DEFAULT_SPLIT = /\s*(?::::|[;,|])\s*/;

/** A Google or Outlook label ("* Work", "Mobile") as a CRM label ("work", "mobile"). */
function normaliseLabel(text: string | undefined): string | undefined {
  const s = text
    ?.replace(/^\*\s*/, "")
    .trim()
    .toLowerCase();
  return s ? s.slice(0, 50) : undefined;
}

/** A spreadsheet's typed cell as an attribute value; undefined when the type does not fit (then the text is parsed). */
function typedValue(def: AttributeDefinition, value: TypedValue, currency: string | undefined): Parsed<unknown> | undefined {
  if (value instanceof Date) {
    // Spreadsheet dates have no time zone; the reader gives them as UTC midnight.
    return def.type === "date" ? { ok: true, value: value.toISOString().slice(0, 10) } : undefined;
  }
  if (typeof value === "boolean") return def.type === "boolean" ? { ok: true, value } : undefined;
  if (def.type === "number") return { ok: true, value };
  if (def.type === "money" && currency) {
    const digits = new Intl.NumberFormat("en", { style: "currency", currency }).resolvedOptions().maximumFractionDigits ?? 2;
    const amount = Math.round(value * 10 ** digits);
    if (Math.abs(amount / 10 ** digits - value) > 1e-9 * Math.max(1, Math.abs(value))) {
      return { ok: false, message: `${value} has more decimals than ${currency} has (${digits})` };
    }
    return { ok: true, value: { amount, currency } };
  }
  return undefined;
}

function attributeValue(def: AttributeDefinition, text: string, target: { currency?: string }, mapping: ImportMapping, typed?: TypedValue): Parsed<unknown> {
  const format = mapping.values ?? {};
  const fromType = typed === undefined ? undefined : typedValue(def, typed, target.currency ?? format.currency);
  if (fromType) return fromType;
  switch (def.type) {
    case "number":
      return parseDecimal(text, format.decimalSeparator);
    case "date":
      return parseDate(text, format.dateOrder);
    case "boolean":
      return parseBoolean(text);
    case "money":
      return parseMoney(text, target.currency ?? format.currency, format.decimalSeparator);
    case "enum": {
      // Case-insensitive: a spreadsheet user types "Retail" for the value `retail`.
      const match = def.values.find((v) => v.toLowerCase() === text.trim().toLowerCase());
      return match ? { ok: true, value: match } : { ok: false, message: `${JSON.stringify(text)} is not one of ${def.values.join(", ")}` };
    }
    case "string":
      return { ok: true, value: text.trim() };
  }
}

/** The key of a row without an id column: the file name and a hash of what identifies the row. */
export function rowKey(fileName: string, identity: unknown): string {
  const hash = createHash("sha256").update(JSON.stringify(identity)).digest("base64url").slice(0, 32);
  return `${fileName.slice(0, 250)}#${hash}`;
}

/** Options of {@link mapRecord} that do not change per row. */
export interface MapContext {
  readonly mapping: ImportMapping;
  readonly registry: AttributeRegistry | undefined;
  readonly fileName: string | undefined;
  /** The system of derived row keys. */
  readonly rowKeySystem: string;
}

/** Maps one record. Every cell is read, so all of a row's problems are reported at once. */
export function mapRecord(record: CsvRecord, ctx: MapContext): MapOutcome {
  const { mapping } = ctx;
  const cell = (column: string) => (Object.hasOwn(record.fields, column) ? record.fields[column]!.trim() : "");
  const labelOf = (columns: LabelColumn | undefined) => normaliseLabel([columns ?? []].flat().map(cell).find(Boolean));
  if (Object.values(record.fields).every((v) => v.trim() === "")) return { kind: "empty" };
  const problems: RowProblem[] = [];
  const problem = (column: string | undefined, message: string, code: string) =>
    problems.push({ row: record.row, ...(column === undefined ? {} : { column }), message, code });
  const sources: Array<readonly [Array<string | number>, string]> = [];
  const fields: Partial<Record<string, string>> = {};
  const fieldColumn: Partial<Record<string, string>> = {};
  const emails: { address: string; label?: string }[] = [];
  const phones: { number: string; label?: string }[] = [];
  const addresses = new Map<string, { address: Record<string, string>; columns: Record<string, string> }>();
  const tags = new Set(mapping.tags ?? []);
  const attributes: Record<string, unknown> = {};
  const refs: ExternalRef[] = [];
  let employer: { name: string; column: string } | undefined;
  let jobTitle: string | undefined;

  const entries = Object.entries(mapping.columns) as Array<[string, ColumnTarget]>;
  for (const [column, target] of entries) {
    const value = cell(column);
    if (!value) continue;
    switch (target.to) {
      case "field":
        // Several columns for one field (Outlook's "Business Street 2") join with a space.
        fields[target.field] = fields[target.field] ? `${fields[target.field]} ${value}` : value;
        fieldColumn[target.field] ??= column;
        break;
      case "email":
      case "phone": {
        const label = target.label ?? labelOf(target.labelColumn);
        // Google puts several values in one cell, separated by " ::: ".
        for (const part of value.split(/\s*:::\s*/).filter(Boolean)) {
          const list = target.to === "email" ? emails : phones;
          sources.push([[target.to === "email" ? "emails" : "phones", list.length], column]);
          if (target.to === "email") emails.push({ address: part, ...(label ? { label } : {}) });
          else phones.push({ number: part, ...(label ? { label } : {}) });
        }
        break;
      }
      case "address": {
        const label = target.label ?? labelOf(target.labelColumn);
        const group = target.group ?? target.label ?? "";
        const entry = addresses.get(group) ?? { address: {}, columns: {} };
        if (label) entry.address.label = label;
        if (target.part === "country") {
          const code = countryCode(value);
          if (!code) problem(column, `Unknown country ${JSON.stringify(value)}; use a name or an ISO code such as NL`, "unknown_country");
          else entry.address.country = code;
        } else entry.address[target.part] = entry.address[target.part] ? `${entry.address[target.part]} ${value}` : value;
        entry.columns[target.part] ??= column;
        addresses.set(group, entry);
        break;
      }
      case "organisation":
        employer ??= { name: value, column };
        break;
      case "jobTitle":
        jobTitle ??= value;
        break;
      case "tags": {
        const split = target.separator === undefined ? DEFAULT_SPLIT : target.separator;
        for (const tag of value.split(split).map((t) => t.trim())) if (tag && !(target.ignore ?? []).includes(tag)) tags.add(tag.replace(/^\*\s*/, ""));
        break;
      }
      case "externalRef":
        refs.push({ system: target.system.trim(), externalId: value });
        sources.push([["externalRefs"], column]);
        break;
      case "attribute": {
        const def = ctx.registry?.attributes[target.name];
        if (!def) break;
        const parsed = attributeValue(def, value, target, mapping, record.typed?.[column]);
        if (parsed.ok) attributes[target.name] = parsed.value;
        else problem(column, parsed.message, "invalid_value");
        sources.push([["attributes", target.name], column]);
        break;
      }
      case "ignore":
        break;
    }
  }

  let kind: RelationKind | undefined = mapping.kind === "auto" || mapping.kind === undefined ? undefined : mapping.kind;
  if (fields.kind) {
    kind = KINDS[fields.kind.toLowerCase()];
    if (!kind) problem(fieldColumn.kind, `Unknown kind ${JSON.stringify(fields.kind)}; expected person, organisation or household`, "invalid_kind");
  }
  const given = [fields.givenName, fields.middleName].filter(Boolean).join(" ") || undefined;
  const family = [fields.familyNamePrefix, fields.familyName].filter(Boolean).join(" ") || undefined;
  if (!kind && mapping.kind === "auto") kind = given || family || fields.name || !employer ? "person" : "organisation";
  kind ??= "person";
  let name = fields.name;
  if (kind !== "person" && !name && employer) {
    // An Outlook company card: the Company column names the organisation itself.
    name = employer.name;
    sources.push([["name"], employer.column]);
    employer = undefined;
  }
  if (kind !== "person" && employer) {
    problem(employer.column, `Only a person has an employer, not a ${kind}`, "not_applicable");
  }

  for (const [field, column] of Object.entries(fieldColumn)) {
    const path = field === "middleName" ? "givenName" : field === "familyNamePrefix" ? "familyName" : field;
    sources.push([[path], column!]);
  }
  const addressList: PostalAddress[] = [];
  for (const { address, columns } of addresses.values()) {
    if (!Object.keys(address).some((k) => k !== "label")) continue;
    for (const [part, column] of Object.entries(columns)) sources.push([["addresses", addressList.length, part], column]);
    sources.push([["addresses", addressList.length], Object.values(columns)[0]!]);
    addressList.push(address as PostalAddress);
  }
  // An unknown word is passed on as it is, so core's validation names the allowed values.
  const lifecycle = fields.lifecycle ? (LIFECYCLES[fields.lifecycle.toLowerCase()] ?? fields.lifecycle) : mapping.lifecycle;
  if (problems.length > 0) return { kind: "invalid", problems };

  const input: RelationInput = {
    kind,
    ...(name ? { name } : {}),
    ...(kind === "person" && given ? { givenName: given } : {}),
    ...(kind === "person" && family ? { familyName: family } : {}),
    ...(lifecycle ? { lifecycle: lifecycle as RelationInput["lifecycle"] } : {}),
    ...(fields.ownerId ? { ownerId: fields.ownerId } : {}),
    ...(emails.length ? { emails } : {}),
    ...(phones.length ? { phones } : {}),
    ...(addressList.length ? { addresses: addressList } : {}),
    ...(tags.size ? { tags: [...tags] } : {}),
    ...(Object.keys(attributes).length ? { attributes: attributes as RelationInput["attributes"] } : {}),
  };
  if (refs.length === 0) {
    if (!ctx.fileName) {
      problem(undefined, "The row has no external reference and the import has no file name to derive a row key from", "no_row_key");
      return { kind: "invalid", problems };
    }
    const identity = mapping.rowKey
      ? mapping.rowKey.map(cell)
      : [kind, name ?? null, given ?? null, family ?? null, emails.map((e) => e.address.toLowerCase()).sort()];
    refs.push({ system: ctx.rowKeySystem, externalId: rowKey(ctx.fileName, identity) });
  }
  const withEmployer = employer ? { employer: { ...employer, ...(jobTitle ? { jobTitle } : {}) } } : {};
  return { kind: "row", row: { row: record.row, input: { ...input, externalRefs: refs }, sources, refs, ...withEmployer } };
}

/** The column an input path (from a core issue) came from: the longest recorded prefix. */
export function columnOf(row: MappedRow, path: ReadonlyArray<string | number>): string | undefined {
  let best: { length: number; column: string } | undefined;
  for (const [prefix, column] of row.sources) {
    if (prefix.length > path.length || (best && prefix.length <= best.length)) continue;
    if (prefix.every((p, i) => p === path[i])) best = { length: prefix.length, column };
  }
  return best?.column;
}
