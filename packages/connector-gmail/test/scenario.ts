/**
 * The per-test set-up shared by the Google scenario files: a fake account, a tenant on one engine,
 * an engine factory with fast retries, and the events it emitted. Kept apart from the scenarios
 * so a shared connector suite can drive the same steps later.
 */
import { createSyncEngine, type SyncEngineOptions, type SyncEvent } from "@kaartenbak/core/sync";
import { googleConnector, type GoogleConnectorOptions } from "../src/index.js";
import type { FakeGoogle } from "../src/testing/index.js";
import { freshTenant, type TestDb } from "./harness.js";

/** One account synced into one fresh tenant. */
export function scenario(google: FakeGoogle, db: TestDb, extra: Partial<SyncEngineOptions> = {}, connectorExtra: Partial<GoogleConnectorOptions> = {}) {
  const account = google.addAccount(`g${Math.random().toString(36).slice(2, 8)}@example.com`);
  const tenant = db.crm.tenant(freshTenant(), { actor: "user:1", source: "ui" });
  const events: SyncEvent[] = [];
  const waits: number[] = [];
  const engine = (more: Partial<SyncEngineOptions> = {}, connectorMore: Partial<GoogleConnectorOptions> = {}) =>
    createSyncEngine({
      tenant,
      account: account.email,
      connector: googleConnector({ getAccessToken: async () => account.token, rootUrl: google.url, pageSize: 7, ...connectorExtra, ...connectorMore }),
      onEvent: (e) => events.push(e),
      retry: {
        baseDelayMs: 1,
        sleep: async (ms) => {
          waits.push(ms);
        },
      },
      unknownAddresses: "create-person-and-organisation",
      ...extra,
      ...more,
    });
  return { account, tenant, events, waits, engine, counts: () => db.counts(tenant.tenantId) };
}
