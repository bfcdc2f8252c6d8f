import { validationError } from "./errors.js";
import { isText } from "./model/common.js";
import type { TimelineCursor } from "./storage.js";

/** Encodes a keyset position as an opaque, URL-safe string. */
export function encodeCursor(position: TimelineCursor): string {
  return Buffer.from(JSON.stringify([position.occurredAt, position.id]), "utf8").toString("base64url");
}

/**
 * Decodes a cursor made by {@link encodeCursor}; anything else is a VALIDATION error — including a
 * forged one whose id breaks the text rule, since no stored id could.
 */
export function decodeCursor(cursor: string): TimelineCursor {
  try {
    const value: unknown = JSON.parse(Buffer.from(cursor, "base64url").toString("utf8"));
    if (
      Array.isArray(value) &&
      value.length === 2 &&
      typeof value[0] === "string" &&
      typeof value[1] === "string" &&
      isText(value[1]) &&
      !Number.isNaN(Date.parse(value[0]))
    ) {
      return { occurredAt: value[0], id: value[1] };
    }
  } catch {
    // fall through to the typed error
  }
  throw validationError([{ path: ["cursor"], message: "Invalid cursor; pass the nextCursor of a previous page", code: "invalid_cursor" }]);
}
