import { sql, type Generated, type Kysely } from "kysely";

/** The invoicing app's own tables, in its own schema beside the CRM's. */
export interface AppDatabase {
  customers: { id: Generated<number>; number: string; name: string; email: string | null };
  invoices: { id: Generated<number>; number: string; customer_id: number; total_cents: number; currency: string; issued_at: string };
  payments: { id: Generated<number>; invoice_id: number; amount_cents: number; paid_at: string };
  /** Where the app's integration layer puts CRM events for other systems (a webhook queue, say). */
  outgoing_messages: { event_id: string; sequence: number; type: string; topic: string; summary: string; payload: unknown; created_at: string };
}

/** Creates the app's tables (idempotent). */
export async function createAppSchema(db: Kysely<AppDatabase>): Promise<void> {
  await db.schema
    .createTable("customers")
    .ifNotExists()
    .addColumn("id", "serial", (c) => c.primaryKey())
    .addColumn("number", "text", (c) => c.notNull().unique())
    .addColumn("name", "text", (c) => c.notNull())
    .addColumn("email", "text")
    .execute();
  await db.schema
    .createTable("invoices")
    .ifNotExists()
    .addColumn("id", "serial", (c) => c.primaryKey())
    .addColumn("number", "text", (c) => c.notNull().unique())
    .addColumn("customer_id", "integer", (c) => c.notNull().references("customers.id"))
    .addColumn("total_cents", "bigint", (c) => c.notNull())
    .addColumn("currency", "text", (c) => c.notNull())
    .addColumn("issued_at", "timestamptz", (c) => c.notNull())
    .execute();
  await db.schema
    .createTable("payments")
    .ifNotExists()
    .addColumn("id", "serial", (c) => c.primaryKey())
    .addColumn("invoice_id", "integer", (c) => c.notNull().references("invoices.id"))
    .addColumn("amount_cents", "bigint", (c) => c.notNull())
    .addColumn("paid_at", "timestamptz", (c) => c.notNull().defaultTo(sql`now()`))
    .execute();
  await db.schema
    .createTable("outgoing_messages")
    .ifNotExists()
    .addColumn("event_id", "text", (c) => c.primaryKey())
    .addColumn("sequence", "bigint", (c) => c.notNull())
    .addColumn("type", "text", (c) => c.notNull())
    .addColumn("topic", "text", (c) => c.notNull())
    .addColumn("summary", "text", (c) => c.notNull())
    .addColumn("payload", "jsonb", (c) => c.notNull())
    .addColumn("created_at", "timestamptz", (c) => c.notNull().defaultTo(sql`now()`))
    .execute();
}
