import { validationError } from "../errors.js";
import { expectId, optionsOf } from "../model/common.js";
import type { CrmEvent } from "../model/events.js";
import type { EntityType, HistoryEntry } from "../model/journal.js";
import { runQuery, withStore, type TenantScope } from "./command.js";

/** The change history of a tenant's entities. */
export interface HistoryService {
  /** Every history entry of an entity, oldest first. */
  list(entityType: EntityType, entityId: string): Promise<HistoryEntry[]>;
}

/** The tenant's transactional outbox: events committed with the changes they report. */
export interface OutboxService {
  /** Events after sequence `after` (default 0), oldest first, at most `limit` (default 100, max 1000). */
  read(options?: { after?: number; limit?: number }): Promise<CrmEvent[]>;
  /** The events a consumer has not acknowledged yet, oldest first. */
  poll(consumer: string, options?: { limit?: number }): Promise<CrmEvent[]>;
  /**
   * Records that `consumer` has handled every event up to and including `sequence`. Never moves a
   * checkpoint back (an older acknowledgement is ignored); acknowledging an event that does not
   * exist yet is a VALIDATION error.
   */
  acknowledge(consumer: string, sequence: number): Promise<void>;
  /** The last sequence a consumer acknowledged, 0 when none. */
  checkpoint(consumer: string): Promise<number>;
}

const EVENT_TYPES: readonly EntityType[] = [
  "relation",
  "link",
  "interaction",
  "pipeline",
  "lost_reason",
  "deal",
  "product",
  "quote",
  "order",
  "segment",
  "consent",
  "suppression",
  "campaign",
  "campaign_member",
  "target",
];

function limitOf(value: number | undefined, fallback: number): number {
  const limit = value ?? fallback;
  if (!Number.isInteger(limit) || limit < 1 || limit > 1000) {
    throw validationError([{ path: ["limit"], message: "Expected an integer from 1 to 1000", code: "invalid_limit" }]);
  }
  return limit;
}

function consumerOf(value: unknown): string {
  if (typeof value !== "string" || !/^[A-Za-z0-9_.:-]{1,100}$/.test(value)) {
    throw validationError([
      { path: ["consumer"], message: "Expected a consumer name of 1-100 letters, digits, '_', '-', '.' or ':'", code: "invalid_consumer" },
    ]);
  }
  return value;
}

function sequenceOf(value: unknown, path: string): number {
  if (typeof value !== "number" || !Number.isSafeInteger(value) || value < 0) {
    throw validationError([{ path: [path], message: "Expected a non-negative integer sequence", code: "invalid_sequence" }]);
  }
  return value;
}

/** Builds the history service of a tenant. */
export function historyService(scope: TenantScope): HistoryService {
  return {
    async list(entityType, entityId) {
      if (!EVENT_TYPES.includes(entityType)) {
        throw validationError([{ path: ["entityType"], message: `Expected one of ${EVENT_TYPES.join(", ")}`, code: "invalid_value" }]);
      }
      expectId(entityId, "entityId");
      return runQuery(scope, (store) => store.journal.listHistory(entityType, entityId));
    },
  };
}

/** Builds the outbox service of a tenant. */
export function outboxService(scope: TenantScope): OutboxService {
  return {
    async read(input) {
      const options = optionsOf(input);
      const after = sequenceOf(options.after ?? 0, "after");
      const limit = limitOf(options.limit, 100);
      // Only the services write events, each typed by CrmEventPayloads, so the stored ones are CrmEvents.
      return runQuery(scope, (store) => store.journal.readEvents(after, limit)) as Promise<CrmEvent[]>;
    },

    async poll(consumer, input) {
      const options = optionsOf(input);
      const name = consumerOf(consumer);
      const limit = limitOf(options.limit, 100);
      return runQuery(scope, async (store) => store.journal.readEvents(await store.journal.getCheckpoint(name), limit)) as Promise<CrmEvent[]>;
    },

    async acknowledge(consumer, sequence) {
      const name = consumerOf(consumer);
      const position = sequenceOf(sequence, "sequence");
      // Bookkeeping of a reader, not a change of CRM data: no history entry and no event of its own.
      await withStore(scope, async (store) => {
        const current = await store.journal.getCheckpoint(name);
        if (position <= current) return;
        const [event] = await store.journal.readEvents(position - 1, 1);
        if (!event || event.sequence !== position) {
          throw validationError([{ path: ["sequence"], message: `There is no event ${position} to acknowledge`, code: "unknown_sequence" }]);
        }
        await store.journal.setCheckpoint(name, position, scope.ctx.now());
      });
    },

    async checkpoint(consumer) {
      const name = consumerOf(consumer);
      return runQuery(scope, (store) => store.journal.getCheckpoint(name));
    },
  };
}
