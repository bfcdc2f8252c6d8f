import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { filterBuilder } from "@kaartenbak/core";
import type { ExclusionReason } from "@kaartenbak/core";
import type { ConsentEntry, SuppressionEntry } from "@kaartenbak/core";
import { contactBlock, deriveConsent } from "@kaartenbak/core/reference";
import { expectCrmError, num, type SuiteContext } from "./harness.js";
import { TestClock } from "./sales-fixtures.js";

const RUNS = Number(process.env.KAARTENBAK_CONSENT_RUNS ?? 25);
const f = filterBuilder();

const instant = fc.integer({ min: 0, max: 6 }).map((d) => new Date(Date.UTC(2026, 0, 1 + d)).toISOString());
const ledger = fc.record({
  relations: fc.array(fc.record({ email: fc.boolean(), phone: fc.boolean() }), { minLength: 1, maxLength: 6 }),
  consent: fc.array(
    fc.record({
      relation: fc.nat(),
      channel: fc.constantFrom("email", "phone", "sms"),
      purpose: fc.constantFrom("newsletter", "marketing"),
      optIn: fc.boolean(),
      occurredAt: instant,
    }),
    { maxLength: 14 },
  ),
  suppressions: fc.array(fc.record({ relation: fc.nat(), channel: fc.constantFrom("email", "sms", "all"), suppress: fc.boolean(), occurredAt: instant }), {
    maxLength: 5,
  }),
  channel: fc.constantFrom("email", "sms"),
  purpose: fc.constantFrom("newsletter", "marketing"),
});

