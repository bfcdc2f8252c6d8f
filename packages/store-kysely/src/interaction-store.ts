import { toInstant, type InteractionRecord, type InteractionStore } from "@kaartenbak/core/storage";
import { sql, type Selectable } from "kysely";
import { interactionFromRow, participantFromRow, toNumber } from "./rows.js";
import type { InteractionParticipantRow, InteractionRow } from "./schema.js";
import { affected, groupBy, inChunks, type StoreContext } from "./store-context.js";
import { dealTimelineIds, insertDealLinks, moveDealLinks, replaceDealLinks } from "./interaction-deal-store.js";

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
export function interactionStore({ db, tenantId }: StoreContext): InteractionStore {
  const interactions = () => db.selectFrom("kb_interactions").selectAll().where("tenant_id", "=", tenantId);

  /**
   * Completes interaction rows with their relation links, participants and deal links: ONE
   * `union all` query of uniform columns for the whole set, so a page costs two round trips.
   */
  async function assemble(rows: readonly Selectable<InteractionRow>[]): Promise<InteractionRecord[]> {
    if (rows.length === 0) return [];
    const children = await inChunks(
      rows.map((r) => r.id),
      (chunk) => {
        const text = (value: "relation_id" | "deal_id" | "role" | "address" | "name" | null) =>
          value === null ? sql<string | null>`null` : sql<string | null>`${sql.ref(value)}`;
        const position = sql<string | number>`${sql.ref("position")}`;
        return db
          .selectFrom("kb_interaction_relations")
          .where("tenant_id", "=", tenantId)
          .where("interaction_id", "in", chunk)
          .select([
            sql<string>`'l'`.as("t"),
            "interaction_id",
            text("relation_id").as("a"),
            text(null).as("b"),
            text(null).as("c"),
            text(null).as("d"),
            position.as("n"),
          ])
          .unionAll(
            db
              .selectFrom("kb_interaction_deals")
              .where("tenant_id", "=", tenantId)
              .where("interaction_id", "in", chunk)
              .select([
                sql<string>`'d'`.as("t"),
                "interaction_id",
                text("deal_id").as("a"),
                text(null).as("b"),
                text(null).as("c"),
                text(null).as("d"),
                position.as("n"),
              ]),
          )
          .unionAll(
            db
              .selectFrom("kb_interaction_participants")
              .where("tenant_id", "=", tenantId)
              .where("interaction_id", "in", chunk)
              .select([
                sql<string>`'p'`.as("t"),
                "interaction_id",
                text("role").as("a"),
                text("address").as("b"),
                text("name").as("c"),
                text("relation_id").as("d"),
                position.as("n"),
              ]),
          )
          .execute();
      },
    );
    const byInteraction = groupBy(children, (c) => c.interaction_id);
    return rows.map((row) => {
      const mine = (byInteraction.get(row.id) ?? []).sort((x, y) => toNumber(x.n) - toNumber(y.n));
      const of = (t: string) => mine.filter((c) => c.t === t);
      return {
        ...interactionFromRow(
          row,
          of("l").map((c) => c.a!),
          of("p").map((c) => participantFromRow({ role: c.a!, address: c.b, name: c.c, relation_id: c.d } as Selectable<InteractionParticipantRow>)),
        ),
        dealIds: of("d").map((c) => c.a!),
      };
    });
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
      return true;
    },

    async get(id) {
      const row = await interactions().where("id", "=", id).executeTakeFirst();
      return row ? (await assemble([row]))[0] : undefined;
    },

    async getByExternalKey(externalKey) {
      const row = await interactions().where("external_key", "=", externalKey).executeTakeFirst();
      return row ? (await assemble([row]))[0] : undefined;
    },

    async timeline({ relationIds, after, limit }) {
      if (relationIds.length === 0 || limit <= 0) return [];
      // Driven from kb_interaction_relations so one relation's page is a backward range scan of
      // the (tenant_id, relation_id, occurred_at, interaction_id) index.
      let page = db
        .selectFrom("kb_interaction_relations as ir")
        .innerJoin("kb_interactions as i", (join) => join.onRef("i.tenant_id", "=", "ir.tenant_id").onRef("i.id", "=", "ir.interaction_id"))
        .select(["ir.interaction_id", "ir.occurred_at"])
        .where("ir.tenant_id", "=", tenantId)
        .where("i.deleted_at", "is", null);
      // Several relations can share an interaction; DISTINCT lists it once.
      page = relationIds.length === 1 ? page.where("ir.relation_id", "=", relationIds[0]!) : page.where("ir.relation_id", "in", relationIds).distinct();
      if (after) {
        const at = toInstant(after.occurredAt);
        page = page.where((eb) => eb.or([eb("ir.occurred_at", "<", at), eb.and([eb("ir.occurred_at", "=", at), eb("ir.interaction_id", "<", after.id)])]));
      }
      const ordered = page.orderBy("ir.occurred_at", "desc").orderBy("ir.interaction_id", "desc").limit(limit);
      // One relation: the page query already joins the interactions, so it returns their rows.
      if (relationIds.length === 1) return assemble(await ordered.selectAll("i").execute());
      const keys = await ordered.execute();
      if (keys.length === 0) return [];
      const rows = await interactions()
        .where(
          "id",
          "in",
          keys.map((k) => k.interaction_id),
        )
        .execute();
      const byId = new Map((await assemble(rows)).map((r) => [r.id, r]));
      return keys.flatMap((k) => byId.get(k.interaction_id) ?? []);
    },

    async dealTimeline(query) {
      const ids = await dealTimelineIds({ db, tenantId }, query);
      if (ids.length === 0) return [];
      const byId = new Map((await assemble(await interactions().where("id", "in", ids).execute())).map((r) => [r.id, r]));
      return ids.flatMap((id) => byId.get(id) ?? []);
    },

    setDeals: (interactionId, dealIds, occurredAt) => replaceDealLinks({ db, tenantId }, interactionId, dealIds, occurredAt),
  };
}
