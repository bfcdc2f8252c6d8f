import { describe, it } from "vitest";
import { testStorageAdapter } from "@kaartenbak/conformance";
import { postgresAdapter } from "../src/index.js";
import { dropSchema, freshSchema, postgresAvailable, rawAccess, testPool } from "./pg-harness.js";

if (postgresAvailable) {
  testStorageAdapter({
    name: "postgres",
    async setup() {
      const pool = testPool(12);
      const schema = freshSchema();
      const storage = postgresAdapter({ pool, schema });
      await storage.migrate();
      return {
        storage,
        raw: rawAccess(pool, schema),
        async teardown() {
          await storage.close();
          await dropSchema(pool, schema);
          await pool.end();
        },
      };
    },
  });
} else {
  describe("conformance: postgres", () => it.skip("needs a Postgres server (see the notice above)", () => {}));
}
