/**
 * Unmatched contact moments in the storage contract: interactions logged without any relation,
 * and the claiming of participants without a relation by the relation holding their e-mail
 * address. The store moves rows; core decides when to claim and journals what was claimed.
 */
import type { InteractionRecord, TimelineCursor } from "./storage.js";

/** What one claim call did to one interaction. */
export interface ClaimedInteraction {
  readonly interactionId: string;
  /** The interaction's version after the claim: one step per claim call, however many participants it took. */
  readonly version: number;
  readonly updatedAt: string;
  /** Its relations before the claim, in link order. */
  readonly relationIdsBefore: readonly string[];
  /** Its relations after the claim, in link order (claimed relations appended). */
  readonly relationIds: readonly string[];
  /** The participants claimed: position, the address they carry, and the relation that took them. */
  readonly participants: ReadonlyArray<{ readonly position: number; readonly address: string; readonly relationId: string }>;
}

/** Unmatched interactions and claims of one tenant. */
export interface UnmatchedStore {
  /**
   * For each of these normalised e-mail addresses held by a live (not deleted) relation, that
   * relation's id; when several live relations hold it, the smallest id (code-point order).
   */
  holders(addresses: readonly string[]): Promise<ReadonlyMap<string, string>>;
  /**
   * Claims every participant without a relation whose address is one of `addresses` (of any
   * interaction, deleted or not) for the live relation holding that address (see `holders`):
   * sets the participant's relation, links the interaction to that relation when it is not yet,
   * and steps the interaction's `version` once and sets `updated_at` to `at`. Addresses no live
   * relation holds claim nothing. Returns what changed, per interaction, ordered by id.
   */
  claimAddresses(addresses: readonly string[], at: string): Promise<ClaimedInteraction[]>;
  /** Like {@link claimAddresses} for the participants without a relation of these interactions (e.g. just inserted). */
  claimInteractions(interactionIds: readonly string[], at: string): Promise<ClaimedInteraction[]>;
  /**
   * Non-deleted interactions with a participant that has no relation and one of these addresses,
   * newest first (`occurred_at`, then id, descending): what an access export adds to the relation's
   * timeline for addresses no live relation claimed (e.g. while the relation was deleted).
   */
  carrying(addresses: readonly string[]): Promise<InteractionRecord[]>;
  /** Non-deleted interactions linked to no relation, newest first (`occurred_at`, then id, descending), after the cursor. */
  list(query: { readonly after?: TimelineCursor; readonly limit: number }): Promise<InteractionRecord[]>;
}
