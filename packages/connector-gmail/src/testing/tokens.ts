/**
 * Sync and page tokens of the fake: opaque to clients (base64url JSON), but they encode a position
 * in the account's change log, so a token resumes exactly where it was issued. Every token carries
 * the account's epoch: expiring an account bumps it, and older tokens are then refused the way
 * Google refuses expired ones.
 */

/** What a token encodes. */
export interface FakeToken {
  /** The API the token belongs to (`people`, `gmail`, `calendar:<id>`). */
  readonly api: string;
  /** The account's epoch when issued. */
  readonly epoch: number;
  /** Changes with a sequence above this are still to come. */
  readonly after: number;
  /** The snapshot: changes up to this sequence belong to the listing being paged (page tokens only). */
  readonly until?: number;
  /** True when the listing is a full one (no tombstones). */
  readonly full?: boolean;
}

/** Encodes a token. */
export function encodeToken(token: FakeToken): string {
  return Buffer.from(JSON.stringify(token)).toString("base64url");
}

/** Decodes a token, or undefined when it is not one of ours. */
export function decodeToken(text: string): FakeToken | undefined {
  try {
    const t = JSON.parse(Buffer.from(text, "base64url").toString("utf8")) as FakeToken;
    return typeof t.api === "string" && typeof t.epoch === "number" && typeof t.after === "number" ? t : undefined;
  } catch {
    return undefined;
  }
}

/** One page of a sequence-ordered listing. */
export function pageOf<T extends { readonly seq: number }>(
  items: readonly T[],
  token: FakeToken,
  pageSize: number,
  head: number,
): { readonly page: T[]; readonly next: FakeToken | undefined; readonly until: number } {
  const until = token.until ?? head;
  const pending = items.filter((i) => i.seq > token.after && i.seq <= until).sort((a, b) => a.seq - b.seq);
  const page = pending.slice(0, pageSize);
  const more = pending.length > pageSize;
  return { page, next: more ? { ...token, after: page[page.length - 1]!.seq, until } : undefined, until };
}
