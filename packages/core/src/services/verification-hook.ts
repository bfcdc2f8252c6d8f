import type { HistoryEntry } from "../model/journal.js";
import { kindOfKey } from "../model/verification.js";
import type { TenantStore } from "../storage.js";
import type { FieldVerificationRecord, VerificationKey } from "../storage-verification.js";
import { confirmationOf } from "./verification-fields.js";

/**
 * The one place where relation writes become confirmations. Every relation write — a user's
 * update, an upsert by a sync connector, a bulk import — records a history entry with the actor
 * and source of the call, in the same transaction (integrity rule 2). Wrapping the journal's two
 * append methods therefore sees every write with its source, without any caller knowing about
 * verification: the fields the entry changed are confirmed by that actor and source at that
 * instant, and the confirmations of values it removed are dropped.
 */
export function withFieldConfirmation(store: TenantStore): TenantStore {
  const confirm = async (entries: readonly HistoryEntry[]) => {
    // Folded in order into one state per (relation, field), so a batch issues two statements at
    // most and a later entry wins over an earlier one for the same field.
    const state = new Map<string, FieldVerificationRecord | VerificationKey>();
    for (const entry of entries) {
      const { confirm, forget } = confirmationOf(entry);
      for (const field of forget) state.set(`${entry.entityId}\u0000${field}`, { relationId: entry.entityId, field });
      for (const field of confirm) {
        state.set(`${entry.entityId}\u0000${field}`, {
          relationId: entry.entityId,
          field,
          kind: kindOfKey(field)!,
          verifiedAt: entry.at,
          verifiedBy: entry.actor,
          source: entry.source,
        });
      }
    }
    if (state.size === 0) return;
    const values = [...state.values()];
    const gone = values.filter((v) => !("verifiedAt" in v));
    const kept = values.filter((v): v is FieldVerificationRecord => "verifiedAt" in v);
    if (gone.length > 0) await store.verification.forget(gone);
    if (kept.length > 0) await store.verification.confirm(kept);
  };
  const journal = new Proxy(store.journal, {
    get(target, key, receiver) {
      if (key !== "appendHistory") return Reflect.get(target, key, receiver) as unknown;
      return async (entry: HistoryEntry) => {
        await target.appendHistory(entry);
        await confirm([entry]);
      };
    },
  });
  const bulk = new Proxy(store.bulk, {
    get(target, key, receiver) {
      if (key !== "appendHistory") return Reflect.get(target, key, receiver) as unknown;
      return async (entries: readonly HistoryEntry[]) => {
        await target.appendHistory(entries);
        await confirm(entries);
      };
    },
  });
  return { ...store, journal, bulk };
}
