import { describe, expect, it } from "vitest";
import type { TenantCrm } from "@kaartenbak/core";
import type { StorageAdapter } from "@kaartenbak/core/storage";
import { CrmError } from "@kaartenbak/core";
import { faultyStorage } from "./faults.js";
import { expectCrmError, type SuiteContext, type SuiteWorld } from "./harness.js";

type Command = { name: string; prepare(t: TenantCrm): Promise<(t: TenantCrm) => Promise<unknown>> };

/** Commands whose every storage step is failed in turn. */
const COMMANDS: Command[] = [
  {
    name: "create a relation with child rows",
    prepare: async () => (t) =>
      t.relations.create({
        kind: "organisation",
        name: "Acme",
        emails: ["a@acme.nl"],
        phones: ["+31201234567"],
        tags: ["x"],
        externalRefs: [{ system: "erp", externalId: "1" }],
        attributes: { industry: "retail" },
      }),
  },
  {
    name: "update a relation",
    prepare: async (t) => {
      const r = await t.relations.create({ kind: "person", name: "P", emails: ["p@x.nl"] });
      return (t2) => t2.relations.update(r.id, { name: "Q", emails: ["q@x.nl"], tags: ["y"] }, { expectedVersion: 1 });
    },
  },
  {
    name: "log an interaction",
    prepare: async (t) => {
      const r = await t.relations.create({ kind: "person", name: "P" });
      return (t2) =>
        t2.interactions.log({
          kind: "email",
          occurredAt: "2026-01-01T00:00:00Z",
          relationIds: [r.id],
          participants: [{ address: "p@x.nl" }],
          externalKey: "<k@x>",
        });
    },
  },
  {
    name: "create a link",
    prepare: async (t) => {
      const a = await t.relations.create({ kind: "organisation", name: "A" });
      const b = await t.relations.create({ kind: "organisation", name: "B" });
      return (t2) => t2.links.create({ kind: "parent_organisation", organisationId: a.id, parentId: b.id });
    },
  },
];

/** Transactions: a command that fails at any step leaves no row, history entry or outbox event. */
export function transactionsSuite(ctx: SuiteContext): void {
  describe("transactions", () => {
    for (const command of COMMANDS) {
      it(`${command.name}: a fault after any storage step leaves nothing behind`, async () => {
        const probe = ctx.world();
        const run = await command.prepare(probe.t);
        const counter = faultyStorage(probe.storage, Number.POSITIVE_INFINITY);
        await run(tenantOn(probe, counter.storage));
        const steps = counter.calls();
        expect(steps).toBeGreaterThan(2);
        for (let failAt = 1; failAt <= steps; failAt++) {
          const w = ctx.world();
          const go = await command.prepare(w.t);
          const before = await w.counts();
          const faulty = faultyStorage(w.storage, failAt);
          const error = await go(tenantOn(w, faulty.storage)).then(
            () => undefined,
            (e: unknown) => e,
          );
          expect(error, `step ${failAt} of ${steps}`).toBeInstanceOf(Error);
          expect(await w.counts(), `step ${failAt} of ${steps}`).toEqual(before);
        }
      });
    }

    it("tenant.transaction commits several commands together, or none of them", async () => {
      const w = ctx.world();
      const { org, anna } = await w.t.transaction(async (tx) => {
        const org = await tx.relations.create({ kind: "organisation", name: "Unit BV" });
        const anna = await tx.relations.create({ kind: "person", name: "Anna" });
        await tx.links.create({ kind: "employment", personId: anna.id, organisationId: org.id });
        // Reads inside see the unit's own uncommitted writes.
        expect((await tx.links.list(org.id)).length).toBe(1);
        return { org, anna };
      });
      expect((await w.t.links.list(org.id)).map((l) => l.kind === "employment" && l.personId)).toEqual([anna.id]);
      expect((await w.t.outbox.read()).map((e) => e.sequence)).toEqual([1, 2, 3]);

      const before = await w.counts();
      const thrown = await w.t
        .transaction(async (tx) => {
          await tx.relations.create({ kind: "organisation", name: "Never" });
          await tx.interactions.log({ kind: "note", occurredAt: "2026-01-01T00:00:00Z", relationIds: [org.id] });
          throw new Error("host changed its mind");
        })
        .then(
          () => undefined,
          (e: unknown) => e,
        );
      expect((thrown as Error).message).toBe("host changed its mind");
      expect(await w.counts()).toEqual(before);
    });

    it("a failed command inside a unit rolls the unit back even when its error is caught", async () => {
      const w = ctx.world();
      const before = await w.counts();
      const error = await expectCrmError(
        w.t.transaction(async (tx) => {
          await tx.relations.create({ kind: "organisation", name: "Kept?", externalRefs: [{ system: "erp", externalId: "1" }] });
          await tx.relations.create({ kind: "organisation", name: "Clash", externalRefs: [{ system: "erp", externalId: "1" }] }).catch(() => undefined);
          return "swallowed";
        }),
        "ROLLED_BACK",
      );
      expect(error.details.reason).toBe("unit_rolled_back");
      expect(await w.counts()).toEqual(before);
      // Validation failures happen before any write, yet they poison the unit as well: one rule, no exceptions.
      await expectCrmError(
        w.t.transaction(async (tx) => {
          await tx.relations.create({ kind: "person" }).catch(() => undefined);
        }),
        "ROLLED_BACK",
      );
      const nested = await w.t.transaction((tx) => tx.transaction(async (inner) => inner.relations.create({ kind: "household", name: "Nested" })));
      expect((await w.t.relations.get(nested.id))?.name).toBe("Nested");
    });

    it("a command refused by validation writes nothing", async () => {
      const w = ctx.world();
      const before = await w.counts();
      await expectCrmError(w.t.relations.create({ kind: "person", name: "P", emails: ["nope"] }), "VALIDATION");
      expect(await w.counts()).toEqual(before);
    });

    it("maps database constraint violations to typed errors and rolls back", async () => {
      const w = ctx.world();
      const a = await w.t.relations.create({ kind: "organisation", name: "A", externalRefs: [{ system: "erp", externalId: "1" }] });
      const before = await w.counts();
      // Bypass the service's friendly pre-check to reach the database's own unique constraint.
      const dup = await w.storage
        .transaction(w.tenantId, (store) => store.relations.insert({ ...a, id: "other-id", name: "B" }))
        .then(
          () => undefined,
          (e: unknown) => e,
        );
      expect(dup).toBeInstanceOf(CrmError);
      expect((dup as CrmError).code).toBe("DUPLICATE");
      const fk = await w.storage
        .transaction(w.tenantId, (store) =>
          store.links.insert({
            id: "l1",
            kind: "employment",
            fromId: "missing",
            toId: a.id,
            role: null,
            jobTitle: null,
            validFrom: null,
            validTo: null,
            version: 1,
            createdAt: a.createdAt,
            updatedAt: a.createdAt,
          }),
        )
        .then(
          () => undefined,
          (e: unknown) => e,
        );
      expect((fk as CrmError).code).toBe("INTEGRITY");
      expect(await w.counts()).toEqual(before);
    });
  });
}

function tenantOn(w: SuiteWorld, storage: StorageAdapter): TenantCrm {
  return w.crmWith({ storage }).tenant(w.tenantId, { actor: "user:test", source: "conformance" });
}
