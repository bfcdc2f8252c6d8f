import * as z from "zod";
import type { Filter } from "../filter/schema.js";
import { idSchema, textSchema, type Instant } from "./common.js";

/**
 * A segment: a named set of relations. `dynamic` segments are a filter evaluated whenever they are
 * used; `static` segments are a member list kept by hand; a `snapshot` is the member list of a
 * dynamic segment frozen at `takenAt` (it keeps a copy of the filter it was taken with).
 */
export const SEGMENT_KINDS = ["dynamic", "static", "snapshot"] as const;
/** The kind of a {@link Segment}. */
export type SegmentKind = (typeof SEGMENT_KINDS)[number];

/** A segment as the SDK returns it. */
export interface Segment {
  readonly id: string;
  readonly name: string;
  readonly description: string | null;
  readonly kind: SegmentKind;
  /** The filter of a dynamic segment, or the one a snapshot was taken with; null for static. */
  readonly filter: Filter | null;
  /** For a snapshot: the dynamic segment it was taken of. */
  readonly sourceSegmentId: string | null;
  /** For a snapshot: when its members were evaluated. */
  readonly takenAt: Instant | null;
  readonly version: number;
  readonly createdAt: Instant;
  readonly updatedAt: Instant;
  /** Set when soft-deleted; a deleted segment can no longer be used in filters or campaigns. */
  readonly deletedAt: Instant | null;
}

/** A segment as stored. */
export type SegmentRecord = Segment;

const id = idSchema;
const name = textSchema.trim().min(1).max(200);
const description = textSchema.max(2000).nullable().optional();
/** A list of relation ids for a static segment's members. */
export const relationIdsSchema = z.array(id).max(10_000);

/** zod schema of {@link SegmentInput}; the filter is checked separately against the registry. */
export const segmentInputSchema = z.discriminatedUnion("kind", [
  z.object({ kind: z.literal("dynamic"), name, description, filter: z.unknown() }).strict(),
  z.object({ kind: z.literal("static"), name, description, relationIds: relationIdsSchema.optional() }).strict(),
]);

/** Input to create a segment: a dynamic one with a filter, or a static one with optional first members. */
export type SegmentInput =
  | { readonly kind: "dynamic"; readonly name: string; readonly description?: string | null; readonly filter: Filter }
  | { readonly kind: "static"; readonly name: string; readonly description?: string | null; readonly relationIds?: readonly string[] };

/** zod schema of {@link SegmentPatch}. */
export const segmentPatchSchema = z.object({ name: name.optional(), description, filter: z.unknown().optional() }).strict();

/** What may change on a segment: its name and description, and a dynamic segment's filter. */
export interface SegmentPatch {
  readonly name?: string;
  readonly description?: string | null;
  readonly filter?: Filter;
}

/** A page of relations of a segment or filter, in id order. */
export interface MemberPage<T> {
  readonly items: readonly T[];
  /** Pass as `after` to read the next page; null on the last page. */
  readonly nextCursor: string | null;
}

/** Paging options of member lists: at most `limit` items (1–1000, default 100) after a cursor. */
export interface PageOptions {
  readonly after?: string;
  readonly limit?: number;
}
