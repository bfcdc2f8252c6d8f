import Database from "better-sqlite3";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { createCrm, CrmError, defineAttributes, isCrmError, type BulkResult, type Crm, type RelationInput, type UpsertResult } from "@kaartenbak/core";
import type { StorageAdapter, TenantStore } from "@kaartenbak/core/storage";
import { sqliteAdapter } from "../src/index.js";
import { count, scratchDir } from "./fixtures.js";

const ROUNDS = 10;
const attributes = defineAttributes({ version: 1, attributes: { score: { type: "number", integer: true } } });
type Input = RelationInput<{ score?: number }>;

/**
 * What the next transactions' stores do differently, to put a winner's commit exactly between a
 * loser's read and its insert (SQLite serialises writers, so a real race cannot interleave them).
 */
const script: {
  /** Lookups by reference see nothing until the next relation insert: the read happened "before the winner committed". */
  hideHolders?: boolean;
  /** Only the first such lookup sees nothing (the pre-check after it sees the winner). */
  hideFirstLookup?: boolean;
  /** The next relation insert fails like a unique violation of a store without a clean conflict path. */
  failInsert?: boolean;
} = {};
const seen = { lostInserts: 0 };

function scripted(storage: StorageAdapter): StorageAdapter {
  const wrap = (store: TenantStore): TenantStore => ({
    ...store,
    relations: {
      ...store.relations,
      async findByExternalRef(system, externalId) {
        const holder = await store.relations.findByExternalRef(system, externalId);
        if (script.hideFirstLookup) {
          script.hideFirstLookup = false;
          return undefined;
        }
        return script.hideHolders ? undefined : holder;
      },
      async insert(record) {
        script.hideHolders = false;
        if (script.failInsert) {
          script.failInsert = false;
          throw new CrmError("DUPLICATE", "simulated unique violation", { reason: "unique_violation" });
        }
        return store.relations.insert(record).catch((error: unknown) => {
          if (isCrmError(error, "DUPLICATE")) seen.lostInserts++;
          throw error;
        });
      },
    },
    bulk: {
      ...store.bulk,
      async relationsByExternalRefs(refs) {
        const holders = await store.bulk.relationsByExternalRefs(refs);
        return script.hideHolders ? [] : holders;
      },
      async insertRelations(records) {
        script.hideHolders = false;
        if (script.failInsert) {
          script.failInsert = false;
          throw new CrmError("DUPLICATE", "simulated unique violation", { reason: "unique_violation" });
        }
        return store.bulk.insertRelations(records).catch((error: unknown) => {
          if (isCrmError(error, "DUPLICATE")) seen.lostInserts++;
          throw error;
        });
      },
    },
  });
  return {
    id: storage.id,
    capabilities: storage.capabilities,
    migrate: () => storage.migrate(),
    bind: (trx) => storage.bind(trx),
    close: () => storage.close(),
    transaction: (tenantId, fn, options) => storage.transaction(tenantId, (store) => fn(wrap(store)), options),
  };
}

