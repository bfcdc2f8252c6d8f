import { createCrm } from "@kaartenbak/core";
import { emailOf, phoneOf, random, type Scale } from "../data.js";
import type { Engine } from "../engines.js";
import { median, time, type Figure } from "../measure.js";
import type { Loaded } from "./w1-bulk.js";

/** Runs `op` for every sample, `reps` times, and returns the median operations per second. */
async function opsPerSecond(samples: readonly number[], reps: number, op: (i: number) => Promise<unknown>): Promise<number> {
  const runs: number[] = [];
  for (let rep = 0; rep < reps; rep++)
    runs.push(
      await time(async () => {
        for (const i of samples) await op(i);
      }),
    );
  return (samples.length / median(runs)) * 1000;
}

/** W2 (lookup by e-mail and by phone) and W3 (newest 50 of a relation's timeline), each side answering the same question. */
export async function w2w3Reads(engine: Engine, scale: Scale, loaded: Loaded, reps: number): Promise<Figure[]> {
  const crm = createCrm({ storage: engine.storage, defaultRegion: "NL" });
  const t = crm.tenant(loaded.sdkTenant);
  const next = random(42);
  const samples = Array.from({ length: Math.min(2_000, scale.relations) }, () => Math.floor(next() * scale.relations));
  // Warm both sides once (statement caches, pages) before measuring.
  for (const i of samples.slice(0, 50)) {
    await t.relations.findByEmail(emailOf(i));
    await engine.raw.findByEmail(loaded.rawTenant, emailOf(i));
    await engine.raw.floor.findByEmail(loaded.rawTenant, emailOf(i));
  }

  const figures: Figure[] = [];
  // Three sides per read: the SDK, the raw driver doing the same work, and the one-query floor.
  const trio = async (workload: string, sdk: (i: number) => Promise<unknown>, raw: (i: number) => Promise<unknown>, floor: (i: number) => Promise<unknown>) => {
    const [s, r, f] = [await opsPerSecond(samples, reps, sdk), await opsPerSecond(samples, reps, raw), await opsPerSecond(samples, reps, floor)];
    figures.push({ engine: engine.name, workload, unit: "ops/s", sdk: s, raw: r, floor: f, kind: "throughput", target: 0.7 });
  };
  await trio(
    "W2 lookup by e-mail",
    (i) => t.relations.findByEmail(emailOf(i)),
    (i) => engine.raw.findByEmail(loaded.rawTenant, emailOf(i)),
    (i) => engine.raw.floor.findByEmail(loaded.rawTenant, emailOf(i)),
  );
  await trio(
    "W2 lookup by phone",
    (i) => t.relations.findByPhone(phoneOf(i)),
    (i) => engine.raw.findByPhone(loaded.rawTenant, phoneOf(i)),
    (i) => engine.raw.floor.findByPhone(loaded.rawTenant, phoneOf(i)),
  );
  await trio(
    "W3 timeline page (newest 50)",
    (i) => t.interactions.timeline(loaded.sdkIds[i % loaded.sdkIds.length]!, { limit: 50 }),
    (i) => engine.raw.timeline(loaded.rawTenant, loaded.rawIds[i % loaded.rawIds.length]!),
    (i) => engine.raw.floor.timeline(loaded.rawTenant, loaded.rawIds[i % loaded.rawIds.length]!),
  );
  return figures;
}
