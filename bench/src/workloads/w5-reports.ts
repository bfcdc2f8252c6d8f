import { createCrm } from "@kaartenbak/core";
import { random, type Scale } from "../data.js";
import type { Engine } from "../engines.js";
import { median, time, type Figure } from "../measure.js";
import { forecastQueries, funnelQueries, ownerQueries } from "../raw-reports.js";
import type { Loaded } from "./w1-bulk.js";

const UNIT = 250;
const FROM = "2026-01-01";
const TO = "2027-01-01";

/**
 * W5: the funnel, the monthly forecast and the owner results over `scale.deals` deals, through the
 * SDK's report API and through hand-written SQL on the same rows; latency, median of repetitions.
 * The deals are created through the SDK (with stage moves, wins and losses) in units of work.
 */
export async function w5Reports(engine: Engine, scale: Scale, loaded: Loaded, reps: number): Promise<Figure[]> {
  const t = createCrm({ storage: engine.storage, defaultRegion: "NL" }).tenant(loaded.sdkTenant);
  const pipeline = await t.pipelines.create({
    name: "Bench",
    stages: [
      { name: "Lead", probability: 10 },
      { name: "Qualified", probability: 30 },
      { name: "Proposal", probability: 60 },
      { name: "Negotiation", probability: 80 },
      { name: "Won", kind: "won" },
      { name: "Lost", kind: "lost" },
    ],
  });
  const stages = pipeline.stages;
  const next = random(11);
  for (let done = 0; done < scale.deals; done += UNIT) {
    await t.transaction(async (tx) => {
      for (let i = done; i < Math.min(done + UNIT, scale.deals); i++) {
        let deal = await tx.deals.create({
          title: `Deal ${i}`,
          relationId: loaded.sdkIds[i % loaded.sdkIds.length]!,
          ownerId: `user:${i % 12}`,
          pipelineId: pipeline.id,
          amount: 1_000 + Math.floor(next() * 5_000_000),
          currency: next() < 0.9 ? "EUR" : "USD",
          expectedCloseDate: `2026-${String(1 + Math.floor(next() * 12)).padStart(2, "0")}-15`,
        });
        for (let s = 1; s <= Math.floor(next() * 4); s++)
          deal = await tx.deals.moveToStage(deal.id, { stageId: stages[s]!.id }, { expectedVersion: deal.version });
        const outcome = next();
        if (outcome < 0.3) await tx.deals.markWon(deal.id, { expectedVersion: deal.version });
        else if (outcome < 0.5) await tx.deals.markLost(deal.id, {}, { expectedVersion: deal.version });
      }
    });
  }

  const flavour = engine.raw.flavour;
  // Both sides must answer the same question: the deals per stage agree before anything is timed.
  const funnel = await t.reports.funnel({ pipelineId: pipeline.id });
  const [current] = (await engine.raw.runQueries(funnelQueries(flavour, loaded.sdkTenant, pipeline.id))) as [{ deals: number | string }[]];
  const sdkDeals = funnel.stages.reduce((n, stage) => n + stage.current.count, 0);
  const rawDeals = current.reduce((n, row) => n + Number(row.deals), 0);
  if (sdkDeals !== rawDeals || sdkDeals !== scale.deals)
    throw new Error(`W5: the SDK funnel counts ${sdkDeals} deals, the hand-written SQL ${rawDeals}, expected ${scale.deals}`);

  const figures: Figure[] = [];
  const pair = async (workload: string, sdk: () => Promise<unknown>, raw: () => Promise<unknown>) => {
    await sdk();
    await raw(); // warm-up
    const s: number[] = [];
    const r: number[] = [];
    for (let rep = 0; rep < reps; rep++) {
      s.push(await time(sdk));
      r.push(await time(raw));
    }
    figures.push({ engine: engine.name, workload, unit: "ms", sdk: median(s), raw: median(r), kind: "latency", target: 1.3 });
  };
  const deals = `${scale.deals.toLocaleString("en")} deals`;
  await pair(
    `W5 funnel (${deals})`,
    () => t.reports.funnel({ pipelineId: pipeline.id }),
    () => engine.raw.runQueries(funnelQueries(flavour, loaded.sdkTenant, pipeline.id)),
  );
  await pair(
    `W5 weighted forecast per month (${deals})`,
    () => t.reports.forecast({ pipelineId: pipeline.id, granularity: "month", from: FROM, to: TO }),
    () => engine.raw.runQueries(forecastQueries(flavour, loaded.sdkTenant, pipeline.id, FROM, TO, 75)),
  );
  await pair(
    `W5 results per owner (${deals})`,
    () => t.reports.ownerResults({ pipelineId: pipeline.id }),
    () => engine.raw.runQueries(ownerQueries(flavour, loaded.sdkTenant, pipeline.id)),
  );
  return figures;
}