describe("sqlite: concurrent first-time upserts by external reference", () => {
  const file = join(scratchDir(), "race.db");
  let db: Database.Database;
  let crm: Crm<typeof attributes>;
  let tenants = 0;

  beforeAll(async () => {
    db = new Database(file);
    const storage = sqliteAdapter({ database: db });
    await storage.migrate();
    crm = createCrm({ storage: scripted(storage), attributes });
    return () => {
      db.close();
    };
  });

  function tenant(prefix: string) {
    const tenantId = `${prefix}-${++tenants}`;
    return { tenantId, t: crm.tenant(tenantId, { actor: "worker" }), ref: { system: "erp", externalId: `R-${tenants}` } };
  }

  /** Rows, history and outbox of a tenant holding one relation match the upserts' outcomes exactly. */
  async function expectExact(tenantId: string, results: readonly UpsertResult[]): Promise<void> {
    const updated = results.filter((r) => r.outcome === "updated").length;
    expect(results.filter((r) => r.outcome === "created")).toHaveLength(1);
    expect(new Set(results.map((r) => r.relation.id)).size).toBe(1);
    expect(count(db, "kb_relations", tenantId)).toBe(1);
    expect(count(db, "kb_relation_refs", tenantId)).toBe(1);
    const t = crm.tenant(tenantId);
    const history = await t.history.list("relation", results[0]!.relation.id);
    expect(history.map((h) => [h.action, h.version]).sort((a, b) => Number(a[1]) - Number(b[1]))).toEqual([
      ["create", 1],
      ...Array.from({ length: updated }, (_, i) => ["update", i + 2]),
    ]);
    const events = (await t.outbox.read({ limit: 1000 })).filter((e) => e.entityType === "relation");
    expect(events.map((e) => e.type)).toEqual(["relation.created", ...Array<string>(updated).fill("relation.updated")]);
    expect((await t.relations.get(results[0]!.relation.id))!.version).toBe(1 + updated);
  }

  for (const writers of [8, 32]) {
    it(`${writers} concurrent identical upserts (Promise.all on one adapter): one created, the rest unchanged (${ROUNDS} rounds)`, async () => {
      for (let round = 0; round < ROUNDS; round++) {
        const { tenantId, t, ref } = tenant("same");
        const results = await Promise.all(
          Array.from({ length: writers }, () => t.relations.upsertByExternalRef(ref, { kind: "organisation", name: "Acme BV", attributes: { score: 1 } })),
        );
        expect(results.filter((r) => r.outcome === "unchanged")).toHaveLength(writers - 1);
        await expectExact(tenantId, results);
      }
    });

    it(`${writers} concurrent differing upserts: one created, the rest updated (${ROUNDS} rounds)`, async () => {
      for (let round = 0; round < ROUNDS; round++) {
        const { tenantId, t, ref } = tenant("diff");
        const results = await Promise.all(
          Array.from({ length: writers }, (_, i) =>
            t.relations.upsertByExternalRef(ref, { kind: "organisation", name: `Acme ${i}`, attributes: { score: i } }),
          ),
        );
        expect(results.filter((r) => r.outcome === "updated")).toHaveLength(writers - 1);
        await expectExact(tenantId, results);
      }
    });
  }

  it("concurrent imports of overlapping references: all succeed, counts add up without doubles", async () => {
    for (let round = 0; round < ROUNDS; round++) {
      const { tenantId, t } = tenant("bulk");
      const feed = (k: number): Input[] =>
        Array.from({ length: 20 }, (_, j) => (k * 7 + j) % 30).map((j) => ({
          kind: "organisation",
          name: `Org ${j}${k === 3 ? " (renamed)" : ""}`,
          externalRefs: [{ system: "erp", externalId: `B-${j}` }],
        }));
      const results = await Promise.all([0, 1, 2, 3].map((k) => t.bulk.upsertRelations(feed(k), { chunkSize: 6 })));
      const distinct = new Set([0, 1, 2, 3].flatMap((k) => feed(k).map((i) => i.externalRefs![0]!.externalId)));
      const sum = (key: "created" | "updated" | "unchanged") => results.reduce((n, r) => n + r[key], 0);
      expect(sum("created")).toBe(distinct.size);
      expect(sum("created") + sum("updated") + sum("unchanged")).toBe(80);
      expect(count(db, "kb_relations", tenantId)).toBe(distinct.size);
      expect(count(db, "kb_relation_refs", tenantId)).toBe(distinct.size);
      const events = await t.outbox.read({ limit: 1000 });
      expect(events.filter((e) => e.type === "relation.created")).toHaveLength(sum("created"));
      expect(events.filter((e) => e.type === "relation.updated")).toHaveLength(sum("updated"));
      expect(count(db, "kb_history", tenantId)).toBe(sum("created") + sum("updated"));
    }
  });

  describe("a winner committing between the read and the insert", () => {
    it("the store refuses the taken reference without a failed statement; the upsert reads again and reports the outcome", async () => {
      const before = seen.lostInserts;
      for (const [input, outcome] of [
        [{ kind: "organisation", name: "Acme BV" }, "unchanged"],
        [{ kind: "organisation", name: "Acme Holding" }, "updated"],
      ] as const) {
        const { tenantId, t, ref } = tenant("lost");
        const winner = await t.relations.upsertByExternalRef(ref, { kind: "organisation", name: "Acme BV" });
        script.hideHolders = true;
        const loser = await t.relations.upsertByExternalRef(ref, input);
        expect(loser).toMatchObject({ outcome, relation: { id: winner.relation.id } });
        await expectExact(tenantId, [winner, loser]);
      }
      expect(seen.lostInserts - before).toBe(2);
    });

    it("the pre-check finds the winner: a lost race, not DUPLICATE", async () => {
      const { tenantId, t, ref } = tenant("precheck");
      const winner = await t.relations.upsertByExternalRef(ref, { kind: "organisation", name: "Acme BV" });
      script.hideFirstLookup = true;
      const loser = await t.relations.upsertByExternalRef(ref, { kind: "organisation", name: "Acme BV", tags: ["vip"] });
      expect(loser.outcome).toBe("updated");
      await expectExact(tenantId, [winner, loser]);
    });

    it("inside a unit of work the upsert recovers too, and the unit goes on and commits", async () => {
      const { tenantId, t, ref } = tenant("unit");
      const winner = await t.relations.upsertByExternalRef(ref, { kind: "organisation", name: "Acme BV" });
      const loser = await t.transaction(async (tx) => {
        script.hideHolders = true;
        const result = await tx.relations.upsertByExternalRef(ref, { kind: "organisation", name: "Acme BV", tags: ["from-unit"] });
        await tx.interactions.log({ kind: "note", occurredAt: new Date().toISOString(), relationIds: [result.relation.id] });
        return result;
      });
      expect(loser.outcome).toBe("updated");
      await expectExact(tenantId, [winner, loser]);
      expect(count(db, "kb_interactions", tenantId)).toBe(1);
    });

    it("a failed insert statement: retried once in a fresh transaction; inside a unit of work BUSY external_key_race", async () => {
      const { tenantId, t, ref } = tenant("failed");
      script.failInsert = true;
      const first = await t.relations.upsertByExternalRef(ref, { kind: "organisation", name: "Acme BV" });
      expect(first.outcome).toBe("created");
      await expectExact(tenantId, [first]);

      const other = { system: "erp", externalId: `${ref.externalId}-unit` };
      const error = await t
        .transaction(async (tx) => {
          script.failInsert = true;
          return tx.relations.upsertByExternalRef(other, { kind: "organisation", name: "In a unit" });
        })
        .catch((e: unknown) => e);
      expect(error).toMatchObject({ code: "BUSY", retryable: true, details: { reason: "external_key_race" } });
      expect(count(db, "kb_relations", tenantId)).toBe(1);
      // Retrying the unit, as BUSY says, succeeds.
      const retried = await t.transaction((tx) => tx.relations.upsertByExternalRef(other, { kind: "organisation", name: "In a unit" }));
      expect(retried.outcome).toBe("created");
    });

    it("bulk: a chunk that loses references is planned again in the same transaction and updates the winners", async () => {
      const before = seen.lostInserts;
      const { tenantId, t } = tenant("bulk-lost");
      const items = (suffix: string): Input[] =>
        Array.from({ length: 6 }, (_, j) => ({
          kind: "organisation",
          name: `Org ${j}${j % 2 ? suffix : ""}`,
          externalRefs: [{ system: "erp", externalId: `L-${j}` }],
        }));
      const first = await t.bulk.upsertRelations(items("").slice(0, 4));
      expect(first).toMatchObject({ created: 4, updated: 0, unchanged: 0 });
      script.hideHolders = true;
      const second = await t.bulk.upsertRelations(items(" (renamed)"), { atomic: true });
      expect(second).toMatchObject({ processed: 6, created: 2, updated: 2, unchanged: 2 });
      expect(seen.lostInserts - before).toBe(1);
      expect(count(db, "kb_relations", tenantId)).toBe(6);
      expect(count(db, "kb_relation_refs", tenantId)).toBe(6);
      expect(count(db, "kb_history", tenantId)).toBe(8);
      const events = await t.outbox.read({ limit: 100 });
      expect(events.map((e) => e.type)).toEqual([
        ...Array<string>(4).fill("relation.created"),
        "relation.updated",
        "relation.updated",
        "relation.created",
        "relation.created",
      ]);
    });

    it("bulk: a failed insert statement retries the chunk once in a fresh transaction; an atomic import gets BUSY", async () => {
      const { tenantId, t } = tenant("bulk-failed");
      const items: Input[] = Array.from({ length: 5 }, (_, j) => ({ kind: "person", name: `P ${j}`, externalRefs: [{ system: "erp", externalId: `F-${j}` }] }));
      script.failInsert = true;
      const result: BulkResult = await t.bulk.upsertRelations(items, { chunkSize: 5 });
      expect(result).toMatchObject({ processed: 5, created: 5, updated: 0, unchanged: 0 });
      expect(count(db, "kb_relations", tenantId)).toBe(5);
      expect(count(db, "kb_history", tenantId)).toBe(5);

      script.failInsert = true;
      const error = await t.bulk
        .upsertRelations([{ kind: "person", name: "Q", externalRefs: [{ system: "erp", externalId: "F-new" }] }], { atomic: true })
        .catch((e: unknown) => e);
      expect(error).toMatchObject({ code: "BUSY", details: { reason: "external_key_race" } });
      expect(count(db, "kb_relations", tenantId)).toBe(5);
    });
  });

  it("two adapters on the same WAL database file, alternating: the same outcomes", async () => {
    const second = new Database(file);
    try {
      const other = createCrm({ storage: sqliteAdapter({ database: second }), attributes });
      for (let round = 0; round < ROUNDS; round++) {
        const { tenantId, ref } = tenant("two");
        const a = crm.tenant(tenantId);
        const b = other.tenant(tenantId);
        // One process, one thread: the two connections' writes alternate. (Overlapping them would make
        // the second connection's BEGIN IMMEDIATE wait out busy_timeout on the thread the first needs.)
        const results: UpsertResult[] = [];
        for (let i = 0; i < 8; i++) {
          const t = i % 2 ? a : b;
          results.push(await t.relations.upsertByExternalRef(ref, { kind: "organisation", name: i < 4 ? "Acme BV" : "Acme Holding" }));
        }
        expect(results.map((r) => r.outcome)).toEqual(["created", "unchanged", "unchanged", "unchanged", "updated", "unchanged", "unchanged", "unchanged"]);
        await expectExact(tenantId, results);
      }
    } finally {
      second.close();
    }
    expect(db.pragma("journal_mode", { simple: true })).toBe("wal");
  });
});