/** The consent ledger: append-only statements, the derived state, and its effect on campaign launches. */
export function consentSuite(ctx: SuiteContext): void {
  describe("consent", () => {
    it("appends opt-ins and opt-outs, derives the latest per channel and purpose, and suppresses", async () => {
      const clock = new TestClock("2026-03-01T10:00:00.000Z");
      const w = ctx.world({ clock: clock.now });
      const p = await w.t.relations.create({ kind: "person", name: "P", emails: ["p@x.nl"] });
      const optIn = await w.t.consent.optIn({
        relationId: p.id,
        channel: "email",
        purpose: "newsletter",
        legalBasis: "consent",
        source: "web-form",
        note: "double opt-in",
      });
      expect(optIn).toMatchObject({
        action: "opt_in",
        legalBasis: "consent",
        source: "web-form",
        occurredAt: clock.iso(),
        recordedAt: clock.iso(),
        actor: "user:test",
      });
      expect(await w.t.consent.canContact(p.id, "email", "newsletter")).toEqual({ allowed: true, reason: null });
      expect(await w.t.consent.canContact(p.id, "email", "marketing")).toEqual({ allowed: false, reason: "no_consent" });
      // An imported statement from before the opt-in does not override it: the ledger orders by when it happened.
      await w.t.consent.optOut({ relationId: p.id, channel: "email", purpose: "newsletter", occurredAt: "2025-12-01T00:00:00Z", source: "import" });
      expect((await w.t.consent.state(p.id)).consents).toEqual([
        expect.objectContaining({ channel: "email", purpose: "newsletter", status: "opted_in", entryId: optIn.id }),
      ]);
      clock.advance(60_000);
      await w.t.consent.optOut({ relationId: p.id, channel: "email", purpose: "newsletter" });
      expect(await w.t.consent.canContact(p.id, "email", "newsletter")).toEqual({ allowed: false, reason: "opted_out" });
      expect((await w.t.consent.ledger(p.id)).map((e) => e.action)).toEqual(["opt_out", "opt_in", "opt_out"]);

      await w.t.consent.optIn({ relationId: p.id, channel: "phone", purpose: "service", legalBasis: "contract" });
      const suppressed = await w.t.consent.suppress({ relationId: p.id, reason: "never_contact" });
      expect(suppressed).toMatchObject({ channel: "all", action: "suppress" });
      expect(await w.t.consent.canContact(p.id, "phone", "service")).toEqual({ allowed: false, reason: "suppressed" });
      clock.advance(60_000);
      await w.t.consent.lift({ relationId: p.id, reason: "asked again" });
      expect(await w.t.consent.canContact(p.id, "phone", "service")).toEqual({ allowed: true, reason: null });
      expect((await w.t.consent.state(p.id)).suppressed).toEqual([]);

      // Raw rows: one per statement, no version column: nothing is ever updated.
      const rows = await w.rows("kb_consent_ledger", { relation_id: p.id });
      expect(rows).toHaveLength(4);
      expect(rows[0]).not.toHaveProperty("version");
      expect((await w.rows("kb_suppression_ledger", { relation_id: p.id })).map((r) => r.action).sort()).toEqual(["lift", "suppress"]);
      expect((await w.t.history.list("consent", optIn.id)).map((h) => h.action)).toEqual(["create"]);
      const types = (await w.t.outbox.read({ limit: 100 })).map((e) => e.type).filter((t) => !t.startsWith("relation"));
      expect(types).toEqual(["consent.opted_in", "consent.opted_out", "consent.opted_out", "consent.opted_in", "suppression.added", "suppression.lifted"]);
      expect(Object.keys(w.t.consent).sort()).toEqual(["canContact", "ledger", "lift", "optIn", "optOut", "record", "state", "suppress", "suppressions"]);
    });

    it("validates statements and refuses unknown relations, writing nothing", async () => {
      const w = ctx.world();
      const p = await w.t.relations.create({ kind: "person", name: "P" });
      const before = await w.counts();
      const error = await expectCrmError(
        w.t.consent.record({ relationId: p.id, channel: "fax" as never, purpose: "News Letter", action: "opt_in" }),
        "VALIDATION",
      );
      expect(error.issues.map((i) => i.path.join("."))).toEqual(expect.arrayContaining(["channel", "purpose"]));
      const basis = await expectCrmError(w.t.consent.optIn({ relationId: p.id, channel: "email", purpose: "newsletter" }), "VALIDATION");
      expect(basis.issues.map((i) => i.path.join("."))).toEqual(["legalBasis"]);
      await expectCrmError(w.t.consent.optOut({ relationId: "ghost", channel: "email", purpose: "newsletter" }), "INTEGRITY");
      await expectCrmError(w.t.consent.suppress({ relationId: p.id, channel: "pigeon" as never, reason: "x" }), "VALIDATION");
      expect(await w.counts()).toEqual(before);
    });

    it("property: a launch never targets a relation whose latest consent is not an opt-in, or who is suppressed", async () => {
      await fc.assert(
        fc.asyncProperty(ledger, async (l) => {
          const w = ctx.world();
          const relations = [];
          for (const [i, r] of l.relations.entries()) {
            relations.push(
              await w.t.relations.create({ kind: "person", name: `P${i}`, emails: r.email ? [`p${i}@x.nl`] : [], phones: r.phone ? ["+31 6 12345678"] : [] }),
            );
          }
          const entries: ConsentEntry[] = [];
          for (const c of l.consent) {
            const relationId = relations[c.relation % relations.length]!.id;
            const input = { relationId, channel: c.channel, purpose: c.purpose, occurredAt: c.occurredAt };
            entries.push(await (c.optIn ? w.t.consent.optIn({ ...input, legalBasis: "consent" }) : w.t.consent.optOut(input)));
          }
          const suppressions: SuppressionEntry[] = [];
          for (const s of l.suppressions) {
            const input = { relationId: relations[s.relation % relations.length]!.id, channel: s.channel, reason: "bounced", occurredAt: s.occurredAt };
            suppressions.push(await (s.suppress ? w.t.consent.suppress(input) : w.t.consent.lift(input)));
          }
          const all = await w.t.segments.create({ kind: "dynamic", name: "Everyone", filter: f.filter(f.and()) });
          const campaign = await w.t.campaigns.create({ name: "C", segmentId: all.id, channel: l.channel, purpose: l.purpose });
          const launched = await w.t.campaigns.launch(campaign.id, { expectedVersion: 1 });
          const rows = await w.rows("kb_campaign_members", { campaign_id: campaign.id });
          expect(rows).toHaveLength(relations.length);
          for (const r of relations) {
            const state = deriveConsent(
              r.id,
              entries.filter((e) => e.relationId === r.id),
              suppressions.filter((s) => s.relationId === r.id),
            );
            const block = contactBlock(state, l.channel, l.purpose);
            const hasAddress = l.channel === "email" ? r.emails.length > 0 : r.phones.length > 0;
            const expected: ExclusionReason | null = block ?? (hasAddress ? null : "no_address");
            const row = rows.find((m) => m.relation_id === r.id)!;
            expect([row.status, row.reason], `${r.name}: ${JSON.stringify(state)}`).toEqual(expected === null ? ["targeted", null] : ["excluded", expected]);
            expect(num(row.version)).toBe(1);
          }
          expect(launched.targeted).toBe(rows.filter((m) => m.status === "targeted").length);
          for await (const entry of w.t.campaigns.mailingList(campaign.id)) {
            expect(rows.find((m) => m.relation_id === entry.relationId)?.status).toBe("targeted");
          }
        }),
        { numRuns: RUNS },
      );
    });
  });
}
