/**
 * Mappings for the two contact exports users bring most: Outlook's CSV (desktop Outlook and
 * Outlook.com write the same column names) and Google Contacts' CSV, in both the current header set
 * ("First Name", "E-mail 1 - Label", "Organization Name", "Labels") and the older one ("Given Name",
 * "E-mail 1 - Type", "Organization 1 - Name", "Group Membership"). Columns a file lacks are skipped,
 * so one preset reads every variant; rows without a person's name become organisations.
 */
import type { ColumnTarget, ImportMapping } from "./mapping.js";

const field = (f: Extract<ColumnTarget, { to: "field" }>["field"]): ColumnTarget => ({ to: "field", field: f });

function outlookAddress(prefix: "Business" | "Home" | "Other", label: string): Record<string, ColumnTarget> {
  const part = (p: Extract<ColumnTarget, { to: "address" }>["part"]): ColumnTarget => ({ to: "address", part: p, label });
  return {
    [`${prefix} Street`]: part("street"),
    [`${prefix} Street 2`]: part("street"),
    [`${prefix} Street 3`]: part("street"),
    [`${prefix} City`]: part("city"),
    [`${prefix} State`]: part("region"),
    [`${prefix} Postal Code`]: part("postalCode"),
    [`${prefix} Country/Region`]: part("country"),
  };
}

/** The Outlook contacts CSV ("First Name", "E-mail Address", "Business Phone", "Company", "Business City", …). */
export const outlookMapping: ImportMapping = {
  kind: "auto",
  ignoreMissingColumns: true,
  columns: {
    "First Name": field("givenName"),
    "Middle Name": field("middleName"),
    "Last Name": field("familyName"),
    Company: { to: "organisation" },
    "Job Title": { to: "jobTitle" },
    "E-mail Address": { to: "email" },
    "E-mail 2 Address": { to: "email" },
    "E-mail 3 Address": { to: "email" },
    "Business Phone": { to: "phone", label: "work" },
    "Business Phone 2": { to: "phone", label: "work" },
    "Company Main Phone": { to: "phone", label: "company" },
    "Mobile Phone": { to: "phone", label: "mobile" },
    "Home Phone": { to: "phone", label: "home" },
    "Home Phone 2": { to: "phone", label: "home" },
    "Other Phone": { to: "phone", label: "other" },
    "Primary Phone": { to: "phone", label: "primary" },
    ...outlookAddress("Business", "work"),
    ...outlookAddress("Home", "home"),
    ...outlookAddress("Other", "other"),
    Categories: { to: "tags" },
  },
};

/** How many numbered e-mail, phone and address groups of a Google export the preset reads. */
export const GOOGLE_GROUPS = 5;

function googleNumbered(): Record<string, ColumnTarget> {
  const out: Record<string, ColumnTarget> = {};
  for (let n = 1; n <= GOOGLE_GROUPS; n++) {
    // New exports label with "- Label", old ones with "- Type"; whichever the file has is used.
    out[`E-mail ${n} - Value`] = { to: "email", labelColumn: [`E-mail ${n} - Label`, `E-mail ${n} - Type`] };
    out[`Phone ${n} - Value`] = { to: "phone", labelColumn: [`Phone ${n} - Label`, `Phone ${n} - Type`] };
    const labelColumn = [`Address ${n} - Label`, `Address ${n} - Type`];
    const part = (p: Extract<ColumnTarget, { to: "address" }>["part"]): ColumnTarget => ({ to: "address", part: p, labelColumn, group: `google-${n}` });
    out[`Address ${n} - Street`] = part("street");
    out[`Address ${n} - Extended Address`] = part("street");
    out[`Address ${n} - City`] = part("city");
    out[`Address ${n} - Region`] = part("region");
    out[`Address ${n} - Postal Code`] = part("postalCode");
    out[`Address ${n} - Country`] = part("country");
  }
  return out;
}

/** The Google Contacts CSV, current and older header sets. Google's own groups (`* myContacts`, `* starred`) are not tags. */
export const googleMapping: ImportMapping = {
  kind: "auto",
  ignoreMissingColumns: true,
  columns: {
    Name: field("name"),
    "First Name": field("givenName"),
    "Given Name": field("givenName"),
    "Middle Name": field("middleName"),
    "Additional Name": field("middleName"),
    "Last Name": field("familyName"),
    "Family Name": field("familyName"),
    "Organization Name": { to: "organisation" },
    "Organization 1 - Name": { to: "organisation" },
    "Organization Title": { to: "jobTitle" },
    "Organization 1 - Title": { to: "jobTitle" },
    Labels: { to: "tags", separator: ":::", ignore: ["* myContacts", "* starred", "myContacts", "starred"] },
    "Group Membership": { to: "tags", separator: ":::", ignore: ["* myContacts", "* starred", "myContacts", "starred"] },
    ...googleNumbered(),
  },
};

/** Which preset a header looks like: `outlook`, `google`, or undefined. */
export function detectPreset(header: readonly string[]): "outlook" | "google" | undefined {
  const has = (name: string) => header.includes(name);
  if (has("E-mail 1 - Value") || has("Given Name") || has("Organization Name") || has("Organization 1 - Name")) return "google";
  if (has("E-mail Address") || has("Business Phone") || has("Mobile Phone")) return "outlook";
  return undefined;
}
