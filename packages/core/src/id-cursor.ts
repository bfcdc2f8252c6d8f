import { validationError } from "./errors.js";
import { isText } from "./model/common.js";

/** Encodes the last id of a page ordered by id as an opaque, URL-safe cursor. */
export function encodeIdCursor(id: string): string {
  return Buffer.from(JSON.stringify(["id", id]), "utf8").toString("base64url");
}

/** Decodes a cursor made by {@link encodeIdCursor}; anything else is a VALIDATION error. */
export function decodeIdCursor(cursor: unknown): string {
  try {
    const value: unknown = typeof cursor === "string" ? JSON.parse(Buffer.from(cursor, "base64url").toString("utf8")) : undefined;
    if (Array.isArray(value) && value.length === 2 && value[0] === "id" && typeof value[1] === "string" && value[1].length > 0 && isText(value[1]))
      return value[1];
  } catch {
    // fall through to the typed error
  }
  throw validationError([{ path: ["cursor"], message: "Invalid cursor; pass the nextCursor of a previous page", code: "invalid_cursor" }]);
}

/** Checks a page size: an integer from 1 to 500, default 50. */
export function pageLimit(limit: unknown): number {
  const value = limit ?? 50;
  if (typeof value !== "number" || !Number.isInteger(value) || value < 1 || value > 500) {
    throw validationError([{ path: ["limit"], message: "Expected an integer from 1 to 500", code: "invalid_limit" }]);
  }
  return value;
}
