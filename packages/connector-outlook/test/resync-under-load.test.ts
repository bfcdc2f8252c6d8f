import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createSyncEngine, type SyncRunReport } from "@kaartenbak/core/sync";
import { outlookConnector } from "../src/index.js";
import { startFakeGraph, type FakeGraph } from "../src/testing/index.js";
import { ENGINES, freshTenant, openDb, type TestDb } from "./harness.js";

const WINDOW = { start: "2026-01-01T00:00:00Z", end: "2027-01-01T00:00:00Z" };
const RESYNCS = 5;

/**
 * Everything the CRM holds for one synced account, read with raw SQL: the relations and
 * interactions sync made or matched (its sync items), the organisations and people they link to,
 * their child rows, and their history and outbox entries — with versions and update times, so
 * an update that leaves the row count alone still shows.
 */
async function accountRows(db: TestDb, tenantId: string, account: string) {
  const q = (sql: string, params: unknown[] = [tenantId]) => db.query(sql, params);
  const items = await q("select entity_type, entity_id from kb_sync_items where tenant_id = ? and account = ?", [tenantId, account]);
  const relations = new Set(items.filter((r) => r.entity_type === "relation").map((r) => String(r.entity_id)));
  const interactions = new Set(items.filter((r) => r.entity_type === "interaction").map((r) => String(r.entity_id)));
  const byInteraction = async (table: string) =>
    (await q(`select * from ${table} where tenant_id = ?`)).filter((r) => interactions.has(String(r.interaction_id)));
  const links = (await q("select * from kb_links where tenant_id = ?")).filter((l) => relations.has(String(l.from_id)) || relations.has(String(l.to_id)));
  const interactionRelations = await byInteraction("kb_interaction_relations");
  const participants = await byInteraction("kb_interaction_participants");
  for (const r of [...interactionRelations, ...participants]) if (r.relation_id) relations.add(String(r.relation_id));
  for (const l of links) relations.add(String(l.from_id)).add(String(l.to_id));
  const byRelation = async (table: string) => (await q(`select * from ${table} where tenant_id = ?`)).filter((r) => relations.has(String(r.relation_id)));
  const ids = new Set([...relations, ...interactions]);
  const sorted = (rows: Record<string, unknown>[]) => rows.map((r) => JSON.stringify(r)).sort();
  return {
    relations: sorted((await q("select id, version, updated_at, deleted_at from kb_relations where tenant_id = ?")).filter((r) => relations.has(String(r.id)))),
    emails: sorted(await byRelation("kb_relation_emails")),
    phones: sorted(await byRelation("kb_relation_phones")),
    refs: sorted(await byRelation("kb_relation_refs")),
    tags: sorted(await byRelation("kb_relation_tags")),
    links: sorted(links),
    interactions: sorted(
      (await q("select id, version, updated_at, deleted_at from kb_interactions where tenant_id = ?")).filter((r) => interactions.has(String(r.id))),
    ),
    interactionRelations: sorted(interactionRelations),
    participants: sorted(participants),
    history: sorted((await q("select id, entity_id, version, action from kb_history where tenant_id = ?")).filter((r) => ids.has(String(r.entity_id)))),
    outbox: sorted((await q("select id, entity_id, type from kb_outbox where tenant_id = ?")).filter((r) => ids.has(String(r.entity_id)))),
  };
}

const written = (r: SyncRunReport) => r.resources.reduce((n, x) => n + x.counts.created + x.counts.updated + x.counts.deleted, 0);

