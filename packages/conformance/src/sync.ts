import { describe, expect, it } from "vitest";
import { createSyncEngine, type SyncEngineOptions } from "@kaartenbak/core/sync";
import { SyncError, type InteractionDraft, type SyncResource } from "@kaartenbak/core/sync";
import type { SyncEvent } from "@kaartenbak/core/sync";
import { faultyStorage } from "./faults.js";
import { num, type KbTable, type SuiteContext, type SuiteWorld } from "./harness.js";
import { MemoryRemote } from "./sync-fake.js";

const RESOURCES: readonly SyncResource[] = [
  { id: "contacts", entity: "relation", writable: true },
  { id: "mail:a", entity: "interaction" },
  { id: "mail:b", entity: "interaction" },
];
const ACCOUNT = "anna@example.com";

/** Row counts of the CRM's own tables (sync bookkeeping of states and leases left out). */
async function crmCounts(w: SuiteWorld): Promise<Partial<Record<KbTable, number>>> {
  const { kb_sync_states: _s, kb_sync_leases: _l, ...rest } = await w.counts();
  return rest;
}

function person(i: number, extra: { name?: string; email?: string } = {}) {
  return { input: { kind: "person" as const, name: extra.name ?? `Person ${i}`, emails: [extra.email ?? `p${i}@example.com`] } };
}

function mail(from: string, subject: string, to = ACCOUNT): InteractionDraft {
  return {
    kind: "email",
    direction: "inbound",
    channel: "email",
    occurredAt: "2026-03-01T10:00:00.000Z",
    subject,
    participants: [
      { role: "from", address: from },
      { role: "to", address: to, own: to === ACCOUNT },
    ],
  };
}

function setup(ctx: SuiteContext, options: Partial<SyncEngineOptions> = {}, w = ctx.world()) {
  const remote = new MemoryRemote(RESOURCES);
  const events: SyncEvent[] = [];
  const waits: number[] = [];
  const engine = (extra: Partial<SyncEngineOptions> = {}) =>
    createSyncEngine({
      tenant: w.t,
      connector: remote.connector(),
      account: ACCOUNT,
      onEvent: (e) => events.push(e),
      retry: { sleep: async (ms) => void waits.push(ms) },
      ...options,
      ...extra,
    });
  return { w, remote, events, waits, engine };
}

/** The synced relations, by remote id, as name + emails, for comparison with the remote. */
async function syncedRelations(w: SuiteWorld, remote: MemoryRemote) {
  const out: Record<string, string> = {};
  for (const [id, item] of remote.items.get("contacts") ?? []) {
    if (item.kind !== "relation") continue;
    const r = await w.t.relations.findByExternalRef("memory", id);
    out[id] = r && !r.deletedAt ? `${r.name} <${r.emails.map((e) => e.address).join(",")}>` : "(missing)";
  }
  return out;
}

