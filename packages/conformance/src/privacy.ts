import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { filterBuilder, isCrmError, type TenantCrm } from "@kaartenbak/core";
import { expectCrmError, KB_TABLES, type KbTable, type RawRow, type SuiteWorld } from "./harness.js";
import { faultyStorage } from "./faults.js";
import { customer, salesWorld, standardPipeline } from "./sales-fixtures.js";
import { createSyncEngine } from "@kaartenbak/core/sync";
import { MemoryRemote } from "./sync-fake.js";

const f = filterBuilder();
const RUNS = Number(process.env.KAARTENBAK_PRIVACY_RUNS ?? 8);

/** A person with data in every corner of the schema: timeline, deals, quotes, orders, ledgers, campaigns, segments. */
async function seedPerson(t: TenantCrm, name = { given: "Zebedeus", family: "Quaxwell" }, email = "z.quaxwell@example.org", phone = "+31612345678") {
  const full = `${name.given} ${name.family}`;
  const { org } = await customer(t, "Trading Partners BV");
  const person = await t.relations.create({
    kind: "person",
    name: full,
    givenName: name.given,
    familyName: name.family,
    emails: [email],
    phones: [phone],
    addresses: [{ label: "home", street: "Lindelaan 7", city: "Utrecht", postalCode: "3500 AA", country: "NL" }],
    tags: ["newsletter"],
    externalRefs: [{ system: "erp", externalId: "CUST-90210" }],
  });
  await t.relations.update(person.id, { lifecycle: "customer" }, { expectedVersion: 1 });
  await t.links.create({ kind: "employment", personId: person.id, organisationId: org.id, jobTitle: "Head of purchasing" });
  await t.interactions.log({
    kind: "email",
    direction: "inbound",
    channel: "email",
    occurredAt: "2026-03-01T10:00:00Z",
    subject: `Question from ${full}`,
    body: `Hello, this is ${full}; call me on 06 12345678 or mail ${email}.`,
    participants: [
      { role: "from", relationId: person.id, address: email, name: full },
      { role: "to", address: "sales@us.example" },
    ],
    externalKey: "<q1@mail.example>",
  });
  await t.interactions.log({ kind: "note", occurredAt: "2026-03-02T10:00:00Z", subject: `Met ${full} at the fair`, relationIds: [org.id] });
  const { pipeline } = await standardPipeline(t);
  const deal = await t.deals.create({ title: `Renewal for ${full}`, relationId: person.id, pipelineId: pipeline.id, currency: "EUR", amount: 120_000 });
  const quote = await t.quotes.create({
    relationId: person.id,
    dealId: deal.id,
    currency: "EUR",
    title: `Offer for ${full}`,
    lines: [{ description: "Service", quantity: 1, unitPrice: 10_000, taxRate: 21 }],
  });
  const order = await t.orders.record({
    relationId: person.id,
    orderDate: "2026-03-05",
    currency: "EUR",
    netAmount: 10_000,
    taxAmount: 2_100,
    externalRef: { system: "erp", externalId: "ORD-1" },
  });
  await t.consent.optIn({ relationId: person.id, channel: "email", purpose: "newsletter", legalBasis: "consent", note: `Signed up by ${full} at the fair` });
  const segment = await t.segments.create({ kind: "static", name: "Fair visitors", relationIds: [person.id] });
  const list = await t.segments.create({ kind: "dynamic", name: "Newsletter", filter: f.filter(f.tags.any("newsletter")) });
  const campaign = await t.campaigns.create({ name: "Spring", segmentId: list.id, channel: "email", purpose: "newsletter" });
  await t.campaigns.launch(campaign.id, { expectedVersion: 1 });
  return { person, org, deal, quote, order: order.order, segment, campaign, full, email, phone };
}

/** Every raw row of the tenant, per table. */
async function everything(w: SuiteWorld): Promise<Record<KbTable, RawRow[]>> {
  const out = {} as Record<KbTable, RawRow[]>;
  for (const table of KB_TABLES) out[table] = await w.rows(table);
  return out;
}

/** Where, in any column of any row of the tenant, one of the needles still occurs (case-insensitive). */
function findings(all: Record<KbTable, RawRow[]>, needles: readonly string[]): string[] {
  const hits: string[] = [];
  for (const [table, rows] of Object.entries(all)) {
    for (const row of rows) {
      for (const [column, value] of Object.entries(row)) {
        const text = (typeof value === "string" ? value : (JSON.stringify(value) ?? "")).toLowerCase();
        for (const n of needles) if (text.includes(n.toLowerCase())) hits.push(`${table}.${column} contains ${n}`);
      }
    }
  }
  return hits;
}

