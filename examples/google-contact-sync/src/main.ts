import Database from "better-sqlite3";
import { sqliteAdapter } from "@kaartenbak/adapter-sqlite";
import { startFakeGoogle } from "@kaartenbak/connector-gmail/testing";
import { runDemo, seedFake, type GoogleAccount } from "./demo.js";

/**
 * With GOOGLE_ACCESS_TOKEN and GOOGLE_ACCOUNT set, syncs that real Google account; otherwise starts
 * the fake Google server and seeds it. The token is only handed to the connector, never printed.
 */
const filename = process.env.KAARTENBAK_DEMO_DB ?? "google-sync.db";
const storage = sqliteAdapter({ database: new Database(filename) });
await storage.migrate();
const token = process.env.GOOGLE_ACCESS_TOKEN;
const fake = token ? undefined : await startFakeGoogle();
try {
  let account: GoogleAccount;
  if (token) {
    const address = process.env.GOOGLE_ACCOUNT;
    if (!address) throw new Error("Set GOOGLE_ACCOUNT to the account's address along with GOOGLE_ACCESS_TOKEN");
    account = { kind: "real", address, getAccessToken: async () => token };
  } else {
    const a = fake!.addAccount("demo@kaartenbak.example");
    seedFake(fake!, a.email);
    account = { kind: "fake", google: fake!, address: a.email, token: a.token };
  }
  console.log(`CRM in SQLite file ${filename}\n`);
  await runDemo(storage, account);
} finally {
  await fake?.close();
  await storage.close();
}