for (const engineName of ENGINES) {
  describe(`no-change resync under concurrent load: ${engineName}`, () => {
    let graph: FakeGraph;
    let db: TestDb;
    beforeAll(async () => {
      graph = await startFakeGraph();
      db = await openDb(engineName);
    });
    afterAll(async () => {
      await db?.close();
      await graph?.close();
    });

    it(`repeats a no-change resync ${RESYNCS} times beside bulk writers and another account's sync: it writes no row of the synced account`, async () => {
      const m = graph.mailboxes;
      const anna = m.addMailbox("anna@load.contoso.example");
      const bob = m.addMailbox("bob@load.contoso.example");
      for (let i = 0; i < 40; i++) {
        m.createContact(anna.address, {
          displayName: `Client ${i}`,
          givenName: "Client",
          surname: String(i),
          emailAddresses: [{ address: `client${i}@client${i % 7}.example` }, ...(i % 5 === 0 ? [{ address: `Client${i}.Private@gmail.com` }] : [])],
          businessPhones: [`+31 20 555 ${String(1000 + i)}`],
          ...(i % 4 === 0 ? { homePhones: [`+31 20 555 ${String(1000 + i)}`], mobilePhone: `06 ${String(12_340_000 + i)}` } : {}),
          companyName: `Company ${i % 7}`,
          jobTitle: i % 2 ? "Buyer" : undefined,
          businessAddress: { street: `Street ${i}`, city: "Utrecht", postalCode: "3511 AB", countryOrRegion: i % 3 ? "Netherlands" : "NL" },
        });
      }
      for (let i = 0; i < 30; i++) {
        const other = `client${i}@client${i % 7}.example`;
        m.sendMail({
          from: i % 2 ? other : anna.address,
          to: [i % 2 ? anna.address : other],
          cc: i % 3 === 0 ? [`stranger${i}@elsewhere.example`] : [],
          subject: `Thread ${i}`,
          sentAt: new Date(Date.UTC(2026, 1, 1) + i * 3_600_000).toISOString(),
        });
      }
      m.createEvent(anna.address, {
        subject: "Weekly",
        start: "2026-03-02T09:00:00Z",
        end: "2026-03-02T09:30:00Z",
        attendees: ["client1@client1.example", "client2@client2.example"],
        recurrence: { type: "weekly", occurrences: 6 },
      });
      m.createEvent(anna.address, { subject: "Visit", start: "2026-04-01T13:00:00Z", end: "2026-04-01T14:00:00Z", attendees: ["client3@client3.example"] });
      for (let i = 0; i < 15; i++) m.createContact(bob.address, { displayName: `Bob's ${i}`, emailAddresses: [{ address: `bobs${i}@bob.example` }] });

      const tenant = db.crm.tenant(freshTenant(), { actor: "user:1", source: "ui" });
      const syncA = createSyncEngine({
        tenant,
        account: anna.address,
        connector: outlookConnector({ getAccessToken: async () => anna.token, endpoint: graph.url, pageSize: 7, calendar: WINDOW }),
        unknownAddresses: "create-person-and-organisation",
        retry: { baseDelayMs: 1 },
      });
      const syncB = createSyncEngine({
        tenant,
        account: bob.address,
        connector: outlookConnector({ getAccessToken: async () => bob.token, endpoint: graph.url, pageSize: 5, calendar: false, mailFolders: [] }),
        leaseTtlMs: 150,
        retry: { baseDelayMs: 1 },
      });
      const initial = await syncA.run();
      expect(initial.status).toBe("ok");
      expect(written(initial)).toBeGreaterThan(0);

      // The load, running for as long as each resync runs: two bulk writers upserting unrelated
      // relations of the same tenant, and the other account's sync picking up a remote change each
      // round. The writers never pause, so the resync's push phase must stop at what was written
      // before it started (it did not, once, and never finished).
      const failures: unknown[] = [];
      const rounds = { bulk: 0, other: 0, leaseLost: 0 };
      const lastRound = [-1, -1];
      let loading = false;
      const bulkWriter = async (w: number) => {
        while (loading) {
          const round = rounds.bulk++;
          lastRound[w] = round;
          const items = Array.from({ length: 60 }, (_, i) => ({
            kind: "person" as const,
            name: `Load ${w}-${i} round ${round}`,
            emails: [`load${w}-${i}@load.example`],
            externalRefs: [{ system: "load", externalId: `${w}-${i}` }],
          }));
          await tenant.bulk.upsertRelations(items, { chunkSize: 20 });
          // better-sqlite3 answers synchronously: a chain of writes without I/O between them would
          // be all microtasks and starve the process's sockets (the fake Graph's among them).
          await new Promise((resolve) => setImmediate(resolve));
        }
      };
      const ids = m.contacts(bob.address).map((c) => c.id);
      const otherAccount = async () => {
        while (loading) {
          const round = rounds.other++;
          m.updateContact(bob.address, ids[round % ids.length]!, { displayName: `Bob's changed ${round}` });
          const report = await syncB.run();
          // With a 150 ms lease, a step slowed down by the load can outlast it; core's storage
          // contract then refuses the renewal (expired, though nobody took it over) and the run
          // stops with BUSY lease_lost. That is the only failure tolerated here.
          const lost = report.resources.filter((r) => r.status === "failed").every((r) => r.error?.reason === "BUSY" && /lost/.test(r.error.message));
          if (report.status === "failed" && !lost) throw new Error(`the other account's sync failed: ${JSON.stringify(report)}`);
          if (report.status === "failed") rounds.leaseLost++;
        }
      };

      for (let i = 0; i < RESYNCS; i++) {
        const before = await accountRows(db, tenant.tenantId, anna.address);
        loading = true;
        const load = [bulkWriter(0), bulkWriter(1), otherAccount()].map((p) => p.catch((error: unknown) => failures.push(error)));
        const report = await syncA.run();
        loading = false;
        await Promise.all(load);
        const after = await accountRows(db, tenant.tenantId, anna.address);
        expect(report.status, JSON.stringify(report)).toBe("ok");
        expect(written(report), JSON.stringify(report)).toBe(0);
        expect(after).toEqual(before);
      }
      expect(failures).toEqual([]);
      // Every resync ran beside at least one round of each writer.
      expect(rounds.bulk).toBeGreaterThanOrEqual(RESYNCS * 2);
      expect(rounds.other).toBeGreaterThanOrEqual(RESYNCS);
      expect((await tenant.relations.findByExternalRef("load", "1-59"))?.name).toBe(`Load 1-59 round ${lastRound[1]}`);
      const sample = await accountRows(db, tenant.tenantId, anna.address);
      expect(sample.relations.length).toBeGreaterThan(40);
      expect(sample.interactions.length).toBeGreaterThan(30);
    });
  });
}
