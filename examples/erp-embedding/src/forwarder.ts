import type { ErpCrm } from "./crm.js";
import { messageFor } from "./messages.js";
import type { Kysely } from "kysely";
import type { AppDatabase } from "./schema.js";

/**
 * Forwards the CRM's outbox events into the app's `outgoing_messages` table exactly once: the
 * messages and the consumer checkpoint are written in ONE transaction of the same database, so a
 * crash between the two cannot happen, and the event id as primary key makes a replay a no-op.
 * Returns how many events were forwarded.
 */
export async function forwardCrmEvents(options: { db: Kysely<AppDatabase>; crm: ErpCrm; tenant: string; consumer?: string; batch?: number }): Promise<number> {
  const consumer = options.consumer ?? "erp-forwarder";
  let forwarded = 0;
  for (;;) {
    const count = await options.db.transaction().execute(async (trx) => {
      const t = options.crm.withTransaction(trx).tenant(options.tenant);
      const events = await t.outbox.poll(consumer, { limit: options.batch ?? 100 });
      if (events.length === 0) return 0;
      await trx
        .insertInto("outgoing_messages")
        .values(
          events.map((e) => {
            const message = messageFor(e);
            return {
              event_id: e.id,
              sequence: e.sequence,
              type: e.type,
              topic: message.topic,
              summary: message.summary,
              payload: JSON.stringify(e.payload),
              created_at: new Date().toISOString(),
            };
          }),
        )
        .onConflict((oc) => oc.column("event_id").doNothing())
        .execute();
      await t.outbox.acknowledge(consumer, events[events.length - 1]!.sequence);
      return events.length;
    });
    if (count === 0) return forwarded;
    forwarded += count;
  }
}
