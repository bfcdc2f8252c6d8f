/**
 * The column mapping: what each column of a file means for the relation a row becomes. It is
 * plain data (serialisable, so a host can store the mapping a user built in a form) and is checked
 * against the file's header before any row is read.
 */
import type { AttributeRegistry, Lifecycle, RelationKind, ValidationIssue } from "@kaartenbak/core";
import type { DateOrder, DecimalSeparator } from "./values.js";

/** Relation fields a column can fill. `middleName` joins the given name, `familyNamePrefix` (tussenvoegsel) the family name. */
export type RelationField = "name" | "givenName" | "middleName" | "familyNamePrefix" | "familyName" | "kind" | "lifecycle" | "ownerId";

/** Parts of a postal address a column can fill. */
export type AddressPart = "street" | "houseNumber" | "postalCode" | "city" | "region" | "country";

/** A column (or columns, the first with a value wins) whose value labels an e-mail, phone or address. */
export type LabelColumn = string | readonly string[];

/** What one column means. */
export type ColumnTarget =
  /** A relation field; `kind` accepts person / organisation / household (and Dutch persoon / organisatie / huishouden). */
  | { readonly to: "field"; readonly field: RelationField }
  /**
   * An e-mail address, labelled by `label` or by the value of `labelColumn` (e.g. Google's
   * "E-mail 1 - Label"; with several names, the first column that has a value). A cell may hold
   * several values separated by ` ::: ` (Google).
   */
  | { readonly to: "email"; readonly label?: string; readonly labelColumn?: LabelColumn }
  /** A phone number in any notation, read in the CRM's default region; labelled like an e-mail. */
  | { readonly to: "phone"; readonly label?: string; readonly labelColumn?: LabelColumn }
  /** A part of a postal address; parts with the same `group` (default: the label) form one address. Countries may be names. */
  | { readonly to: "address"; readonly part: AddressPart; readonly label?: string; readonly labelColumn?: LabelColumn; readonly group?: string }
  /** A person's employer: an organisation matched by name, or created; becomes an employment link. */
  | { readonly to: "organisation" }
  /** The job title on the employment link made from the `organisation` column. */
  | { readonly to: "jobTitle" }
  /** A list of tags; split on `separator` (default `;`, `,`, `|` and Google's `:::`); `ignore` drops listed values. */
  | { readonly to: "tags"; readonly separator?: string; readonly ignore?: readonly string[] }
  /** The relation's id in another system: rows are matched by it, so a re-import updates instead of duplicating. */
  | { readonly to: "externalRef"; readonly system: string }
  /** A registry attribute, its text parsed by the attribute's type (decimal commas, dd-mm-yyyy dates, money). */
  | { readonly to: "attribute"; readonly name: string; readonly currency?: string }
  /** Read (and kept in the reject file) but not imported. */
  | { readonly to: "ignore" };

/** How cell text is read into numbers, dates and money. */
export interface ValueFormat {
  /** The decimal separator of the file; `auto` (default) decides per value and refuses `1.234`-like ambiguity. */
  readonly decimalSeparator?: DecimalSeparator;
  /** Day-month or month-day order of dates that are not ISO; default `dmy`. */
  readonly dateOrder?: DateOrder;
  /** The currency of money cells that carry no currency themselves. */
  readonly currency?: string;
}

/** A column mapping. */
export interface ImportMapping {
  /** Targets by header name (after trimming; a repeated header's later copies are named "Name (2)", …). */
  readonly columns: Readonly<Record<string, ColumnTarget>>;
  /**
   * The kind of relation each row is, unless a `kind` column says. `auto`: a person when a name part
   * (given, middle, family) has a value, otherwise an organisation named by the `organisation` or
   * `name` column (how Outlook exports company cards). Default `person`.
   */
  readonly kind?: RelationKind | "auto";
  /** Tags every imported relation gets, besides those from `tags` columns. */
  readonly tags?: readonly string[];
  /** The lifecycle of new and updated relations, unless a `lifecycle` column says. */
  readonly lifecycle?: Lifecycle;
  /**
   * Columns whose values identify a row when no `externalRef` column has a value; hashed with the
   * file name into the row's key. Default: the kind, the name fields and the e-mail addresses.
   */
  readonly rowKey?: readonly string[];
  /** When true, mapped columns missing from the file are skipped instead of refused (presets set this). */
  readonly ignoreMissingColumns?: boolean;
  /** How numbers, dates and money are written in the file. */
  readonly values?: ValueFormat;
}

