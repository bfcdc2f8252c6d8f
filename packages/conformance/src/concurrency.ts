import { describe, expect, it } from "vitest";
import { isCrmError } from "@kaartenbak/core";
import { num, type SuiteContext } from "./harness.js";

/** Optimistic concurrency and the outbox sequence under concurrent commands. */
export function concurrencySuite(ctx: SuiteContext): void {
  describe("concurrency", () => {
    it("two updates from the same version: exactly one wins, the other gets STALE_VERSION", async () => {
      const w = ctx.world();
      const r = await w.t.relations.create({ kind: "organisation", name: "Start" });
      const results = await Promise.allSettled([
        w.t.relations.update(r.id, { name: "Left" }, { expectedVersion: 1 }),
        w.t.relations.update(r.id, { name: "Right" }, { expectedVersion: 1 }),
      ]);
      const won = results.filter((x) => x.status === "fulfilled");
      const lost = results.filter((x): x is PromiseRejectedResult => x.status === "rejected");
      expect(won).toHaveLength(1);
      expect(lost).toHaveLength(1);
      expect(isCrmError(lost[0]!.reason, "STALE_VERSION")).toBe(true);
      const [row] = await w.rows("kb_relations", { id: r.id });
      expect(num(row!.version)).toBe(2);
      expect(row!.name).toBe((won[0] as PromiseFulfilledResult<{ name: string }>).value.name);
      expect(await w.rows("kb_history", { entity_id: r.id })).toHaveLength(2);
    });

    it("many writers from one version: one winner, no lost update, a gap-free outbox", async () => {
      const w = ctx.world();
      const r = await w.t.relations.create({ kind: "organisation", name: "Start" });
      const results = await Promise.allSettled(
        Array.from({ length: 8 }, (_, i) => w.t.relations.update(r.id, { name: `Writer ${i}` }, { expectedVersion: 1 })),
      );
      expect(results.filter((x) => x.status === "fulfilled")).toHaveLength(1);
      expect(results.filter((x) => x.status === "rejected" && isCrmError(x.reason, "STALE_VERSION"))).toHaveLength(7);
      const creates = await Promise.all(Array.from({ length: 10 }, (_, i) => w.t.relations.create({ kind: "person", name: `P${i}` })));
      expect(new Set(creates.map((c) => c.id)).size).toBe(10);
      const sequences = (await w.rows("kb_outbox")).map((e) => num(e.sequence)).sort((a, b) => a - b);
      expect(sequences).toEqual(Array.from({ length: 12 }, (_, i) => i + 1));
    });
  });
}
