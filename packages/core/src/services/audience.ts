import type { CrmContext } from "../context.js";
import { CrmError, notFound, validationError } from "../errors.js";
import { resolveFilter, type ResolveEnvironment } from "../filter/resolve.js";
import type { ResolvedCondition } from "../filter/resolved.js";
import type { Filter } from "../filter/schema.js";
import { validateFilter } from "../filter/validate.js";
import { instantSchema, isText, type Instant } from "../model/common.js";
import type { MemberPage, PageOptions, SegmentRecord } from "../model/segment.js";
import type { TenantStore } from "../storage.js";
import type { IdPage } from "../storage-segments.js";

/**
 * Shared steps of everything that evaluates filters (segments, campaigns, value per segment):
 * check a filter against the data model, resolve it at a time, turn a segment into the condition
 * of its audience, and page by relation id with opaque cursors.
 */

type Path = ReadonlyArray<string | number>;

/** Parses and checks a filter, or throws VALIDATION naming every bad path (prefixed with `prefix`). */
export function checkFilter(ctx: CrmContext, input: unknown, prefix: Path = []): Filter {
  const { filter, issues } = validateFilter(input, { registry: ctx.registry, interactionKinds: ctx.interactionKinds }, prefix);
  if (!filter) throw validationError(issues);
  return filter;
}

/** The time a query is evaluated at: the caller's `now`, or the CRM's clock. */
export function evaluationTime(ctx: CrmContext, now: Date | string | undefined): Instant {
  if (now === undefined) return ctx.now();
  const parsed = instantSchema.safeParse(now);
  if (!parsed.success) throw validationError([{ path: ["now"], message: "Expected a Date or an ISO-8601 instant", code: "invalid_type" }]);
  return parsed.data;
}

/** The resolution environment of a tenant's store at a time. */
export function resolveEnvironment(ctx: CrmContext, store: TenantStore, now: Instant): ResolveEnvironment {
  return {
    registry: ctx.registry,
    interactionKinds: ctx.interactionKinds,
    now,
    async loadSegment(id) {
      const segment = await store.segments.get(id);
      if (!segment || segment.deletedAt) return undefined;
      return segment.kind === "dynamic" ? { kind: "dynamic", filter: segment.filter } : { kind: segment.kind };
    },
  };
}

/** Resolves a checked filter at a time against the store's segments. */
export function resolveIn(ctx: CrmContext, store: TenantStore, filter: Filter, now: Instant, prefix: Path = [], self?: string): Promise<ResolvedCondition> {
  return resolveFilter(filter, resolveEnvironment(ctx, store, now), prefix, new Set(self ? [self] : []));
}

/** Loads a non-deleted segment or throws NOT_FOUND. */
export async function liveSegment(store: TenantStore, id: string): Promise<SegmentRecord> {
  const segment = await store.segments.get(id);
  if (!segment || segment.deletedAt) throw notFound("segment", id);
  return segment;
}

/** The condition of a segment's current audience: its filter (dynamic) or its member list. */
export async function audienceOf(ctx: CrmContext, store: TenantStore, segment: SegmentRecord, now: Instant): Promise<ResolvedCondition> {
  if (segment.kind !== "dynamic") return { t: "members", segmentId: segment.id };
  if (!segment.filter)
    throw new CrmError("INTEGRITY", `Dynamic segment ${segment.id} has no filter`, { entity: "segment", id: segment.id, reason: "missing_filter" });
  return resolveIn(ctx, store, checkFilter(ctx, segment.filter, ["filter"]), now, ["filter"], segment.id);
}

/** Encodes a relation id as an opaque cursor. */
export function idCursor(id: string): string {
  return Buffer.from(JSON.stringify(["r", id]), "utf8").toString("base64url");
}

/** Decodes {@link idCursor}; anything else is a VALIDATION error naming `after`. */
export function decodeIdCursor(cursor: string): string {
  try {
    const value: unknown = JSON.parse(Buffer.from(cursor, "base64url").toString("utf8"));
    if (Array.isArray(value) && value.length === 2 && value[0] === "r" && typeof value[1] === "string" && isText(value[1])) return value[1];
  } catch {
    // fall through to the typed error
  }
  throw validationError([{ path: ["after"], message: "Invalid cursor; pass the nextCursor of a previous page", code: "invalid_cursor" }]);
}

/** Checks paging options (limit 1–1000, default 100) and decodes the cursor. */
export function idPage(options: PageOptions | undefined, maxLimit = 1000): IdPage {
  const limit = options?.limit ?? 100;
  if (!Number.isInteger(limit) || limit < 1 || limit > maxLimit) {
    throw validationError([{ path: ["limit"], message: `Expected an integer from 1 to ${maxLimit}`, code: "invalid_limit" }]);
  }
  return { after: options?.after === undefined ? null : decodeIdCursor(options.after), limit };
}

/** A page of items whose last id makes the next cursor when the page is full. */
export function pageOf<T>(items: readonly T[], ids: readonly string[], limit: number): MemberPage<T> {
  const last = ids[ids.length - 1];
  return { items, nextCursor: ids.length === limit && last !== undefined ? idCursor(last) : null };
}

/** Loads relations by id keeping the ids' order. */
export async function relationsInOrder(store: TenantStore, ids: readonly string[]) {
  const found = new Map((await store.relations.getMany(ids)).map((r) => [r.id, r]));
  return ids.flatMap((id) => {
    const relation = found.get(id);
    return relation ? [relation] : [];
  });
}
