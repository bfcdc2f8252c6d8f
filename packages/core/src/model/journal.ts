import type { Instant } from "./common.js";

/** The entity types that have history and events. */
export type EntityType =
  | "relation"
  | "link"
  | "interaction"
  | "pipeline"
  | "lost_reason"
  | "deal"
  | "product"
  | "quote"
  | "order"
  | "segment"
  | "consent"
  | "suppression"
  | "campaign"
  | "campaign_member"
  | "activity"
  | "target";

/** One field's change: its value before and after. */
export interface FieldChange {
  readonly from: unknown;
  readonly to: unknown;
}

/** What kind of command produced a history entry. */
/** `verify`: fields confirmed without a change (the relation's version stays). */
export type HistoryAction = "create" | "update" | "delete" | "restore" | "verify";

/** One entry in an entity's history: who changed which fields, when, from where. */
export interface HistoryEntry {
  readonly id: string;
  readonly entityType: EntityType;
  readonly entityId: string;
  readonly action: HistoryAction;
  /** The entity version this entry produced. */
  readonly version: number;
  /** Changed fields; on create every set field appears with `from: null`. */
  readonly changes: Readonly<Record<string, FieldChange>>;
  readonly actor: string;
  readonly source: string;
  readonly at: Instant;
}

/** An event in the tenant's outbox, written in the same transaction as the change it reports. */
export interface OutboxEvent {
  /** Per-tenant sequence number: gap-free and strictly increasing in commit order of the writes. */
  readonly sequence: number;
  readonly id: string;
  /** e.g. `relation.created`, `interaction.logged`. */
  readonly type: string;
  readonly entityType: EntityType;
  readonly entityId: string;
  /** The entity after the change (or, for removals, before it), as the SDK returns it. */
  readonly payload: unknown;
  readonly actor: string;
  readonly source: string;
  readonly occurredAt: Instant;
}
