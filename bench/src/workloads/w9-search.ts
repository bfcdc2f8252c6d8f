import { createCrm } from "@kaartenbak/core";
import { random, type Scale } from "../data.js";
import type { Engine } from "../engines.js";
import type { Figure } from "../measure.js";
import { postgresSearchQuery, sqliteSearchQuery, type SearchEntity } from "../raw-search.js";
import type { Loaded } from "./w1-bulk.js";

/** The page size both sides ask for: the SDK reads one more match to know whether a next page exists, so the raw side does too. */
const LIMIT = 20;

/** The value at quantile `q` (0..1) of a sorted list. */
const quantile = (sorted: readonly number[], q: number) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!;

/** Times every sample once per repetition and returns the latencies in ms, sorted. */
async function latencies(samples: readonly string[][], reps: number, op: (words: readonly string[]) => Promise<unknown>): Promise<number[]> {
  const out: number[] = [];
  for (let rep = 0; rep < reps; rep++) {
    for (const words of samples) {
      const start = performance.now();
      await op(words);
      out.push(performance.now() - start);
    }
  }
  return out.sort((a, b) => a - b);
}

/**
 * W9: ranked full-text search, the SDK's `relations.search` / `interactions.search` against the
 * hand-written FTS statement on the same documents (see raw-search.ts): p50 and p95 latency of a
 * page of 20, target ≤ 1.3× the raw side. The queries are what a user types into a search box: a
 * name with the start of its number ("person 12"), an e-mail's local part, the last digits of a
 * phone number, a subject's words.
 */
export async function w9Search(engine: Engine, scale: Scale, loaded: Loaded, reps: number): Promise<Figure[]> {
  const crm = createCrm({ storage: engine.storage, defaultRegion: "NL" });
  const t = crm.tenant(loaded.sdkTenant);
  const next = random(7);
  const pick = (n: number) => Math.floor(next() * n);
  const relationSamples = Array.from({ length: 150 }, (_, k) => {
    const i = pick(scale.relations);
    const shape = k % 3;
    return shape === 0
      ? [i % 5 === 0 ? "organisation" : "person", String(i).slice(0, 3)]
      : shape === 1
        ? [`r${i}`]
        : [String(1_000_000 + (i % 9_000_000)).slice(-6)];
  });
  const kinds = ["email", "call", "meeting", "note"];
  const interactionSamples = Array.from({ length: 150 }, () => ["bench", kinds[pick(4)]!, String(pick(scale.interactions)).slice(0, 3)]);

  const schema = engine.raw.flavour.s.replace(/\.$/, "");
  const raw = (entity: SearchEntity) => (words: readonly string[]) =>
    engine.raw.runQueries([
      engine.name === "sqlite"
        ? sqliteSearchQuery(loaded.sdkTenant, entity, words, LIMIT + 1)
        : postgresSearchQuery(schema, loaded.sdkTenant, entity, words, LIMIT + 1),
    ]);
  const sides = {
    relation: { sdk: (words: readonly string[]) => t.relations.search(words.join(" "), { limit: LIMIT }), raw: raw("relation"), samples: relationSamples },
    interaction: {
      sdk: (words: readonly string[]) => t.interactions.search(words.join(" "), { limit: LIMIT }),
      raw: raw("interaction"),
      samples: interactionSamples,
    },
  };

  const figures: Figure[] = [];
  for (const [entity, side] of Object.entries(sides)) {
    // Warm both sides (statement caches, index pages), and check they answer alike.
    for (const words of side.samples.slice(0, 20)) {
      const [sdkPage, [rawRows]] = [await side.sdk(words), await side.raw(words)];
      const sdkIds = sdkPage.items.map((h) => h.item.id);
      const rawIds = (rawRows as { id: string }[]).slice(0, LIMIT).map((r) => r.id);
      if (sdkIds.join() !== rawIds.join()) throw new Error(`W9 ${entity} search "${words.join(" ")}": the SDK and the raw query disagree`);
    }
    const sdk = await latencies(side.samples, reps, side.sdk);
    const rawTimes = await latencies(side.samples, reps, side.raw);
    const what = entity === "relation" ? `${scale.relations.toLocaleString("en")} relations` : `${scale.interactions.toLocaleString("en")} interactions`;
    for (const [label, q] of [
      ["p50", 0.5],
      ["p95", 0.95],
    ] as const) {
      figures.push({
        engine: engine.name,
        workload: `W9 search ${what}, page of ${LIMIT} (${label})`,
        unit: "ms",
        sdk: quantile(sdk, q),
        raw: quantile(rawTimes, q),
        kind: "latency",
        target: 1.3,
      });
    }
  }
  return figures;
}
