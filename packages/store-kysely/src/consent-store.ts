import type { ConsentStore } from "@kaartenbak/core/storage";
import { consentFromRow, suppressionFromRow } from "./rows-segments.js";
import type { StoreContext } from "./store-context.js";

/**
 * The consent and suppression ledgers, for one tenant. Append and read only: this repository has
 * no statement that updates or deletes a ledger row, by design.
 */
export function consentStore({ db, tenantId }: StoreContext): ConsentStore {
  return {
    async appendConsent(e) {
      await db
        .insertInto("kb_consent_ledger")
        .values({
          tenant_id: tenantId,
          id: e.id,
          relation_id: e.relationId,
          channel: e.channel,
          purpose: e.purpose,
          action: e.action,
          legal_basis: e.legalBasis,
          source: e.source,
          note: e.note,
          occurred_at: e.occurredAt,
          recorded_at: e.recordedAt,
          actor: e.actor,
        })
        .execute();
    },

    async appendSuppression(e) {
      await db
        .insertInto("kb_suppression_ledger")
        .values({
          tenant_id: tenantId,
          id: e.id,
          relation_id: e.relationId,
          channel: e.channel,
          action: e.action,
          reason: e.reason,
          source: e.source,
          occurred_at: e.occurredAt,
          recorded_at: e.recordedAt,
          actor: e.actor,
        })
        .execute();
    },

    async consentLedger(relationId) {
      const rows = await db
        .selectFrom("kb_consent_ledger")
        .selectAll()
        .where("tenant_id", "=", tenantId)
        .where("relation_id", "=", relationId)
        .orderBy("occurred_at")
        .orderBy("id")
        .execute();
      return rows.map(consentFromRow);
    },

    async suppressionLedger(relationId) {
      const rows = await db
        .selectFrom("kb_suppression_ledger")
        .selectAll()
        .where("tenant_id", "=", tenantId)
        .where("relation_id", "=", relationId)
        .orderBy("occurred_at")
        .orderBy("id")
        .execute();
      return rows.map(suppressionFromRow);
    },
  };
}
