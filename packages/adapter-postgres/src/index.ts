/**
 * @kaartenbak/adapter-postgres — Kaartenbak on PostgreSQL.
 *
 * Runs the shared Kysely store with the Postgres profile: tables in their own schema, native-error
 * mapping by SQLSTATE, optional row-level security, and embedding in a transaction the host opened.
 */
export { ADAPTER_ID, DEFAULT_SCHEMA, postgresAdapter, type PgPool, type PostgresAdapterOptions, type PostgresConnection } from "./postgres-adapter.js";
export { classifyPostgresError, postgresProfile, TENANT_SETTING } from "./postgres-profile.js";
export { enableRowLevelSecurity, grantApplicationRole, rowLevelSecurityStatements } from "./row-level-security.js";
