import { describe, expect, it } from "vitest";
import { parseCsv } from "@kaartenbak/core/reference";
import { filterBuilder } from "@kaartenbak/core";
import type { MailingListEntry } from "@kaartenbak/core";
import type { TenantCrm } from "@kaartenbak/core";
import { expectCrmError, num, type SuiteContext } from "./harness.js";
import { standardPipeline, TestClock } from "./sales-fixtures.js";

const f = filterBuilder();

/** Six people covering every exclusion reason, in one segment. */
async function audience(t: TenantCrm) {
  const person = (name: string, emails: string[] = []) => t.relations.create({ kind: "person", name, emails, tags: ["list"] });
  const ok = await person('Ok, "the" first\nline', ["ok@x.nl"]);
  const out = await person("Out", ["out@x.nl"]);
  const none = await person("None", ["none@x.nl"]);
  const bounced = await person("Bounced", ["bounced@x.nl"]);
  const noMail = await person("No mail");
  const gone = await person("Gone", ["gone@x.nl"]);
  const optIn = (relationId: string) => t.consent.optIn({ relationId, channel: "email", purpose: "newsletter", legalBasis: "consent" });
  for (const r of [ok, out, bounced, noMail, gone]) await optIn(r.id);
  await t.consent.optOut({ relationId: out.id, channel: "email", purpose: "newsletter" });
  await t.consent.suppress({ relationId: bounced.id, channel: "email", reason: "bounced" });
  await t.relations.delete(gone.id, { expectedVersion: gone.version });
  const segment = await t.segments.create({ kind: "dynamic", name: "List", filter: f.filter(f.tags.any("list")) });
  return { ok, out, none, bounced, noMail, segment };
}

async function collect<T>(items: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const item of items) out.push(item);
  return out;
}

