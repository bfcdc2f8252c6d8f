/**
 * The connector conformance suite: the scenarios every connector must pass against its provider's
 * fake server, on every storage engine — initial sync, incremental changes, deletes, an expired
 * cursor, throttling, crash resume, a two-way conflict and a no-change resync.
 *
 * It is built from two factories, so a new connector (Google, ...) reuses it unchanged: a
 * fake-server factory that starts the provider's fake and drives its contacts the way a user of
 * the remote system would, and a connector factory that builds the connector against that fake.
 * The suite knows nothing about Graph or People; it sees only the core connector contract.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createCrm, type Relation, type TenantCrm } from "@kaartenbak/core";
import type { StorageAdapter } from "@kaartenbak/core/storage";
import { createSyncEngine, type Connector, type SyncEngineOptions, type SyncEvent, type SyncRunReport } from "@kaartenbak/core/sync";

/** A contact as the suite reads and writes it on the remote side. */
export interface FakeContact {
  readonly name: string;
  /** One e-mail address (any case). */
  readonly email: string;
}

/**
 * One running fake of the provider, driven like a user of the remote system would. Every method
 * acts on the fake directly (not through the connector under test).
 */
export interface ConnectorFake {
  /** The account the connector syncs (e.g. the mailbox address). */
  readonly account: string;
  /** Creates a remote contact; returns its remote id (what the connector reports as `externalId`). */
  createContact(contact: FakeContact): Promise<string>;
  /** Changes a remote contact's name. */
  renameContact(id: string, name: string): Promise<void>;
  /** Deletes a remote contact. */
  deleteContact(id: string): Promise<void>;
  /** Every remote contact now, by remote id. */
  contacts(): Promise<ReadonlyMap<string, FakeContact>>;
  /** Makes every stored cursor (delta/sync token) of the account expire, as the provider signals it. */
  expireCursors(): Promise<void>;
  /** Answers the next `times` requests with the provider's throttling response (and a short Retry-After). */
  throttle(times: number): Promise<void>;
  /** Stops the fake. */
  close(): Promise<void>;
}

/** A storage engine to run the scenarios on. */
export interface ConnectorSuiteStorage {
  /** Shown in the test names, e.g. `sqlite`. */
  readonly name: string;
  /** A migrated storage, opened once per engine; `close` also drops what it made. */
  open(): Promise<{ readonly storage: StorageAdapter; close(): Promise<void> }>;
}

/** Options of {@link testConnector}. */
export interface ConnectorSuiteOptions {
  /** Shown in the test names, e.g. `outlook`. */
  readonly name: string;
  /** Starts a fresh fake with one empty account (called per scenario). */
  readonly startFake: () => Promise<ConnectorFake>;
  /**
   * Builds the connector under test against `fake`. `pageSize` is small (3), so every scenario
   * pages; the connector should sync only the contacts resource (or the suite ignores the rest).
   */
  readonly connector: (fake: ConnectorFake, options: { readonly pageSize: number }) => Connector;
  /** The engines to run on (at least one; SQLite and Postgres for the packages of this project). */
  readonly storages: readonly ConnectorSuiteStorage[];
}

const PAGE = 3;

/** The synced, live (not deleted) relation of a remote contact, if any. */
const relationOf = async (tenant: TenantCrm, connector: Connector, id: string) => {
  const relation = await tenant.relations.findByExternalRef(connector.id, id);
  return relation && relation.deletedAt === null ? relation : undefined;
};

/** The CRM side equals the remote: every remote contact is one live relation with its name and e-mail. */
async function expectMirrors(tenant: TenantCrm, connector: Connector, fake: ConnectorFake, gone: readonly string[] = []) {
  for (const [id, contact] of await fake.contacts()) {
    const relation = await relationOf(tenant, connector, id);
    expect(relation, `relation of remote contact ${id}`).toBeDefined();
    expect(relation!.name).toBe(contact.name);
    expect(relation!.emails.map((e) => e.address.toLowerCase())).toContain(contact.email.toLowerCase());
    expect(await tenant.relations.findByEmail(contact.email), `one relation for ${contact.email}`).toHaveLength(1);
  }
  for (const id of gone) expect(await relationOf(tenant, connector, id), `removed contact ${id}`).toBeUndefined();
}

