import { defineAttributes, type AttributeRegistry } from "@kaartenbak/core";
import type { TenantCrm } from "@kaartenbak/core";
import type { Pipeline, Stage } from "@kaartenbak/core";
import { suiteRegistry, type SuiteContext, type SuiteWorld } from "./harness.js";

/** The suite's registry plus attributes for deals, so sales suites exercise deal attributes too. */
export const salesRegistry: AttributeRegistry = defineAttributes({
  version: 1,
  attributes: {
    ...suiteRegistry.attributes,
    segment: { type: "enum", values: ["smb", "enterprise"], appliesTo: ["deal"] },
    licences: { type: "number", integer: true, min: 1, appliesTo: ["deal"] },
    priority: { type: "boolean", appliesTo: ["deal"] },
  },
});

/** A clock the test moves by hand, so stage durations and periods are exact. */
export class TestClock {
  private current: number;

  constructor(start: string) {
    this.current = Date.parse(start);
  }

  /** The clock function to pass to `createCrm({ clock })`. */
  readonly now = (): Date => new Date(this.current);

  /** The current instant as ISO text. */
  iso(): string {
    return new Date(this.current).toISOString();
  }

  /** Moves to an instant (never backwards). */
  set(instant: string): void {
    this.current = Math.max(this.current, Date.parse(instant));
  }

  /** Moves forward by milliseconds. */
  advance(ms: number): void {
    this.current += ms;
  }
}

/** A fresh tenant whose CRM runs on `clock` with the sales registry. */
export function salesWorld(ctx: SuiteContext, clock = new TestClock("2026-01-05T09:00:00.000Z")): SuiteWorld & { clock: TestClock } {
  return { ...ctx.world({ attributes: salesRegistry, clock: clock.now }), clock };
}

/** The stages of {@link standardPipeline}, by name. */
export interface StandardStages {
  readonly lead: Stage;
  readonly qualified: Stage;
  readonly proposal: Stage;
  readonly negotiation: Stage;
  readonly won: Stage;
  readonly lost: Stage;
}

/** A typical pipeline: four open stages (10, 30, 60, 80 %), won and lost. */
export async function standardPipeline(t: TenantCrm, name = "Sales"): Promise<{ pipeline: Pipeline; stages: StandardStages }> {
  const pipeline = await t.pipelines.create({
    name,
    stages: [
      { name: "Lead", probability: 10 },
      { name: "Qualified", probability: 30 },
      { name: "Proposal", probability: 60 },
      { name: "Negotiation", probability: 80 },
      { name: "Won", kind: "won" },
      { name: "Lost", kind: "lost" },
    ],
  });
  const [lead, qualified, proposal, negotiation, won, lost] = pipeline.stages as [Stage, Stage, Stage, Stage, Stage, Stage];
  return { pipeline, stages: { lead, qualified, proposal, negotiation, won, lost } };
}

/** An organisation customer with one contact person. */
export async function customer(t: TenantCrm, name = "Acme BV") {
  const org = await t.relations.create({ kind: "organisation", name, lifecycle: "customer", tags: ["b2b"], attributes: { industry: "retail" } });
  const contact = await t.relations.create({ kind: "person", name: `Contact of ${name}` });
  return { org, contact };
}
