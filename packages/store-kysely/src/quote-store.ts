import type { QuoteRecord, QuoteStore } from "@kaartenbak/core/storage";
import type { Selectable } from "kysely";
import { quoteColumns, quoteFromRow, quoteLineFromRow } from "./rows-sales.js";
import type { QuoteRow } from "./schema-sales.js";
import { affected, groupBy, inChunks, type StoreContext } from "./store-context.js";

/** Quotes and their lines, for one tenant. */
export function quoteStore({ db, tenantId }: StoreContext): QuoteStore {
  const quotes = () => db.selectFrom("kb_quotes").selectAll().where("tenant_id", "=", tenantId);

  async function insertLines(record: QuoteRecord): Promise<void> {
    if (record.lines.length === 0) return;
    await db
      .insertInto("kb_quote_lines")
      .values(
        record.lines.map((l) => ({
          tenant_id: tenantId,
          quote_id: record.id,
          position: l.position,
          product_id: l.productId,
          description: l.description,
          quantity_milli: l.quantityMilli,
          unit_price: l.unitPrice,
          discount_ppm: l.discountPpm,
          tax_rate_ppm: l.taxRatePpm,
          net: l.net,
          tax: l.tax,
          total: l.total,
        })),
      )
      .execute();
  }

  /** Completes quote rows with their lines: one query for the whole set. */
  async function assemble(rows: readonly Selectable<QuoteRow>[]): Promise<QuoteRecord[]> {
    if (rows.length === 0) return [];
    const lines = await inChunks(
      rows.map((r) => r.id),
      (chunk) => db.selectFrom("kb_quote_lines").selectAll().where("tenant_id", "=", tenantId).where("quote_id", "in", chunk).execute(),
    );
    const of = groupBy(lines, (l) => l.quote_id);
    return rows.map((row) => quoteFromRow(row, (of.get(row.id) ?? []).map(quoteLineFromRow)));
  }

  return {
    async insert(record) {
      await db
        .insertInto("kb_quotes")
        .values({ tenant_id: tenantId, id: record.id, ...quoteColumns(record) })
        .execute();
      await insertLines(record);
    },

    async update(record, expectedVersion) {
      const result = await db
        .updateTable("kb_quotes")
        .set(quoteColumns(record))
        .where("tenant_id", "=", tenantId)
        .where("id", "=", record.id)
        .where("version", "=", expectedVersion)
        .executeTakeFirst();
      if (affected(result) === 0) return false;
      await db.deleteFrom("kb_quote_lines").where("tenant_id", "=", tenantId).where("quote_id", "=", record.id).execute();
      await insertLines(record);
      return true;
    },

    async get(id) {
      const row = await quotes().where("id", "=", id).executeTakeFirst();
      return row ? (await assemble([row]))[0] : undefined;
    },

    async listGroup(groupId) {
      return assemble(await quotes().where("group_id", "=", groupId).orderBy("revision").execute());
    },

    async listForDeal(dealId) {
      return assemble(await quotes().where("deal_id", "=", dealId).orderBy("group_id").orderBy("revision").execute());
    },
  };
}
