/**
 * Kaartenbak's own column layout: every field of a relation in plainly named columns, registry
 * attributes by their name. It is the default of an export and reads back through the importer
 * unchanged (numbers with a `.`, ISO dates), so a file exported from one tenant loads into another.
 */
import type { AttributeRegistry } from "@kaartenbak/core";
import type { AddressPart, ColumnTarget, ImportMapping } from "./mapping.js";

/** How many e-mail, phone and address columns the layout has. */
export const KAARTENBAK_SLOTS = { emails: 3, phones: 3, addresses: 2 } as const;

const PARTS: ReadonlyArray<readonly [AddressPart, string]> = [
  ["street", "street"],
  ["houseNumber", "house number"],
  ["postalCode", "postal code"],
  ["city", "city"],
  ["region", "region"],
  ["country", "country"],
];

/**
 * The Kaartenbak layout: `Kind`, `Name`, `Given name`, `Family name`, `Lifecycle`, `Owner`,
 * `Organisation`, `Job title`, `E-mail 1` … with `E-mail 1 label`, `Phone 1` …, `Address 1 street`
 * … with `Address 1 label`, `Tags`, then one column per registry attribute. For import as well:
 * `importCsv(tenant, input, { mapping: kaartenbakMapping(crm.attributes), attributes: crm.attributes })`.
 */
export function kaartenbakMapping(registry?: AttributeRegistry): ImportMapping {
  const columns: Record<string, ColumnTarget> = {
    Kind: { to: "field", field: "kind" },
    Name: { to: "field", field: "name" },
    "Given name": { to: "field", field: "givenName" },
    "Family name": { to: "field", field: "familyName" },
    Lifecycle: { to: "field", field: "lifecycle" },
    Owner: { to: "field", field: "ownerId" },
    Organisation: { to: "organisation" },
    "Job title": { to: "jobTitle" },
  };
  for (let n = 1; n <= KAARTENBAK_SLOTS.emails; n++) columns[`E-mail ${n}`] = { to: "email", labelColumn: `E-mail ${n} label` };
  for (let n = 1; n <= KAARTENBAK_SLOTS.phones; n++) columns[`Phone ${n}`] = { to: "phone", labelColumn: `Phone ${n} label` };
  for (let n = 1; n <= KAARTENBAK_SLOTS.addresses; n++) {
    for (const [part, title] of PARTS) columns[`Address ${n} ${title}`] = { to: "address", part, labelColumn: `Address ${n} label`, group: `address-${n}` };
  }
  columns.Tags = { to: "tags", separator: ";" };
  for (const name of Object.keys(registry?.attributes ?? {})) if (!Object.hasOwn(columns, name)) columns[name] = { to: "attribute", name };
  return { columns, ignoreMissingColumns: true, values: { decimalSeparator: "point" } };
}
