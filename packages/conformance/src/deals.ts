import { describe, expect, it } from "vitest";
import { defineAttributes } from "@kaartenbak/core";
import type { TenantCrm } from "@kaartenbak/core";
import { faultyStorage } from "./faults.js";
import { expectCrmError, json, num, type SuiteContext } from "./harness.js";
import { customer, salesWorld, standardPipeline } from "./sales-fixtures.js";

const DAY = 86_400_000;

/** Deals: creation, stage moves with stage history, won / lost, attributes, timelines. */
export function dealsSuite(ctx: SuiteContext): void {
  describe("deals", () => {
    it("creates a deal in the first open stage with its contacts, attributes and first stay", async () => {
      const w = salesWorld(ctx);
      const { pipeline, stages } = await standardPipeline(w.t);
      const { org, contact } = await customer(w.t);
      const deal = await w.t.deals.create({
        title: "Christmas range",
        relationId: org.id,
        contactIds: [contact.id],
        ownerId: "user:sanne",
        pipelineId: pipeline.id,
        amount: 1_250_000,
        currency: "EUR",
        expectedCloseDate: "2026-03-31",
        source: "website",
        attributes: { segment: "smb", licences: 5 },
      });
      expect(deal).toMatchObject({
        stageId: stages.lead.id,
        status: "open",
        closedAt: null,
        lostReason: null,
        version: 1,
        contactIds: [contact.id],
        attributes: { segment: "smb", licences: 5 },
      });
      expect(await w.t.deals.get(deal.id)).toEqual(deal);
      const [row] = await w.rows("kb_deals", { id: deal.id });
      expect(row).toMatchObject({ title: "Christmas range", status: "open", currency: "EUR", expected_close_date: "2026-03-31", owner_id: "user:sanne" });
      expect(num(row!.amount)).toBe(1_250_000);
      expect(json(row!.attributes)).toEqual({ segment: "smb", licences: 5 });
      expect((await w.rows("kb_deal_contacts", { deal_id: deal.id })).map((r) => r.relation_id)).toEqual([contact.id]);
      const stays = await w.rows("kb_deal_stage_history", { deal_id: deal.id });
      expect(stays).toHaveLength(1);
      expect(stays[0]).toMatchObject({ stage_id: stages.lead.id, pipeline_id: pipeline.id, left_at: null });
      expect((await w.t.outbox.read({ limit: 100 })).map((e) => e.type).slice(-1)).toEqual(["deal.created"]);
    });

    it("names every problem of deal input and writes nothing", async () => {
      const w = salesWorld(ctx);
      const { pipeline } = await standardPipeline(w.t);
      const { org } = await customer(w.t);
      const before = await w.counts();
      const error = await expectCrmError(
        w.t.deals.create({
          title: "",
          relationId: org.id,
          pipelineId: pipeline.id,
          amount: -5,
          currency: "euro",
          expectedCloseDate: "2026-02-30",
          attributes: { segment: "huge", industry: "retail", nope: 1 },
        }),
        "VALIDATION",
      );
      expect(error.issues.map((i) => i.path.join("."))).toEqual(
        expect.arrayContaining(["title", "amount", "currency", "expectedCloseDate", "attributes.segment", "attributes.industry", "attributes.nope"]),
      );
      await expectCrmError(w.t.deals.create({ title: "Big", relationId: org.id, pipelineId: pipeline.id, amount: 2 ** 53, currency: "EUR" }), "VALIDATION");
      await expectCrmError(w.t.deals.create({ title: "X", relationId: "ghost", pipelineId: pipeline.id, currency: "EUR" }), "INTEGRITY");
      await expectCrmError(w.t.deals.create({ title: "X", relationId: org.id, pipelineId: "ghost", currency: "EUR" }), "INTEGRITY");
      const household = await w.t.relations.create({ kind: "household", name: "H" });
      await expectCrmError(w.t.deals.create({ title: "X", relationId: household.id, pipelineId: pipeline.id, currency: "EUR" }), "INTEGRITY");
      await expectCrmError(w.t.deals.create({ title: "X", relationId: org.id, contactIds: [org.id], pipelineId: pipeline.id, currency: "EUR" }), "INTEGRITY");
      const after = await w.counts();
      expect({
        ...after,
        kb_relations: before.kb_relations,
        kb_history: before.kb_history,
        kb_outbox: before.kb_outbox,
        kb_counters: before.kb_counters,
        kb_field_verifications: before.kb_field_verifications,
        // The household created above has its search document.
        kb_search_documents: before.kb_search_documents,
      }).toEqual(before);
      // A required deal attribute is enforced for deals only.
      const strict = w
        .crmWith({ attributes: defineAttributes({ version: 1, attributes: { region: { type: "string", appliesTo: ["deal"], required: true } } }) })
        .tenant(`${w.tenantId}-strict`);
      const p2 = await strict.pipelines.create({
        name: "P",
        stages: [
          { name: "Open", probability: 50 },
          { name: "Won", kind: "won" },
          { name: "Lost", kind: "lost" },
        ],
      });
      const o2 = await strict.relations.create({ kind: "organisation", name: "No region needed" });
      const missing = await expectCrmError(strict.deals.create({ title: "D", relationId: o2.id, pipelineId: p2.id, currency: "EUR" }), "VALIDATION");
      expect(missing.issues.map((i) => [i.path.join("."), i.code])).toEqual([["attributes.region", "required_attribute"]]);
    });

    it("records every stage change with its time; won and lost set the close time, reopening clears it", async () => {
      const w = salesWorld(ctx);
      const { pipeline, stages } = await standardPipeline(w.t);
      const { org } = await customer(w.t);
      await w.t.lostReasons.define({ code: "price", label: "Too expensive" });
      const created = w.clock.iso();
      const deal = await w.t.deals.create({ title: "D", relationId: org.id, pipelineId: pipeline.id, amount: 500, currency: "EUR" });
      w.clock.advance(3 * DAY);
      const qualified = await w.t.deals.moveToStage(deal.id, { stageId: stages.qualified.id }, { expectedVersion: 1 });
      expect(qualified).toMatchObject({ stageId: stages.qualified.id, status: "open", version: 2 });
      w.clock.advance(2 * DAY);
      await expectCrmError(w.t.deals.moveToStage(deal.id, { stageId: stages.proposal.id, lostReason: "price" }, { expectedVersion: 2 }), "VALIDATION");
      const lostAt = w.clock.iso();
      const lost = await w.t.deals.markLost(deal.id, { reason: "price" }, { expectedVersion: 2 });
      expect(lost).toMatchObject({ stageId: stages.lost.id, status: "lost", lostReason: "price", closedAt: lostAt });
      w.clock.advance(DAY);
      const reopened = await w.t.deals.moveToStage(deal.id, { stageId: stages.negotiation.id }, { expectedVersion: 3 });
      expect(reopened).toMatchObject({ status: "open", closedAt: null, lostReason: null });
      w.clock.advance(DAY);
      const wonAt = w.clock.iso();
      const won = await w.t.deals.markWon(deal.id, { expectedVersion: 4 });
      expect(won).toMatchObject({ stageId: stages.won.id, status: "won", closedAt: wonAt });
      expect(await w.t.deals.markWon(deal.id, { expectedVersion: 5 })).toEqual(won);
      const stays = await w.t.deals.stageHistory(deal.id);
      expect(stays.map((s) => [s.stageId, s.enteredAt, s.leftAt])).toEqual([
        [stages.lead.id, created, new Date(Date.parse(created) + 3 * DAY).toISOString()],
        [stages.qualified.id, new Date(Date.parse(created) + 3 * DAY).toISOString(), lostAt],
        [stages.lost.id, lostAt, new Date(Date.parse(lostAt) + DAY).toISOString()],
        [stages.negotiation.id, new Date(Date.parse(lostAt) + DAY).toISOString(), wonAt],
        [stages.won.id, wonAt, null],
      ]);
      expect(await w.rows("kb_deal_stage_history", { deal_id: deal.id })).toHaveLength(5);
      const history = await w.t.history.list("deal", deal.id);
      expect(history.map((h) => h.version)).toEqual([1, 2, 3, 4, 5]);
      expect(history[2]!.changes).toMatchObject({
        stageId: { from: stages.qualified.id, to: stages.lost.id },
        status: { from: "open", to: "lost" },
        lostReason: { from: null, to: "price" },
      });
      const types = (await w.t.outbox.read({ limit: 100 })).filter((e) => e.entityType === "deal").map((e) => e.type);
      expect(types).toEqual(["deal.created", "deal.stage_changed", "deal.lost", "deal.reopened", "deal.won"]);
    });

    it("refuses unknown or retired lost reasons, and stale versions", async () => {
      const w = salesWorld(ctx);
      const { pipeline, stages } = await standardPipeline(w.t);
      const { org } = await customer(w.t);
      const reason = await w.t.lostReasons.define({ code: "timing", label: "Bad timing" });
      await w.t.lostReasons.retire("timing", { expectedVersion: reason.version });
      const deal = await w.t.deals.create({ title: "D", relationId: org.id, pipelineId: pipeline.id, currency: "EUR" });
      await expectCrmError(w.t.deals.markLost(deal.id, { reason: "timing" }, { expectedVersion: 1 }), "INTEGRITY");
      await expectCrmError(w.t.deals.markLost(deal.id, { reason: "unheard-of" }, { expectedVersion: 1 }), "INTEGRITY");
      await expectCrmError(w.t.deals.update(deal.id, { lostReason: "timing" }, { expectedVersion: 1 }), "VALIDATION");
      await w.t.deals.moveToStage(deal.id, { stageId: stages.qualified.id }, { expectedVersion: 1 });
      await expectCrmError(w.t.deals.moveToStage(deal.id, { stageId: stages.proposal.id }, { expectedVersion: 1 }), "STALE_VERSION");
      await expectCrmError(w.t.deals.moveToStage(deal.id, { stageId: "ghost" }, { expectedVersion: 2 }), "INTEGRITY");
      const results = await Promise.allSettled([1, 2, 3].map(() => w.t.deals.moveToStage(deal.id, { stageId: stages.proposal.id }, { expectedVersion: 2 })));
      expect(results.filter((r) => r.status === "fulfilled")).toHaveLength(1);
      expect(await w.rows("kb_deal_stage_history", { deal_id: deal.id })).toHaveLength(3);
    });

    it("updates fields, moves across pipelines, soft-deletes, lists by keyset pages", async () => {
      const w = salesWorld(ctx);
      const { pipeline, stages } = await standardPipeline(w.t);
      const other = await standardPipeline(w.t, "Renewals");
      const { org, contact } = await customer(w.t);
      const deal = await w.t.deals.create({ title: "D", relationId: org.id, pipelineId: pipeline.id, currency: "EUR", amount: 100 });
      const updated = await w.t.deals.update(
        deal.id,
        { amount: 250, contactIds: [contact.id], attributes: { priority: true }, expectedCloseDate: "2026-06-30" },
        { expectedVersion: 1 },
      );
      expect(updated).toMatchObject({ amount: 250, contactIds: [contact.id], attributes: { priority: true }, version: 2 });
      expect(await w.t.deals.update(deal.id, { amount: 250 }, { expectedVersion: 2 })).toEqual(updated);
      const moved = await w.t.deals.moveToStage(deal.id, { stageId: other.stages.qualified.id }, { expectedVersion: 2 });
      expect(moved).toMatchObject({ pipelineId: other.pipeline.id, stageId: other.stages.qualified.id });
      for (let i = 0; i < 5; i++) {
        w.clock.advance(1000);
        await w.t.deals.create({ title: `Deal ${i}`, relationId: org.id, pipelineId: pipeline.id, stageId: stages.proposal.id, currency: "USD" });
      }
      const seen: string[] = [];
      let cursor: string | undefined;
      do {
        const page = await w.t.deals.list({ pipelineId: pipeline.id, limit: 2, ...(cursor ? { cursor } : {}) });
        seen.push(...page.items.map((d) => d.title));
        cursor = page.nextCursor;
      } while (cursor);
      expect(seen).toEqual(["Deal 4", "Deal 3", "Deal 2", "Deal 1", "Deal 0"]);
      await w.t.deals.delete(deal.id, { expectedVersion: 3 });
      expect(await w.t.deals.get(deal.id)).toBeUndefined();
      expect((await w.t.deals.get(deal.id, { includeDeleted: true }))?.deletedAt).not.toBeNull();
      expect((await w.t.deals.list({ relationId: org.id })).items).toHaveLength(5);
      expect((await w.t.deals.list({ status: "open", limit: 500 })).items).toHaveLength(5);
    });

    it("links contact moments to deals and pages a deal's timeline", async () => {
      const w = salesWorld(ctx);
      const { pipeline } = await standardPipeline(w.t);
      const { org, contact } = await customer(w.t);
      const deal = await w.t.deals.create({ title: "D", relationId: org.id, pipelineId: pipeline.id, currency: "EUR" });
      const otherDeal = await w.t.deals.create({ title: "E", relationId: org.id, pipelineId: pipeline.id, currency: "EUR" });
      const logged: string[] = [];
      for (let i = 0; i < 5; i++) {
        const { interaction } = await w.t.interactions.log({
          kind: "call",
          occurredAt: `2026-02-0${1 + (i % 3)}T10:00:00Z`,
          relationIds: [contact.id],
          dealIds: [deal.id],
        });
        expect(interaction.dealIds).toEqual([deal.id]);
        logged.push(interaction.id);
      }
      const plain = await w.t.interactions.log({ kind: "note", occurredAt: "2026-02-05T10:00:00Z", relationIds: [org.id] });
      expect(plain.interaction.dealIds).toEqual([]);
      expect(await w.rows("kb_interaction_deals", { deal_id: deal.id })).toHaveLength(5);
      const seen: string[] = [];
      let cursor: string | undefined;
      do {
        const page = await w.t.deals.timeline(deal.id, { limit: 2, ...(cursor ? { cursor } : {}) });
        seen.push(...page.items.map((i) => i.id));
        cursor = page.nextCursor;
      } while (cursor);
      expect([...seen].sort()).toEqual([...logged].sort());
      const all = (await w.t.deals.timeline(deal.id)).items;
      expect(all.map((i) => i.id)).toEqual(seen);
      for (let i = 1; i < all.length; i++) expect(all[i - 1]!.occurredAt >= all[i]!.occurredAt).toBe(true);
      const relinked = await w.t.interactions.linkDeals(plain.interaction.id, [otherDeal.id, deal.id], { expectedVersion: 1 });
      expect(relinked.dealIds).toEqual([otherDeal.id, deal.id]);
      expect((await w.t.interactions.get(plain.interaction.id))?.dealIds).toEqual([otherDeal.id, deal.id]);
      expect((await w.t.deals.timeline(otherDeal.id)).items.map((i) => i.id)).toEqual([plain.interaction.id]);
      expect((await w.t.deals.timeline(deal.id)).items[0]?.id).toBe(plain.interaction.id);
      await expectCrmError(w.t.interactions.log({ kind: "call", occurredAt: "2026-02-01T10:00:00Z", relationIds: [org.id], dealIds: ["ghost"] }), "INTEGRITY");
      await expectCrmError(w.t.interactions.linkDeals(plain.interaction.id, ["ghost"], { expectedVersion: 2 }), "INTEGRITY");
      await w.t.interactions.delete(logged[0]!, { expectedVersion: 1 });
      expect((await w.t.deals.timeline(deal.id, { limit: 500 })).items).toHaveLength(5);
      // Moving an interaction in time keeps the deal timeline's copy of occurred_at in step.
      await w.t.interactions.update(logged[1]!, { occurredAt: "2026-03-01T08:00:00Z" }, { expectedVersion: 1 });
      expect((await w.t.deals.timeline(deal.id)).items[0]?.id).toBe(logged[1]);
      const [link] = await w.rows("kb_interaction_deals", { interaction_id: logged[1]!, deal_id: deal.id });
      expect(new Date(link!.occurred_at as string).toISOString()).toBe("2026-03-01T08:00:00.000Z");
    });

    it("a stage move is atomic: a fault after any storage step leaves nothing behind", async () => {
      const prepare = async (t: TenantCrm) => {
        const { pipeline, stages } = await standardPipeline(t);
        const { org } = await customer(t);
        await t.lostReasons.define({ code: "price", label: "Price" });
        const deal = await t.deals.create({ title: "D", relationId: org.id, pipelineId: pipeline.id, currency: "EUR" });
        return (on: TenantCrm) => on.deals.moveToStage(deal.id, { stageId: stages.lost.id, lostReason: "price" }, { expectedVersion: 1 });
      };
      const probe = salesWorld(ctx);
      const counter = faultyStorage(probe.storage, Number.POSITIVE_INFINITY);
      await (
        await prepare(probe.t)
      )(probe.crmWith({ storage: counter.storage }).tenant(probe.tenantId));
      const steps = counter.calls();
      expect(steps).toBeGreaterThan(5);
      for (let failAt = 1; failAt <= steps; failAt++) {
        const w = salesWorld(ctx);
        const move = await prepare(w.t);
        const before = await w.counts();
        const error = await move(w.crmWith({ storage: faultyStorage(w.storage, failAt).storage }).tenant(w.tenantId)).then(
          () => undefined,
          (e: unknown) => e,
        );
        expect(error, `step ${failAt} of ${steps}`).toBeInstanceOf(Error);
        expect(await w.counts(), `step ${failAt} of ${steps}`).toEqual(before);
      }
    });

    it("hides one tenant's deals and pipelines from another", async () => {
      const w = salesWorld(ctx);
      const { pipeline, stages } = await standardPipeline(w.t);
      const { org } = await customer(w.t);
      const deal = await w.t.deals.create({ title: "Secret", relationId: org.id, pipelineId: pipeline.id, currency: "EUR" });
      const b = w.crm.tenant(`${w.tenantId}-b`);
      expect(await b.deals.get(deal.id, { includeDeleted: true })).toBeUndefined();
      expect(await b.pipelines.get(pipeline.id)).toBeUndefined();
      expect((await b.deals.list()).items).toEqual([]);
      expect(await b.deals.stageHistory(deal.id)).toEqual([]);
      await expectCrmError(b.deals.moveToStage(deal.id, { stageId: stages.won.id }, { expectedVersion: 1 }), "NOT_FOUND");
      const borg = await b.relations.create({ kind: "organisation", name: "B" });
      await expectCrmError(b.deals.create({ title: "X", relationId: borg.id, pipelineId: pipeline.id, currency: "EUR" }), "INTEGRITY");
      await expectCrmError(b.reports.funnel({ pipelineId: pipeline.id }), "NOT_FOUND");
    });
  });
}
