import Database from "better-sqlite3";
import { sqliteAdapter } from "@kaartenbak/adapter-sqlite";
import { startFakeGraph } from "@kaartenbak/connector-outlook/testing";
import { runDemo, seedFake, type Mailbox } from "./demo.js";

/**
 * With OUTLOOK_ACCESS_TOKEN and OUTLOOK_MAILBOX set, syncs that real mailbox; otherwise starts the
 * fake Graph server and seeds it. The token is only handed to the connector, never printed.
 */
const filename = process.env.KAARTENBAK_DEMO_DB ?? "outlook-sync.db";
const storage = sqliteAdapter({ database: new Database(filename) });
await storage.migrate();
const token = process.env.OUTLOOK_ACCESS_TOKEN;
const fake = token ? undefined : await startFakeGraph();
try {
  let mailbox: Mailbox;
  if (token) {
    mailbox = { kind: "real", address: process.env.OUTLOOK_MAILBOX ?? "me", getAccessToken: async () => token };
  } else {
    const mb = fake!.mailboxes.addMailbox("demo@kaartenbak.example");
    seedFake(fake!, mb.address);
    mailbox = { kind: "fake", graph: fake!, address: mb.address, token: mb.token };
  }
  console.log(`CRM in SQLite file ${filename}\n`);
  await runDemo(storage, mailbox);
} finally {
  await fake?.close();
  await storage.close();
}
