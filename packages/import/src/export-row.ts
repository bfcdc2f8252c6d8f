/**
 * A column mapping read backwards: which cell of a row each part of a relation goes to, so an
 * export in Outlook's, Google's or the host's own columns imports again through the same mapping.
 * E-mails, phones and addresses fill the columns of their label first (Outlook's "Mobile Phone"
 * takes the number labelled `mobile`), then the columns without a fixed label in order, writing
 * the label into the column's label column (Google's "Phone 1 - Label"). What fits no column is
 * counted as omitted, never silently lost.
 */
import { formatAmount, type AttributeRegistry, type Relation } from "@kaartenbak/core";
import type { AddressPart, ColumnTarget, ImportMapping } from "./mapping.js";

/** A person's current employer, for `organisation` and `jobTitle` columns. */
export interface Employer {
  readonly name: string;
  readonly jobTitle: string | null;
}

/** What an export could not place in the mapping's columns, counted over all relations. */
export interface OmittedValues {
  readonly emails: number;
  readonly phones: number;
  readonly addresses: number;
  /** Tags that contain the tags column's separator (they would split in two on import). */
  readonly tags: number;
}

type Slot = { readonly column: string; readonly label: string | undefined; readonly labelColumn: string | undefined };
type AddressGroup = Slot & { readonly parts: Partial<Record<AddressPart, string[]>> };

/** The columns of an export and where each value goes; built once per export. */
export interface ExportPlan {
  readonly header: readonly string[];
  readonly needsEmployer: boolean;
  /** The mapping's kind is `auto`: an organisation is a row with only the organisation column named. */
  readonly kindAuto: boolean;
  readonly scalar: ReadonlyArray<readonly [string, ColumnTarget]>;
  readonly emails: readonly Slot[];
  readonly phones: readonly Slot[];
  readonly addresses: readonly AddressGroup[];
}

const firstLabelColumn = (target: ColumnTarget) => ("labelColumn" in target && target.labelColumn !== undefined ? [target.labelColumn].flat()[0] : undefined);
const single = new Set(["field", "organisation", "jobTitle", "tags", "externalRef", "attribute"]);

/**
 * The plan of a mapping: its columns in order, each label column right after the first column it
 * labels. A column whose target repeats an earlier column's single-valued target (Google's
 * "Given Name" beside "First Name") is left out: the importer reads either, and a value written
 * twice would be joined twice.
 */
export function exportPlan(mapping: ImportMapping): ExportPlan {
  const header: string[] = [];
  const seen = new Set<string>();
  const scalar: Array<readonly [string, ColumnTarget]> = [];
  const emails: Slot[] = [];
  const phones: Slot[] = [];
  const groups = new Map<string, AddressGroup & { parts: Partial<Record<AddressPart, string[]>> }>();
  const add = (column: string | undefined) => {
    if (column !== undefined && !header.includes(column)) header.push(column);
  };
  for (const [column, target] of Object.entries(mapping.columns)) {
    if (single.has(target.to)) {
      const key = JSON.stringify(target);
      if (seen.has(key)) continue;
      seen.add(key);
      scalar.push([column, target]);
      add(column);
      continue;
    }
    add(column);
    const labelColumn = firstLabelColumn(target);
    add(labelColumn);
    if (target.to === "email" || target.to === "phone") {
      (target.to === "email" ? emails : phones).push({ column, label: target.label, labelColumn });
    } else if (target.to === "address") {
      const name = target.group ?? target.label ?? "";
      const group = groups.get(name) ?? { column, label: target.label, labelColumn, parts: {} };
      (group.parts[target.part] ??= []).push(column);
      groups.set(name, group);
    }
  }
  const needsEmployer = scalar.some(([, t]) => t.to === "organisation" || t.to === "jobTitle");
  return { header, needsEmployer, kindAuto: mapping.kind === "auto", scalar, emails, phones, addresses: [...groups.values()] };
}

