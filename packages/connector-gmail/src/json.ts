/**
 * Lenient readers for Google JSON: payloads are data from outside, so every field is checked
 * before use and an item missing what it needs becomes an `invalid` change, never an exception.
 */

/** A JSON object. */
export type Json = Readonly<Record<string, unknown>>;

/** A trimmed non-empty string, or undefined. */
export function str(value: unknown): string | undefined {
  return typeof value === "string" && value.trim() !== "" ? value.trim() : undefined;
}

/** An array, or an empty one. */
export function arr(value: unknown): readonly unknown[] {
  return Array.isArray(value) ? value : [];
}

/** An object, or an empty one. */
export function obj(value: unknown): Json {
  return value !== null && typeof value === "object" && !Array.isArray(value) ? (value as Json) : {};
}
