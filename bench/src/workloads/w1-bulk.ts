import { createCrm } from "@kaartenbak/core";
import { interactionInputs, relationInputs, type Scale } from "../data.js";
import type { Engine } from "../engines.js";
import { median, peakRss, time, type Figure } from "../measure.js";

const CHUNK = 1_000;

async function rawInChunks<T>(items: Iterable<T>, write: (chunk: T[]) => Promise<void>): Promise<void> {
  let chunk: T[] = [];
  for (const item of items) {
    chunk.push(item);
    if (chunk.length === CHUNK) {
      await write(chunk);
      chunk = [];
    }
  }
  if (chunk.length) await write(chunk);
}

/** The tenants the later workloads read from, loaded once through each side. */
export interface Loaded {
  readonly sdkTenant: string;
  readonly rawTenant: string;
  readonly sdkIds: readonly string[];
  readonly rawIds: readonly string[];
}

/**
 * W1: bulk writes. Repeated slices into fresh tenants give the median throughput of each side;
 * then the full data set is streamed once through each side, with the SDK's peak RSS.
 */
export async function w1Bulk(engine: Engine, scale: Scale, reps: number): Promise<{ figures: Figure[]; loaded: Loaded }> {
  const crm = createCrm({ storage: engine.storage, defaultRegion: "NL" });
  const slice = Math.min(scale.relations, 20_000);
  const sdkMs: number[] = [];
  const rawMs: number[] = [];
  for (let rep = 0; rep < reps; rep++) {
    const sdk = () => time(() => crm.tenant(`w1-sdk-${rep}`).bulk.upsertRelations(relationInputs(0, slice), { chunkSize: CHUNK }));
    const raw = () => time(() => rawInChunks(relationInputs(0, slice), (c) => engine.raw.writeRelations(`w1-raw-${rep}`, c)));
    // Alternate who goes first so neither side always meets a warmer cache.
    if (rep % 2) {
      rawMs.push(await raw());
      sdkMs.push(await sdk());
    } else {
      sdkMs.push(await sdk());
      rawMs.push(await raw());
    }
  }
  const perSecond = (n: number, ms: number) => (n / ms) * 1000;
  const figures: Figure[] = [
    {
      engine: engine.name,
      workload: `W1 bulk upsert relations (${slice.toLocaleString("en")} per run)`,
      unit: "relations/s",
      sdk: perSecond(slice, median(sdkMs)),
      raw: perSecond(slice, median(rawMs)),
      kind: "throughput",
      target: 0.7,
    },
  ];

  // The full data set, streamed once per side.
  const sdkTenant = "main-sdk";
  const rawTenant = "main-raw";
  const t = crm.tenant(sdkTenant);
  const sdkRel = await peakRss(() => t.bulk.upsertRelations(relationInputs(0, scale.relations), { chunkSize: CHUNK }));
  const rawRel = await time(() => rawInChunks(relationInputs(0, scale.relations), (c) => engine.raw.writeRelations(rawTenant, c)));
  const sdkIds = await engine.raw.relationIds(sdkTenant);
  const rawIds = await engine.raw.relationIds(rawTenant);
  const sdkInt = await peakRss(() => t.bulk.logInteractions(interactionInputs(0, scale.interactions, sdkIds, 7), { chunkSize: CHUNK }));
  const rawInt = await time(() => rawInChunks(interactionInputs(0, scale.interactions, rawIds, 7), (c) => engine.raw.writeInteractions(rawTenant, c)));
  figures.push(
    {
      engine: engine.name,
      workload: `W1 full load: ${scale.relations.toLocaleString("en")} relations (1 run)`,
      unit: "relations/s",
      sdk: perSecond(scale.relations, sdkRel.ms),
      raw: perSecond(scale.relations, rawRel),
      kind: "throughput",
      target: 0.7,
      note: `SDK peak RSS ${sdkRel.peakMb.toFixed(0)} MB`,
    },
    {
      engine: engine.name,
      workload: `W1 full load: ${scale.interactions.toLocaleString("en")} interactions (1 run)`,
      unit: "interactions/s",
      sdk: perSecond(scale.interactions, sdkInt.ms),
      raw: perSecond(scale.interactions, rawInt),
      kind: "throughput",
      target: 0.7,
      note: `SDK peak RSS ${sdkInt.peakMb.toFixed(0)} MB (target < 300 MB)`,
    },
  );
  return { figures, loaded: { sdkTenant, rawTenant, sdkIds, rawIds } };
}
