import type { ErasureCounts, ErasurePlan, PrivacyStore } from "@kaartenbak/core/storage";
import { nameKey } from "@kaartenbak/core/storage";
import { sql, type Kysely, type RawBuilder } from "kysely";
import { scrubTargets } from "./privacy-columns.js";
import { fromJson, historyFromRow, outboxFromRow, toJson } from "./rows.js";
import { affected, inChunks } from "./store-context.js";
import type { ReadContext } from "./relation-reads.js";
import { employeesOf, refreshInteractionDocuments, refreshRelationDocuments } from "./search-documents.js";

/** The store as a database of untyped tables, for the table-driven scrub (table names come from {@link scrubTargets}). */
type LooseDb = Kysely<Record<string, Record<string, unknown>>>;

const likeEscape = (s: string) => s.replace(/[\\%_]/g, (c) => `\\${c}`);
const regexEscape = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");

/**
 * A condition that finds rows whose column may contain one of the identifiers. It only narrows
 * the rows read: the replacement itself is done in TypeScript, with full Unicode case folding.
 * SQLite's `lower` folds ASCII only, so the identifier is also matched as written.
 */
function mayContain(column: string, identifiers: readonly string[], json: boolean): RawBuilder<boolean> {
  const patterns = new Set<string>();
  for (const id of identifiers) {
    const text = json ? JSON.stringify(id).slice(1, -1) : id;
    patterns.add(`%${likeEscape(text.toLowerCase())}%`);
    patterns.add(`%${likeEscape(text)}%`);
  }
  const col = sql`lower(cast(${sql.ref(column)} as text))`;
  return sql<boolean>`(${sql.join(
    [...patterns].map((p) => sql`${col} like ${p} escape '\\'`),
    sql` or `,
  )})`;
}

/** Replaces every occurrence of the identifiers, in any case; longest first, as the plan orders them. */
function replacer(identifiers: readonly string[], replacement: string): (text: string) => string {
  const re = identifiers.length ? new RegExp(identifiers.map(regexEscape).join("|"), "giu") : undefined;
  return (text) => (re ? text.replace(re, replacement) : text);
}

function scrubJson(value: unknown, scrub: (s: string) => string): unknown {
  if (typeof value === "string") return scrub(value);
  if (Array.isArray(value)) return value.map((v) => scrubJson(v, scrub));
  if (value && typeof value === "object") return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, scrubJson(v, scrub)]));
  return value;
}

