import { sql, type Kysely, type Migration } from "kysely";

/** The connector-specific meeting key prefixes written before keys became provider-neutral. */
const OLD_PREFIXES = ["outlook-event:", "google-event:"] as const;

/**
 * Meetings synced before core's `meetingKey` carried their connector's prefix. They are rewritten
 * to `meeting:<rest>`, so a resync finds them under the new key instead of logging them again.
 * Where the new key is taken already (the same meeting through both connectors, or synced again
 * meanwhile), the old row keeps its key: the unique key forbids two, and nothing is merged here.
 * It runs once over every tenant's rows, before the schema serves requests; on a schema distributed
 * by tenant (Citus) that is one multi-shard update, its subquery joined on tenant_id.
 */
export function meetingKeys(): Migration {
  async function up(db: Kysely<unknown>): Promise<void> {
    // The query builder, not raw SQL: a host's Postgres schema is applied to builder table names only.
    const kb = db as unknown as Kysely<{ kb_interactions: { tenant_id: string; external_key: string | null } }>;
    for (const prefix of OLD_PREFIXES) {
      const renamed = sql<string>`${"meeting:"} || substr(i.external_key, ${prefix.length + 1})`;
      await kb
        .updateTable("kb_interactions as i")
        .set({ external_key: renamed })
        .where("i.external_key", "like", `${prefix}%`)
        .where(({ not, exists, selectFrom }) =>
          not(
            exists(selectFrom("kb_interactions as o").select("o.tenant_id").whereRef("o.tenant_id", "=", "i.tenant_id").where("o.external_key", "=", renamed)),
          ),
        )
        .execute();
    }
  }
  // Going back would need to know which connector wrote each key; the old keys are not restored.
  return { up, down: async () => undefined };
}