/** Assigns labelled values to slots: fixed-label slots first, then free slots in order. */
function assign<T extends { readonly label?: string | null }>(slots: readonly Slot[], values: readonly T[]): { placed: Map<Slot, T>; omitted: number } {
  const left = [...values];
  const placed = new Map<Slot, T>();
  for (const slot of slots) {
    if (slot.label === undefined) continue;
    const i = left.findIndex((v) => v.label?.toLowerCase() === slot.label!.toLowerCase());
    if (i >= 0) placed.set(slot, left.splice(i, 1)[0]!);
  }
  for (const slot of slots) {
    if (slot.label !== undefined || left.length === 0) continue;
    placed.set(slot, left.shift()!);
  }
  return { placed, omitted: left.length };
}

/** An attribute value as the importer reads it back: ISO dates, `.` decimals, `12.50 EUR`. */
function attributeText(value: unknown): string {
  if (value === undefined || value === null) return "";
  if (typeof value === "object" && "amount" in value && "currency" in value) {
    const money = value as { amount: number; currency: string };
    return `${formatAmount(money)} ${money.currency}`;
  }
  return String(value);
}

/** The cells of one relation, by column, plus what did not fit. */
export function exportRow(
  plan: ExportPlan,
  relation: Relation<Record<string, unknown>>,
  employer: Employer | undefined,
  registry: AttributeRegistry | undefined,
  countryText: (code: string) => string = (code) => code,
): { cells: Record<string, string>; omitted: OmittedValues } {
  const cells: Record<string, string> = Object.fromEntries(plan.header.map((h) => [h, ""]));
  // Under `auto` (Outlook, Google) a company card names itself in the organisation column, with no name.
  const companyCard = plan.kindAuto && relation.kind === "organisation";
  const organisation = companyCard ? relation.name : relation.kind === "person" ? (employer?.name ?? "") : "";
  let tagsOmitted = 0;
  for (const [column, target] of plan.scalar) {
    switch (target.to) {
      case "field": {
        const f = target.field;
        const nameless = f === "middleName" || f === "familyNamePrefix" || (companyCard && (f === "name" || f === "givenName" || f === "familyName"));
        const value = nameless ? null : f === "name" ? relation.name : relation[f];
        cells[column] = value ?? "";
        break;
      }
      case "organisation":
        cells[column] = organisation;
        break;
      case "jobTitle":
        cells[column] = relation.kind === "person" ? (employer?.jobTitle ?? "") : "";
        break;
      case "tags": {
        const separator = target.separator ?? ";";
        const fits = relation.tags.filter((tag) => !tag.includes(separator));
        tagsOmitted += relation.tags.length - fits.length;
        cells[column] = fits.join(separator === ":::" ? " ::: " : separator);
        break;
      }
      case "externalRef":
        cells[column] = relation.externalRefs.find((r) => r.system === target.system)?.externalId ?? "";
        break;
      case "attribute":
        cells[column] = registry && Object.hasOwn(registry.attributes, target.name) ? attributeText(relation.attributes[target.name]) : "";
        break;
    }
  }
  const fill = <T extends { readonly label?: string | null }>(slots: readonly Slot[], values: readonly T[], text: (v: T) => string) => {
    const { placed, omitted } = assign(slots, values);
    for (const [slot, value] of placed) {
      cells[slot.column] = text(value);
      if (slot.label === undefined && slot.labelColumn !== undefined) cells[slot.labelColumn] = value.label ?? "";
    }
    return omitted;
  };
  const emails = fill(plan.emails, relation.emails, (e) => e.address);
  const phones = fill(plan.phones, relation.phones, (p) => p.number);
  const { placed, omitted: addresses } = assign(plan.addresses, relation.addresses);
  for (const [group, address] of placed as Map<AddressGroup, (typeof relation.addresses)[number]>) {
    const { parts } = group;
    if (group.label === undefined && group.labelColumn !== undefined) cells[group.labelColumn] = address.label ?? "";
    // A group without a house-number column carries the number in its first street column.
    const street = parts.houseNumber ? address.street : [address.street, address.houseNumber].filter(Boolean).join(" ");
    const values: Partial<Record<AddressPart, string>> = {
      ...address,
      ...(street ? { street } : {}),
      ...(address.country ? { country: countryText(address.country) } : {}),
    };
    for (const [part, columns] of Object.entries(parts) as Array<[AddressPart, string[]]>) cells[columns[0]!] = values[part] ?? "";
  }
  return { cells, omitted: { emails, phones, addresses, tags: tagsOmitted } };
}
