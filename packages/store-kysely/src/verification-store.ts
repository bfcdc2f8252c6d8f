import type { VerificationPolicy, VerifiableKind, VerifiedFieldKey } from "@kaartenbak/core/storage";
import type { FieldVerificationRecord, VerificationStore } from "@kaartenbak/core/storage";
import { toInstant } from "@kaartenbak/core/storage";
import { fromJson, toJson } from "./rows.js";
import { chunks, inChunks, type StoreContext } from "./store-context.js";

/**
 * Verification records and the tenant's policy. A confirmation overwrites the previous one of
 * the same (relation, field): only the latest matters for staleness, and the history entry of the
 * write or of `verify` keeps the trail.
 */
export function verificationStore({ db, tenantId }: StoreContext): VerificationStore {
  return {
    async confirm(records) {
      for (const chunk of chunks(records)) {
        await db
          .insertInto("kb_field_verifications")
          .values(
            chunk.map((r) => ({
              tenant_id: tenantId,
              relation_id: r.relationId,
              field: r.field,
              kind: r.kind,
              verified_at: r.verifiedAt,
              verified_by: r.verifiedBy,
              source: r.source,
            })),
          )
          .onConflict((oc) =>
            oc.columns(["tenant_id", "relation_id", "field"]).doUpdateSet((eb) => ({
              kind: eb.ref("excluded.kind"),
              verified_at: eb.ref("excluded.verified_at"),
              verified_by: eb.ref("excluded.verified_by"),
              source: eb.ref("excluded.source"),
            })),
          )
          .execute();
      }
    },

    async forget(keys) {
      for (const chunk of chunks(keys)) {
        await db
          .deleteFrom("kb_field_verifications")
          .where("tenant_id", "=", tenantId)
          .where((eb) => eb.or(chunk.map((k) => eb.and([eb("relation_id", "=", k.relationId), eb("field", "=", k.field)]))))
          .execute();
      }
    },

    async list(relationIds) {
      const rows = await inChunks(relationIds, (chunk) =>
        db.selectFrom("kb_field_verifications").selectAll().where("tenant_id", "=", tenantId).where("relation_id", "in", chunk).execute(),
      );
      return rows
        .map((row): FieldVerificationRecord => ({
          relationId: row.relation_id,
          field: row.field as VerifiedFieldKey,
          kind: row.kind as VerifiableKind,
          verifiedAt: toInstant(row.verified_at),
          verifiedBy: row.verified_by,
          source: row.source,
        }))
        .sort((a, b) => (a.relationId < b.relationId ? -1 : a.relationId > b.relationId ? 1 : a.field < b.field ? -1 : a.field > b.field ? 1 : 0));
    },

    async getPolicy() {
      const row = await db.selectFrom("kb_verification_policies").select("policy").where("tenant_id", "=", tenantId).executeTakeFirst();
      return row ? (fromJson(row.policy) as VerificationPolicy) : undefined;
    },

    async setPolicy(policy, at) {
      await db
        .insertInto("kb_verification_policies")
        .values({ tenant_id: tenantId, policy: toJson(policy), updated_at: at })
        .onConflict((oc) => oc.column("tenant_id").doUpdateSet((eb) => ({ policy: eb.ref("excluded.policy"), updated_at: eb.ref("excluded.updated_at") })))
        .execute();
    },
  };
}
