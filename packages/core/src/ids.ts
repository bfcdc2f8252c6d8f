import { randomBytes } from "node:crypto";
import { CrmError } from "./errors.js";

// Random bytes are drawn from a pool: one call per 256 ids instead of one per id (a bulk import
// spent a tenth of its time in per-id calls). Each id takes 16 pool bytes and is written in place.
const POOL_SIZE = 16 * 256;
let pool = randomBytes(POOL_SIZE);
let offset = 0;

/** The offset of 16 fresh random bytes in `pool` (refilled when used up). */
function take16(): number {
  if (offset + 16 > POOL_SIZE) {
    pool = randomBytes(POOL_SIZE);
    offset = 0;
  }
  const at = offset;
  offset += 16;
  return at;
}

/** The largest 12-bit `rand_a` counter value. */
const COUNTER_MAX = 0xfff;
/** The largest 48-bit millisecond timestamp. */
const MAX_MS = 2 ** 48 - 1;

/**
 * A UUIDv7 generator over `clock` (milliseconds since the epoch), monotonic per RFC 9562 §6.2
 * method 1: `rand_a` (12 bits) is a counter, seeded at random with its top bit zero at each new
 * millisecond (so at least 2049 ids fit in one), and incremented for each further id in the same
 * millisecond; `rand_b` stays 62 random bits. When the counter would overflow, the timestamp moves
 * one millisecond ahead; when the clock reads earlier than the last id's timestamp (it went back,
 * or the counter moved ahead of it), the last timestamp is kept. So every id is greater, as a
 * string and as bytes, than every earlier id of the same generator.
 *
 * @internal Exported for tests (a fake clock); the SDK uses the one shared generator, {@link uuidv7}.
 */
export function uuidv7Generator(clock: () => number = Date.now): (now?: number) => string {
  let lastMs = -1;
  let counter = 0;
  return (now = clock()) => {
    if (!Number.isFinite(now)) throw new RangeError(`uuidv7: the clock reading must be a finite number (got ${now})`);
    const at = take16();
    const ms = Math.min(Math.max(Math.floor(now), 0), MAX_MS);
    if (ms > lastMs) {
      lastMs = ms;
      counter = ((pool[at + 6]! & 0x07) << 8) | pool[at + 7]!;
    } else if (counter < COUNTER_MAX) {
      counter++;
    } else {
      if (lastMs === MAX_MS) throw new RangeError("uuidv7: the 48-bit timestamp is exhausted");
      lastMs++;
      counter = ((pool[at + 6]! & 0x07) << 8) | pool[at + 7]!;
    }
    pool.writeUIntBE(lastMs, at, 6); // 48-bit big-endian millisecond timestamp
    pool[at + 6] = 0x70 | (counter >> 8); // version 7, then the counter's top 4 bits
    pool[at + 7] = counter & 0xff;
    pool[at + 8] = (pool[at + 8]! & 0x3f) | 0x80; // RFC 9562 variant
    const hex = pool.toString("hex", at, at + 16);
    return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
  };
}

const shared = uuidv7Generator();

/**
 * A time-ordered UUID (version 7, RFC 9562). Ids that grow with time keep B-tree inserts at the
 * right edge of the index and make "newest first" ties break in creation order: ids are strictly
 * increasing within a process (per copy of this package), also for many ids in the same millisecond (a counter in `rand_a`)
 * and when the clock steps back (the last timestamp is kept). `now` is the clock reading to use
 * (default `Date.now()`); it feeds the same monotonic sequence, so a `now` earlier than the last
 * id's time gives an id with that last time, never a smaller id.
 */
export function uuidv7(now?: number): string {
  return shared(now);
}

/** A tenant id: 1–64 characters of letters, digits, `_`, `-`, `.` and `:`. */
export type TenantId = string;

const TENANT_ID = /^[A-Za-z0-9_.:-]{1,64}$/;

/** Throws a TENANT error unless `tenantId` is a well-formed tenant id. */
export function assertTenantId(tenantId: unknown): asserts tenantId is TenantId {
  if (typeof tenantId !== "string" || !TENANT_ID.test(tenantId)) {
    throw new CrmError("TENANT", `A tenant id is required: 1-64 characters of letters, digits, '_', '-', '.' or ':' (got ${JSON.stringify(tenantId)})`, {
      reason: "invalid_tenant_id",
    });
  }
}
