import { toInstant, type ClaimedInteraction, type InteractionRecord, type UnmatchedStore } from "@kaartenbak/core/storage";
import { sql } from "kysely";
import { interactionFromJoined, interactionsWithChildren } from "./interaction-reads.js";
import { insertRows } from "./insert-rows.js";
import type { ReadContext } from "./relation-reads.js";
import { chunks, groupBy, inChunks } from "./store-context.js";

/**
 * Unmatched contact moments and claims. A participant without a relation that carries an e-mail
 * address is claimed by the live relation holding that address: its `relation_id` is set and its
 * interaction is linked to the relation (so it shows on that relation's timeline). Core calls the
 * claims in the transaction of every write that gives a live relation an e-mail address, and
 * journals what they return (see `withUnmatchedClaims` in core).
 *
 * Addresses are compared as stored: participant addresses with an `@` and relation e-mails are
 * both trimmed and lower-cased by core before they are written. The comparison happens in
 * TypeScript-supplied parameters, never column against column: relation e-mails are a binary-
 * collated key column and participant addresses plain text, which Postgres refuses to compare.
 *
 * The candidates are found through `kb_interaction_participants_unclaimed_idx` (tenant, address,
 * where relation_id is null), so the common case — a relation import whose e-mails no unmatched
 * participant carries — costs one index probe per chunk and writes nothing.
 */

type Candidate = { interaction_id: string; position: number | string; address: string | null };

const newestFirst = (a: InteractionRecord, b: InteractionRecord) =>
  a.occurredAt === b.occurredAt ? (a.id < b.id ? 1 : a.id > b.id ? -1 : 0) : a.occurredAt < b.occurredAt ? 1 : -1;

const LINK_COLUMNS = ["tenant_id", "interaction_id", "relation_id", "occurred_at", "position"];