const writes = (report: SyncRunReport) => report.resources.reduce((n, r) => n + r.counts.created + r.counts.updated + r.counts.deleted, 0);

/**
 * Registers the connector scenarios with vitest, once per storage engine. Call it at the top
 * level of a test file of the connector's package.
 *
 * packages/connector-outlook/test/conformance.test.ts is the worked example: it passes a factory
 * that starts the fake Graph server, one that builds the connector against it with the suite's
 * page size, and a SQLite and a Postgres storage.
 */
export function testConnector(options: ConnectorSuiteOptions): void {
  for (const engine of options.storages) {
    describe(`connector conformance: ${options.name} on ${engine.name}`, () => {
      let opened: { storage: StorageAdapter; close(): Promise<void> } | undefined;
      beforeAll(async () => {
        opened = await engine.open();
      });
      afterAll(async () => {
        await opened?.close();
      });

      /** A fresh tenant, fake and connector; `run` syncs with fast retries and collects events. */
      async function world(extra: Partial<SyncEngineOptions> = {}) {
        if (!opened) throw new Error("connector suite: storage not opened");
        const crm = createCrm({ storage: opened.storage, defaultRegion: "NL" });
        const tenant = crm.tenant(`conn-${Math.random().toString(36).slice(2, 10)}`, { actor: "user:1", source: "ui" });
        const fake = await options.startFake();
        const connector = options.connector(fake, { pageSize: PAGE });
        const contacts = connector.resources.filter((r) => r.entity === "relation").map((r) => r.id);
        const events: SyncEvent[] = [];
        const sync = (more: Partial<SyncEngineOptions> = {}) =>
          createSyncEngine({
            tenant,
            connector,
            account: fake.account,
            retry: { baseDelayMs: 1, maxDelayMs: 50 },
            onEvent: (e) => events.push(e),
            ...extra,
            ...more,
          });
        const run = (more: Parameters<ReturnType<typeof sync>["run"]>[0] = {}) => sync().run({ resources: contacts, ...more });
        return { tenant, fake, connector, events, sync, run };
      }

      async function seeded(n = 7) {
        const w = await world();
        const ids: string[] = [];
        for (let i = 0; i < n; i++) ids.push(await w.fake.createContact({ name: `Person ${i}`, email: `Person${i}@Conformance.example` }));
        return { ...w, ids };
      }

      it("initial sync: every remote contact becomes one relation, over several pages", async () => {
        const w = await seeded();
        try {
          const report = await w.run();
          expect(report.status).toBe("ok");
          expect(report.resources.reduce((n, r) => n + r.pages, 0)).toBeGreaterThan(1);
          expect(report.resources.reduce((n, r) => n + r.counts.created, 0)).toBe(7);
          await expectMirrors(w.tenant, w.connector, w.fake);
        } finally {
          await w.fake.close();
        }
      });

      it("incremental changes: a created and a renamed contact arrive, nothing else is touched", async () => {
        const w = await seeded();
        try {
          expect((await w.run()).status).toBe("ok");
          const untouched = (await relationOf(w.tenant, w.connector, w.ids[0]!))!;
          await w.fake.renameContact(w.ids[3]!, "Renamed Three");
          await w.fake.createContact({ name: "Newcomer", email: "newcomer@conformance.example" });
          const report = await w.run();
          expect(report.status).toBe("ok");
          const counts = report.resources.reduce((a, r) => ({ created: a.created + r.counts.created, updated: a.updated + r.counts.updated }), {
            created: 0,
            updated: 0,
          });
          expect(counts).toEqual({ created: 1, updated: 1 });
          await expectMirrors(w.tenant, w.connector, w.fake);
          expect((await relationOf(w.tenant, w.connector, w.ids[0]!))!.version).toBe(untouched.version);
        } finally {
          await w.fake.close();
        }
      });

      it("deletes: a contact deleted remotely is no longer a live relation", async () => {
        const w = await seeded();
        try {
          expect((await w.run()).status).toBe("ok");
          await w.fake.deleteContact(w.ids[2]!);
          await w.fake.deleteContact(w.ids[5]!);
          expect((await w.run()).status).toBe("ok");
          await expectMirrors(w.tenant, w.connector, w.fake, [w.ids[2]!, w.ids[5]!]);
        } finally {
          await w.fake.close();
        }
      });

      it("expired cursor: a full pass restores the remote state, including what changed meanwhile", async () => {
        const w = await seeded();
        try {
          expect((await w.run()).status).toBe("ok");
          await w.fake.deleteContact(w.ids[1]!);
          await w.fake.renameContact(w.ids[4]!, "Renamed Four");
          await w.fake.expireCursors();
          expect((await w.run()).status).toBe("ok");
          expect(w.events.filter((e) => e.type === "full-pass").map((e) => (e.type === "full-pass" ? e.cause : ""))).toContain("cursor-expired");
          await expectMirrors(w.tenant, w.connector, w.fake, [w.ids[1]!]);
        } finally {
          await w.fake.close();
        }
      });

      it("throttling: throttled requests are retried and the sync completes", async () => {
        const w = await seeded();
        try {
          await w.fake.throttle(2);
          const report = await w.run();
          expect(report.status).toBe("ok");
          await expectMirrors(w.tenant, w.connector, w.fake);
        } finally {
          await w.fake.close();
        }
      });

      it("crash resume: a run stopped after one page is resumed by another worker to exactly the remote state", async () => {
        const w = await seeded(10);
        try {
          const first = await w.run({ maxPages: 1 });
          expect(first.resources.map((r) => r.status)).toContain("stopped");
          await w.fake.createContact({ name: "During The Gap", email: "gap@conformance.example" });
          // A second engine, as another process would build it after a crash.
          expect((await w.sync().run({ resources: w.connector.resources.filter((r) => r.entity === "relation").map((r) => r.id) })).status).toBe("ok");
          await expectMirrors(w.tenant, w.connector, w.fake);
        } finally {
          await w.fake.close();
        }
      });

      it("two-way conflict: a local edit of a contact changed remotely meanwhile is resolved by the policy (remote wins)", async () => {
        const w = await seeded(4);
        try {
          if (!w.connector.push) throw new Error(`connector ${w.connector.id} cannot push: two-way contacts are part of the contract`);
          expect((await w.run()).status).toBe("ok");
          const local = (await relationOf(w.tenant, w.connector, w.ids[1]!))! as Relation;
          await w.tenant.relations.update(local.id, { name: "Local Edit" }, { expectedVersion: local.version });
          await w.fake.renameContact(w.ids[1]!, "Remote Edit");
          expect((await w.run()).status).toBe("ok");
          expect((await relationOf(w.tenant, w.connector, w.ids[1]!))!.name).toBe("Remote Edit");
          expect((await w.fake.contacts()).get(w.ids[1]!)?.name).toBe("Remote Edit");
          // A local edit without a remote change is pushed.
          const again = (await relationOf(w.tenant, w.connector, w.ids[2]!))!;
          await w.tenant.relations.update(again.id, { name: "Pushed Edit" }, { expectedVersion: again.version });
          expect((await w.run()).pushed).toBeGreaterThan(0);
          expect((await w.fake.contacts()).get(w.ids[2]!)?.name).toBe("Pushed Edit");
          await expectMirrors(w.tenant, w.connector, w.fake);
        } finally {
          await w.fake.close();
        }
      });

      it("no-change resync: a run after a complete sync writes nothing", async () => {
        const w = await seeded();
        try {
          expect((await w.run()).status).toBe("ok");
          const before = await Promise.all(w.ids.map(async (id) => (await relationOf(w.tenant, w.connector, id))!.version));
          for (let i = 0; i < 3; i++) {
            const report = await w.run();
            expect(report.status).toBe("ok");
            expect(writes(report)).toBe(0);
            expect(report.pushed).toBe(0);
          }
          expect(await Promise.all(w.ids.map(async (id) => (await relationOf(w.tenant, w.connector, id))!.version))).toEqual(before);
        } finally {
          await w.fake.close();
        }
      });
    });
  }
}
