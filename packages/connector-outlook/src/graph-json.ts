/**
 * Lenient readers for Graph JSON. Graph payloads are data from outside: every field is checked
 * before use, and an item whose required fields are missing becomes an `invalid` change (recorded
 * as skipped with the reason) instead of an exception or a silent drop.
 */

/** A Graph JSON object. */
export type GraphJson = Readonly<Record<string, unknown>>;

/** A trimmed non-empty string, or undefined. */
export function str(value: unknown): string | undefined {
  return typeof value === "string" && value.trim() !== "" ? value.trim() : undefined;
}

/** An array, or an empty one. */
export function arr(value: unknown): readonly unknown[] {
  return Array.isArray(value) ? value : [];
}

/** An object, or undefined. */
export function obj(value: unknown): GraphJson | undefined {
  return value !== null && typeof value === "object" && !Array.isArray(value) ? (value as GraphJson) : undefined;
}

/** The address and name of Graph's `{ emailAddress: { name, address } }` (recipient shape). */
export function recipient(value: unknown): { address: string; name: string | null } | undefined {
  const email = obj(obj(value)?.emailAddress);
  const address = str(email?.address);
  return address && address.includes("@") ? { address: address.toLowerCase(), name: str(email?.name) ?? null } : undefined;
}

const UTC_ZONES = new Set(["UTC", "Etc/UTC", "GMT", "Coordinated Universal Time", "tzone://Microsoft/Utc"]);

/**
 * The instant of Graph's `dateTimeTimeZone` (`{ dateTime: "2026-03-01T10:00:00.0000000", timeZone:
 * "UTC" }`). The connector asks for UTC (`Prefer: outlook.timezone="UTC"`); another zone is
 * refused rather than guessed.
 */
export function instantOfDateTime(value: unknown): string | undefined {
  const o = obj(value);
  const dateTime = str(o?.dateTime);
  const zone = str(o?.timeZone) ?? "UTC";
  if (!dateTime || !UTC_ZONES.has(zone)) return undefined;
  const iso = /[zZ]|[+-]\d\d:\d\d$/.test(dateTime) ? dateTime : `${dateTime.slice(0, 23)}Z`;
  const ms = Date.parse(iso);
  return Number.isNaN(ms) ? undefined : new Date(ms).toISOString();
}

/** An ISO instant string Graph sent (e.g. `sentDateTime`), normalised; undefined when unreadable. */
export function instant(value: unknown): string | undefined {
  const text = str(value);
  if (!text) return undefined;
  const ms = Date.parse(text);
  return Number.isNaN(ms) ? undefined : new Date(ms).toISOString();
}