const TARGETS = new Set(["field", "email", "phone", "address", "organisation", "jobTitle", "tags", "externalRef", "attribute", "ignore"]);
const FIELDS = new Set<string>(["name", "givenName", "middleName", "familyNamePrefix", "familyName", "kind", "lifecycle", "ownerId"] satisfies RelationField[]);
const PARTS = new Set<string>(["street", "houseNumber", "postalCode", "city", "region", "country"] satisfies AddressPart[]);

/**
 * Every problem of a mapping against a file's header and the registry: unknown targets, columns
 * missing from the file, attributes the registry does not define, a job title without an employer.
 */
export function mappingIssues(mapping: ImportMapping, header: readonly string[], registry: AttributeRegistry | undefined): ValidationIssue[] {
  const issues: ValidationIssue[] = [];
  if (mapping === null || typeof mapping !== "object" || mapping.columns === null || typeof mapping.columns !== "object") {
    return [{ path: ["mapping", "columns"], message: "Expected a mapping with a columns object", code: "invalid_type" }];
  }
  const present = new Set(header);
  const targets = Object.entries(mapping.columns);
  for (const [column, target] of targets) {
    const path = ["mapping", "columns", column];
    if (target === null || typeof target !== "object" || !TARGETS.has(target.to)) {
      issues.push({ path, message: `Unknown target for column ${JSON.stringify(column)}`, code: "invalid_target" });
      continue;
    }
    if (target.to === "field" && !FIELDS.has(target.field)) {
      issues.push({
        path: [...path, "field"],
        message: `Unknown field ${JSON.stringify(target.field)}; expected one of ${[...FIELDS].join(", ")}`,
        code: "invalid_target",
      });
    }
    if (target.to === "address" && !PARTS.has(target.part)) {
      issues.push({
        path: [...path, "part"],
        message: `Unknown address part ${JSON.stringify(target.part)}; expected one of ${[...PARTS].join(", ")}`,
        code: "invalid_target",
      });
    }
    if (!present.has(column) && !mapping.ignoreMissingColumns) {
      issues.push({ path, message: `Column ${JSON.stringify(column)} is not in the file (its columns: ${header.join(", ")})`, code: "missing_column" });
    }
    const labels = "labelColumn" in target && target.labelColumn !== undefined ? [target.labelColumn].flat() : [];
    for (const labelColumn of labels) {
      if (!present.has(labelColumn) && !mapping.ignoreMissingColumns) {
        issues.push({ path: [...path, "labelColumn"], message: `Label column ${JSON.stringify(labelColumn)} is not in the file`, code: "missing_column" });
      }
    }
    if (target.to === "attribute") {
      const def = registry ? Object.hasOwn(registry.attributes, target.name) : false;
      if (!registry) issues.push({ path, message: "Attribute columns need the registry: pass `attributes: crm.attributes`", code: "missing_registry" });
      else if (!def) issues.push({ path: [...path, "name"], message: `Unknown attribute ${target.name}`, code: "unknown_attribute" });
    }
    if (target.to === "externalRef" && (typeof target.system !== "string" || target.system.trim() === "" || target.system.length > 50)) {
      issues.push({ path: [...path, "system"], message: "Expected a system name of 1 to 50 characters", code: "invalid_system" });
    }
  }
  const has = (to: string) => targets.some(([column, t]) => t?.to === to && (present.has(column) || !mapping.ignoreMissingColumns));
  if (has("jobTitle") && !has("organisation")) {
    issues.push({ path: ["mapping", "columns"], message: "A jobTitle column needs an organisation column", code: "job_title_without_organisation" });
  }
  for (const column of mapping.rowKey ?? []) {
    if (!present.has(column))
      issues.push({ path: ["mapping", "rowKey"], message: `Row-key column ${JSON.stringify(column)} is not in the file`, code: "missing_column" });
  }
  return issues;
}
