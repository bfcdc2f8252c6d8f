/**
 * @kaartenbak/conformance — the conformance suite every storage adapter runs.
 *
 * @example
 * // packages/adapter-x/test/conformance.test.ts
 * import { testStorageAdapter } from "@kaartenbak/conformance";
 * testStorageAdapter({ name: "x", setup: async () => ({ storage, raw, teardown }) });
 */
import { CRM_VOCABULARY } from "@kaartenbak/core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { attributesSuite } from "./attributes.js";
import { bulkSuite } from "./bulk.js";
import { concurrencySuite } from "./concurrency.js";
import { suiteContext, type ConformanceSetup, type SuiteContext } from "./harness.js";
import { interactionsSuite } from "./interactions.js";
import { journalSuite } from "./journal.js";
import { linksSuite } from "./links.js";
import { pipelinesSuite } from "./pipeline.js";
import { dealsSuite } from "./deals.js";
import { quotesSuite } from "./quotes.js";
import { ordersSuite } from "./orders.js";
import { reportsSuite } from "./reports.js";
import { propertiesSuite } from "./properties.js";
import { relationsSuite } from "./relations.js";
import { syncSuite } from "./sync.js";
import { syncBatchSuite } from "./sync-batch.js";
import { syncUnmatchedSuite } from "./sync-unmatched.js";
import { tenancySuite } from "./tenancy.js";
import { timelineSuite } from "./timeline.js";
import { transactionsSuite } from "./transactions.js";
import { filtersSuite } from "./filters.js";
import { segmentsSuite } from "./segments.js";
import { consentSuite } from "./consent.js";
import { campaignsSuite } from "./campaigns.js";
import { customerValueSuite } from "./customer-value.js";
import { textSuite } from "./text.js";
import { invalidInputSuite } from "./invalid-input.js";
import { hostileNamesSuite } from "./hostile-names.js";
import { privacySuite } from "./privacy.js";
import { targetsSuite } from "./targets.js";
import { addressFiltersSuite } from "./address-filters.js";
import { verificationSuite } from "./verification.js";
import { activitiesSuite } from "./activities.js";
import { duplicatesSuite } from "./duplicates.js";
import { mergeSuite } from "./merge.js";
import { followUpFiltersSuite } from "./follow-up-filters.js";
import { duplicatePolicySuite, duplicateReportSuite } from "./duplicate-policy.js";
import { searchSuite } from "./search.js";
import { unmatchedSuite } from "./unmatched.js";

/** The feature suites, by name. */
export const FEATURE_SUITES = {
  relations: relationsSuite,
  attributes: attributesSuite,
  links: linksSuite,
  interactions: interactionsSuite,
  timeline: timelineSuite,
  journal: journalSuite,
  concurrency: concurrencySuite,
  transactions: transactionsSuite,
  tenancy: tenancySuite,
  properties: propertiesSuite,
  pipelines: pipelinesSuite,
  deals: dealsSuite,
  quotes: quotesSuite,
  orders: ordersSuite,
  reports: reportsSuite,
  sync: syncSuite,
  syncBatch: syncBatchSuite,
  syncUnmatched: syncUnmatchedSuite,
  bulk: bulkSuite,
  filters: filtersSuite,
  segments: segmentsSuite,
  consent: consentSuite,
  campaigns: campaignsSuite,
  customerValue: customerValueSuite,
  text: textSuite,
  invalidInput: invalidInputSuite,
  hostileNames: hostileNamesSuite,
  privacy: privacySuite,
  targets: targetsSuite,
  addressFilters: addressFiltersSuite,
  verification: verificationSuite,
  activities: activitiesSuite,
  duplicates: duplicatesSuite,
  merge: mergeSuite,
  duplicatePolicy: duplicatePolicySuite,
  duplicateReport: duplicateReportSuite,
  followUpFilters: followUpFiltersSuite,
  search: searchSuite,
  unmatched: unmatchedSuite,
} as const satisfies Record<string, (ctx: SuiteContext) => void>;

/** The name of a feature suite. */
export type FeatureName = keyof typeof FEATURE_SUITES;

/** Options of {@link testStorageAdapter}. */
export interface ConformanceOptions {
  /** Shown in the test names, e.g. `sqlite`. */
  readonly name: string;
  /** Creates a migrated storage and its raw side channel; called once per run. */
  readonly setup: () => Promise<ConformanceSetup>;
  /** Runs only these feature suites; all by default. */
  readonly features?: readonly FeatureName[];
}

/** Registers the conformance suite for one adapter with vitest. Call it at the top level of a test file. */
export function testStorageAdapter(options: ConformanceOptions): void {
  let setup: ConformanceSetup | undefined;
  const ctx = suiteContext(() => {
    if (!setup) throw new Error("conformance setup has not run");
    return setup;
  });
  describe(`conformance: ${options.name}`, () => {
    beforeAll(async () => {
      setup = await options.setup();
    });
    afterAll(async () => {
      await setup?.teardown?.();
    });
    for (const name of options.features ?? (Object.keys(FEATURE_SUITES) as FeatureName[])) FEATURE_SUITES[name](ctx);
    // After every feature ran: each event written, by any command the suite exercised, is one of
    // the documented CrmEvent types, so consumers can switch over CRM_VOCABULARY.eventTypes.
    it("writes only outbox events of the documented CrmEvent types", async () => {
      if (!setup) throw new Error("conformance setup has not run");
      const events = await setup.raw.rows("kb_outbox", {});
      const known = new Set<string>(CRM_VOCABULARY.eventTypes);
      expect(events.length).toBeGreaterThan(0);
      expect([...new Set(events.map((event) => String(event.type)))].filter((type) => !known.has(type))).toEqual([]);
    });
  });
}

export { faultyStorage, InjectedFault } from "./faults.js";
export { MemoryRemote, draftOf } from "./sync-fake.js";
export {
  KB_TABLES,
  expectCrmError,
  json,
  num,
  suiteRegistry,
  type ConformanceSetup,
  type KbTable,
  type RawAccess,
  type RawRow,
  type SuiteContext,
  type SuiteWorld,
} from "./harness.js";
export { testConnector, type ConnectorFake, type ConnectorSuiteOptions, type ConnectorSuiteStorage, type FakeContact } from "./connector-suite.js";
