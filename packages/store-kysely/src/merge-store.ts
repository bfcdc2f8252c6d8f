import type { CapturedRow, MergeRecord, MergeStore, RepointCounts, RowChange, StoredRow } from "@kaartenbak/core/storage";
import type { Kysely, Selectable } from "kysely";
import { MERGE_TABLES_TOUCHED, type MergeTable } from "./merge-tables.js";
import { fromJson, toInstant, toJson } from "./rows.js";
import type { MergeRow } from "./schema-merges.js";
import { employeesOf, refreshRelationDocuments } from "./search-documents.js";
import type { ReadContext } from "./relation-reads.js";
import { affected } from "./store-context.js";

/** The store as a database of untyped tables, for the table-driven capture (names come from {@link MERGE_TABLES_TOUCHED}). */
type LooseDb = Kysely<Record<string, Record<string, unknown>>>;
type Value = string | number | null;

const SPEC = new Map(MERGE_TABLES_TOUCHED.map((t) => [t.table, t]));

/**
 * A column value as both engines can write it back and compare it: instants as canonical ISO
 * text, JSON columns as JSON text (SQLite hands out text, pg parsed values), booleans as 0 / 1.
 */
function stored(spec: MergeTable, column: string, value: unknown): Value {
  if (value === null || value === undefined) return null;
  if (spec.json?.includes(column)) return toJson(fromJson(value));
  if (value instanceof Date) return toInstant(value);
  if (typeof value === "boolean") return value ? 1 : 0;
  if (typeof value === "bigint") return value.toString();
  return value as Value;
}

function toRecord(row: Selectable<MergeRow>): MergeRecord {
  return { ...toSummary(row), changes: fromJson(row.changes) as RowChange[] };
}

function toSummary(row: Omit<Selectable<MergeRow>, "changes">): Omit<MergeRecord, "changes"> {
  return {
    id: row.id,
    survivorId: row.survivor_id,
    loserId: row.loser_id,
    status: row.status as MergeRecord["status"],
    mergedAt: toInstant(row.merged_at),
    undoneAt: row.undone_at === null ? null : toInstant(row.undone_at),
    actor: row.actor,
    source: row.source,
    summary: fromJson(row.summary) as MergeRecord["summary"],
  };
}