/** Claims of participants and the unmatched list, for one tenant. */
export function unmatchedStore(context: ReadContext): UnmatchedStore {
  const { db, tenantId, reads } = context;

  async function holders(addresses: readonly string[]): Promise<Map<string, string>> {
    const rows = await inChunks(addresses, (chunk) =>
      db
        .selectFrom("kb_relation_emails as e")
        .innerJoin("kb_relations as r", (join) => join.onRef("r.tenant_id", "=", "e.tenant_id").onRef("r.id", "=", "e.relation_id"))
        .select((eb) => ["e.email", eb.fn.min("e.relation_id").as("relation_id")])
        .where("e.tenant_id", "=", tenantId)
        .where("e.email", "in", chunk)
        .where("r.deleted_at", "is", null)
        .groupBy("e.email")
        .execute(),
    );
    return new Map(rows.map((r) => [r.email, r.relation_id]));
  }

  /** Claims these candidates for the live holders of their addresses; see {@link UnmatchedStore.claimAddresses}. */
  async function claim(candidates: readonly Candidate[], interactionIds: readonly string[] | undefined, at: string): Promise<ClaimedInteraction[]> {
    if (candidates.length === 0) return [];
    const owners = await holders([...new Set(candidates.flatMap((c) => (c.address === null ? [] : [c.address])))]);
    if (owners.size === 0) return [];
    // One statement per chunk of addresses: `relation_id = case address when … then … end`. The
    // `relation_id is null` condition makes a concurrent claim of the same row a no-op.
    const claimed: { interaction_id: string; position: number | string; address: string | null; relation_id: string | null }[] = [];
    for (const part of chunks([...owners])) {
      const cases = sql.join(
        part.map(([address, relationId]) => sql`when ${address} then ${relationId}`),
        sql` `,
      );
      let update = db
        .updateTable("kb_interaction_participants")
        .set({ relation_id: sql<string>`case ${sql.ref("address")} ${cases} end` })
        .where("tenant_id", "=", tenantId)
        .where("relation_id", "is", null)
        .where(
          "address",
          "in",
          part.map(([address]) => address),
        );
      if (interactionIds) update = update.where("interaction_id", "in", interactionIds);
      claimed.push(...(await update.returning(["interaction_id", "position", "address", "relation_id"]).execute()));
    }
    if (claimed.length === 0) return [];
    const byInteraction = groupBy(claimed, (c) => c.interaction_id);
    const ids = [...byInteraction.keys()].sort();

    // One version step per interaction, whatever it gained.
    const bumped = await inChunks(ids, (chunk) =>
      db
        .updateTable("kb_interactions")
        .set({ version: sql<number>`version + 1`, updated_at: at })
        .where("tenant_id", "=", tenantId)
        .where("id", "in", chunk)
        .returning(["id", "version", "occurred_at"])
        .execute(),
    );
    const links = await inChunks(ids, (chunk) =>
      db
        .selectFrom("kb_interaction_relations")
        .select(["interaction_id", "relation_id", "position"])
        .where("tenant_id", "=", tenantId)
        .where("interaction_id", "in", chunk)
        .execute(),
    );
    const linksOf = groupBy(links, (l) => l.interaction_id);
    const newLinks: Record<string, unknown>[] = [];
    const result: ClaimedInteraction[] = [];
    for (const row of bumped.sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0))) {
      const existing = (linksOf.get(row.id) ?? []).sort((a, b) => Number(a.position) - Number(b.position));
      const before = existing.map((l) => l.relation_id);
      const after = [...before];
      let position = existing.reduce((max, l) => Math.max(max, Number(l.position)), -1);
      const participants = byInteraction
        .get(row.id)!
        .map((c) => ({ position: Number(c.position), address: c.address!, relationId: c.relation_id! }))
        .sort((a, b) => a.position - b.position);
      for (const { relationId } of participants) {
        if (after.includes(relationId)) continue;
        after.push(relationId);
        newLinks.push({ tenant_id: tenantId, interaction_id: row.id, relation_id: relationId, occurred_at: row.occurred_at, position: ++position });
      }
      result.push({ interactionId: row.id, version: Number(row.version), updatedAt: at, relationIdsBefore: before, relationIds: after, participants });
    }
    await insertRows(context, "kb_interaction_relations", LINK_COLUMNS, newLinks);
    return result;
  }

  return {
    holders,

    async claimAddresses(addresses, at) {
      const candidates = await inChunks(addresses, (chunk) =>
        db
          .selectFrom("kb_interaction_participants")
          .select(["interaction_id", "position", "address"])
          .where("tenant_id", "=", tenantId)
          .where("relation_id", "is", null)
          .where("address", "in", chunk)
          .execute(),
      );
      return claim(candidates, undefined, at);
    },

    async claimInteractions(interactionIds, at) {
      const candidates = await inChunks(interactionIds, (chunk) =>
        db
          .selectFrom("kb_interaction_participants")
          .select(["interaction_id", "position", "address"])
          .where("tenant_id", "=", tenantId)
          .where("relation_id", "is", null)
          .where("address", "is not", null)
          .where("interaction_id", "in", chunk)
          .execute(),
      );
      // Only these interactions: another one carrying the same address was settled by its own write.
      const result: ClaimedInteraction[] = [];
      for (const chunk of chunks([...new Set(interactionIds)])) {
        const inChunk = new Set(chunk);
        result.push(
          ...(await claim(
            candidates.filter((c) => inChunk.has(c.interaction_id)),
            chunk,
            at,
          )),
        );
      }
      return result.sort((a, b) => (a.interactionId < b.interactionId ? -1 : a.interactionId > b.interactionId ? 1 : 0));
    },

    async carrying(addresses) {
      const ids = await inChunks(addresses, (chunk) =>
        db
          .selectFrom("kb_interaction_participants")
          .select("interaction_id")
          .distinct()
          .where("tenant_id", "=", tenantId)
          .where("relation_id", "is", null)
          .where("address", "in", chunk)
          .execute(),
      );
      const rows = await inChunks([...new Set(ids.map((r) => r.interaction_id))], (chunk) =>
        interactionsWithChildren(db, reads.functions, tenantId).where("i.id", "in", chunk).where("i.deleted_at", "is", null).execute(),
      );
      return rows.map((row): InteractionRecord => interactionFromJoined(row)).sort(newestFirst);
    },

    async list({ after, limit }) {
      if (limit <= 0) return [];
      // Newest first off kb_interactions_recent_idx (tenant, occurred_at, id), skipping linked ones.
      let page = interactionsWithChildren(db, reads.functions, tenantId)
        .where("i.deleted_at", "is", null)
        .where(({ not, exists, selectFrom }) =>
          not(
            exists(
              selectFrom("kb_interaction_relations as ir")
                .select("ir.relation_id")
                .whereRef("ir.tenant_id", "=", "i.tenant_id")
                .whereRef("ir.interaction_id", "=", "i.id"),
            ),
          ),
        );
      if (after) {
        const at = toInstant(after.occurredAt);
        page = page.where((eb) => eb.or([eb("i.occurred_at", "<", at), eb.and([eb("i.occurred_at", "=", at), eb("i.id", "<", after.id)])]));
      }
      const rows = await page.orderBy("i.occurred_at", "desc").orderBy("i.id", "desc").limit(limit).execute();
      return rows.map((row): InteractionRecord => interactionFromJoined(row));
    },
  };
}
