/**
 * What the bulk steps of a page apply share (see apply-page.ts): the batch of one segment, the
 * refusal of one change, and the item rows written once at the end of the segment.
 */
import type { DuplicatePolicy } from "../context.js";
import type { CrmError } from "../errors.js";
import { isCrmError } from "../errors.js";
import { normaliseEmail } from "../normalise.js";
import type { bulkOperations } from "../services/bulk.js";
import type { TenantStore } from "../storage.js";
import type { SyncItemRecord } from "../storage-sync.js";
import type { ApplyEnv, ApplyOutcome } from "./apply.js";
import type { SyncChange } from "./connector.js";

/** Thrown when one change is refused, so the page is redone with that change recorded as skipped. */
export class RefusedChange extends Error {
  constructor(
    readonly index: number,
    readonly error: CrmError,
  ) {
    super(error.message);
  }
}

/** The codes of a refusal of one change (as opposed to a failure of the whole page). */
const REFUSALS = new Set(["VALIDATION", "INTEGRITY", "DUPLICATE", "NOT_FOUND"]);

/** Runs one change's own writes; a refusal becomes a {@link RefusedChange} for that change. */
export async function refusing<T>(index: number, fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (e) {
    if (isCrmError(e) && REFUSALS.has(e.code)) throw new RefusedChange(index, e);
    throw e;
  }
}

/** What the batch steps share: the page's environment, the store, and the item rows to write. */
export interface PageBatch {
  readonly env: ApplyEnv;
  readonly store: TenantStore;
  readonly bulk: ReturnType<typeof bulkOperations>;
  /** The CRM's duplicate policy, which sync's creates follow like any other write. */
  readonly policy: DuplicatePolicy;
  /** Stored items of the segment by external id (kept up to date as items are removed). */
  readonly items: Map<string, SyncItemRecord>;
  /** Item rows to write at the end of the segment. */
  readonly writes: SyncItemRecord[];
  /** Outcomes by page index. */
  readonly outcomes: ApplyOutcome[];
}

/** Queues the item row unless it already says exactly this, so replays write nothing. */
export function keepItem(batch: PageBatch, next: Omit<SyncItemRecord, "account" | "resource" | "updatedAt">): void {
  const current = batch.items.get(next.externalId);
  if (
    current &&
    current.entityType === next.entityType &&
    current.entityId === next.entityId &&
    current.changeKey === next.changeKey &&
    current.origin === next.origin &&
    current.pass === next.pass
  ) {
    return;
  }
  const { env } = batch;
  const record: SyncItemRecord = { ...next, account: env.account, resource: env.resource, updatedAt: env.now };
  batch.items.set(next.externalId, record);
  batch.writes.push(record);
}

/** The e-mail addresses a relation change brings, normalised. */
export function draftEmails(change: Extract<SyncChange, { type: "relation" }>): string[] {
  return (change.relation.input.emails ?? []).flatMap((e) => {
    const address = normaliseEmail(typeof e === "string" ? e : e.address);
    return address ? [address] : [];
  });
}
