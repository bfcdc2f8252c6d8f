import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Transaction } from "kysely";
import { createCrm, defineAttributes, isCrmError, type BulkResult, type Crm, type RelationInput, type UpsertResult } from "@kaartenbak/core";
import type { StorageAdapter } from "@kaartenbak/core/storage";
import { postgresAdapter } from "../src/index.js";
import { dropSchema, freshSchema, postgresAvailable, testPool } from "./pg-harness.js";

/** Rounds per scenario, each with a fresh tenant and fresh references, so the race really runs every time. */
const ROUNDS = 10;
const attributes = defineAttributes({ version: 1, attributes: { score: { type: "number", integer: true } } });
type Outcome = UpsertResult["outcome"];

/** How often the race was really run: inserts that lost a reference, and updates that found another version. */
const seen = { lostInserts: 0, staleUpdates: 0 };

/** The adapter, counting the store calls that lost a race (they pass through unchanged). */
function counting(storage: StorageAdapter): StorageAdapter {
  const lost = (error: unknown) => {
    if (isCrmError(error, "DUPLICATE")) seen.lostInserts++;
    throw error;
  };
  return {
    id: storage.id,
    capabilities: storage.capabilities,
    migrate: () => storage.migrate(),
    bind: (trx) => storage.bind(trx),
    close: () => storage.close(),
    transaction: (tenantId, fn, options) =>
      storage.transaction(
        tenantId,
        (store) =>
          fn({
            ...store,
            relations: {
              ...store.relations,
              insert: (record) => store.relations.insert(record).catch(lost),
              update: async (record, expected) => {
                const ok = await store.relations.update(record, expected);
                if (!ok) seen.staleUpdates++;
                return ok;
              },
            },
            bulk: { ...store.bulk, insertRelations: (records) => store.bulk.insertRelations(records).catch(lost) },
          }),
        options,
      ),
  };
}

/** Runs `body` and checks that it made at least one insert lose a race (and, with `stale`, one update). */
async function expectRaces(body: () => Promise<void>, stale = false): Promise<void> {
  const before = { ...seen };
  await body();
  const lostInserts = seen.lostInserts - before.lostInserts;
  const staleUpdates = seen.staleUpdates - before.staleUpdates;
  console.info(`[kaartenbak] races run: ${lostInserts} inserts lost a reference, ${staleUpdates} updates found another version`);
  expect(lostInserts).toBeGreaterThan(0);
  if (stale) expect(staleUpdates).toBeGreaterThan(0);
}

/**
 * Concurrent first-time upserts of one external reference on real parallel connections (one pool
 * connection per transaction): every caller gets the upsert's outcome, never DUPLICATE.
 */
