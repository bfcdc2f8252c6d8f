/**
 * Single-value extended properties (singleValueLegacyExtendedProperty) as Microsoft documents
 * them: set in the `singleValueExtendedProperties` array of a POST or PATCH body, never returned
 * by a plain GET, read back only with `$expand=singleValueExtendedProperties($filter=id eq '…')`,
 * and found with `$filter=singleValueExtendedProperties/Any(ep: ep/id eq '…' and ep/value eq '…')`.
 * The name in an id is case-sensitive, type and GUID are not; values compare case-insensitively.
 * Any other shape is a 400, so a client cannot come to depend on what Graph does not document.
 */

/** The property store key of an item's extended properties (kept beside its Graph JSON). */
export const EXTENDED = "__singleValueExtendedProperties";

const TYPES = ["Binary", "Boolean", "CLSID", "Currency", "Double", "Float", "Integer", "Long", "Short", "SystemTime", "String"];
const GUID = "[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}";
const NAMED = new RegExp(`^(${TYPES.join("|")}) \\{(${GUID})\\} Name (\\S.*)$`, "i");
const NUMBERED = new RegExp(`^(${TYPES.join("|")}) \\{(${GUID})\\} Id (0x[0-9a-fA-F]{1,4})$`, "i");
const TAGGED = new RegExp(`^(${TYPES.join("|")}) (0x[0-9a-fA-F]{8})$`, "i");

/** The canonical form of a property id (type and GUID in one case, name as written), or undefined when malformed. */
export function canonicalId(id: string): string | undefined {
  const named = NAMED.exec(id);
  if (named) return `${named[1]!.toLowerCase()} {${named[2]!.toLowerCase()}} Name ${named[3]}`;
  const numbered = NUMBERED.exec(id);
  if (numbered) return `${numbered[1]!.toLowerCase()} {${numbered[2]!.toLowerCase()}} Id ${numbered[3]!.toLowerCase()}`;
  const tagged = TAGGED.exec(id);
  return tagged ? `${tagged[1]!.toLowerCase()} ${tagged[2]!.toLowerCase()}` : undefined;
}

/** Stored properties: canonical id → { id as first written, value }. */
export type ExtendedProperties = Record<string, { id: string; value: string }>;

/** Validates a body's `singleValueExtendedProperties` and merges them into `current`; throws a message for a 400. */
export function mergeProperties(current: ExtendedProperties | undefined, body: unknown): ExtendedProperties {
  const out: ExtendedProperties = { ...(current ?? {}) };
  if (body === undefined) return out;
  if (!Array.isArray(body)) throw new Error("singleValueExtendedProperties must be an array");
  for (const p of body as unknown[]) {
    const o = (p ?? {}) as { id?: unknown; value?: unknown };
    if (typeof o.id !== "string" || typeof o.value !== "string") throw new Error("An extended property needs a string id and value");
    const key = canonicalId(o.id);
    if (!key) throw new Error(`The extended property id ${o.id} is not in a supported format`);
    out[key] = { id: current?.[key]?.id ?? o.id, value: o.value };
  }
  return out;
}

const quoted = "'((?:[^']|'')*)'";
const unquote = (s: string) => s.replace(/''/g, "'");

/** A `$filter` over extended properties: the id (and optionally the value) that must match; throws a message for a 400. */
export function parseFilter(filter: string): { id: string; value?: string } {
  const re = new RegExp(`^singleValueExtendedProperties/any\\((\\w+):\\s*\\1/id eq ${quoted}(?: and \\1/value eq ${quoted})?\\)$`, "i");
  const m = re.exec(filter.trim());
  const id = m ? canonicalId(unquote(m[2]!)) : undefined;
  if (!m || !id) throw new Error(`The fake Graph does not support the filter ${filter}`);
  return { id, ...(m[3] !== undefined ? { value: unquote(m[3]) } : {}) };
}

/** True when `props` holds the property the filter names (with that value, case-insensitively). */
export function matches(props: ExtendedProperties | undefined, filter: { id: string; value?: string }): boolean {
  const p = props?.[filter.id];
  return p !== undefined && (filter.value === undefined || p.value.toLowerCase() === filter.value.toLowerCase());
}

/** The property an `$expand` names; throws a message for a 400. */
export function parseExpand(expand: string): string {
  const m = new RegExp(`^singleValueExtendedProperties\\(\\$filter=id eq ${quoted}\\)$`, "i").exec(expand.trim());
  const id = m ? canonicalId(unquote(m[1]!)) : undefined;
  if (!id) throw new Error(`The fake Graph does not support the expansion ${expand}`);
  return id;
}