/** Merges of one tenant: the row capture, the re-pointing of references, undo, and the merge log. */
export function mergeStore(context: ReadContext): MergeStore {
  const { db, tenantId } = context;
  const loose = db as unknown as LooseDb;

  /** Search documents are derived from the moved rows: rebuilt for both relations and the people employed by either. */
  async function refreshDocuments(ids: readonly string[]): Promise<void> {
    await refreshRelationDocuments(context, [...new Set([...ids, ...(await employeesOf(context, ids))])]);
  }
  /** Moves rows of `from` to `to` in one table with a unique (…, relation_id) key: the loser's duplicates of the survivor's rows go. */
  async function moveUnique(spec: MergeTable, from: string, to: string): Promise<{ moved: number; dropped: number }> {
    const other = spec.key.find((k) => k !== "relation_id")!;
    const theirs = loose.selectFrom(spec.table).select(other).where("tenant_id", "=", tenantId).where("relation_id", "=", to);
    const dropped = affected(
      await loose.deleteFrom(spec.table).where("tenant_id", "=", tenantId).where("relation_id", "=", from).where(other, "in", theirs).executeTakeFirst(),
    );
    const moved = affected(
      await loose.updateTable(spec.table).set({ relation_id: to }).where("tenant_id", "=", tenantId).where("relation_id", "=", from).executeTakeFirst(),
    );
    return { moved, dropped };
  }

  async function repointTable(spec: MergeTable, from: string, to: string, at: string): Promise<{ moved: number; dropped: number }> {
    const t = spec.table;
    const scoped = () => loose.updateTable(t).where("tenant_id", "=", tenantId);
    switch (spec.mode) {
      case "own":
        return { moved: 0, dropped: 0 };
      case "move":
        return { moved: affected(await scoped().set({ relation_id: to }).where("relation_id", "=", from).executeTakeFirst()), dropped: 0 };
      case "move-unique":
        return moveUnique(spec, from, to);
      case "sync":
        return {
          moved: affected(await scoped().set({ entity_id: to }).where("entity_type", "=", "relation").where("entity_id", "=", from).executeTakeFirst()),
          dropped: 0,
        };
      case "drop":
        return { moved: 0, dropped: affected(await loose.deleteFrom(t).where("tenant_id", "=", tenantId).where("relation_id", "=", from).executeTakeFirst()) };
      case "links": {
        // A link between the two would become a link of the survivor to itself.
        const between = affected(
          await loose
            .deleteFrom(t)
            .where("tenant_id", "=", tenantId)
            .where((eb) => eb.or([eb.and([eb("from_id", "=", from), eb("to_id", "=", to)]), eb.and([eb("from_id", "=", to), eb("to_id", "=", from)])]))
            .executeTakeFirst(),
        );
        const out = affected(await scoped().set({ from_id: to }).where("from_id", "=", from).executeTakeFirst());
        const inbound = affected(await scoped().set({ to_id: to }).where("to_id", "=", from).executeTakeFirst());
        return { moved: out + inbound, dropped: between };
      }
      case "pairs": {
        const [first, second] = from < to ? [from, to] : [to, from];
        const merged = affected(
          await scoped().set({ status: "merged", updated_at: at }).where("first_id", "=", first).where("second_id", "=", second).executeTakeFirst(),
        );
        // Other pairs of the loser are void: a later scan proposes the survivor where it still matches.
        const dropped = affected(
          await loose
            .deleteFrom(t)
            .where("tenant_id", "=", tenantId)
            .where((eb) => eb.or([eb("first_id", "=", from), eb("second_id", "=", from)]))
            .where((eb) => eb.not(eb.and([eb("first_id", "=", first), eb("second_id", "=", second)])))
            .executeTakeFirst(),
        );
        return { moved: merged, dropped };
      }
    }
  }

  return {
    async capture(relationIds) {
      const out: CapturedRow[] = [];
      for (const spec of MERGE_TABLES_TOUCHED) {
        let query = loose
          .selectFrom(spec.table)
          .selectAll()
          .where("tenant_id", "=", tenantId)
          .where((eb) => eb.or(spec.refs.map((c) => eb(c, "in", [...relationIds]))));
        if (spec.mode === "sync") query = query.where("entity_type", "=", "relation");
        for (const raw of await query.execute()) {
          const row: Record<string, Value> = {};
          for (const [column, value] of Object.entries(raw)) if (column !== "tenant_id") row[column] = stored(spec, column, value);
          out.push({ table: spec.table, key: Object.fromEntries(spec.key.map((k) => [k, row[k] as string | number])), row });
        }
      }
      return out;
    },

    async repoint(from, to, at) {
      const counts: Record<string, { moved: number; dropped: number }> = {};
      for (const spec of MERGE_TABLES_TOUCHED) {
        const n = await repointTable(spec, from, to, at);
        if (n.moved > 0 || n.dropped > 0) counts[spec.table] = n;
      }
      await refreshDocuments([from, to]);
      return counts satisfies RepointCounts;
    },

    async restore(changes) {
      const order = (c: RowChange) => MERGE_TABLES_TOUCHED.findIndex((t) => t.table === c.table);
      const inserts = changes.filter((c) => !c.after && c.beforeRow).sort((a, b) => order(a) - order(b));
      const updates = changes.filter((c) => c.after && c.before && c.beforeRow);
      // Children before parents when removing, parents before children when adding back.
      const removals = changes.filter((c) => c.after && !c.before).sort((a, b) => order(b) - order(a));
      for (const c of removals) {
        if (!SPEC.has(c.table)) continue;
        const key = Object.entries(c.after!);
        await loose
          .deleteFrom(c.table)
          .where((eb) => eb.and([eb("tenant_id", "=", tenantId), ...key.map(([k, v]) => eb(k, "=", v))]))
          .execute();
      }
      for (const c of updates) {
        const spec = SPEC.get(c.table);
        if (!spec) continue;
        const set: Record<string, Value> = { ...(c.beforeRow as StoredRow) };
        for (const k of spec.key) delete set[k];
        const key = Object.entries(c.after!);
        await loose
          .updateTable(c.table)
          .set(set)
          .where((eb) => eb.and([eb("tenant_id", "=", tenantId), ...key.map(([k, v]) => eb(k, "=", v))]))
          .execute();
      }
      for (const c of inserts) {
        if (!SPEC.has(c.table)) continue;
        await loose
          .insertInto(c.table)
          .values({ tenant_id: tenantId, ...(c.beforeRow as StoredRow) })
          .execute();
      }
      await refreshDocuments(changes.filter((c) => c.table === "kb_relations").map((c) => String((c.after ?? c.before)!.id)));
    },

    async insert(record) {
      await db
        .insertInto("kb_merges")
        .values({
          tenant_id: tenantId,
          id: record.id,
          survivor_id: record.survivorId,
          loser_id: record.loserId,
          status: record.status,
          merged_at: record.mergedAt,
          undone_at: record.undoneAt,
          actor: record.actor,
          source: record.source,
          summary: toJson(record.summary),
          changes: toJson(record.changes),
        })
        .execute();
    },

    async get(id) {
      const row = await db.selectFrom("kb_merges").selectAll().where("tenant_id", "=", tenantId).where("id", "=", id).executeTakeFirst();
      return row ? toRecord(row) : undefined;
    },

    async markUndone(id, at) {
      const result = await db
        .updateTable("kb_merges")
        .set({ status: "undone", undone_at: at })
        .where("tenant_id", "=", tenantId)
        .where("id", "=", id)
        .where("status", "=", "applied")
        .executeTakeFirst();
      return affected(result) > 0;
    },

    async survivorOf(loserId) {
      const row = await db
        .selectFrom("kb_merges")
        .select("survivor_id")
        .where("tenant_id", "=", tenantId)
        .where("loser_id", "=", loserId)
        .where("status", "=", "applied")
        .executeTakeFirst();
      return row?.survivor_id;
    },

    async listFor(relationId) {
      const rows = await db
        .selectFrom("kb_merges")
        .select(["tenant_id", "id", "survivor_id", "loser_id", "status", "merged_at", "undone_at", "actor", "source", "summary"])
        .where("tenant_id", "=", tenantId)
        .where((eb) => eb.or([eb("survivor_id", "=", relationId), eb("loser_id", "=", relationId)]))
        .orderBy("merged_at", "desc")
        .orderBy("id", "desc")
        .execute();
      return rows.map(toSummary);
    },
  };
}
