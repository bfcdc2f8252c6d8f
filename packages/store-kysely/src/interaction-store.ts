import { toInstant, type InteractionRecord, type InteractionStore } from "@kaartenbak/core/storage";
import { interactionFromJoined, interactionShapes, interactionsWithChildren } from "./interaction-reads.js";
import type { ReadContext } from "./relation-reads.js";
import { affected, inChunks } from "./store-context.js";
import { dealTimelineIds, insertDealLinks, moveDealLinks, replaceDealLinks } from "./interaction-deal-store.js";
import { writeInteractionDocuments } from "./search-documents.js";

/** The columns of an interaction that an update may replace: its own fields, never its key or links. */
function ownColumns(record: InteractionRecord) {
  return {
    kind: record.kind,
    direction: record.direction,
    channel: record.channel,
    occurred_at: record.occurredAt,
    subject: record.subject,
    body: record.body,
    outcome: record.outcome,
    version: record.version,
    updated_at: record.updatedAt,
    deleted_at: record.deletedAt,
  };
}

/** Contact moments, their relation links and participants, for one tenant. */
export function interactionStore(context: ReadContext): InteractionStore {
  const { db, tenantId, reads } = context;
  const shapes = interactionShapes(reads);
  /** Interactions with their child rows, one statement (see {@link interactionsWithChildren}). */
  const joined = () => interactionsWithChildren(db, reads.functions, tenantId);
  /** The interactions with these ids, with their child rows, in the order of `ids`. */
  async function inOrder(ids: readonly string[]): Promise<InteractionRecord[]> {
    if (ids.length === 0) return [];
    const rows = await inChunks(ids, (chunk) => joined().where("i.id", "in", chunk).execute());
    const byId = new Map(rows.map((row) => [row.id, interactionFromJoined(row)]));
    return ids.flatMap((id) => byId.get(id) ?? []);
  }

  return {
    async insert(record) {
      const values = { tenant_id: tenantId, id: record.id, external_key: record.externalKey, created_at: record.createdAt, ...ownColumns(record) };
      if (record.externalKey === null) {
        await db.insertInto("kb_interactions").values(values).execute();
      } else {
        // Losing a race for the key is the idempotent-import case, not an error: DO NOTHING keeps
        // the transaction usable on Postgres, where a failed statement would abort it.
        const inserted = await db
          .insertInto("kb_interactions")
          .values(values)
          .onConflict((oc) => oc.columns(["tenant_id", "external_key"]).doNothing())
          .returning("id")
          .executeTakeFirst();
        if (!inserted) return false;
      }
      const relationIds = [...new Set(record.relationIds)];
      if (relationIds.length > 0) {
        // A missing relation breaks the foreign key; the profile maps that to INTEGRITY.
        await db
          .insertInto("kb_interaction_relations")
          .values(
            relationIds.map((relationId, position) => ({
              tenant_id: tenantId,
              interaction_id: record.id,
              relation_id: relationId,
              occurred_at: record.occurredAt,
              position,
            })),
          )
          .execute();
      }
      if (record.participants.length > 0) {
        await db
          .insertInto("kb_interaction_participants")
          .values(
            record.participants.map((p, position) => ({
              tenant_id: tenantId,
              interaction_id: record.id,
              position,
              role: p.role,
              relation_id: p.relationId,
              address: p.address,
              name: p.name,
            })),
          )
          .execute();
      }
      await insertDealLinks({ db, tenantId }, record);
      await writeInteractionDocuments(context, [record], true);
      return true;
    },

    async update(record, expectedVersion) {
      const result = await db
        .updateTable("kb_interactions")
        .set(ownColumns(record))
        .where("tenant_id", "=", tenantId)
        .where("id", "=", record.id)
        .where("version", "=", expectedVersion)
        .executeTakeFirst();
      if (affected(result) === 0) return false;
      // The timeline index carries its own copy of occurred_at; keep it in step.
      await db
        .updateTable("kb_interaction_relations")
        .set({ occurred_at: record.occurredAt })
        .where("tenant_id", "=", tenantId)
        .where("interaction_id", "=", record.id)
        .execute();
      await moveDealLinks({ db, tenantId }, record.id, record.occurredAt);
      // Subject, body, outcome or deletion may have changed: the document follows (none when deleted).
      await writeInteractionDocuments(context, [record]);
      return true;
    },

    async get(id) {
      const [row] = await shapes.byId.execute(db, [tenantId, id]);
      return row ? interactionFromJoined(row) : undefined;
    },

    async getByExternalKey(externalKey) {
      const [row] = await shapes.byExternalKey.execute(db, [tenantId, externalKey]);
      return row ? interactionFromJoined(row) : undefined;
    },

    async timeline({ relationIds, after, limit }) {
      if (relationIds.length === 0 || limit <= 0) return [];
      // One relation (the common case, and the hot one): one compiled statement for the page.
      if (relationIds.length === 1) {
        const rows = after
          ? await shapes.nextPage(limit).execute(db, [tenantId, relationIds[0]!, toInstant(after.occurredAt), after.id])
          : await shapes.firstPage(limit).execute(db, [tenantId, relationIds[0]!]);
        return rows.map(interactionFromJoined);
      }
      // A roll-up: the page's keys over several relations (DISTINCT: they may share an
      // interaction), then the interactions with their child rows in one more statement.
      let page = db
        .selectFrom("kb_interaction_relations as ir")
        .innerJoin("kb_interactions as i", (join) => join.onRef("i.tenant_id", "=", "ir.tenant_id").onRef("i.id", "=", "ir.interaction_id"))
        .select(["ir.interaction_id", "ir.occurred_at"])
        .distinct()
        .where("ir.tenant_id", "=", tenantId)
        .where("ir.relation_id", "in", relationIds)
        .where("i.deleted_at", "is", null);
      if (after) {
        const at = toInstant(after.occurredAt);
        page = page.where((eb) => eb.or([eb("ir.occurred_at", "<", at), eb.and([eb("ir.occurred_at", "=", at), eb("ir.interaction_id", "<", after.id)])]));
      }
      const keys = await page.orderBy("ir.occurred_at", "desc").orderBy("ir.interaction_id", "desc").limit(limit).execute();
      return inOrder(keys.map((k) => k.interaction_id));
    },

    dealTimeline: async (query) => inOrder(await dealTimelineIds({ db, tenantId }, query)),

    setDeals: (interactionId, dealIds, occurredAt) => replaceDealLinks({ db, tenantId }, interactionId, dealIds, occurredAt),
  };
}