describe.skipIf(!postgresAvailable)("postgres: concurrent first-time upserts by external reference", () => {
  const pool = testPool(40);
  const schema = freshSchema("kb_upsert_race");
  let crm: Crm<typeof attributes, Transaction<any>>;
  let tenants = 0;

  beforeAll(async () => {
    const storage = postgresAdapter({ pool, schema });
    await storage.migrate();
    crm = createCrm({ storage: counting(storage), attributes });
  });
  afterAll(async () => {
    await dropSchema(pool, schema);
    await pool.end();
  });

  const count = async (table: string, tenantId: string, where = "") =>
    Number((await pool.query(`select count(*) as n from ${schema}.${table} where tenant_id = $1 ${where}`, [tenantId])).rows[0].n);

  /**
   * A fresh tenant that has written once already. A tenant's first command records the attribute
   * model, and concurrent first commands queue on that row until the first commits, which would
   * serialise the upserts instead of racing them. The warm-up writes a lost reason (sequence 1).
   */
  async function warmTenant(prefix: string, actor?: string) {
    const tenantId = `${prefix}-${++tenants}`;
    const t = crm.tenant(tenantId, actor ? { actor } : {});
    await t.lostReasons.define({ code: "warm-up", label: "Warm-up" });
    return { tenantId, t, n: tenants };
  }

  /** The tenant's relation events (all events are gap-free, the warm-up's first). */
  async function relationEvents(tenantId: string) {
    const events = await crm.tenant(tenantId).outbox.read({ limit: 1000 });
    expect(events.map((e) => e.sequence)).toEqual(Array.from({ length: events.length }, (_, i) => i + 1));
    return events.filter((e) => e.entityType === "relation");
  }

  /** Checks that rows, history and outbox of one tenant match what the calls reported, exactly. */
  async function expectExactJournal(tenantId: string, results: readonly UpsertResult[]): Promise<void> {
    const outcomes = results.map((r) => r.outcome);
    const created = outcomes.filter((o) => o === "created").length;
    const updated = outcomes.filter((o) => o === "updated").length;
    expect(created).toBe(1);
    const id = results[0]!.relation.id;
    for (const r of results) expect(r.relation.id).toBe(id);
    // One relation row and one reference row: the losers' inserts left nothing behind.
    expect(await count("kb_relations", tenantId)).toBe(1);
    expect(await count("kb_relation_refs", tenantId)).toBe(1);
    const t = crm.tenant(tenantId);
    const history = await t.history.list("relation", id);
    expect(history.map((h) => h.action).sort()).toEqual(["create", ...Array<string>(updated).fill("update")]);
    // By version: the instant of a command is taken when it starts, so under load a later version may carry an earlier one.
    expect(history.map((h) => h.version).sort((a, b) => a - b)).toEqual(Array.from({ length: 1 + updated }, (_, i) => i + 1));
    const events = await relationEvents(tenantId);
    expect(events.map((e) => e.type)).toEqual(["relation.created", ...Array<string>(updated).fill("relation.updated")]);
    // Each `updated` caller got its own version; the stored relation is the last of them.
    const versions = results.filter((r) => r.outcome !== "unchanged").map((r) => r.relation.version);
    expect(new Set(versions).size).toBe(versions.length);
    const stored = await t.relations.get(id);
    expect(stored!.version).toBe(1 + updated);
  }

  async function race(writers: number, input: (i: number) => RelationInput<{ score?: number }>): Promise<{ tenantId: string; results: UpsertResult[] }> {
    const { tenantId, t, n } = await warmTenant("race", "worker");
    const ref = { system: "erp", externalId: `R-${n}` };
    const settled = await Promise.allSettled(Array.from({ length: writers }, (_, i) => t.relations.upsertByExternalRef(ref, input(i))));
    const failures = settled.flatMap((s) => (s.status === "rejected" ? [s.reason as unknown] : []));
    expect(failures).toEqual([]);
    return { tenantId, results: settled.map((s) => (s as PromiseFulfilledResult<UpsertResult>).value) };
  }

  for (const writers of [8, 32]) {
    // 32 writers with differing input: each version is won by one of the writers still trying, so
    // the last writer retries up to 31 times (about 300 lost rounds per race); give it room under load.
    const timeout = Math.max(60_000, writers * 4_000);
    it(
      `${writers} identical upserts: one created, ${writers - 1} unchanged, one row, one history entry, one event (${ROUNDS} rounds)`,
      { timeout },
      async () => {
        await expectRaces(async () => {
          for (let round = 0; round < ROUNDS; round++) {
            const { tenantId, results } = await race(writers, () => ({ kind: "organisation", name: "Acme BV", attributes: { score: 1 } }));
            const outcomes = results.map((r) => r.outcome);
            expect(outcomes.filter((o) => o === "created")).toHaveLength(1);
            expect(outcomes.filter((o) => o === "unchanged")).toHaveLength(writers - 1);
            await expectExactJournal(tenantId, results);
          }
        });
      },
    );

    it(`${writers} differing upserts: one created, ${writers - 1} updated, one history entry and event each (${ROUNDS} rounds)`, { timeout }, async () => {
      await expectRaces(async () => {
        for (let round = 0; round < ROUNDS; round++) {
          const { tenantId, results } = await race(writers, (i) => ({ kind: "organisation", name: `Acme ${i}`, attributes: { score: i } }));
          const outcomes = results.map((r) => r.outcome);
          expect(outcomes.filter((o) => o === "created")).toHaveLength(1);
          expect(outcomes.filter((o) => o === "updated")).toHaveLength(writers - 1);
          await expectExactJournal(tenantId, results);
        }
      }, true);
    });
  }

  it(`8 upserts of two alternating inputs: the outcomes add up to the journal exactly (${ROUNDS} rounds)`, async () => {
    await expectRaces(async () => {
      for (let round = 0; round < ROUNDS; round++) {
        const { tenantId, results } = await race(8, (i) => ({
          kind: "person",
          name: i % 2 ? "Jan Jansen" : "Piet Pietersen",
          emails: [`p${i % 2}@example.nl`],
        }));
        await expectExactJournal(tenantId, results);
      }
    });
  });

  it(`8 upserts, each in its own unit of work (tenant.transaction): all succeed, nothing is poisoned (${ROUNDS} rounds)`, async () => {
    await expectRaces(async () => {
      for (let round = 0; round < ROUNDS; round++) {
        const { tenantId, t, n } = await warmTenant("unit");
        const ref = { system: "erp", externalId: `U-${n}` };
        const results = await Promise.all(
          Array.from({ length: 8 }, (_, i) =>
            t.transaction(async (tx) => {
              const result = await tx.relations.upsertByExternalRef(ref, { kind: "organisation", name: `Unit ${i % 2}` });
              // The unit goes on after the upsert: its transaction is still usable.
              await tx.interactions.log({ kind: "note", occurredAt: new Date().toISOString(), relationIds: [result.relation.id], subject: `from ${i}` });
              return result;
            }),
          ),
        );
        await expectExactRelation(tenantId, results);
        expect(await count("kb_interactions", tenantId)).toBe(8);
      }
    });
  });

  /** Like {@link expectExactJournal}, for a tenant whose outbox also holds other events. */
  async function expectExactRelation(tenantId: string, results: readonly UpsertResult[]): Promise<void> {
    const updated = results.filter((r) => r.outcome === "updated").length;
    expect(results.filter((r) => r.outcome === "created")).toHaveLength(1);
    expect(await count("kb_relations", tenantId)).toBe(1);
    expect(await count("kb_relation_refs", tenantId)).toBe(1);
    const t = crm.tenant(tenantId);
    const history = await t.history.list("relation", results[0]!.relation.id);
    expect(history).toHaveLength(1 + updated);
    const events = await relationEvents(tenantId);
    expect(events.map((e) => e.type)).toEqual(["relation.created", ...Array<string>(updated).fill("relation.updated")]);
  }

  describe("bulk.upsertRelations", () => {
    const REFS = 30;
    /** Importer `k` of `n` imports an overlapping window of the references, in its own order. */
    function feed(k: number, n: number, round: number, differing: boolean): RelationInput<{ score?: number }>[] {
      const size = Math.ceil((REFS * 2) / n) + 2;
      const start = Math.floor((k * REFS) / n);
      const ids = Array.from({ length: Math.min(size, REFS) }, (_, j) => (start + j) % REFS);
      // Half the importers go backwards, so the inserts reach the shared references in opposite orders.
      if (k % 2) ids.reverse();
      return ids.map((j) => ({
        kind: "organisation",
        name: differing ? `Org ${j} from ${k}` : `Org ${j}`,
        attributes: { score: j },
        externalRefs: [{ system: "erp", externalId: `B-${round}-${j}` }],
      }));
    }

    for (const importers of [2, 4]) {
      for (const differing of [false, true]) {
        it(`${importers} concurrent imports of overlapping references (${differing ? "differing" : "identical"} items): all succeed, counts add up (${ROUNDS} rounds)`, async () => {
          await expectRaces(async () => {
            for (let round = 0; round < ROUNDS; round++) {
              const { tenantId, t } = await warmTenant("bulk", "importer");
              const feeds = Array.from({ length: importers }, (_, k) => feed(k, importers, round, differing));
              const settled = await Promise.allSettled(feeds.map((items) => t.bulk.upsertRelations(items, { chunkSize: 7 })));
              expect(settled.flatMap((s) => (s.status === "rejected" ? [s.reason as unknown] : []))).toEqual([]);
              const results = settled.map((s) => (s as PromiseFulfilledResult<BulkResult>).value);
              const items = feeds.flat();
              const distinct = new Set(items.map((i) => i.externalRefs![0]!.externalId));
              const sum = (key: "created" | "updated" | "unchanged" | "processed") => results.reduce((n, r) => n + r[key], 0);
              expect(sum("processed")).toBe(items.length);
              expect(sum("created")).toBe(distinct.size);
              expect(sum("created") + sum("updated") + sum("unchanged")).toBe(items.length);
              if (differing) expect(sum("unchanged")).toBe(0);
              else expect(sum("updated")).toBe(0);
              expect(await count("kb_relations", tenantId)).toBe(distinct.size);
              expect(await count("kb_relation_refs", tenantId)).toBe(distinct.size);
              const { rows } = await pool.query(
                `select action, count(*) as n from ${schema}.kb_history where tenant_id = $1 and entity_type = 'relation' group by action order by action`,
                [tenantId],
              );
              expect(Object.fromEntries(rows.map((r) => [r.action, Number(r.n)]))).toEqual({
                create: distinct.size,
                ...(sum("updated") ? { update: sum("updated") } : {}),
              });
              const events = await relationEvents(tenantId);
              expect(events.filter((e) => e.type === "relation.created")).toHaveLength(distinct.size);
              expect(events.filter((e) => e.type === "relation.updated")).toHaveLength(sum("updated"));
              expect(events).toHaveLength(sum("created") + sum("updated"));
              // Every relation's history is one create and one update per later importer whose item differed.
              const perRef = new Map<string, number>();
              for (const i of items) perRef.set(i.externalRefs![0]!.externalId, (perRef.get(i.externalRefs![0]!.externalId) ?? 0) + 1);
              for (const [externalId, n] of perRef) {
                const relation = await t.relations.findByExternalRef("erp", externalId);
                expect(relation!.version).toBe(differing ? n : 1);
              }
            }
          });
        });
      }
    }

    it(`a bulk import and single upserts racing on the same references agree (${ROUNDS} rounds)`, async () => {
      await expectRaces(async () => {
        for (let round = 0; round < ROUNDS; round++) {
          const { tenantId, t } = await warmTenant("mixed");
          const items = feed(0, 2, round, false);
          const [bulk, ...singles] = await Promise.all([
            t.bulk.upsertRelations(items, { chunkSize: 5 }),
            ...items.slice(0, 8).map((item) => t.relations.upsertByExternalRef(item.externalRefs![0]!, item)),
          ]);
          const singleOutcomes = (singles as UpsertResult[]).map((s) => s.outcome as Outcome);
          const b = bulk as BulkResult;
          expect(b.created + singleOutcomes.filter((o) => o === "created").length).toBe(items.length);
          expect(b.unchanged + singleOutcomes.filter((o) => o === "unchanged").length).toBe(8);
          expect(b.updated + singleOutcomes.filter((o) => o === "updated").length).toBe(0);
          expect(await count("kb_relations", tenantId)).toBe(items.length);
          expect(await count("kb_history", tenantId, "and entity_type = 'relation'")).toBe(items.length);
          expect(await relationEvents(tenantId)).toHaveLength(items.length);
        }
      });
    });
  });
});