/** Access requests and erasure, for one tenant. */
export function privacyStore(context: ReadContext): PrivacyStore {
  const { db, tenantId } = context;
  const loose = db as unknown as LooseDb;

  /**
   * Replaces the identifiers in every scrubbed column of the tenant; counts rows changed per table
   * and collects the ids of the relations and contact moments changed (their search documents follow).
   */
  async function scrubEverywhere(plan: ErasurePlan, counts: Record<string, number>, changed: { relations: string[]; interactions: string[] }): Promise<void> {
    if (plan.identifiers.length === 0) return;
    const scrub = replacer(plan.identifiers, plan.replacement);
    for (const target of scrubTargets()) {
      const columns = [...target.text, ...target.json];
      const rows = await loose
        .selectFrom(target.table)
        .select([...target.key, ...columns])
        .where("tenant_id", "=", tenantId)
        .where((eb) => eb.or(columns.map((c) => eb(mayContain(c, plan.identifiers, target.json.includes(c)), "=", sql.lit(true)))))
        .execute();
      for (const row of rows) {
        const set: Record<string, unknown> = {};
        for (const c of target.text) {
          const v = row[c];
          const scrubbed = typeof v === "string" ? scrub(v) : v;
          if (scrubbed !== v) set[c] = scrubbed;
        }
        for (const c of target.json) {
          if (row[c] === null || row[c] === undefined) continue;
          const before = toJson(fromJson(row[c]));
          const after = toJson(scrubJson(fromJson(row[c]), scrub));
          if (after !== before) set[c] = after;
        }
        if (target.table === "kb_relations" && typeof set.name === "string") set.name_key = nameKey(set.name);
        if (Object.keys(set).length === 0) continue;
        let update = loose.updateTable(target.table).set(set).where("tenant_id", "=", tenantId);
        for (const k of target.key) update = update.where(k, "=", row[k] as string | number);
        await update.execute();
        counts[target.table] = (counts[target.table] ?? 0) + 1;
        if (target.table === "kb_relations") changed.relations.push(String(row.id));
        if (target.table === "kb_interactions") changed.interactions.push(String(row.id));
      }
    }
  }

  async function remoteItemsOf(relationId: string) {
    const rows = await db
      .selectFrom("kb_sync_items")
      .select(["account", "resource", "external_id"])
      .where("tenant_id", "=", tenantId)
      .where("entity_type", "=", "relation")
      .where("entity_id", "=", relationId)
      .orderBy("account")
      .orderBy("resource")
      .orderBy("external_id")
      .execute();
    return rows.map((r) => ({ account: r.account, resource: r.resource, externalId: r.external_id }));
  }

  return {
    async erasedKeys(keys) {
      const rows = await inChunks(keys, (chunk) =>
        db.selectFrom("kb_erasure_keys").select("key").where("tenant_id", "=", tenantId).where("key", "in", chunk).execute(),
      );
      return new Set(rows.map((r) => r.key));
    },

    async recordErasureKeys(records) {
      if (records.length === 0) return;
      await db
        .insertInto("kb_erasure_keys")
        .values(records.map((r) => ({ tenant_id: tenantId, key: r.key, kind: r.kind, relation_id: r.relationId, erased_at: r.erasedAt })))
        .onConflict((oc) => oc.columns(["tenant_id", "key"]).doNothing())
        .execute();
    },

    async releaseErasureKeys(keys) {
      let released = 0;
      await inChunks(keys, async (chunk) => {
        released += affected(await db.deleteFrom("kb_erasure_keys").where("tenant_id", "=", tenantId).where("key", "in", chunk).executeTakeFirst());
        return [];
      });
      return released;
    },

    remoteItemsOf,

    async personalRecords(relationId) {
      const customerOf = db.selectFrom("kb_deals").select("id").where("tenant_id", "=", tenantId).where("relation_id", "=", relationId);
      const contactOn = db.selectFrom("kb_deal_contacts").select("deal_id as id").where("tenant_id", "=", tenantId).where("relation_id", "=", relationId);
      const deals = await customerOf.union(contactOn).orderBy("id").execute();
      const quotes = await db
        .selectFrom("kb_quotes")
        .select("id")
        .where("tenant_id", "=", tenantId)
        .where("relation_id", "=", relationId)
        .orderBy("id")
        .execute();
      const orders = await db
        .selectFrom("kb_orders")
        .select("id")
        .where("tenant_id", "=", tenantId)
        .where("relation_id", "=", relationId)
        .orderBy("id")
        .execute();
      const campaigns = await db
        .selectFrom("kb_campaign_members")
        .select(["campaign_id", "status", "reason", "address", "status_at"])
        .where("tenant_id", "=", tenantId)
        .where("relation_id", "=", relationId)
        .orderBy("campaign_id")
        .execute();
      const segments = await db
        .selectFrom("kb_segment_members")
        .select(["segment_id", "added_at"])
        .where("tenant_id", "=", tenantId)
        .where("relation_id", "=", relationId)
        .orderBy("segment_id")
        .execute();
      const history = await db
        .selectFrom("kb_history")
        .selectAll()
        .where("tenant_id", "=", tenantId)
        .where("entity_type", "=", "relation")
        .where("entity_id", "=", relationId)
        .orderBy("at")
        .orderBy("version")
        .orderBy("id")
        .execute();
      const events = await db
        .selectFrom("kb_outbox")
        .selectAll()
        .where("tenant_id", "=", tenantId)
        .where("entity_type", "=", "relation")
        .where("entity_id", "=", relationId)
        .orderBy("sequence")
        .execute();
      const instant = (v: Date | string) => (v instanceof Date ? v.toISOString() : new Date(v).toISOString());
      return {
        dealIds: deals.map((d) => d.id),
        quoteIds: quotes.map((q) => q.id),
        orderIds: orders.map((o) => o.id),
        campaignMemberships: campaigns.map((c) => ({
          campaignId: c.campaign_id,
          status: c.status,
          reason: c.reason,
          address: c.address,
          statusAt: instant(c.status_at),
        })),
        segmentMemberships: segments.map((s) => ({ segmentId: s.segment_id, addedAt: instant(s.added_at) })),
        syncItems: await remoteItemsOf(relationId),
        history: history.map(historyFromRow),
        events: events.map(outboxFromRow),
      };
    },

    async erase(plan) {
      const { relationId: id, at } = plan;
      const counts: Record<string, number> = {};
      const count = (table: string, n: number) => {
        if (n > 0) counts[table] = (counts[table] ?? 0) + n;
      };
      count(
        "kb_relations",
        affected(
          await db
            .updateTable("kb_relations")
            .set(() => ({
              name: plan.pseudonym,
              name_key: plan.pseudonymKey,
              given_name: null,
              family_name: null,
              addresses: toJson([]),
              attributes: toJson({}),
              version: sql<number>`version + 1`,
              updated_at: at,
              deleted_at: sql<string>`coalesce(deleted_at, ${at})`,
            }))
            .where("tenant_id", "=", tenantId)
            .where("id", "=", id)
            .executeTakeFirst(),
        ),
      );
      for (const table of [
        "kb_relation_emails",
        "kb_relation_phones",
        "kb_relation_tags",
        "kb_relation_refs",
        "kb_field_verifications",
        "kb_duplicate_keys",
      ] as const) {
        count(table, affected(await db.deleteFrom(table).where("tenant_id", "=", tenantId).where("relation_id", "=", id).executeTakeFirst()));
      }
      count(
        "kb_sync_items",
        affected(
          await db
            .deleteFrom("kb_sync_items")
            .where("tenant_id", "=", tenantId)
            .where("entity_type", "=", "relation")
            .where("entity_id", "=", id)
            .executeTakeFirst(),
        ),
      );
      // Contact moments where the person took part under one of its addresses without being linked
      // (unmatched ones, or an unclaimed cc): theirs too, so their bodies go below like the linked ones'.
      const unclaimed = plan.emails.length
        ? (
            await db
              .selectFrom("kb_interaction_participants")
              .select("interaction_id")
              .distinct()
              .where("tenant_id", "=", tenantId)
              .where("relation_id", "is", null)
              .where((eb) => eb(eb.fn("lower", ["address"]), "in", plan.emails))
              .execute()
          ).map((r) => r.interaction_id)
        : [];
      // A participant is the person when linked to the relation, or when written with one of its addresses.
      count(
        "kb_interaction_participants",
        affected(
          await db
            .updateTable("kb_interaction_participants")
            .set({ address: null, name: null })
            .where("tenant_id", "=", tenantId)
            .where((eb) => eb.or([eb("relation_id", "=", id), ...(plan.emails.length ? [eb(eb.fn("lower", ["address"]), "in", plan.emails)] : [])]))
            .executeTakeFirst(),
        ),
      );
      // The bodies of the person's contact moments are their correspondence: removed, not scrubbed.
      const linkedToRelation = () =>
        db.selectFrom("kb_interaction_relations").select("interaction_id").where("tenant_id", "=", tenantId).where("relation_id", "=", id);
      // Those linked to the relation, and the unclaimed ones that carried its addresses.
      const clearBodies = async (ids: readonly string[] | ReturnType<typeof linkedToRelation>) =>
        count(
          "kb_interactions",
          affected(
            await db
              .updateTable("kb_interactions")
              .set({ body: null })
              .where("tenant_id", "=", tenantId)
              .where("body", "is not", null)
              .where("id", "in", ids)
              .executeTakeFirst(),
          ),
        );
      await clearBodies(linkedToRelation());
      await inChunks(unclaimed, async (chunk) => {
        await clearBodies(chunk);
        return [];
      });
      count(
        "kb_campaign_members",
        affected(
          await db.updateTable("kb_campaign_members").set({ address: null }).where("tenant_id", "=", tenantId).where("relation_id", "=", id).executeTakeFirst(),
        ),
      );
      count(
        "kb_links",
        affected(
          await db.updateTable("kb_links").set({ role: null, job_title: null }).where("tenant_id", "=", tenantId).where("from_id", "=", id).executeTakeFirst(),
        ),
      );
      // The relation's own history and events, and those of its links as a person, hold every value
      // they ever had (addresses, job titles): kept as a record that something changed, values replaced.
      const links = await db.selectFrom("kb_links").select("id").where("tenant_id", "=", tenantId).where("from_id", "=", id).execute();
      const owned = [
        { type: "relation", ids: [id] },
        { type: "link", ids: links.map((l) => l.id) },
      ].filter((o) => o.ids.length > 0);
      for (const { type, ids } of owned) {
        const history = await db
          .selectFrom("kb_history")
          .select(["id", "changes"])
          .where("tenant_id", "=", tenantId)
          .where("entity_type", "=", type)
          .where("entity_id", "in", ids)
          .execute();
        for (const row of history) {
          const changes = fromJson(row.changes) as Record<string, unknown> | null;
          const redacted = Object.fromEntries(Object.keys(changes ?? {}).map((k) => [k, { from: plan.replacement, to: plan.replacement }]));
          await db
            .updateTable("kb_history")
            .set({ changes: toJson(redacted) })
            .where("tenant_id", "=", tenantId)
            .where("id", "=", row.id)
            .execute();
        }
        count("kb_history", history.length);
        const events = await db
          .selectFrom("kb_outbox")
          .select(["sequence", "entity_id"])
          .where("tenant_id", "=", tenantId)
          .where("entity_type", "=", type)
          .where("entity_id", "in", ids)
          // The erasure's own event carries no personal data, and tells consumers what happened.
          .where("type", "!=", "relation.erased")
          .execute();
        for (const e of events) {
          await db
            .updateTable("kb_outbox")
            .set({ payload: toJson({ id: e.entity_id, erased: true }) })
            .where("tenant_id", "=", tenantId)
            .where("sequence", "=", e.sequence)
            .execute();
        }
        count("kb_outbox", events.length);
      }
      const changed = { relations: [id], interactions: [] as string[] };
      await scrubEverywhere(plan, counts, changed);
      // The search documents are derived: rebuilt from the rows as the erasure left them. The
      // relation itself is soft-deleted, so its document goes; its contact moments lost their
      // bodies; an organisation's people named it in theirs.
      const own = await db
        .selectFrom("kb_interaction_relations")
        .select("interaction_id")
        .where("tenant_id", "=", tenantId)
        .where("relation_id", "=", id)
        .execute();
      await refreshRelationDocuments(context, [...new Set([...changed.relations, ...(await employeesOf(context, [id]))])]);
      await refreshInteractionDocuments(context, [...new Set([...changed.interactions, ...own.map((r) => r.interaction_id), ...unclaimed])]);
      return counts satisfies ErasureCounts;
    },
  };
}