/** The sync engine against an in-memory remote: cursors, idempotency, resync, retries, leases, push. */
export function syncSuite(ctx: SuiteContext): void {
  describe("sync", () => {
    it("initial sync pages through everything, commits cursors, and a second sync writes nothing", async () => {
      const { w, remote, events, engine } = setup(ctx);
      for (let i = 0; i < 25; i++) remote.putRelation("contacts", person(i));
      remote.putInteraction("mail:a", "<m1@x>", mail("p1@example.com", "Hello"));
      remote.putInteraction("mail:b", "<m1@x>", mail("p1@example.com", "Hello")); // same message, other folder
      const report = await engine().run();
      expect(report.status).toBe("ok");
      // Each full pass is followed by one round of the changes made meanwhile (here: none).
      expect(report.resources.map((r) => [r.resource, r.pages, r.counts.created])).toEqual([
        ["contacts", 4, 25],
        ["mail:a", 2, 1],
        ["mail:b", 2, 0],
      ]);
      expect(await w.rows("kb_relations")).toHaveLength(25);
      expect(await w.rows("kb_interactions")).toHaveLength(1);
      expect(await w.rows("kb_sync_items")).toHaveLength(27);
      const states = await engine().states();
      expect(states.map((s) => [s.resource, s.stage, s.failureCount, s.lastError, s.totals.items])).toEqual([
        ["contacts", "incremental", 0, null, 25],
        ["mail:a", "incremental", 0, null, 1],
        ["mail:b", "incremental", 0, null, 1],
      ]);
      expect(states.every((s) => s.lastSuccessAt !== null && s.cursor !== null)).toBe(true);
      expect(events.filter((e) => e.type === "page")).toHaveLength(8);

      const before = await crmCounts(w);
      const sequence = (await w.rows("kb_counters")).map((r) => num(r.value));
      expect((await engine().run()).status).toBe("ok");
      expect(await crmCounts(w)).toEqual(before);
      expect((await w.rows("kb_counters")).map((r) => num(r.value))).toEqual(sequence);
      expect(await w.rows("kb_sync_leases")).toHaveLength(0);
    });

    it("a crash between pages or inside a page resumes without loss or doubles", async () => {
      const { w, remote, engine } = setup(ctx);
      for (let i = 0; i < 35; i++) remote.putRelation("contacts", person(i));
      expect((await engine().run({ maxPages: 2 })).resources[0]?.status).toBe("stopped");
      expect(await w.rows("kb_relations")).toHaveLength(20);
      // A fault in the middle of the next page's transaction: nothing of that page stays.
      const probe = faultyStorage(w.storage, 25);
      const crashed = createSyncEngine({
        tenant: w.crmWith({ storage: probe.storage }).tenant(w.tenantId),
        connector: remote.connector(),
        account: ACCOUNT,
        leaseTtlMs: 1,
      });
      expect((await crashed.run()).status).toBe("failed");
      expect(await w.rows("kb_relations")).toHaveLength(20);
      await new Promise((r) => setTimeout(r, 5)); // the crashed run's lease expires
      remote.putRelation("contacts", person(99));
      expect((await engine().run()).status).toBe("ok");
      expect(await w.rows("kb_relations")).toHaveLength(36);
      expect(Object.values(await syncedRelations(w, remote))).not.toContain("(missing)");
    });

    it("an expired cursor starts a full resync that removes what is gone, and only that", async () => {
      const { w, remote, events, engine } = setup(ctx);
      const ids = Array.from({ length: 12 }, (_, i) => remote.putRelation("contacts", person(i)));
      const local = await w.t.relations.create({ kind: "person", name: "Local only" });
      await engine().run();
      remote.removeSilently("contacts", ids[3]!);
      remote.remove("contacts", ids[4]!);
      remote.putRelation("contacts", person(5, { name: "Renamed" }), ids[5]);
      remote.expireCursors();
      const report = await engine().run();
      expect(report.status).toBe("ok");
      expect(events.some((e) => e.type === "full-pass" && e.cause === "cursor-expired")).toBe(true);
      expect((await w.t.relations.findByExternalRef("memory", ids[3]!))?.deletedAt).not.toBeNull();
      expect((await w.t.relations.findByExternalRef("memory", ids[4]!))?.deletedAt).not.toBeNull();
      expect((await w.t.relations.findByExternalRef("memory", ids[5]!))?.name).toBe("Renamed");
      expect((await w.t.relations.get(local.id))?.deletedAt).toBeNull();
      expect(await w.rows("kb_sync_items", { resource: "contacts" })).toHaveLength(10);
      const before = await crmCounts(w);
      await engine().run();
      expect(await crmCounts(w)).toEqual(before);
    });

    it("honours Retry-After, backs off on transient errors, and records failures until a success", async () => {
      const { w, remote, waits, engine } = setup(ctx);
      remote.putRelation("contacts", person(1));
      remote.failNext(new SyncError("RATE_LIMITED", "slow down", { retryAfterMs: 1234, status: 429 }), new SyncError("TRANSIENT", "503", { status: 503 }));
      expect((await engine().run()).status).toBe("ok");
      expect(waits[0]).toBe(1234);
      expect(waits).toHaveLength(2);
      remote.putRelation("contacts", person(2));
      remote.failNext(...Array.from({ length: 5 }, () => new SyncError("TRANSIENT", "connection dropped")));
      const failed = await engine().run();
      expect(failed.status).toBe("failed");
      expect(failed.resources[0]?.error?.reason).toBe("TRANSIENT");
      const [contacts] = await engine().states();
      expect(contacts).toMatchObject({ resource: "contacts", failureCount: 1, lastError: { reason: "TRANSIENT", message: "connection dropped" } });
      expect(await w.rows("kb_relations")).toHaveLength(1);
      expect((await engine().run()).status).toBe("ok");
      const [healed] = await engine().states();
      expect(healed).toMatchObject({ failureCount: 0, lastError: null });
      expect(await w.rows("kb_relations")).toHaveLength(2);
    });

    it("an AUTH failure stops the run and is recorded", async () => {
      const { remote, engine } = setup(ctx);
      remote.failNext(new SyncError("AUTH", "token rejected", { status: 401 }));
      const report = await engine().run();
      expect(report.status).toBe("failed");
      expect(report.resources).toHaveLength(1);
      expect((await engine().states())[0]?.lastError?.reason).toBe("AUTH");
    });

    it("malformed items and items the CRM refuses are recorded as skipped, the rest applies", async () => {
      const { w, remote, events, engine } = setup(ctx);
      remote.putRelation("contacts", person(1));
      remote.putInvalid("contacts", "no displayName");
      remote.putRelation("contacts", { input: { kind: "person", name: "Bad", emails: ["not an address"] } });
      remote.putRelation("contacts", person(2));
      const report = await engine().run();
      expect(report.resources[0]?.counts).toMatchObject({ created: 2, skipped: 2 });
      expect(await w.rows("kb_relations")).toHaveLength(2);
      const [state] = await engine().states();
      expect(state?.skipped.map((s) => s.reason).sort()).toEqual(["invalid_payload", "validation"]);
      expect(events.filter((e) => e.type === "skipped")).toHaveLength(2);
    });

    it("one interaction per message key across folders; removal only when no folder has it; return restores", async () => {
      const { w, remote, engine } = setup(ctx, { unknownAddresses: "create-person" });
      const a = remote.putInteraction("mail:a", "<k@x>", mail("new.person@acme.example", "Hi"));
      const b = remote.putInteraction("mail:b", "<k@x>", mail("new.person@acme.example", "Hi"));
      await engine().run();
      const [i] = await w.rows("kb_interactions");
      expect(await w.rows("kb_interactions")).toHaveLength(1);
      const people = await w.t.relations.findByEmail("new.person@acme.example");
      expect(people.map((p) => p.name)).toEqual(["New Person"]);
      expect(await w.t.relations.findByEmail(ACCOUNT)).toEqual([]); // own address creates nothing
      remote.remove("mail:a", a);
      await engine().run();
      expect((await w.t.interactions.get(i!.id as string))?.deletedAt).toBeNull();
      remote.remove("mail:b", b);
      await engine().run();
      expect(await w.t.interactions.get(i!.id as string)).toBeUndefined();
      remote.putInteraction("mail:b", "<k@x>", mail("new.person@acme.example", "Hi again"));
      await engine().run();
      expect((await w.t.interactions.get(i!.id as string))?.subject).toBe("Hi again");
    });

    it("only one runner works on an account; an expired lease is taken over and the old runner stops", async () => {
      let clock = new Date("2026-05-01T10:00:00.000Z");
      const w = ctx.world({ clock: () => clock });
      const { remote, engine } = setup(ctx, { leaseTtlMs: 60_000 }, w);
      for (let i = 0; i < 15; i++) remote.putRelation("contacts", person(i));
      let release!: () => void;
      const gate = new Promise<void>((r) => (release = r));
      remote.beforePull = () => gate;
      const first = engine().run();
      await new Promise((r) => setTimeout(r, 50));
      expect((await engine().run()).status).toBe("busy");
      clock = new Date(clock.getTime() + 61_000);
      remote.beforePull = async () => undefined;
      expect((await engine().run()).status).toBe("ok");
      release();
      const late = await first;
      expect(late.status).toBe("failed");
      expect(late.resources[0]?.error?.message).toMatch(/lease/);
      expect(await w.rows("kb_relations")).toHaveLength(15);
    });

    it("pushes local edits with the change key, and resolves conflicts by the policy", async () => {
      const { w, remote, events, engine } = setup(ctx);
      const id = remote.putRelation("contacts", person(1));
      const other = remote.putRelation("contacts", person(2));
      await engine().run();
      const anna = (await w.t.relations.findByExternalRef("memory", id))!;
      await w.t.relations.update(anna.id, { name: "Anna Local" }, { expectedVersion: anna.version });
      const report = await engine().run();
      expect(report.pushed).toBe(1);
      const item = remote.items.get("contacts")!.get(id)!;
      expect(item.kind === "relation" && item.draft.input.name).toBe("Anna Local");
      const pushesBefore = remote.pushes.length;
      await engine().run(); // the echo of our own push changes nothing and is not pushed again
      expect(remote.pushes.length).toBe(pushesBefore);

      // Both sides change: the push meets a stale change key; remote-wins (default) keeps the remote version.
      const b = (await w.t.relations.findByExternalRef("memory", other))!;
      await w.t.relations.update(b.id, { name: "B Local" }, { expectedVersion: b.version });
      remote.putRelation("contacts", person(2, { name: "B Remote" }), other);
      await engine().run();
      expect(events.filter((e) => e.type === "conflict").map((e) => e.type === "conflict" && e.resolution)).toEqual(["remote"]);
      expect((await w.t.relations.get(b.id))?.name).toBe("B Remote");
      const remoteNow = remote.items.get("contacts")!.get(other)!;
      expect(remoteNow.kind === "relation" && remoteNow.draft.input.name).toBe("B Remote");

      // local-wins (here as a callback) pushes the local version over the remote one.
      const b2 = (await w.t.relations.get(b.id))!;
      await w.t.relations.update(b.id, { name: "B Local 2" }, { expectedVersion: b2.version });
      remote.putRelation("contacts", person(2, { name: "B Remote 2" }), other);
      await engine({ conflictPolicy: (c) => (c.relation.name.includes("Local") ? "local" : "remote") }).run();
      const remoteB = remote.items.get("contacts")!.get(other)!;
      expect(remoteB.kind === "relation" && remoteB.draft.input.name).toBe("B Local 2");
      expect((await w.t.relations.get(b.id))?.name).toBe("B Local 2");

      // A local delete deletes remotely; a local create is pushed when the host opts in.
      const gone = (await w.t.relations.get(b.id))!;
      await w.t.relations.delete(b.id, { expectedVersion: gone.version });
      const fresh = await w.t.relations.create({ kind: "person", name: "Made Here", emails: ["made@here.example"] });
      await engine({ pushCreates: (r) => r.kind === "person" }).run();
      expect(remote.items.get("contacts")!.has(other)).toBe(false);
      const created = [...remote.items.get("contacts")!.values()].find((i) => i.kind === "relation" && i.draft.input.name === "Made Here");
      expect(created).toBeDefined();
      expect((await w.t.relations.get(fresh.id))?.externalRefs.map((r) => r.system)).toEqual(["memory"]);
      const before = await crmCounts(w);
      await engine({ pushCreates: (r) => r.kind === "person" }).run();
      expect(await crmCounts(w)).toEqual(before);
    });
  });
}