/** Privacy requests: the access export and erasure that keeps financial records and blocks re-adding. */
export function privacySuite(ctx: Parameters<typeof salesWorld>[0]): void {
  describe("privacy", () => {
    it("exports everything held about a person as one JSON document", async () => {
      const w = salesWorld(ctx);
      const s = await seedPerson(w.t);
      await w.t.activities.plan({ kind: "call", subject: "Call back", relationId: s.person.id, ownerId: "user:sanne", dueAt: "2026-04-01T09:00:00Z" });
      const double = await w.t.relations.create({ kind: "person", name: "Z. Quaxwell" });
      const merged = await w.t.relations.merge(s.person.id, double.id);
      const doc = await w.t.privacy.accessExport(s.person.id);
      expect(doc.activities.map((a) => a.subject)).toEqual(["Call back"]);
      expect(doc.verifications.map((v) => v.field)).toContain("name");
      expect(doc.merges).toEqual([expect.objectContaining({ id: merged.mergeId, loserId: double.id, status: "applied" })]);
      expect(doc).toMatchObject({ format: "kaartenbak.access-export", formatVersion: 2, tenantId: w.tenantId });
      expect(doc.relation).toMatchObject({ id: s.person.id, name: s.full, emails: [{ address: s.email }], phones: [{ number: s.phone }] });
      expect(doc.links).toEqual([expect.objectContaining({ kind: "employment", jobTitle: "Head of purchasing" })]);
      expect(doc.interactions.map((i) => i.externalKey)).toEqual(["<q1@mail.example>"]);
      expect(doc.deals.map((d) => d.id)).toEqual([s.deal.id]);
      expect(doc.quotes.map((q) => q.id)).toEqual([s.quote.id]);
      expect(doc.quotes[0]!.lines[0]).toMatchObject({ quantity: "1", taxRate: "21" });
      expect(doc.orders.map((o) => o.id)).toEqual([s.order.id]);
      expect(doc.consent.entries.map((e) => e.action)).toEqual(["opt_in"]);
      expect(doc.campaigns).toEqual([expect.objectContaining({ campaignId: s.campaign.id, address: s.email })]);
      expect(doc.segments.map((m) => m.segmentId)).toEqual([s.segment.id]);
      expect(doc.history.map((h) => h.version)).toEqual([1, 2, 3]);
      expect(doc.events.map((e) => e.type)).toEqual(["relation.created", "relation.updated", "relation.merged"]);
      // One JSON document: it survives a round trip unchanged.
      expect(JSON.parse(JSON.stringify(doc))).toEqual(doc);
      await expectCrmError(w.t.privacy.accessExport("missing"), "NOT_FOUND");
    });

    it("erases a person everywhere, keeps the orders and their totals, and writes one relation.erased event", async () => {
      const w = salesWorld(ctx);
      const s = await seedPerson(w.t);
      const bystander = await w.t.relations.create({ kind: "person", name: "Bob Bystander", emails: ["bob@example.org"] });
      await w.t.interactions.log({
        kind: "call",
        occurredAt: "2026-03-03T10:00:00Z",
        subject: "Bob called",
        body: "About his invoice",
        relationIds: [bystander.id],
      });
      const bobBefore = await w.rows("kb_interactions");
      const ordersBefore = await w.rows("kb_orders");
      const linesBefore = await w.rows("kb_quote_lines");
      const result = await w.t.privacy.erase(s.person.id, { note: "request 2026-113" });
      expect(result).toMatchObject({ relationId: s.person.id, keys: 3 });
      expect(result.rows.kb_relation_emails).toBe(1);

      const all = await everything(w);
      const needles = [s.full, "Quaxwell", s.email, s.phone, "0612345678", "06 12345678", "Lindelaan", "Head of purchasing"];
      expect(findings(all, needles)).toEqual([]);
      // Financial records stay exactly as they were, pointing to the pseudonymised relation.
      expect(await w.rows("kb_orders")).toEqual(ordersBefore);
      expect(await w.rows("kb_quote_lines")).toEqual(linesBefore);
      expect((await w.t.orders.listForRelation(s.person.id)).map((o) => o.totalAmount)).toEqual([12_100]);
      // Nobody else's data changed.
      const bobAfter = (await w.rows("kb_interactions")).filter((r) => r.subject === "Bob called");
      expect(bobAfter).toEqual(bobBefore.filter((r) => r.subject === "Bob called"));
      expect(await w.t.relations.get(bystander.id)).toMatchObject({ name: "Bob Bystander", emails: [{ address: "bob@example.org" }] });

      const erased = await w.t.relations.get(s.person.id, { includeDeleted: true });
      expect(erased).toMatchObject({ name: "Erased relation", emails: [], phones: [], addresses: [], tags: [], externalRefs: [], attributes: {} });
      expect(erased!.deletedAt).not.toBeNull();
      expect(await w.t.relations.get(s.person.id)).toBeUndefined();
      const events = (await w.t.outbox.read({ after: 0, limit: 1000 })).filter((e) => e.type === "relation.erased");
      expect(events).toHaveLength(1);
      expect(events[0]!.payload).toEqual({ relationId: s.person.id, erasedAt: result.erasedAt, keys: 3, note: "request 2026-113" });
      // The history records that the relation was erased, and which fields, never the values.
      const history = await w.t.history.list("relation", s.person.id);
      expect(history.at(-1)!.changes.emails).toEqual({ from: "[erased]", to: "[erased]" });
    });

    it("refuses to bring an erased person back through create, upsert or import, until the host re-admits them", async () => {
      const w = ctx.world();
      const p = await w.t.relations.create({
        kind: "person",
        name: "Erin Erased",
        emails: ["erin@example.org"],
        phones: ["+31201234567"],
        externalRefs: [{ system: "outlook", externalId: "AAMk-1" }],
      });
      await w.t.privacy.erase(p.id);
      const refused = await w.t.relations.create({ kind: "person", name: "Erin", emails: ["Erin@Example.org"] }).catch((e: unknown) => e);
      expect(isCrmError(refused, "VALIDATION") && refused.details.reason).toBe("erased_identity");
      expect(isCrmError(refused, "VALIDATION") && refused.issues.map((i) => [i.path.join("."), i.code])).toEqual([["emails.0", "erased_identity"]]);
      await expectCrmError(w.t.relations.upsertByExternalRef({ system: "outlook", externalId: "AAMk-1" }, { kind: "person", name: "Erin" }), "VALIDATION");
      await expectCrmError(w.t.relations.create({ kind: "person", name: "Someone", phones: ["020 123 4567"] }), "VALIDATION");
      const other = await w.t.relations.create({ kind: "person", name: "Olga" });
      await expectCrmError(w.t.relations.update(other.id, { emails: ["erin@example.org"] }, { expectedVersion: 1 }), "VALIDATION");
      await expectCrmError(w.t.bulk.upsertRelations([{ kind: "person", name: "Erin", emails: ["erin@example.org"] }]), "VALIDATION");
      const skipped = await w.t.bulk.upsertRelations(
        [
          { kind: "person", name: "Fine", emails: ["fine@example.org"] },
          { kind: "person", name: "Erin", emails: ["erin@example.org"] },
        ],
        { skipInvalid: true },
      );
      expect(skipped).toMatchObject({ created: 1, rejected: [{ index: 1, issues: [expect.objectContaining({ code: "erased_identity" })] }] });

      expect(await w.t.privacy.readmit({ emails: [" ERIN@example.org "] })).toEqual({ released: 1 });
      const back = await w.t.relations.create({ kind: "person", name: "Erin", emails: ["erin@example.org"] });
      expect(back.emails.map((e) => e.address)).toEqual(["erin@example.org"]);
      // The phone and the reference are still blocked.
      await expectCrmError(w.t.relations.create({ kind: "person", name: "Someone", phones: ["+31201234567"] }), "VALIDATION");
      expect(await w.t.privacy.readmit({ phones: ["+31201234567"], externalRefs: [{ system: "outlook", externalId: "AAMk-1" }] })).toEqual({ released: 2 });
    });

    it("a sync page that carries an erased contact again skips it instead of bringing the person back", async () => {
      const w = ctx.world();
      const remote = new MemoryRemote([{ id: "contacts", entity: "relation", writable: false }]);
      const engine = () =>
        createSyncEngine({ tenant: w.t, connector: remote.connector(), account: "mailbox@example.com", retry: { sleep: async () => undefined } });
      const remoteId = remote.putRelation("contacts", { input: { kind: "person", name: "Sam Synced", emails: ["sam@example.org"] } });
      expect((await engine().run()).status).toBe("ok");
      const [sam] = await w.t.relations.findByEmail("sam@example.org");
      const result = await w.t.privacy.erase(sam!.id);
      expect(result.keys).toBe(3); // the e-mail address, the connector's external reference and the remote item
      // The contact changes in the mailbox: the next page carries it again.
      remote.putRelation("contacts", { input: { kind: "person", name: "Sam Synced", emails: ["sam@example.org"], phones: ["+31201234567"] } }, remoteId);
      const report = await engine().run();
      expect(report.status).toBe("ok");
      expect(await w.t.relations.findByEmail("sam@example.org")).toEqual([]);
      expect(findings(await everything(w), ["Sam Synced", "sam@example.org"])).toEqual([]);
    });

    it("keeps no readable identifier in the erasure keys, and one tenant's erasure does not block another", async () => {
      const w = ctx.world();
      const p = await w.t.relations.create({ kind: "person", name: "Kees Key", emails: ["kees@example.org"] });
      await w.t.privacy.erase(p.id);
      const keys = await w.rows("kb_erasure_keys");
      expect(keys).toHaveLength(1);
      expect(String(keys[0]!.key)).toMatch(/^[0-9a-f]{64}$/);
      expect(findings({ kb_erasure_keys: keys } as Record<KbTable, RawRow[]>, ["kees"])).toEqual([]);
      const b = w.crm.tenant(`${w.tenantId}-b`);
      expect((await b.relations.create({ kind: "person", name: "Kees", emails: ["kees@example.org"] })).emails).toHaveLength(1);
    });

    it("rejects bad input with a typed error and writes nothing", async () => {
      const w = ctx.world();
      const p = await w.t.relations.create({ kind: "person", name: "Ivo" });
      const before = await w.counts();
      await expectCrmError(w.t.privacy.erase("missing"), "NOT_FOUND");
      await expectCrmError(w.t.privacy.erase(p.id, { pseudonym: "" }), "VALIDATION");
      await expectCrmError(w.t.privacy.erase(p.id, { surprise: true } as never), "VALIDATION");
      await expectCrmError(w.t.privacy.erase(42 as never), "VALIDATION");
      await expectCrmError(w.t.privacy.readmit({ emails: "x" } as never), "VALIDATION");
      await expectCrmError(w.t.privacy.accessExport("bad\u0000id"), "VALIDATION");
      expect(await w.counts()).toEqual(before);
    });

    it("an erasure is atomic: a fault after any storage step leaves everything as it was", async () => {
      const probe = salesWorld(ctx);
      const s0 = await seedPerson(probe.t);
      const counter = faultyStorage(probe.storage, Number.POSITIVE_INFINITY);
      await probe.crmWith({ storage: counter.storage }).tenant(probe.tenantId).privacy.erase(s0.person.id);
      const steps = counter.calls();
      expect(steps).toBeGreaterThan(5);
      for (let failAt = 1; failAt <= steps; failAt++) {
        const w = salesWorld(ctx);
        const s = await seedPerson(w.t);
        const before = await everything(w);
        const error = await w
          .crmWith({ storage: faultyStorage(w.storage, failAt).storage })
          .tenant(w.tenantId)
          .privacy.erase(s.person.id)
          .then(
            () => undefined,
            (e: unknown) => e,
          );
        expect(error, `step ${failAt} of ${steps}`).toBeInstanceOf(Error);
        expect(await everything(w), `step ${failAt} of ${steps}`).toEqual(before);
      }
    });

    it("property: whatever the name, e-mail and phone, none of them is left anywhere after erasure", async () => {
      const word = fc.stringMatching(/^[A-Z][a-zà-öø-ÿ]{3,9}$/);
      await fc.assert(
        fc.asyncProperty(
          word,
          word,
          fc.stringMatching(/^[a-z]{4,10}$/),
          fc.integer({ min: 1_000_000, max: 9_999_999 }),
          async (given, family, local, digits) => {
            const w = salesWorld(ctx);
            const email = `${local}@mail-${local}.example`;
            const s = await seedPerson(w.t, { given, family }, email, `+3161${digits}`);
            await w.t.privacy.erase(s.person.id);
            expect(findings(await everything(w), [`${given} ${family}`, email, `+3161${digits}`, `061${digits}`])).toEqual([]);
          },
        ),
        { numRuns: RUNS },
      );
    });
  });
}
