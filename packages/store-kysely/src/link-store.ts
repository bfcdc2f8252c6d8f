import type { LinkRecord, LinkStore } from "@kaartenbak/core/storage";
import { linkFromRow } from "./rows.js";
import { refreshRelationDocuments } from "./search-documents.js";
import type { ReadContext } from "./relation-reads.js";
import { affected } from "./store-context.js";

/** The columns of a link that an update may replace. */
function linkColumns(record: LinkRecord) {
  return {
    kind: record.kind,
    from_id: record.fromId,
    to_id: record.toId,
    role: record.role,
    job_title: record.jobTitle,
    valid_from: record.validFrom,
    valid_to: record.validTo,
    version: record.version,
    created_at: record.createdAt,
    updated_at: record.updatedAt,
  };
}

/** Links between relations, for one tenant. */
export function linkStore(context: ReadContext): LinkStore {
  const { db, tenantId } = context;
  const links = () => db.selectFrom("kb_links").selectAll().where("tenant_id", "=", tenantId);
  /** A person's search document names its employers: an employment link written or removed rewrites it. */
  const employment = (...records: (LinkRecord | undefined)[]) => records.flatMap((r) => (r?.kind === "employment" ? [r.fromId] : []));
  const before = async (id: string) => {
    const row = await links().where("id", "=", id).executeTakeFirst();
    return row ? linkFromRow(row) : undefined;
  };

  return {
    async insert(record) {
      // Both ends are foreign keys on (tenant_id, id): a relation of another tenant is as missing as
      // an unknown one, and the profile maps the violation to INTEGRITY.
      await db
        .insertInto("kb_links")
        .values({ tenant_id: tenantId, id: record.id, ...linkColumns(record) })
        .execute();
      await refreshRelationDocuments(context, employment(record));
    },

    async update(record, expectedVersion) {
      const old = await before(record.id);
      const result = await db
        .updateTable("kb_links")
        .set(linkColumns(record))
        .where("tenant_id", "=", tenantId)
        .where("id", "=", record.id)
        .where("version", "=", expectedVersion)
        .executeTakeFirst();
      if (affected(result) === 0) return false;
      await refreshRelationDocuments(context, employment(old, record));
      return true;
    },

    async delete(id, expectedVersion) {
      const old = await before(id);
      const result = await db
        .deleteFrom("kb_links")
        .where("tenant_id", "=", tenantId)
        .where("id", "=", id)
        .where("version", "=", expectedVersion)
        .executeTakeFirst();
      if (affected(result) === 0) return false;
      await refreshRelationDocuments(context, employment(old));
      return true;
    },

    async get(id) {
      const row = await links().where("id", "=", id).executeTakeFirst();
      return row ? linkFromRow(row) : undefined;
    },

    async listForRelation(relationId) {
      const rows = await links()
        .where((eb) => eb.or([eb("from_id", "=", relationId), eb("to_id", "=", relationId)]))
        .orderBy("created_at")
        .orderBy("id")
        .execute();
      return rows.map(linkFromRow);
    },

    async ancestorsOf(organisationId) {
      // UNION (not UNION ALL) drops rows already produced, so a cycle in bad data ends the
      // recursion instead of looping forever.
      const rows = await db
        .withRecursive("kb_ancestors(id)", (qb) =>
          qb
            .selectFrom("kb_links")
            .select("to_id as id")
            .where("tenant_id", "=", tenantId)
            .where("kind", "=", "parent_organisation")
            .where("from_id", "=", organisationId)
            .union((eb) =>
              eb
                .selectFrom("kb_links as l")
                .innerJoin("kb_ancestors as a", "a.id", "l.from_id")
                .select("l.to_id as id")
                .where("l.tenant_id", "=", tenantId)
                .where("l.kind", "=", "parent_organisation"),
            ),
        )
        .selectFrom("kb_ancestors")
        .select("id")
        .execute();
      return rows.map((r) => r.id);
    },
  };
}
