/**
 * `--preset` and `--map column=target` into an import mapping. Targets are short: `givenName`
 * (any relation field), `email[:label]`, `phone[:label]`, `address:city[:label]`, `organisation`,
 * `jobTitle`, `tags`, `ref:<system>`, `ignore`. A `--map` adds to the preset or overrides its column.
 */
import { googleMapping, kaartenbakMapping, outlookMapping, vcardMapping, type ColumnTarget, type ImportMapping } from "@kaartenbak/import";
import { UsageError } from "./output.js";

/** The presets the command line knows. */
export const PRESETS = { outlook: outlookMapping, google: googleMapping, kaartenbak: kaartenbakMapping(), vcard: vcardMapping } as const;
/** A preset name. */
export type PresetName = keyof typeof PRESETS;

const FIELDS = ["name", "givenName", "middleName", "familyNamePrefix", "familyName", "kind", "lifecycle", "ownerId"] as const;
const PARTS = ["street", "houseNumber", "postalCode", "city", "region", "country"] as const;

/** One `--map` target. */
export function parseTarget(text: string): ColumnTarget {
  const [to = "", a, b] = text.split(":");
  if ((FIELDS as readonly string[]).includes(to)) return { to: "field", field: to as (typeof FIELDS)[number] };
  if ((to === "email" || to === "phone") && b === undefined) return { to, ...(a ? { label: a } : {}) };
  if (to === "address" && (PARTS as readonly string[]).includes(a ?? "")) return { to, part: a as (typeof PARTS)[number], ...(b ? { label: b } : {}) };
  if ((to === "organisation" || to === "jobTitle" || to === "tags" || to === "ignore") && a === undefined) return { to };
  if (to === "ref" && a) return { to: "externalRef", system: a };
  throw new UsageError(
    `Unknown target ${JSON.stringify(text)}: expected a field (${FIELDS.join(", ")}), email[:label], phone[:label], address:<${PARTS.join("|")}>[:label], organisation, jobTitle, tags, ref:<system> or ignore`,
  );
}

/** The mapping of a preset plus `--map` flags; undefined when neither is given. */
export function mappingOf(preset: string | undefined, maps: readonly string[]): ImportMapping | undefined {
  if (preset !== undefined && !Object.hasOwn(PRESETS, preset))
    throw new UsageError(`Unknown preset ${JSON.stringify(preset)}: expected ${Object.keys(PRESETS).join(", ")}`);
  const base = preset === undefined ? undefined : PRESETS[preset as PresetName];
  if (maps.length === 0) return base;
  const columns: Record<string, ColumnTarget> = { ...base?.columns };
  for (const flag of maps) {
    const eq = flag.lastIndexOf("=");
    if (eq <= 0) throw new UsageError(`Expected --map column=target, got ${JSON.stringify(flag)}`);
    columns[flag.slice(0, eq).trim()] = parseTarget(flag.slice(eq + 1).trim());
  }
  return { ...base, columns };
}
