/**
 * vCard import: cards become records with fixed columns (see `VCARD_HEADER`), mapped by
 * {@link vcardMapping} unless the caller gives another mapping, and then imported like a CSV file.
 */
import type { AttributeRegistry, TenantCrm } from "@kaartenbak/core";
import type { ColumnTarget, ImportMapping } from "./mapping.js";
import type { ImportOptions, ImportResult } from "./options.js";
import { checkOptions, runImport } from "./run.js";
import { openText, type ImportEncoding, type ImportInput } from "./source.js";
import { readVcards, VCARD_HEADER, VCARD_SLOTS } from "./vcard-reader.js";

/** The external-reference system of a card's UID under {@link vcardMapping}. */
export const VCARD_REF_SYSTEM = "vcard";

function slots(): Record<string, ColumnTarget> {
  const out: Record<string, ColumnTarget> = {};
  for (let n = 1; n <= VCARD_SLOTS.email; n++) out[`EMAIL ${n}`] = { to: "email", labelColumn: `EMAIL ${n} TYPE` };
  for (let n = 1; n <= VCARD_SLOTS.tel; n++) out[`TEL ${n}`] = { to: "phone", labelColumn: `TEL ${n} TYPE` };
  for (let n = 1; n <= VCARD_SLOTS.adr; n++) {
    const part = (p: Extract<ColumnTarget, { to: "address" }>["part"]): ColumnTarget => ({
      to: "address",
      part: p,
      labelColumn: `ADR ${n} TYPE`,
      group: `adr-${n}`,
    });
    out[`ADR ${n} street`] = part("street");
    out[`ADR ${n} extended`] = part("street");
    out[`ADR ${n} city`] = part("city");
    out[`ADR ${n} region`] = part("region");
    out[`ADR ${n} postalCode`] = part("postalCode");
    out[`ADR ${n} country`] = part("country");
  }
  return out;
}

/**
 * The default mapping of vCards: FN, N, ORG (the employer), TITLE, EMAIL / TEL / ADR with their
 * TYPE as label, CATEGORIES as tags, and UID as external reference (system `vcard`), so a
 * re-import of the same cards updates them. BDAY and NOTE are columns a mapping can add.
 */
export const vcardMapping: ImportMapping = {
  columns: {
    UID: { to: "externalRef", system: VCARD_REF_SYSTEM },
    KIND: { to: "field", field: "kind" },
    FN: { to: "field", field: "name" },
    "N.given": { to: "field", field: "givenName" },
    "N.additional": { to: "field", field: "middleName" },
    "N.family": { to: "field", field: "familyName" },
    ORG: { to: "organisation" },
    TITLE: { to: "jobTitle" },
    CATEGORIES: { to: "tags", separator: "\n" },
    ...slots(),
  },
};

/** Options of a vCard import: the mapping defaults to {@link vcardMapping}. */
export interface VcardImportOptions extends Omit<ImportOptions, "mapping"> {
  /** Default {@link vcardMapping}; a mapping names the columns of `VCARD_HEADER`. */
  readonly mapping?: ImportMapping;
  /** Default `auto`, as for CSV (old vCard 2.1 exports are often Windows-1252). */
  readonly encoding?: ImportEncoding;
}

/**
 * Imports the cards of a vCard file (2.1, 3.0 or 4.0). Problems are reported with `row` set to the
 * line of the card's BEGIN:VCARD. A card's UID matches it on a re-import; cards without one are
 * keyed by the file name and their content, as CSV rows are.
 *
 * @example
 * const result = await importVcard(crm.tenant("acme"), { path: "contacts.vcf" }, { dryRun: true });
 */
export async function importVcard<R extends AttributeRegistry>(
  tenant: TenantCrm<R>,
  input: ImportInput,
  options: VcardImportOptions = {},
): Promise<ImportResult> {
  const full: ImportOptions = { ...options, mapping: options.mapping ?? vcardMapping };
  checkOptions(full);
  const text = await openText(input, options.encoding ?? "auto", options.fileName);
  return runImport(tenant, { header: VCARD_HEADER, records: readVcards(text.chunks), encoding: text.encoding, fileName: text.fileName }, full);
}
