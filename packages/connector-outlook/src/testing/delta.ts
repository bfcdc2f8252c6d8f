import type { Collection, GraphObject, GraphState, StoredItem } from "./state.js";

/**
 * A delta or skip token: a position in a collection's change log. `full` walks every current
 * item (the initial round); `changes` walks the ids logged after `from`. `upto` pins the end of
 * the log for the pages of one round, and `after` is the last id returned. Query options sent
 * with the first request ($select, the calendar window) are encoded too, as Graph does.
 */
export interface DeltaToken {
  readonly c: string;
  readonly e: number;
  readonly m: "full" | "changes";
  readonly f: number;
  readonly u?: number;
  readonly a?: string;
  readonly sel?: string;
  readonly ws?: string;
  readonly we?: string;
}

/** Encodes a token (URL-safe, opaque to clients). */
export function encodeToken(token: DeltaToken): string {
  return Buffer.from(JSON.stringify(token)).toString("base64url");
}

/** Decodes a token; undefined when it is not one of ours. */
export function decodeToken(text: string): DeltaToken | undefined {
  try {
    const token = JSON.parse(Buffer.from(text, "base64url").toString("utf8")) as DeltaToken;
    return typeof token.c === "string" && typeof token.f === "number" ? token : undefined;
  } catch {
    return undefined;
  }
}

/** One page of a delta round. */
export interface DeltaPage {
  readonly value: GraphObject[];
  /** The token for the next page (`done` false) or the next round (`done` true). */
  readonly next: DeltaToken;
  readonly done: boolean;
}

/**
 * Computes a page. `visible` decides whether an item belongs to the query (the calendar window);
 * an item that changed but is not visible (deleted, moved away, out of the window) is reported as
 * `@removed`, like Graph does.
 */
export function deltaPage(
  state: GraphState,
  collection: Collection,
  token: DeltaToken,
  pageSize: number,
  render: (item: StoredItem) => GraphObject,
  visible: (item: StoredItem) => boolean = () => true,
): DeltaPage {
  const upto = token.u ?? state.position;
  // The initial round lists every current item and, as Graph does, may report items deleted
  // before it as `@removed`: a client must merge removals of items it never saw.
  const ids =
    token.m === "full"
      ? [
          ...new Set([
            ...[...collection.items.values()].filter(visible).map((i) => i.id),
            ...collection.log.filter((e) => e.seq <= upto && !collection.items.has(e.id)).map((e) => e.id),
          ]),
        ]
      : [...new Set(collection.log.filter((e) => e.seq > token.f && e.seq <= upto).map((e) => e.id))];
  const pending = ids.sort().filter((id) => token.a === undefined || id > token.a);
  const page = pending.slice(0, pageSize);
  const done = pending.length <= pageSize;
  const value = page.map((id): GraphObject => {
    const item = collection.items.get(id);
    if (item && visible(item)) return render(item);
    return { id, "@removed": { reason: item ? "changed" : "deleted" } };
  });
  const next: DeltaToken = done
    ? { c: token.c, e: collection.epoch, m: "changes", f: upto, ...(token.sel ? { sel: token.sel } : {}), ...(token.ws ? { ws: token.ws, we: token.we } : {}) }
    : { ...token, u: upto, a: page[page.length - 1]! };
  return { value, next, done };
}
