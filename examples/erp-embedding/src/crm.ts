import { postgresAdapter, type PgPool } from "@kaartenbak/adapter-postgres";
import { createCrm } from "@kaartenbak/core";

/**
 * The app's CRM: Kaartenbak's tables in their own schema of the app's database. Its type (with the
 * registry and the host transaction type it binds to) is named once, here, for the rest of the app.
 */
export function createErpCrm(pool: PgPool, schema: string) {
  return createCrm({ storage: postgresAdapter({ pool, schema }), defaultRegion: "NL" });
}

/** The CRM as the app passes it around. */
export type ErpCrm = ReturnType<typeof createErpCrm>;
