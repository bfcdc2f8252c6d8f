import { randomBytes } from "node:crypto";
import { CrmError } from "./errors.js";

// Random bytes are drawn from a pool: one call per 256 ids instead of one per id (a bulk import
// spent a tenth of its time in per-id calls).
const POOL_SIZE = 16 * 256;
let pool = randomBytes(POOL_SIZE);
let offset = 0;

function random16(): Buffer {
  if (offset + 16 > POOL_SIZE) {
    pool = randomBytes(POOL_SIZE);
    offset = 0;
  }
  const bytes = Buffer.from(pool.subarray(offset, offset + 16));
  offset += 16;
  return bytes;
}

/**
 * A time-ordered UUID (version 7, RFC 9562). Ids that grow with time keep B-tree inserts at the
 * right edge of the index and make "newest first" ties break in creation order.
 */
export function uuidv7(now: number = Date.now()): string {
  const bytes = random16();
  // 48-bit big-endian millisecond timestamp.
  let ms = now;
  for (let i = 5; i >= 0; i--) {
    bytes[i] = ms % 256;
    ms = Math.floor(ms / 256);
  }
  bytes[6] = (bytes[6]! & 0x0f) | 0x70; // version 7
  bytes[8] = (bytes[8]! & 0x3f) | 0x80; // RFC 9562 variant
  const hex = bytes.toString("hex");
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

/** A tenant id: 1–64 characters of letters, digits, `_`, `-`, `.` and `:`. */
export type TenantId = string;

const TENANT_ID = /^[A-Za-z0-9_.:-]{1,64}$/;

/** Throws a TENANT error unless `tenantId` is a well-formed tenant id. */
export function assertTenantId(tenantId: unknown): asserts tenantId is TenantId {
  if (typeof tenantId !== "string" || !TENANT_ID.test(tenantId)) {
    throw new CrmError(
      "TENANT",
      `A tenant id is required: 1-64 characters of letters, digits, '_', '-', '.' or ':' (got ${JSON.stringify(tenantId)})`,
      { reason: "invalid_tenant_id" },
    );
  }
}
