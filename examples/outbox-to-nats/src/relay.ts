import type { CrmEvent, TenantCrm } from "@kaartenbak/core";
import { headers, JSONCodec, type JetStreamClient } from "nats";

/** Options of {@link relayOutbox}. */
export interface RelayOptions {
  /** The outbox consumer name whose checkpoint records what NATS has acknowledged. */
  readonly consumer: string;
  /** Subject prefix; an event goes to `<prefix>.<tenant>.<event type>`, e.g. `crm.acme.deal.won`. */
  readonly subjectPrefix: string;
  /** Events per outbox read. Default 100. */
  readonly batch?: number;
  /**
   * Called after JetStream acknowledged an event and before the checkpoint moves. The crash test
   * stops the relay here; a host can leave it out.
   */
  readonly afterPublish?: (event: CrmEvent, duplicate: boolean) => Promise<void> | void;
}

/** What one run of the relay did. */
export interface RelayResult {
  /** Events JetStream stored for the first time. */
  readonly published: number;
  /** Events JetStream recognised by their `Nats-Msg-Id` as already stored (a resend after a crash). */
  readonly duplicates: number;
  /** The consumer's checkpoint afterwards. */
  readonly checkpoint: number;
}

const codec = JSONCodec<CrmEvent>();

/**
 * Relays a tenant's outbox to JetStream until it is drained, effectively once:
 * - each event is published with its id as `Nats-Msg-Id`, so JetStream drops a second copy that
 *   arrives within the stream's duplicate window;
 * - the checkpoint moves only after JetStream acknowledged the publish (the ack means the message
 *   is stored), one event at a time, so a crash at any point resends at most the one event that
 *   was acknowledged but not yet checkpointed, and the stream de-duplicates it.
 * Events go out in sequence order; a failed publish throws and leaves the checkpoint where it is.
 */
export async function relayOutbox(tenant: TenantCrm, js: JetStreamClient, options: RelayOptions): Promise<RelayResult> {
  let published = 0;
  let duplicates = 0;
  for (;;) {
    const events = await tenant.outbox.poll(options.consumer, { limit: options.batch ?? 100 });
    if (events.length === 0) break;
    for (const event of events) {
      const h = headers();
      h.set("Kaartenbak-Tenant", tenant.tenantId);
      h.set("Kaartenbak-Sequence", String(event.sequence));
      const ack = await js.publish(`${options.subjectPrefix}.${tenant.tenantId}.${event.type}`, codec.encode(event), { msgID: event.id, headers: h });
      if (ack.duplicate) duplicates += 1;
      else published += 1;
      await options.afterPublish?.(event, ack.duplicate);
      await tenant.outbox.acknowledge(options.consumer, event.sequence);
    }
  }
  return { published, duplicates, checkpoint: await tenant.outbox.checkpoint(options.consumer) };
}