/** Campaigns: launch with consent exclusions, member statuses, results and mailing lists. */
export function campaignsSuite(ctx: SuiteContext): void {
  describe("campaigns", () => {
    it("launch materialises the segment, excluding (with the reason) who may not be mailed", async () => {
      const w = ctx.world();
      const a = await audience(w.t);
      const draft = await w.t.campaigns.create({ name: "Spring", segmentId: a.segment.id, channel: "email", purpose: "newsletter" });
      expect(draft).toMatchObject({ status: "draft", launchedAt: null, targeted: 0, excluded: 0, version: 1 });
      await expectCrmError(collect(w.t.campaigns.mailingList(draft.id)), "INVALID_STATE");
      await expectCrmError(w.t.campaigns.launch(draft.id, { expectedVersion: 7 }), "STALE_VERSION");
      const result = await w.t.campaigns.launch(draft.id, { expectedVersion: 1 });
      expect(result.targeted).toBe(1);
      expect(result.excluded).toEqual({ suppressed: 1, opted_out: 1, no_consent: 1, no_address: 1 });
      expect(result.campaign).toMatchObject({ status: "launched", targeted: 1, excluded: 4, version: 2 });
      const rows = await w.rows("kb_campaign_members", { campaign_id: draft.id });
      const byId = new Map(rows.map((r) => [r.relation_id, r]));
      expect(rows).toHaveLength(5);
      expect(byId.get(a.ok.id)).toMatchObject({ status: "targeted", reason: null, address: "ok@x.nl" });
      expect(byId.get(a.out.id)).toMatchObject({ status: "excluded", reason: "opted_out" });
      expect(byId.get(a.none.id)).toMatchObject({ status: "excluded", reason: "no_consent" });
      expect(byId.get(a.bounced.id)).toMatchObject({ status: "excluded", reason: "suppressed" });
      expect(byId.get(a.noMail.id)).toMatchObject({ status: "excluded", reason: "no_address", address: null });
      const excluded = await w.t.campaigns.members(draft.id, { status: "excluded" });
      expect(excluded.items.map((m) => m.reason).sort()).toEqual(["no_address", "no_consent", "opted_out", "suppressed"]);
      await expectCrmError(w.t.campaigns.launch(draft.id, { expectedVersion: 2 }), "INVALID_STATE");
      await expectCrmError(w.t.campaigns.update(draft.id, { name: "x" }, { expectedVersion: 2 }), "INVALID_STATE");
      const history = await w.t.history.list("campaign", draft.id);
      expect(history.map((h) => h.action)).toEqual(["create", "update"]);
      expect(history[1]!.changes.exclusions).toEqual({ from: null, to: result.excluded });
      expect((await w.t.outbox.read({ limit: 100 })).filter((e) => e.entityType === "campaign").map((e) => e.type)).toEqual([
        "campaign.created",
        "campaign.launched",
      ]);
    });

    it("members move forward only; opt-outs reach the ledger, bounces the suppression list", async () => {
      const w = ctx.world();
      const people = [];
      for (const name of ["A", "B", "C", "D"]) {
        const p = await w.t.relations.create({ kind: "person", name, emails: [`${name.toLowerCase()}@x.nl`], tags: ["list"] });
        await w.t.consent.optIn({ relationId: p.id, channel: "email", purpose: "newsletter", legalBasis: "consent" });
        people.push(p);
      }
      const outsider = await w.t.relations.create({ kind: "person", name: "E", emails: ["e@x.nl"], tags: ["list"] });
      const segment = await w.t.segments.create({ kind: "dynamic", name: "List", filter: f.filter(f.tags.any("list")) });
      const campaign = (
        await w.t.campaigns.launch((await w.t.campaigns.create({ name: "C", segmentId: segment.id, channel: "email", purpose: "newsletter" })).id, {
          expectedVersion: 1,
        })
      ).campaign;
      const [a, b, c, d] = people as [(typeof people)[0], (typeof people)[0], (typeof people)[0], (typeof people)[0]];
      const changed = await w.t.campaigns.recordStatuses(campaign.id, [
        { relationId: a.id, status: "sent" },
        { relationId: a.id, status: "clicked" },
        { relationId: a.id, status: "opened" },
        { relationId: b.id, status: "sent" },
        { relationId: b.id, status: "responded" },
        { relationId: b.id, status: "converted" },
        { relationId: c.id, status: "sent" },
        { relationId: c.id, status: "opted_out" },
        { relationId: d.id, status: "bounced", at: "2026-02-01T00:00:00Z" },
      ]);
      expect(changed.map((m) => [m.relationId, m.status])).toEqual([
        [a.id, "clicked"],
        [b.id, "converted"],
        [c.id, "opted_out"],
        [d.id, "bounced"],
      ]);
      const before = await w.counts();
      expect(await w.t.campaigns.recordStatus(campaign.id, { relationId: a.id, status: "opened" })).toBeUndefined();
      expect(await w.counts()).toEqual(before);
      const excluded = await expectCrmError(
        w.t.campaigns.recordStatuses(campaign.id, [
          { relationId: outsider.id, status: "sent" },
          { relationId: "ghost", status: "sent" },
        ]),
        "VALIDATION",
      );
      expect(excluded.issues.map((i) => [i.path.join("."), i.code])).toEqual([
        ["0.relationId", "member_excluded"],
        ["1.relationId", "not_a_member"],
      ]);
      expect(await w.t.consent.canContact(c.id, "email", "newsletter")).toEqual({ allowed: false, reason: "opted_out" });
      expect((await w.t.consent.ledger(c.id)).at(-1)).toMatchObject({ action: "opt_out", source: `campaign:${campaign.id}` });
      expect(await w.t.consent.canContact(d.id, "email", "newsletter")).toEqual({ allowed: false, reason: "suppressed" });
      expect((await w.t.consent.suppressions(d.id))[0]).toMatchObject({ reason: "bounced", channel: "email", occurredAt: "2026-02-01T00:00:00.000Z" });
      const [row] = await w.rows("kb_campaign_members", { campaign_id: campaign.id, relation_id: b.id });
      // One command, one change per member: the net move, with its history entry and event.
      expect([row!.status, num(row!.version)]).toEqual(["converted", 2]);
      expect((await w.t.history.list("campaign_member", `${campaign.id}:${b.id}`)).map((h) => h.changes.status)).toEqual([
        { from: "targeted", to: "converted" },
      ]);
      await w.t.campaigns.recordStatus(campaign.id, { relationId: a.id, status: "responded" });
      expect((await w.t.campaigns.members(campaign.id, { limit: 10 })).items.find((m) => m.relationId === a.id)).toMatchObject({
        status: "responded",
        version: 3,
      });
      expect((await w.t.outbox.read({ limit: 200 })).filter((e) => e.entityType === "campaign_member").map((e) => e.type)).toEqual([
        "campaign.member_clicked",
        "campaign.member_converted",
        "campaign.member_opted_out",
        "campaign.member_bounced",
        "campaign.member_responded",
      ]);
      const results = await w.t.campaigns.results(campaign.id);
      expect(results).toMatchObject({ targeted: 4, sent: 4, responseRate: 0.5, conversionRate: 0.25 });
      expect(results.statuses).toMatchObject({ responded: 1, converted: 1, opted_out: 1, bounced: 1, excluded: 1, targeted: 0 });
      // Only members still reachable stay on the mailing list.
      expect((await collect(w.t.campaigns.mailingList(campaign.id))).map((e) => e.relationId).sort()).toEqual([a.id, b.id].sort());
    });

    it("attributes deals and orders of targeted members in the window after launch", async () => {
      const clock = new TestClock("2026-03-01T09:00:00.000Z");
      const w = ctx.world({ clock: clock.now });
      const { pipeline } = await standardPipeline(w.t);
      const member = await w.t.relations.create({ kind: "organisation", name: "Member", emails: ["m@x.nl"], tags: ["t"] });
      const stranger = await w.t.relations.create({ kind: "organisation", name: "Stranger", emails: ["s@x.nl"], tags: ["t"] });
      await w.t.consent.optIn({ relationId: member.id, channel: "email", purpose: "marketing", legalBasis: "legitimate_interests" });
      await w.t.orders.record({ relationId: member.id, orderDate: "2026-02-01", currency: "EUR", netAmount: 999 });
      const segment = await w.t.segments.create({ kind: "dynamic", name: "T", filter: f.filter(f.tags.any("t")) });
      const campaign = await w.t.campaigns.create({ name: "C", segmentId: segment.id, channel: "email", purpose: "marketing" });
      await w.t.campaigns.launch(campaign.id, { expectedVersion: 1 });
      clock.advance(10 * 86_400_000);
      await w.t.deals.create({ title: "D1", relationId: member.id, pipelineId: pipeline.id, amount: 5000, currency: "EUR" });
      await w.t.deals.create({ title: "D2", relationId: member.id, pipelineId: pipeline.id, amount: 700, currency: "USD" });
      await w.t.deals.create({ title: "D3", relationId: stranger.id, pipelineId: pipeline.id, amount: 1, currency: "EUR" });
      await w.t.orders.record({ relationId: member.id, orderDate: "2026-03-20", currency: "EUR", netAmount: 12_000 });
      await w.t.orders.record({ relationId: member.id, orderDate: "2026-07-01", currency: "EUR", netAmount: 50 });
      await w.t.orders.record({ relationId: stranger.id, orderDate: "2026-03-20", currency: "EUR", netAmount: 7 });
      const results = await w.t.campaigns.results(campaign.id, { attributionDays: 30 });
      expect(results.deals).toEqual({
        count: 2,
        value: [
          { currency: "EUR", amount: 5000 },
          { currency: "USD", amount: 700 },
        ],
      });
      expect(results.orders).toEqual({ count: 1, value: [{ currency: "EUR", amount: 12_000 }] });
      expect(results.window).toEqual({ from: "2026-03-01T09:00:00.000Z", to: "2026-03-31T09:00:00.000Z" });
      expect(results.responseRate).toBeNull();
      await expectCrmError(w.t.campaigns.results(campaign.id, { attributionDays: -1 }), "VALIDATION");
    });

    it("exports the mailing list as a keyset-paged typed stream and as RFC 4180 CSV", async () => {
      const w = ctx.world();
      const names = ["Plain", "Comma, Inc", 'Quote "Q"', "Line\nbreak", "Ünïcode 😀", "=SUM(A1)", " spaced "];
      for (const name of names) {
        const p = await w.t.relations.create({ kind: "person", name, emails: [`${names.indexOf(name)}@x.nl`], tags: ["x"] });
        await w.t.consent.optIn({ relationId: p.id, channel: "email", purpose: "newsletter", legalBasis: "consent" });
      }
      const segment = await w.t.segments.create({ kind: "static", name: "All", relationIds: (await w.t.segments.queryIds(f.filter(f.tags.any("x")))).items });
      const campaign = await w.t.campaigns.create({ name: "C", segmentId: segment.id, channel: "email", purpose: "newsletter" });
      await w.t.campaigns.launch(campaign.id, { expectedVersion: 1 });
      const entries: MailingListEntry[] = await collect(w.t.campaigns.mailingList(campaign.id, { pageSize: 2 }));
      expect(entries.map((e) => e.relationId)).toEqual(entries.map((e) => e.relationId).sort());
      expect(entries.map((e) => e.name).sort()).toEqual(names.map((n) => n.trim()).sort());
      const csv = (await collect(w.t.campaigns.mailingListCsv(campaign.id, { pageSize: 3 }))).join("");
      expect(csv.endsWith("\r\n")).toBe(true);
      const records = parseCsv(csv);
      expect(records[0]).toEqual(["relation_id", "name", "given_name", "family_name", "address", "status"]);
      // Cells a spreadsheet would run as a formula are written with a leading apostrophe.
      const cell = (value: string) => (/^[=+\-@\t\r]/.test(value) ? `'${value}` : value);
      expect(records.slice(1)).toEqual(
        entries.map((e) => [e.relationId, cell(e.name), cell(e.givenName ?? ""), cell(e.familyName ?? ""), cell(e.address), e.status]),
      );
      expect(csv).not.toMatch(/(^|,)=SUM/m);
      expect(csv).toContain('"Quote ""Q"""');
      await expectCrmError(collect(w.t.campaigns.mailingList(campaign.id, { pageSize: 0 })), "VALIDATION");
    });

    it("post campaigns use the postal address and exclude relations without one", async () => {
      const w = ctx.world();
      const home = await w.t.relations.create({
        kind: "household",
        name: "Home",
        addresses: [{ street: "Dorpsstraat", houseNumber: "1", postalCode: "1234 AB", city: "Ons Dorp", country: "NL" }],
      });
      const nowhere = await w.t.relations.create({ kind: "household", name: "Nowhere" });
      for (const r of [home, nowhere]) await w.t.consent.optIn({ relationId: r.id, channel: "post", purpose: "catalogue", legalBasis: "legitimate_interests" });
      const segment = await w.t.segments.create({ kind: "static", name: "S", relationIds: [home.id, nowhere.id] });
      const campaign = await w.t.campaigns.create({ name: "Catalogue", segmentId: segment.id, channel: "post", purpose: "catalogue" });
      expect((await w.t.campaigns.launch(campaign.id, { expectedVersion: 1 })).excluded.no_address).toBe(1);
      expect((await collect(w.t.campaigns.mailingList(campaign.id))).map((e) => e.address)).toEqual(["Dorpsstraat 1, 1234 AB Ons Dorp, NL"]);
    });
  });
}
