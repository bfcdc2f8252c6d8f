import { Kysely, PostgresDialect } from "kysely";
import pg from "pg";
import { invoicingApp } from "./app.js";
import { createErpCrm } from "./crm.js";
import { forwardCrmEvents } from "./forwarder.js";
import { createAppSchema, type AppDatabase } from "./schema.js";

// An invoicing app on Postgres with Kaartenbak in the same database: app tables in schema "erp_demo",
// CRM tables in "crm_demo". Run with DATABASE_URL=postgres://user@host:port/db npm start.
const pool = new pg.Pool({ connectionString: process.env.DATABASE_URL ?? "postgres://postgres@127.0.0.1:5432/test" });
const db = new Kysely<AppDatabase>({ dialect: new PostgresDialect({ pool }) }).withSchema("erp_demo");
try {
  await pool.query("create schema if not exists erp_demo");
  await createAppSchema(db);
  const crm = createErpCrm(pool, "crm_demo");
  await crm.migrate();
  const tenant = "erp-demo";
  const app = invoicingApp({ db, crm, tenant });

  const suffix = Date.now().toString(36);
  const { relation } = await app.createCustomer({ number: `C-${suffix}`, name: "Bakkerij de Gouden Korst", email: "info@goudenkorst.nl" });
  await app.bookInvoice({ number: `F-${suffix}-1`, customerNumber: `C-${suffix}`, totalCents: 125_000, currency: "EUR", issuedAt: new Date() });
  const failed = await app
    .bookInvoice({ number: `F-${suffix}-2`, customerNumber: "C-does-not-exist", totalCents: 1, currency: "EUR", issuedAt: new Date() })
    .then(
      () => "booked",
      () => "rolled back: no invoice row, no CRM contact moment",
    );
  const timeline = await crm.tenant(tenant).interactions.timeline(relation.id);
  console.log(`Customer C-${suffix} is CRM relation ${relation.id} (${relation.name})`);
  console.log(`Timeline: ${timeline.items.map((i) => i.subject).join("; ")}`);
  console.log(`Invoice for an unknown customer: ${failed}`);
  console.log(
    `Forwarded ${await forwardCrmEvents({ db, crm, tenant })} CRM events to erp_demo.outgoing_messages; again: ${await forwardCrmEvents({ db, crm, tenant })}`,
  );
} finally {
  await db.destroy();
}
