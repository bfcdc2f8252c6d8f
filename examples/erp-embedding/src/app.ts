import type { Relation } from "@kaartenbak/core";
import type { ErpCrm } from "./crm.js";
import type { Kysely, Transaction } from "kysely";
import type { AppDatabase } from "./schema.js";

/** The invoicing app: its own tables and logic, with Kaartenbak embedded in its transactions. */
export interface InvoicingApp {
  /** Creates a customer and, in the same transaction, the CRM relation keyed by the customer number. */
  createCustomer(input: { number: string; name: string; email?: string }): Promise<{ customerId: number; relation: Relation }>;
  /** Books an invoice and records the purchase as a contact moment, in one transaction. */
  bookInvoice(input: { number: string; customerNumber: string; totalCents: number; currency: string; issuedAt: Date }): Promise<number>;
}

/** Options of {@link invoicingApp}. */
export interface InvoicingAppOptions {
  /** The app's database, whose default schema holds its tables. */
  readonly db: Kysely<AppDatabase>;
  /** The CRM, on the same database (its commands join the app's transactions through `withTransaction`). */
  readonly crm: ErpCrm;
  /** The tenant this app instance serves. */
  readonly tenant: string;
}

/** Builds the app. */
export function invoicingApp({ db, crm, tenant }: InvoicingAppOptions): InvoicingApp {
  /** The CRM of this tenant, bound to the app's open transaction: the app's commit decides for both. */
  const crmIn = (trx: Transaction<AppDatabase>) => crm.withTransaction(trx).tenant(tenant, { actor: "app:invoicing", source: "erp" });

  return {
    createCustomer: (input) =>
      db.transaction().execute(async (trx) => {
        const row = await trx
          .insertInto("customers")
          .values({ number: input.number, name: input.name, email: input.email ?? null })
          .returning("id")
          .executeTakeFirstOrThrow();
        const { relation } = await crmIn(trx).relations.upsertByExternalRef(
          { system: "erp", externalId: input.number },
          { kind: "organisation", name: input.name, lifecycle: "customer", ...(input.email ? { emails: [input.email] } : {}) },
        );
        return { customerId: row.id, relation };
      }),

    bookInvoice: (input) =>
      db.transaction().execute(async (trx) => {
        const customer = await trx.selectFrom("customers").select("id").where("number", "=", input.customerNumber).executeTakeFirstOrThrow();
        const invoice = await trx
          .insertInto("invoices")
          .values({
            number: input.number,
            customer_id: customer.id,
            total_cents: input.totalCents,
            currency: input.currency,
            issued_at: input.issuedAt.toISOString(),
          })
          .returning("id")
          .executeTakeFirstOrThrow();
        const t = crmIn(trx);
        const relation = await t.relations.findByExternalRef("erp", input.customerNumber);
        if (!relation) throw new Error(`customer ${input.customerNumber} has no CRM relation`);
        const amount = `${input.currency} ${(input.totalCents / 100).toFixed(2)}`;
        // The invoice number is the external key: booking the same invoice twice cannot log it twice.
        await t.interactions.log({
          kind: "purchase",
          direction: "inbound",
          channel: "erp",
          occurredAt: input.issuedAt,
          subject: `Invoice ${input.number}: ${amount}`,
          relationIds: [relation.id],
          externalKey: `erp:invoice:${input.number}`,
        });
        return invoice.id;
      }),
  };
}
