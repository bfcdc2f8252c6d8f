import { postgresReachable, testDatabaseUrl } from "@kaartenbak/adapter-postgres/testing";
import { describe, expect, it } from "vitest";
import { runBench } from "../src/main.js";

const url = testDatabaseUrl();
const postgres = await postgresReachable("the bench smoke run on Postgres");

/** The bench at a tiny scale, so it never rots. It asserts shape, never speed. */
describe("bench smoke run", () => {
  it("runs every workload on every engine and reports finite SDK and raw figures", async () => {
    const engines = postgres ? (["sqlite", "postgres"] as const) : (["sqlite"] as const);
    const { figures, markdown } = await runBench({ scale: 0.0005, reps: 1, engines, databaseUrl: url, log: () => undefined });
    for (const engine of engines) {
      const workloads = figures.filter((f) => f.engine === engine).map((f) => f.workload.split(" ")[0]);
      expect(new Set(workloads)).toEqual(new Set(["W1", "W2", "W3", "W4", "W5", "W6", "W6g", "W7", "W8", "W9"]));
      // The duplicate scan finds what was planted, even at this size.
      const recall = figures.find((f) => f.engine === engine && f.workload === "W7 duplicate scan: recall of the planted pairs");
      expect(recall?.sdk).toBe(1);
      const resync = figures.find((f) => f.engine === engine && f.workload.startsWith("W6 resync"));
      expect(resync?.sdk).toBe(0);
      // The same for Google, whose mail costs one request per message.
      const googleResync = figures.find((f) => f.engine === engine && f.workload.startsWith("W6g resync"));
      expect(googleResync?.sdk).toBe(0);
      expect(googleResync?.note).toMatch(/report: ok: contacts ok/);
      // Both runs' reports are recorded, and the initial sync's statements per item are counted.
      expect(resync?.note).toMatch(/report: ok: contacts ok/);
      expect(figures.find((f) => f.engine === engine && /^W6 initial sync: [\d,]+ contacts/.test(f.workload))?.note).toMatch(
        /report: ok: contacts ok \(\d+ pages; created \d+/,
      );
      const perItem = figures.find((f) => f.engine === engine && f.workload === "W6 initial sync: database statements per item");
      expect(perItem && Number.isFinite(perItem.sdk) && perItem.sdk > 0).toBe(true);
    }
    for (const f of figures) {
      if (f.kind !== "absolute") expect(Number.isFinite(f.sdk) && f.sdk > 0, f.workload).toBe(true);
      if (f.raw !== undefined) expect(Number.isFinite(f.raw) && f.raw > 0, f.workload).toBe(true);
      // The hot reads carry the one-query floor beside the raw side.
      if (/^W[23] /.test(f.workload)) expect(Number.isFinite(f.floor) && f.floor! > 0, f.workload).toBe(true);
    }
    expect(markdown).toContain("| one-query floor | SDK/floor |");
    expect(markdown).toContain("| engine | workload | SDK | raw driver |");
  });
});
