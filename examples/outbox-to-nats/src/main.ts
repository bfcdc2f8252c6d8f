import Database from "better-sqlite3";
import { connect } from "nats";
import { createCrm } from "@kaartenbak/core";
import { sqliteAdapter } from "@kaartenbak/adapter-sqlite";
import { relayOutbox } from "./relay.js";

/**
 * Relays one tenant's outbox from a SQLite file to NATS JetStream and exits when it is drained.
 *
 *   KAARTENBAK_DB=crm.db KAARTENBAK_TENANT=acme NATS_URL=nats://127.0.0.1:4222 npm start
 *
 * The stream must exist and take the subjects `<NATS_SUBJECT_PREFIX>.>` (default `crm.>`).
 * `RELAY_STOP_AFTER_PUBLISH=n` makes the process stop (hang, printing `acked-not-checkpointed <seq>`)
 * right after the n-th acknowledged publish and before its checkpoint: the crash test kills it there.
 */
const filename = process.env.KAARTENBAK_DB ?? "kaartenbak-demo.db";
const tenantId = process.env.KAARTENBAK_TENANT ?? "acme";
const stopAfter = Number(process.env.RELAY_STOP_AFTER_PUBLISH ?? 0);

const storage = sqliteAdapter({ database: new Database(filename) });
const crm = createCrm({ storage });
const nc = await connect({ servers: process.env.NATS_URL ?? "nats://127.0.0.1:4222" });
try {
  let seen = 0;
  const result = await relayOutbox(crm.tenant(tenantId), nc.jetstream(), {
    consumer: process.env.RELAY_CONSUMER ?? "nats",
    subjectPrefix: process.env.NATS_SUBJECT_PREFIX ?? "crm",
    async afterPublish(event) {
      seen += 1;
      if (seen === stopAfter) {
        console.log(`acked-not-checkpointed ${event.sequence}`);
        // Never returns (the timer keeps the process alive): the checkpoint of this event is not written.
        await new Promise(() => setInterval(() => {}, 60_000));
      }
    },
  });
  console.log(`relayed: ${result.published} published, ${result.duplicates} duplicates dropped by JetStream, checkpoint ${result.checkpoint}`);
} finally {
  await nc.drain();
  await crm.close();
}
