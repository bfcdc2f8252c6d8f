import type { DataQualityProblem, DataQualityScope, DataQualityStore } from "@kaartenbak/core/storage";
import { sql, type ExpressionBuilder, type Expression, type SqlBool } from "kysely";
import { toNumber } from "./rows.js";
import type { KyselyDatabase } from "./schema.js";
import type { StoreContext } from "./store-context.js";

type Eb = ExpressionBuilder<KyselyDatabase & { r: KyselyDatabase["kb_relations"] }, "r">;

/**
 * The data-quality report in SQL, shared by both engines: one predicate per problem over a
 * non-deleted relation `r`, used by the counts (as `sum(case ...)`) and by the id pages (as a
 * `where`), so both agree by construction. Every subquery joins on `tenant_id`. Adding a problem
 * is one more predicate here and one more count column.
 */
function predicates(eb: Eb, scope: DataQualityScope): Record<DataQualityProblem, Expression<SqlBool>> {
  const kinds = Object.entries(scope.staleBefore).filter((e): e is [string, string] => typeof e[1] === "string");
  const stale =
    kinds.length === 0
      ? sql<SqlBool>`1 = 0`
      : eb.exists(
          eb
            .selectFrom("kb_field_verifications as v")
            .select("v.field")
            .whereRef("v.tenant_id", "=", "r.tenant_id")
            .whereRef("v.relation_id", "=", "r.id")
            .where((v) => v.or(kinds.map(([kind, before]) => v.and([v("v.kind", "=", kind), v("v.verified_at", "<", before)])))),
        );
  const noContact = eb.and([
    eb.not(
      eb.exists(eb.selectFrom("kb_relation_emails as e").select("e.email").whereRef("e.tenant_id", "=", "r.tenant_id").whereRef("e.relation_id", "=", "r.id")),
    ),
    eb.not(
      eb.exists(eb.selectFrom("kb_relation_phones as p").select("p.phone").whereRef("p.tenant_id", "=", "r.tenant_id").whereRef("p.relation_id", "=", "r.id")),
    ),
  ]);
  // The latest e-mail entry of the suppression ledger (ledger order: occurred_at, then id) is a bounce suppression.
  const bounced = eb.exists(
    eb
      .selectFrom("kb_suppression_ledger as s")
      .select("s.id")
      .whereRef("s.tenant_id", "=", "r.tenant_id")
      .whereRef("s.relation_id", "=", "r.id")
      .where("s.channel", "=", "email")
      .where("s.action", "=", "suppress")
      .where("s.reason", "=", "bounced")
      .where((s) =>
        s.not(
          s.exists(
            s
              .selectFrom("kb_suppression_ledger as l")
              .select("l.id")
              .whereRef("l.tenant_id", "=", "s.tenant_id")
              .whereRef("l.relation_id", "=", "s.relation_id")
              .where("l.channel", "=", "email")
              .where((l) =>
                l.or([
                  l("l.occurred_at", ">", l.ref("s.occurred_at")),
                  l.and([l("l.occurred_at", "=", l.ref("s.occurred_at")), l("l.id", ">", l.ref("s.id"))]),
                ]),
              ),
          ),
        ),
      ),
  );
  // In an open pair of the review list, at either end.
  const duplicates = eb.exists(
    eb
      .selectFrom("kb_duplicate_pairs as d")
      .select("d.first_id")
      .whereRef("d.tenant_id", "=", "r.tenant_id")
      .where("d.status", "=", "open")
      .where((d) => d.or([d("d.first_id", "=", d.ref("r.id")), d("d.second_id", "=", d.ref("r.id"))])),
  );
  return { stale, noContact, bounced, duplicates };
}

/** The data-quality report of one tenant. */
export function dataQualityStore({ db, tenantId }: StoreContext): DataQualityStore {
  const base = (scope: DataQualityScope) => {
    let q = db.selectFrom("kb_relations as r").where("r.tenant_id", "=", tenantId).where("r.deleted_at", "is", null);
    if (scope.ownerId !== undefined) q = scope.ownerId === null ? q.where("r.owner_id", "is", null) : q.where("r.owner_id", "=", scope.ownerId);
    return q;
  };
  const count = (e: Expression<SqlBool>) => sql<number | string>`sum(case when ${e} then 1 else 0 end)`;
  return {
    async counts(scope, byOwner) {
      const q = base(scope).select((eb) => {
        const p = predicates(eb as unknown as Eb, scope);
        return [
          eb.fn.countAll<number | string>().as("relations"),
          count(p.stale).as("stale"),
          count(p.noContact).as("no_contact"),
          count(p.bounced).as("bounced"),
          count(p.duplicates).as("duplicates"),
        ];
      });
      const rows = byOwner ? await q.select("r.owner_id").groupBy("r.owner_id").execute() : await q.execute();
      const out = rows.map((row) => ({
        ownerId: byOwner ? ((row as { owner_id?: string | null }).owner_id ?? null) : null,
        relations: toNumber(row.relations ?? 0),
        stale: toNumber(row.stale ?? 0),
        noContact: toNumber(row.no_contact ?? 0),
        bounced: toNumber(row.bounced ?? 0),
        duplicates: toNumber(row.duplicates ?? 0),
      }));
      // Owner order in code: null first, then ids by code point, the same on both engines.
      return out.sort((a, b) => (a.ownerId === b.ownerId ? 0 : a.ownerId === null ? -1 : b.ownerId === null ? 1 : a.ownerId < b.ownerId ? -1 : 1));
    },

    async page(scope, problem, after, limit) {
      let q = base(scope)
        .select("r.id")
        .where((eb) => predicates(eb as unknown as Eb, scope)[problem]);
      if (after !== undefined) q = q.where("r.id", ">", after);
      const rows = await q.orderBy("r.id").limit(limit).execute();
      return rows.map((row) => row.id);
    },
  };
}
