import { toInstant, type BulkStore, type InteractionRecord, type LinkRecord } from "@kaartenbak/core/storage";
import type { DialectProfile } from "./dialect-profile.js";
import { insertRows } from "./insert-rows.js";
import { insertRelationsClaimingRefs, relationStore } from "./relation-store.js";
import { relationFromJoined, relationsWithChildren, type ReadContext, type RelationWithChildren } from "./relation-reads.js";
import { interactionFromJoined, interactionsWithChildren } from "./interaction-reads.js";
import { inChunks } from "./store-context.js";
import { insertEventRows, insertHistoryRows } from "./write-rows.js";
import { refreshRelationDocuments, writeInteractionDocuments } from "./search-documents.js";
import { linkFromRow } from "./rows.js";

const LINK_COLUMNS = ["tenant_id", "id", "kind", "from_id", "to_id", "role", "job_title", "valid_from", "valid_to", "version", "created_at", "updated_at"];

const INTERACTION_COLUMNS = [
  "tenant_id",
  "id",
  "kind",
  "direction",
  "channel",
  "occurred_at",
  "subject",
  "body",
  "outcome",
  "external_key",
  "version",
  "created_at",
  "updated_at",
  "deleted_at",
];

/** Set-based reads and writes for imports, for one tenant. */
export function bulkStore(context: ReadContext, profile: Pick<DialectProfile, "bulkWrite">): BulkStore {
  const { db, tenantId } = context;
  /** The multi-row inserts through the profile's bulk-write hook (Postgres: fresh foreign-key check plans). */
  const bulkWrite = <T>(run: () => Promise<T>): Promise<T> => (profile.bulkWrite ? profile.bulkWrite(db, run) : run());
  const joined = () => relationsWithChildren(db, context.reads.functions, tenantId);
  /** Each relation once (chunks may repeat one), oldest first like the single look-ups. */
  const oldestFirst = (rows: readonly RelationWithChildren[]) =>
    [...new Map(rows.map((row) => [row.id, relationFromJoined(row)])).values()].sort((a, b) =>
      a.createdAt < b.createdAt ? -1 : a.createdAt > b.createdAt ? 1 : a.id < b.id ? -1 : a.id > b.id ? 1 : 0,
    );
  return {
    async relationsByExternalRefs(refs) {
      const keys = new Map(refs.map((r) => [`${r.system}\u0000${r.externalId}`, r]));
      const bySystem = new Map<string, string[]>();
      for (const r of keys.values()) bySystem.set(r.system, [...(bySystem.get(r.system) ?? []), r.externalId]);
      const ids: string[] = [];
      for (const [system, externalIds] of bySystem) {
        const rows = await inChunks(externalIds, (chunk) =>
          db
            .selectFrom("kb_relation_refs")
            .select("relation_id")
            .where("tenant_id", "=", tenantId)
            .where("system", "=", system)
            .where("external_id", "in", chunk)
            .execute(),
        );
        ids.push(...rows.map((r) => r.relation_id));
      }
      return ids.length ? relationStore(context).getMany([...new Set(ids)]) : [];
    },

    async liveRelationsByEmails(emails) {
      const rows = await inChunks(emails, (chunk) =>
        joined()
          .where("r.deleted_at", "is", null)
          .where("r.id", "in", db.selectFrom("kb_relation_emails").select("relation_id").where("tenant_id", "=", tenantId).where("email", "in", chunk))
          .execute(),
      );
      return oldestFirst(rows);
    },

    async relationIdsByEmails(emails) {
      const rows = await inChunks(emails, (chunk) =>
        db
          .selectFrom("kb_relation_emails as e")
          .innerJoin("kb_relations as r", (join) => join.onRef("r.tenant_id", "=", "e.tenant_id").onRef("r.id", "=", "e.relation_id"))
          .select(["e.email as email", "r.id as relationId", "r.created_at as createdAt"])
          .where("e.tenant_id", "=", tenantId)
          .where("e.email", "in", chunk)
          .where("r.deleted_at", "is", null)
          .execute(),
      );
      const at = (v: unknown) => toInstant(v as string);
      return rows
        .map((r) => ({ email: r.email, relationId: r.relationId, createdAt: at(r.createdAt) }))
        .sort((a, b) =>
          a.createdAt < b.createdAt ? -1 : a.createdAt > b.createdAt ? 1 : a.relationId < b.relationId ? -1 : a.relationId > b.relationId ? 1 : 0,
        )
        .map(({ email, relationId }) => ({ email, relationId }));
    },

    async liveRelationsByNameKeys(kind, keys) {
      const rows = await inChunks(keys, (chunk) =>
        joined().where("r.deleted_at", "is", null).where("r.kind", "=", kind).where("r.name_key", "in", chunk).execute(),
      );
      return oldestFirst(rows);
    },

    async liveRelationIds(ids) {
      const rows = await inChunks(ids, (chunk) =>
        db.selectFrom("kb_relations").select("id").where("tenant_id", "=", tenantId).where("id", "in", chunk).where("deleted_at", "is", null).execute(),
      );
      return new Set(rows.map((r) => r.id));
    },

    // All or nothing: a reference taken meanwhile removes every row of the call again and throws
    // DUPLICATE `external_ref_taken` with the transaction still usable (see insertRelationsClaimingRefs).
    insertRelations: (records) => bulkWrite(() => insertRelationsClaimingRefs(context, records)),

    async interactionsByExternalKeys(keys) {
      const rows = await inChunks(keys, (chunk) =>
        interactionsWithChildren(db, context.reads.functions, tenantId).where("i.external_key", "in", chunk).execute(),
      );
      return rows.map(interactionFromJoined);
    },

    async takenExternalKeys(keys) {
      const rows = await inChunks(keys, (chunk) =>
        db.selectFrom("kb_interactions").select("external_key").where("tenant_id", "=", tenantId).where("external_key", "in", chunk).execute(),
      );
      return new Set(rows.flatMap((r) => (r.external_key === null ? [] : [r.external_key])));
    },

    insertInteractions: (records) => bulkWrite(() => insertInteractionRows(records)),

    insertLinks: (records) => bulkWrite(() => insertLinkRows(records)),

    async linksOfRelations(ids) {
      const rows = await inChunks(ids, (chunk) =>
        db
          .selectFrom("kb_links")
          .selectAll()
          .where("tenant_id", "=", tenantId)
          .where((eb) => eb.or([eb("from_id", "in", chunk), eb("to_id", "in", chunk)]))
          .execute(),
      );
      const byId = new Map(rows.map((row) => [row.id, linkFromRow(row)]));
      return [...byId.values()].sort((a, b) => (a.createdAt < b.createdAt ? -1 : a.createdAt > b.createdAt ? 1 : a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
    },

    appendHistory: (entries) => insertHistoryRows(context, entries),
    appendEvents: (events) => insertEventRows(context, events),
  };

  async function insertInteractionRows(records: readonly InteractionRecord[]): Promise<ReadonlySet<string>> {
    const inserted = new Set<string>();
    // A taken external key skips its row (DO NOTHING keeps a Postgres transaction usable).
    const rows = await insertRows(
      context,
      "kb_interactions",
      INTERACTION_COLUMNS,
      records.map((r) => ({
        tenant_id: tenantId,
        id: r.id,
        kind: r.kind,
        direction: r.direction,
        channel: r.channel,
        occurred_at: r.occurredAt,
        subject: r.subject,
        body: r.body,
        outcome: r.outcome,
        external_key: r.externalKey,
        version: r.version,
        created_at: r.createdAt,
        updated_at: r.updatedAt,
        deleted_at: r.deletedAt,
      })),
      { onConflictDoNothing: ["tenant_id", "external_key"], returning: "id" },
    );
    for (const row of rows) inserted.add(row.id as string);
    const kept = records.filter((r) => inserted.has(r.id));
    const links = kept.flatMap((r) =>
      [...new Set(r.relationIds)].map((relationId, position) => ({
        tenant_id: tenantId,
        interaction_id: r.id,
        relation_id: relationId,
        occurred_at: r.occurredAt,
        position,
      })),
    );
    const participants = kept.flatMap((r) =>
      r.participants.map((p, position) => ({
        tenant_id: tenantId,
        interaction_id: r.id,
        position,
        role: p.role,
        relation_id: p.relationId,
        address: p.address,
        name: p.name,
      })),
    );
    if (links.length > 0) await insertRows(context, "kb_interaction_relations", Object.keys(links[0]!), links);
    if (participants.length > 0) await insertRows(context, "kb_interaction_participants", Object.keys(participants[0]!), participants);
    const deals = kept.flatMap((r) =>
      [...new Set(r.dealIds ?? [])].map((dealId, position) => ({
        tenant_id: tenantId,
        interaction_id: r.id,
        deal_id: dealId,
        occurred_at: r.occurredAt,
        position,
      })),
    );
    if (deals.length > 0) await insertRows(context, "kb_interaction_deals", Object.keys(deals[0]!), deals);
    await writeInteractionDocuments(context, kept, true);
    return inserted;
  }

  async function insertLinkRows(records: readonly LinkRecord[]): Promise<void> {
    if (records.length > 0) {
      await insertRows(
        context,
        "kb_links",
        LINK_COLUMNS,
        records.map((r) => ({
          tenant_id: tenantId,
          id: r.id,
          kind: r.kind,
          from_id: r.fromId,
          to_id: r.toId,
          role: r.role,
          job_title: r.jobTitle,
          valid_from: r.validFrom,
          valid_to: r.validTo,
          version: r.version,
          created_at: r.createdAt,
          updated_at: r.updatedAt,
        })),
      );
    }
    // A person's search document names its employers.
    await refreshRelationDocuments(context, [...new Set(records.filter((r) => r.kind === "employment").map((r) => r.fromId))]);
  }
}
