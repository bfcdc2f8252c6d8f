import { describe, expect, it } from "vitest";
import { expectCrmError, num, type SuiteContext } from "./harness.js";
import { customer, salesWorld, standardPipeline } from "./sales-fixtures.js";

/** Pipelines and stages (add, rename, reorder, retire without losing history) and lost reasons. */
export function pipelinesSuite(ctx: SuiteContext): void {
  describe("pipelines", () => {
    it("creates a pipeline with ordered stages, history and an event", async () => {
      const w = salesWorld(ctx);
      const { pipeline, stages } = await standardPipeline(w.t);
      expect(pipeline.stages.map((s) => [s.name, s.position, s.probability, s.kind])).toEqual([
        ["Lead", 0, 10, "open"],
        ["Qualified", 1, 30, "open"],
        ["Proposal", 2, 60, "open"],
        ["Negotiation", 3, 80, "open"],
        ["Won", 4, 100, "won"],
        ["Lost", 5, 0, "lost"],
      ]);
      expect(await w.t.pipelines.get(pipeline.id)).toEqual(pipeline);
      const [row] = await w.rows("kb_pipelines", { id: pipeline.id });
      expect(row).toMatchObject({ name: "Sales" });
      const stageRows = await w.rows("kb_pipeline_stages", { pipeline_id: pipeline.id });
      expect(stageRows.map((r) => [r.name, num(r.position), num(r.probability), r.kind]).sort((a, b) => (a[1] as number) - (b[1] as number))).toHaveLength(6);
      expect(stageRows.find((r) => r.id === stages.won.id)).toMatchObject({ kind: "won" });
      expect((await w.t.history.list("pipeline", pipeline.id)).map((h) => h.action)).toEqual(["create"]);
      expect((await w.t.outbox.read()).map((e) => e.type)).toEqual(["pipeline.created"]);
      expect((await w.t.pipelines.list()).map((p) => p.id)).toEqual([pipeline.id]);
    });

    it("names every problem of a pipeline definition", async () => {
      const w = salesWorld(ctx);
      const before = await w.counts();
      const error = await expectCrmError(
        w.t.pipelines.create({ name: " ", stages: [{ name: "Lead" }, { name: "Won", kind: "won", probability: 50 }, { name: "Maybe", probability: 101 }] }),
        "VALIDATION",
      );
      const paths = error.issues.map((i) => i.path.join("."));
      expect(paths).toEqual(expect.arrayContaining(["name", "stages.0.probability", "stages.1.probability", "stages.2.probability", "stages"]));
      expect(error.issues.find((i) => i.path.join(".") === "stages")?.message).toContain("lost");
      expect(await w.counts()).toEqual(before);
    });

    it("adds, renames, reorders and retires stages as versioned changes of the pipeline", async () => {
      const w = salesWorld(ctx);
      const { pipeline, stages } = await standardPipeline(w.t);
      const added = await w.t.pipelines.addStage(pipeline.id, { name: "Demo", probability: 45 }, { expectedVersion: 1 });
      // An open stage goes before the first closed stage by default.
      expect(added.stages.map((s) => s.name)).toEqual(["Lead", "Qualified", "Proposal", "Negotiation", "Demo", "Won", "Lost"]);
      expect(added.version).toBe(2);
      const demo = added.stages.find((s) => s.name === "Demo")!;
      const renamed = await w.t.pipelines.updateStage(pipeline.id, demo.id, { name: "Product demo", probability: 50 }, { expectedVersion: 2 });
      expect(renamed.stages.find((s) => s.id === demo.id)).toMatchObject({ name: "Product demo", probability: 50, version: 2 });
      await expectCrmError(w.t.pipelines.updateStage(pipeline.id, stages.won.id, { probability: 90 }, { expectedVersion: 3 }), "VALIDATION");
      const order = [stages.lead.id, demo.id, stages.qualified.id, stages.proposal.id, stages.negotiation.id, stages.won.id, stages.lost.id];
      await expectCrmError(w.t.pipelines.reorderStages(pipeline.id, order.slice(1), { expectedVersion: 3 }), "VALIDATION");
      const reordered = await w.t.pipelines.reorderStages(pipeline.id, order, { expectedVersion: 3 });
      expect(reordered.stages.map((s) => [s.id, s.position])).toEqual(order.map((id, i) => [id, i]));
      const retired = await w.t.pipelines.retireStage(pipeline.id, demo.id, { expectedVersion: 4 });
      expect(retired.stages.find((s) => s.id === demo.id)?.retiredAt).toBe(w.clock.iso());
      // Retired stages stay (their history points at them).
      expect(await w.rows("kb_pipeline_stages", { pipeline_id: pipeline.id })).toHaveLength(7);
      await expectCrmError(w.t.pipelines.retireStage(pipeline.id, stages.won.id, { expectedVersion: 5 }), "INTEGRITY");
      await expectCrmError(w.t.pipelines.update(pipeline.id, { name: "Stale" }, { expectedVersion: 1 }), "STALE_VERSION");
      const history = await w.t.history.list("pipeline", pipeline.id);
      expect(history.map((h) => h.version)).toEqual([1, 2, 3, 4, 5]);
      expect((await w.t.outbox.read({ limit: 100 })).map((e) => e.type)).toEqual([
        "pipeline.created",
        "pipeline.stage_added",
        "pipeline.stage_updated",
        "pipeline.stages_reordered",
        "pipeline.stage_retired",
      ]);
      const [row] = await w.rows("kb_pipelines", { id: pipeline.id });
      expect(num(row!.version)).toBe(5);
    });

    it("keeps deals and their history in a retired stage, but lets none move in", async () => {
      const w = salesWorld(ctx);
      const { pipeline, stages } = await standardPipeline(w.t);
      const { org } = await customer(w.t);
      const deal = await w.t.deals.create({
        title: "D",
        relationId: org.id,
        pipelineId: pipeline.id,
        stageId: stages.proposal.id,
        currency: "EUR",
        amount: 1000,
      });
      await w.t.pipelines.retireStage(pipeline.id, stages.proposal.id, { expectedVersion: 1 });
      expect((await w.t.deals.get(deal.id))?.stageId).toBe(stages.proposal.id);
      const other = await w.t.deals.create({ title: "E", relationId: org.id, pipelineId: pipeline.id, currency: "EUR" });
      const refused = await expectCrmError(w.t.deals.moveToStage(other.id, { stageId: stages.proposal.id }, { expectedVersion: 1 }), "INTEGRITY");
      expect(refused.details.reason).toBe("retired_stage");
      await expectCrmError(
        w.t.deals.create({ title: "F", relationId: org.id, pipelineId: pipeline.id, stageId: stages.proposal.id, currency: "EUR" }),
        "INTEGRITY",
      );
      const moved = await w.t.deals.moveToStage(deal.id, { stageId: stages.negotiation.id }, { expectedVersion: 1 });
      expect((await w.t.deals.stageHistory(moved.id)).map((v) => v.stageId)).toEqual([stages.proposal.id, stages.negotiation.id]);
    });
  });

  describe("lost reasons", () => {
    it("keeps a tenant-defined list: define, relabel, retire; codes are unique", async () => {
      const w = salesWorld(ctx);
      const price = await w.t.lostReasons.define({ code: "price", label: "Too expensive" });
      await w.t.lostReasons.define({ code: "competitor", label: "Went with a competitor" });
      await expectCrmError(w.t.lostReasons.define({ code: "price", label: "Again" }), "DUPLICATE");
      await expectCrmError(w.t.lostReasons.define({ code: "no spaces", label: "x" }), "VALIDATION");
      const relabelled = await w.t.lostReasons.update("price", { label: "Price too high" }, { expectedVersion: price.version });
      expect(relabelled).toMatchObject({ label: "Price too high", version: 2 });
      await w.t.lostReasons.retire("competitor", { expectedVersion: 1 });
      expect((await w.t.lostReasons.list()).map((r) => r.code)).toEqual(["price"]);
      expect((await w.t.lostReasons.list({ includeRetired: true })).map((r) => r.code)).toEqual(["competitor", "price"]);
      expect(await w.rows("kb_lost_reasons")).toHaveLength(2);
      expect((await w.t.history.list("lost_reason", "price")).map((h) => h.action)).toEqual(["create", "update"]);
    });
  });
}
