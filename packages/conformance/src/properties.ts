import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { isCrmError } from "@kaartenbak/core";
import type { SuiteContext, SuiteWorld } from "./harness.js";
import { json } from "./harness.js";

const RUNS = Number(process.env.KAARTENBAK_PROPERTY_RUNS ?? 60);

/** Values that are sometimes right and often subtly wrong. */
const junk = fc.oneof(fc.string({ maxLength: 12 }), fc.integer(), fc.constant(null), fc.boolean(), fc.constant(""), fc.constant("x".repeat(400)));
const email = fc.oneof(
  fc.emailAddress().map((e) => (Math.random() < 0.5 ? e.toUpperCase() : ` ${e} `)),
  fc.string({ maxLength: 20 }),
);
const phone = fc.oneof(fc.constantFrom("020 123 4567", "+31 6 12345678", "06-12345678", "+1 212 555 0199", "0032 2 555 12 12"), fc.string({ maxLength: 15 }));
const attributeValue = fc.oneof(
  fc.constantFrom("retail", "finance", "nope"),
  fc.integer({ min: -5, max: 5000 }),
  fc.double(),
  fc.boolean(),
  fc.constantFrom("1990-01-01", "1990-02-30"),
  fc.record({ amount: fc.oneof(fc.integer(), fc.double()), currency: fc.constantFrom("EUR", "USD", "eur", "XXXX") }),
);
const attributes = fc.dictionary(
  fc.constantFrom("industry", "vatNumber", "employees", "creditLimit", "newsletter", "birthday", "unknownThing"),
  attributeValue,
  { maxKeys: 4 },
);

const relationFields = {
  name: fc.oneof(fc.string({ maxLength: 40 }), junk),
  givenName: fc.oneof(fc.string({ maxLength: 20 }), fc.constant(null)),
  familyName: fc.oneof(fc.string({ maxLength: 20 }), fc.constant(null)),
  lifecycle: fc.oneof(fc.constantFrom("prospect", "lead", "customer", "former", "internal"), junk),
  ownerId: fc.oneof(fc.constant("user:1"), junk),
  emails: fc.array(fc.oneof(email, fc.record({ address: email, primary: fc.boolean() })), { maxLength: 3 }),
  phones: fc.array(fc.oneof(phone, fc.record({ number: phone, label: fc.string({ maxLength: 5 }) })), { maxLength: 3 }),
  tags: fc.array(fc.oneof(fc.string({ maxLength: 10 }), junk), { maxLength: 3 }),
  attributes,
  externalRefs: fc.array(fc.record({ system: fc.constantFrom("erp", "", "crm"), externalId: fc.string({ maxLength: 8 }) }), { maxLength: 2 }),
};

const relationInput = fc.record(
  { kind: fc.oneof(fc.constantFrom("person", "organisation", "household"), junk), ...relationFields },
  { requiredKeys: ["kind"] },
);
const relationPatch = fc.record(relationFields, { requiredKeys: [] });

const interactionInput = (relationId: string) =>
  fc.record(
    {
      kind: fc.oneof(fc.constantFrom("call", "email", "note", "webinar"), junk),
      direction: fc.oneof(fc.constantFrom("inbound", "outbound"), junk),
      occurredAt: fc.oneof(fc.date({ noInvalidDate: true }), fc.constantFrom("2026-01-01T10:00:00+02:00", "2026-13-01T00:00:00Z", "not a date")),
      subject: fc.oneof(fc.string({ maxLength: 30 }), junk),
      relationIds: fc.oneof(fc.constant([relationId]), fc.constant([]), fc.constant([relationId, "ghost"])),
      participants: fc.array(fc.record({ role: fc.constantFrom("from", "to", "bogus"), address: fc.oneof(email, fc.constant(null)) }), { maxLength: 2 }),
      externalKey: fc.oneof(fc.string({ maxLength: 10 }), fc.constant(null)),
    },
    { requiredKeys: ["kind", "occurredAt"] },
  );

/** Accepts the outcome of a command on random input: success, or a typed refusal that wrote nothing. */
async function succeedsOrRefusesCleanly<T>(w: SuiteWorld, run: () => Promise<T>, check: (value: T) => Promise<void>) {
  const before = await w.counts();
  try {
    await check(await run());
  } catch (error) {
    if (!isCrmError(error) || !["VALIDATION", "INTEGRITY"].includes(error.code)) throw error;
    if (error.code === "VALIDATION") expect(error.issues.length).toBeGreaterThan(0);
    expect(await w.counts()).toEqual(before);
  }
}

/** Property-based tests: random input never leaves a partial write and never fails untyped. */
export function propertiesSuite(ctx: SuiteContext): void {
  describe("properties", () => {
    it("create: random input succeeds or gives VALIDATION, and never writes half", async () => {
      const w = ctx.world();
      await fc.assert(
        fc.asyncProperty(relationInput, async (input) => {
          await succeedsOrRefusesCleanly(
            w,
            () => w.t.relations.create(input as never),
            async (r) => {
              const [row] = await w.rows("kb_relations", { id: r.id });
              expect(row?.name).toBe(r.name);
              expect(json(row!.attributes)).toEqual(r.attributes);
              const emails = (await w.rows("kb_relation_emails", { relation_id: r.id })).map((e) => e.email as string);
              expect(emails.sort()).toEqual(r.emails.map((e) => e.address).sort());
              expect(emails.every((e) => e === e.trim().toLowerCase())).toBe(true);
              expect(r.emails.filter((e) => e.primary).length).toBe(r.emails.length ? 1 : 0);
              const phones = (await w.rows("kb_relation_phones", { relation_id: r.id })).map((p) => p.phone as string);
              expect(phones.every((p) => /^\+[1-9]\d{6,14}$/.test(p))).toBe(true);
            },
          );
        }),
        { numRuns: RUNS },
      );
    });

    it("update: random patches succeed or give VALIDATION, leaving the row as it was", async () => {
      const w = ctx.world();
      const base = await w.t.relations.create({ kind: "organisation", name: "Base", emails: ["base@x.nl"] });
      await fc.assert(
        fc.asyncProperty(relationPatch, async (patch) => {
          const current = (await w.t.relations.get(base.id))!;
          const [rowBefore] = await w.rows("kb_relations", { id: base.id });
          await succeedsOrRefusesCleanly(
            w,
            () => w.t.relations.update(base.id, patch as never, { expectedVersion: current.version }),
            async (r) => {
              expect([current.version, current.version + 1]).toContain(r.version);
              expect(await w.t.relations.get(base.id)).toEqual(r);
            },
          );
          const [rowAfter] = await w.rows("kb_relations", { id: base.id });
          if (rowAfter!.version === rowBefore!.version) expect(rowAfter).toEqual(rowBefore);
        }),
        { numRuns: RUNS },
      );
    });

    it("log: random interactions succeed, or are refused typed with nothing written", async () => {
      const w = ctx.world();
      const p = await w.t.relations.create({ kind: "person", name: "P" });
      await fc.assert(
        fc.asyncProperty(interactionInput(p.id), async (input) => {
          await succeedsOrRefusesCleanly(
            w,
            () => w.t.interactions.log(input as never),
            async (res) => {
              expect(await w.t.interactions.get(res.interaction.id)).toEqual(res.interaction);
            },
          );
        }),
        { numRuns: RUNS },
      );
    });
  });
}
