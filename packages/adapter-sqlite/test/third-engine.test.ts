import Database from "better-sqlite3";
import { testStorageAdapter } from "@kaartenbak/conformance";
import { CrmError } from "@kaartenbak/core/storage";
import { createKyselyStorage, type DialectProfile } from "@kaartenbak/store-kysely";
import { Kysely, SqliteDialect } from "kysely";
import { afterAll, expect, it } from "vitest";
import { sqliteProfile } from "../src/index.js";
import { rawAccess } from "./fixtures.js";

// DialectProfile is the seam for a third engine: a profile built outside store-kysely, with a
// name of its own, its own error mapping and transaction hook, on Kysely's stock SQLite dialect
// (not this adapter's), passes the conformance suite. It borrows SQLite's column types and SQL
// functions because the engine underneath is SQLite; everything else is the test's own.
const transactions: string[] = [];
let adapterId: string | undefined;
const thirdEngine: DialectProfile = {
  name: "embedded-sql",
  types: sqliteProfile.types,
  functions: sqliteProfile.functions,
  filters: sqliteProfile.filters,
  search: sqliteProfile.search,
  classifyError(error) {
    const code = (error as { code?: unknown } | null)?.code;
    if (code === "SQLITE_CONSTRAINT_PRIMARYKEY" || code === "SQLITE_CONSTRAINT_UNIQUE")
      return new CrmError("DUPLICATE", "taken", { reason: "unique_violation", cause: error });
    if (code === "SQLITE_CONSTRAINT_FOREIGNKEY") return new CrmError("INTEGRITY", "missing", { reason: "foreign_key_violation", cause: error });
    if (code === "SQLITE_BUSY") return new CrmError("BUSY", "busy", { reason: "busy", cause: error });
    return undefined;
  },
  async onTransactionStart(_trx, tenantId) {
    transactions.push(tenantId);
  },
  capabilities: { dialect: "embedded-sql", concurrentWriters: false, hostTransaction: false, rowLevelSecurity: false },
};

testStorageAdapter({
  name: "a third engine's profile",
  features: ["relations", "links", "interactions", "journal", "transactions", "pipelines", "deals", "quotes", "reports", "filters", "segments"],
  async setup() {
    const db = new Database(":memory:");
    db.pragma("foreign_keys = ON");
    const storage = createKyselyStorage({ db: new Kysely({ dialect: new SqliteDialect({ database: db }) }), profile: thirdEngine, ownsDb: true });
    await storage.migrate();
    adapterId = storage.id;
    return { storage, raw: rawAccess(db), teardown: () => storage.close() };
  },
});

it("reports the profile's own name and ran every transaction through its hook", () => {
  expect(adapterId).toBe("embedded-sql");
  expect(transactions.length).toBeGreaterThan(100);
});

afterAll(() => {
  transactions.length = 0;
});
