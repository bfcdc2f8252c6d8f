import { randomBytes } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Kysely, PostgresDialect } from "kysely";
import pg from "pg";
import { faultyStorage } from "@kaartenbak/conformance";
import { postgresAdapter } from "@kaartenbak/adapter-postgres";
import { postgresReachable, testDatabaseUrl } from "@kaartenbak/adapter-postgres/testing";
import { invoicingApp } from "../src/app.js";
import { createErpCrm, type ErpCrm } from "../src/crm.js";
import { messageFor } from "../src/messages.js";
import { forwardCrmEvents } from "../src/forwarder.js";
import { createAppSchema, type AppDatabase } from "../src/schema.js";

const url = testDatabaseUrl();
const available = await postgresReachable("erp-embedding example tests");

describe.skipIf(!available)("example: ERP embedding", () => {
  const suffix = randomBytes(4).toString("hex");
  const appSchema = `erp_test_${suffix}`;
  const crmSchema = `crm_test_${suffix}`;
  const pool = new pg.Pool({ connectionString: url, max: 4 });
  const db = new Kysely<AppDatabase>({ dialect: new PostgresDialect({ pool }) }).withSchema(appSchema);
  const tenant = "erp";
  let crm: ErpCrm;

  beforeAll(async () => {
    await pool.query(`create schema ${appSchema}`);
    await createAppSchema(db);
    crm = createErpCrm(pool, crmSchema);
    await crm.migrate();
  });
  afterAll(async () => {
    await pool.query(`drop schema if exists ${appSchema} cascade`);
    await pool.query(`drop schema if exists ${crmSchema} cascade`);
    await db.destroy();
  });

  it("creates the customer and its CRM relation together, keyed by the customer number", async () => {
    const app = invoicingApp({ db, crm, tenant });
    const { relation } = await app.createCustomer({ number: "C-1", name: "Acme BV", email: "Info@Acme.nl" });
    expect(relation.externalRefs).toEqual([{ system: "erp", externalId: "C-1" }]);
    expect((await crm.tenant(tenant).relations.findByEmail("info@acme.nl"))[0]?.id).toBe(relation.id);
    // The app's unique customer number refuses a second customer C-1: the CRM relation is not touched either.
    const before = await crm.tenant(tenant).outbox.read({ limit: 1000 });
    await expect(app.createCustomer({ number: "C-1", name: "Renamed BV" })).rejects.toThrow();
    expect((await crm.tenant(tenant).relations.get(relation.id))?.name).toBe("Acme BV");
    expect(await crm.tenant(tenant).outbox.read({ limit: 1000 })).toEqual(before);
  });

  it("books an invoice and its contact moment atomically", async () => {
    const app = invoicingApp({ db, crm, tenant });
    await app.bookInvoice({ number: "F-1", customerNumber: "C-1", totalCents: 9_950, currency: "EUR", issuedAt: new Date("2026-11-01T10:00:00Z") });
    const relation = (await crm.tenant(tenant).relations.findByExternalRef("erp", "C-1"))!;
    expect((await crm.tenant(tenant).interactions.timeline(relation.id)).items.map((i) => i.subject)).toEqual(["Invoice F-1: EUR 99.50"]);

    // When the CRM half fails mid-command (after its 4th storage step), the app's invoice row goes too.
    await expect(
      db.transaction().execute(async (trx) => {
        await trx
          .insertInto("invoices")
          .values({ number: "F-2", customer_id: 1, total_cents: 1, currency: "EUR", issued_at: new Date().toISOString() })
          .execute();
        const t = crm.withStorage(faultyStorage(postgresAdapter({ kysely: trx, schema: crmSchema }), 4).storage).tenant(tenant);
        await t.interactions.log({ kind: "purchase", occurredAt: new Date(), relationIds: [relation.id], externalKey: "erp:invoice:F-2" });
      }),
    ).rejects.toThrow(/injected fault/);
    expect(await db.selectFrom("invoices").select("number").where("number", "=", "F-2").execute()).toEqual([]);
    expect(await crm.tenant(tenant).interactions.findByExternalKey("erp:invoice:F-2")).toBeUndefined();
  });

  it("maps a privacy event to the privacy topic", () => {
    const base = { sequence: 1, id: "e", entityId: "x", actor: "a", source: "s", occurredAt: "2026-01-01T00:00:00.000Z" };
    expect(messageFor({ ...base, type: "suppression.added", entityType: "suppression", payload: { relationId: "r1" } as never }).topic).toBe("crm.privacy");
  });

  it("forwards every CRM event exactly once, across runs and crashes", async () => {
    const first = await forwardCrmEvents({ db, crm, tenant, batch: 2 });
    const events = await crm.tenant(tenant).outbox.read({ limit: 1000 });
    expect(first).toBe(events.length);
    expect(await forwardCrmEvents({ db, crm, tenant })).toBe(0);
    const app = invoicingApp({ db, crm, tenant });
    await app.createCustomer({ number: "C-2", name: "Beta BV" });
    expect(await forwardCrmEvents({ db, crm, tenant })).toBe(1);
    const rows = await db.selectFrom("outgoing_messages").select(["sequence", "type", "topic", "summary"]).orderBy("sequence").execute();
    expect(rows.find((r) => r.type === "interaction.logged")).toMatchObject({
      topic: "crm.contact-moments",
      summary: "interaction.logged: purchase Invoice F-1: EUR 99.50",
    });
    expect(rows.at(-1)).toMatchObject({ type: "relation.created", topic: "crm.customers", summary: "relation.created: Beta BV (customer)" });
    expect(rows.map((r) => Number(r.sequence))).toEqual(Array.from({ length: events.length + 1 }, (_, i) => i + 1));
    expect(await crm.tenant(tenant).outbox.checkpoint("erp-forwarder")).toBe(events.length + 1);
  });
});
