import type { ConsentChannel } from "@kaartenbak/core";
import { sql, type Kysely, type RawBuilder, type SqlBool } from "kysely";
import type { FilterFunctions } from "./dialect-profile.js";
import type { KyselyDatabase } from "./schema.js";

/**
 * The consent derivation of `@kaartenbak/core` (`deriveConsent` / `contactBlock`) in SQL, over a
 * relation row aliased `r`: per ledger, the entry with the greatest (`occurred_at`, `id`) decides.
 * Campaign launch and the mailing list use these, so the rule lives in one place per language.
 */

type AnyDb = Kysely<any>; // eslint-disable-line @typescript-eslint/no-explicit-any

const ref = (table: string, column: string) => sql.ref(`${table}.${column}`);

/** The latest suppression action (`suppress` / `lift`) of a relation for `channel` (or `all`), or NULL. */
export function latestSuppression(db: Kysely<KyselyDatabase>, r: string, channel: ConsentChannel | "all"): RawBuilder<string | null> {
  const query = (db as AnyDb)
    .selectFrom("kb_suppression_ledger as sl")
    .select("sl.action")
    .where(sql<SqlBool>`${ref("sl", "tenant_id")} = ${ref(r, "tenant_id")} and ${ref("sl", "relation_id")} = ${ref(r, "id")}`)
    .where("sl.channel", "=", channel)
    .orderBy("sl.occurred_at", "desc")
    .orderBy("sl.id", "desc")
    .limit(1);
  return sql<string | null>`(${query})`;
}

/** The latest consent action (`opt_in` / `opt_out`) of a relation for channel and purpose, or NULL. */
export function latestConsent(db: Kysely<KyselyDatabase>, r: string, channel: ConsentChannel, purpose: string): RawBuilder<string | null> {
  const query = (db as AnyDb)
    .selectFrom("kb_consent_ledger as cl")
    .select("cl.action")
    .where(sql<SqlBool>`${ref("cl", "tenant_id")} = ${ref(r, "tenant_id")} and ${ref("cl", "relation_id")} = ${ref(r, "id")}`)
    .where("cl.channel", "=", channel)
    .where("cl.purpose", "=", purpose)
    .orderBy("cl.occurred_at", "desc")
    .orderBy("cl.id", "desc")
    .limit(1);
  return sql<string | null>`(${query})`;
}

/** True when the relation is suppressed on `channel` or on all channels. */
export function suppressed(db: Kysely<KyselyDatabase>, r: string, channel: ConsentChannel): RawBuilder<SqlBool> {
  return sql<SqlBool>`(coalesce(${latestSuppression(db, r, "all")}, 'lift') = 'suppress' or coalesce(${latestSuppression(db, r, channel)}, 'lift') = 'suppress')`;
}

/** The relation's address for a channel: its primary (else first) e-mail or phone number; NULL for post (read from `addresses`). */
export function channelAddress(db: Kysely<KyselyDatabase>, r: string, channel: ConsentChannel): RawBuilder<string | null> {
  if (channel === "post") return sql<string | null>`cast(null as text)`;
  const [table, column] = channel === "email" ? (["kb_relation_emails", "email"] as const) : (["kb_relation_phones", "phone"] as const);
  const query = (db as AnyDb)
    .selectFrom(`${table} as ca`)
    .select(`ca.${column}`)
    .where(sql<SqlBool>`${ref("ca", "tenant_id")} = ${ref(r, "tenant_id")} and ${ref("ca", "relation_id")} = ${ref(r, "id")}`)
    .orderBy("ca.is_primary", "desc")
    .orderBy("ca.position")
    .limit(1);
  return sql<string | null>`(${query})`;
}

/**
 * Why a relation may not be contacted, in this order: `suppressed`, `opted_out`, `no_consent`,
 * `no_address`; NULL when it may.
 */
export function exclusionReason(
  db: Kysely<KyselyDatabase>,
  fns: FilterFunctions,
  r: string,
  channel: ConsentChannel,
  purpose: string,
): RawBuilder<string | null> {
  const consent = latestConsent(db, r, channel, purpose);
  const noAddress =
    channel === "post" ? sql<SqlBool>`${fns.jsonArrayLength(ref(r, "addresses"))} = 0` : sql<SqlBool>`${channelAddress(db, r, channel)} is null`;
  return sql<string | null>`(case
    when ${suppressed(db, r, channel)} then ${"suppressed"}
    when ${consent} = 'opt_out' then ${"opted_out"}
    when ${consent} is null then ${"no_consent"}
    when ${noAddress} then ${"no_address"}
  end)`;
}
