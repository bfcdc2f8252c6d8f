import { sql, type Kysely } from "kysely";
import { configurationError } from "@kaartenbak/core/storage";
import { KB_TABLES } from "@kaartenbak/store-kysely";
import { TENANT_SETTING } from "./postgres-profile.js";

/** Postgres identifiers the functions below accept: plain lower-case names, so quoting is never needed. */
const IDENTIFIER = /^[a-z_][a-z0-9_]{0,62}$/;

function identifier(value: string, what: string): string {
  if (!IDENTIFIER.test(value)) throw configurationError(`Invalid ${what} ${JSON.stringify(value)}: use lower-case letters, digits and _`);
  return value;
}

/**
 * The statements that turn on row-level security for every Kaartenbak table in `schema`: each table
 * only shows and accepts rows whose `tenant_id` equals the `kaartenbak.tenant_id` setting, which the
 * adapter sets at the start of every transaction when created with `rowLevelSecurity: true`.
 *
 * `force` makes the policies apply to the tables' owner too. Superusers and roles with BYPASSRLS
 * are never subject to RLS: run the application as an ordinary role for it to protect anything.
 */
export function rowLevelSecurityStatements(schema: string): string[] {
  const s = identifier(schema, "schema");
  return KB_TABLES.flatMap((table) => [
    `alter table ${s}.${table} enable row level security`,
    `alter table ${s}.${table} force row level security`,
    `drop policy if exists kb_tenant_isolation on ${s}.${table}`,
    `create policy kb_tenant_isolation on ${s}.${table} using (tenant_id = current_setting('${TENANT_SETTING}', true)) with check (tenant_id = current_setting('${TENANT_SETTING}', true))`,
  ]);
}

/** Applies {@link rowLevelSecurityStatements} in one transaction. Idempotent. Run it after `migrate()`. */
export async function enableRowLevelSecurity<DB>(db: Kysely<DB>, schema = "crm"): Promise<void> {
  await db.transaction().execute(async (trx) => {
    for (const statement of rowLevelSecurityStatements(schema)) await sql.raw(statement).execute(trx);
  });
}

/** Grants an application role what Kaartenbak needs on `schema` (usage, and read/write on its tables). */
export async function grantApplicationRole<DB>(db: Kysely<DB>, role: string, schema = "crm"): Promise<void> {
  const s = identifier(schema, "schema");
  const r = identifier(role, "role");
  await db.transaction().execute(async (trx) => {
    await sql.raw(`grant usage on schema ${s} to ${r}`).execute(trx);
    await sql.raw(`grant select, insert, update, delete on all tables in schema ${s} to ${r}`).execute(trx);
  });
}
