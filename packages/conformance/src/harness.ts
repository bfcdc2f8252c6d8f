import { randomUUID } from "node:crypto";
import { expect } from "vitest";
import { defineAttributes, type AttributeRegistry } from "@kaartenbak/core";
import { createCrm, type Crm, type TenantCrm } from "@kaartenbak/core";
import type { CrmOptions } from "@kaartenbak/core";
import { isCrmError, type CrmErrorCode } from "@kaartenbak/core";
import type { StorageAdapter } from "@kaartenbak/core/storage";

/** Every table of the Kaartenbak schema, as the raw side channel may read it. */
export const KB_TABLES = [
  "kb_relations",
  "kb_relation_emails",
  "kb_relation_phones",
  "kb_relation_tags",
  "kb_relation_refs",
  "kb_links",
  "kb_interactions",
  "kb_interaction_relations",
  "kb_interaction_participants",
  "kb_history",
  "kb_outbox",
  "kb_outbox_checkpoints",
  "kb_counters",
  "kb_attribute_models",
  "kb_pipelines",
  "kb_pipeline_stages",
  "kb_lost_reasons",
  "kb_deals",
  "kb_deal_contacts",
  "kb_deal_stage_history",
  "kb_products",
  "kb_quotes",
  "kb_quote_lines",
  "kb_orders",
  "kb_interaction_deals",
  "kb_sync_states",
  "kb_sync_leases",
  "kb_sync_items",
  "kb_segments",
  "kb_segment_members",
  "kb_consent_ledger",
  "kb_suppression_ledger",
  "kb_campaigns",
  "kb_campaign_members",
  "kb_duplicate_keys",
  "kb_duplicate_pairs",
  "kb_field_verifications",
  "kb_verification_policies",
  "kb_activities",
  "kb_targets",
  "kb_erasure_keys",
  "kb_search_documents",
  "kb_merges",
] as const;

/** A Kaartenbak table name. */
export type KbTable = (typeof KB_TABLES)[number];

/** A row as the driver returns it: engine-specific types (JSON as text or object, bigint as string, Date). */
export type RawRow = Record<string, unknown>;

/**
 * A side channel into the database that does not go through the adapter under test, so the suite
 * can check what was really written. Implement it with the driver itself (a prepared statement, a
 * `pool.query`), not with the store's own queries.
 */
export interface RawAccess {
  /** Rows of `table` whose columns equal every value in `where` (column names in snake_case). */
  rows(table: KbTable, where: Readonly<Record<string, string | number>>): Promise<RawRow[]>;
}

/** What the adapter under test provides to the suite. */
export interface ConformanceSetup {
  /** A migrated storage adapter, shared by all tests of the run (each test uses a fresh tenant). */
  readonly storage: StorageAdapter;
  /** The raw side channel into the same database. */
  readonly raw: RawAccess;
  /** Releases everything `setup` made (drop a schema, close a pool). */
  readonly teardown?: () => Promise<void>;
}

/** The registry the suite's CRM uses. */
export const suiteRegistry: AttributeRegistry = defineAttributes({
  version: 1,
  attributes: {
    industry: { type: "enum", values: ["retail", "finance", "public"], appliesTo: ["organisation"] },
    vatNumber: { type: "string", maxLength: 20, appliesTo: ["organisation"] },
    employees: { type: "number", integer: true, min: 0, appliesTo: ["organisation"] },
    creditLimit: { type: "money", currencies: ["EUR", "USD"] },
    newsletter: { type: "boolean" },
    birthday: { type: "date", appliesTo: ["person"] },
  },
});

/** One test's world: a CRM on the shared storage and a tenant nobody else uses. */
export interface SuiteWorld {
  readonly storage: StorageAdapter;
  readonly raw: RawAccess;
  readonly crm: Crm;
  readonly tenantId: string;
  readonly t: TenantCrm;
  /** Rows of a table in this test's tenant. */
  rows(table: KbTable, where?: Readonly<Record<string, string | number>>): Promise<RawRow[]>;
  /** Row counts of every table in this test's tenant, to prove that nothing was written. */
  counts(): Promise<Record<KbTable, number>>;
  /** Another CRM on the same storage with different options (e.g. another registry). */
  crmWith(options: Partial<CrmOptions>): Crm;
}

/** Gives access to the shared setup; `world()` makes a fresh tenant. */
export interface SuiteContext {
  world(options?: Partial<CrmOptions>): SuiteWorld;
  readonly setup: () => ConformanceSetup;
}

/** Builds a suite context over a setup that `beforeAll` fills in. */
export function suiteContext(getSetup: () => ConformanceSetup): SuiteContext {
  return {
    setup: getSetup,
    world(options = {}) {
      const { storage, raw } = getSetup();
      const crmWith = (o: Partial<CrmOptions>) =>
        createCrm({ storage, attributes: suiteRegistry, defaultRegion: "NL", interactionKinds: ["webinar"], ...options, ...o });
      const crm = crmWith({});
      const tenantId = `t-${randomUUID()}`;
      const rows = (table: KbTable, where: Readonly<Record<string, string | number>> = {}) => raw.rows(table, { ...where, tenant_id: tenantId });
      return {
        storage,
        raw,
        crm,
        tenantId,
        t: crm.tenant(tenantId, { actor: "user:test", source: "conformance" }),
        rows,
        crmWith,
        async counts() {
          const entries = await Promise.all(KB_TABLES.map(async (table) => [table, (await rows(table)).length] as const));
          return Object.fromEntries(entries) as Record<KbTable, number>;
        },
      };
    },
  };
}

/** Asserts that `promise` rejects with a CrmError of `code`, and returns the error. */
export async function expectCrmError(promise: Promise<unknown>, code: CrmErrorCode) {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error, `expected a ${code} error, but the call succeeded`).toBeDefined();
  if (!isCrmError(error)) throw error;
  expect(error.code, error.message).toBe(code);
  return error;
}

/** JSON columns come back as text (SQLite) or parsed (Postgres jsonb). */
export function json(value: unknown): unknown {
  return typeof value === "string" ? JSON.parse(value) : value;
}

/** Integer columns come back as number or, for bigint, as string. */
export function num(value: unknown): number {
  return Number(value);
}
