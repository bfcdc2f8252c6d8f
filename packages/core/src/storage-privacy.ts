/**
 * The privacy seam of the storage contract: what an access request reads and what an erasure
 * rewrites. Core decides WHAT is personal data of a relation (its identifiers) and records the
 * erasure; the adapter knows WHERE such data can sit in its tables and removes it there, in the
 * caller's transaction, so an erasure is all or nothing.
 */
import type { Instant } from "./model/common.js";
import type { HistoryEntry, OutboxEvent } from "./model/journal.js";

/** A non-reversible key of an erased identifier: a SHA-256 digest, never the identifier itself. */
export interface ErasureKeyRecord {
  /** Hex SHA-256 of the tenant, the kind and the normalised value (see `erasureKey`). */
  readonly key: string;
  /** What the key stands for: `email`, `phone`, `ref` (external reference) or `remote` (a sync item). */
  readonly kind: "email" | "phone" | "ref" | "remote";
  /** The pseudonymised relation the identifier belonged to. */
  readonly relationId: string;
  readonly erasedAt: Instant;
}

/** What an erasure asks the adapter to do, in one transaction. */
export interface ErasurePlan {
  /** The relation whose personal data is removed; its row stays (orders point to it), pseudonymised. */
  readonly relationId: string;
  /** The name the relation row gets instead of its own. */
  readonly pseudonym: string;
  /** `nameKey(pseudonym)`. */
  readonly pseudonymKey: string;
  /** The relation's normalised e-mail addresses: participant and campaign rows with them are cleared too. */
  readonly emails: readonly string[];
  /**
   * Strings removed from every free-text and JSON column of the tenant (case-insensitive), replaced
   * by {@link ErasurePlan.replacement}: the relation's names, e-mail addresses and phone numbers.
   */
  readonly identifiers: readonly string[];
  /** What an identifier is replaced with, e.g. `[erased]`. */
  readonly replacement: string;
  /** The instant of the erasure. */
  readonly at: Instant;
}

/** What an erasure changed: rows per table (`kb_…`), for the caller's report. */
export type ErasureCounts = Readonly<Record<string, number>>;

/** The rows an access request gathers that no other repository lists by relation. */
export interface PersonalRecords {
  /** Ids of deals the relation is the customer of or a contact on. */
  readonly dealIds: readonly string[];
  /** Ids of quotes made out to the relation. */
  readonly quoteIds: readonly string[];
  /** Ids of orders of the relation. */
  readonly orderIds: readonly string[];
  /** Campaign memberships: campaign id, status, reason, address. */
  readonly campaignMemberships: readonly { campaignId: string; status: string; reason: string | null; address: string | null; statusAt: Instant }[];
  /** Static and snapshot segments the relation is a member of. */
  readonly segmentMemberships: readonly { segmentId: string; addedAt: Instant }[];
  /** Remote items mapped to the relation: account, resource, remote id. */
  readonly syncItems: readonly { account: string; resource: string; externalId: string }[];
  /** History entries of the relation itself, oldest first. */
  readonly history: readonly HistoryEntry[];
  /** Outbox events about the relation itself, in sequence order. */
  readonly events: readonly OutboxEvent[];
}

/** Privacy requests of one tenant (see `tenant.privacy`). */
export interface PrivacyStore {
  /** Those of `keys` recorded as erased in the tenant. */
  erasedKeys(keys: readonly string[]): Promise<ReadonlySet<string>>;
  /** Records erasure keys; a key already recorded is kept as it is. */
  recordErasureKeys(records: readonly ErasureKeyRecord[]): Promise<void>;
  /** Removes erasure keys (the host re-admits those identifiers); returns how many were removed. */
  releaseErasureKeys(keys: readonly string[]): Promise<number>;
  /** Remote items (account, resource, remote id) mapped to the relation. */
  remoteItemsOf(relationId: string): Promise<PersonalRecords["syncItems"]>;
  /** What an access request needs beyond the other repositories. */
  personalRecords(relationId: string): Promise<PersonalRecords>;
  /** Removes or pseudonymises the relation's personal data everywhere it can be stored (see {@link ErasurePlan}). */
  erase(plan: ErasurePlan): Promise<ErasureCounts>;
}
