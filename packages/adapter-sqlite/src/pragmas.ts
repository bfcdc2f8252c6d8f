import { configurationError } from "@kaartenbak/core/storage";
import { sql, type Kysely, type SqliteDatabase } from "kysely";

/**
 * The connection settings Kaartenbak relies on, each with the reason it is set:
 * - `journal_mode = WAL`: readers never block the writer and the writer never blocks readers
 *   (skipped for in-memory databases, which have no journal file);
 * - `foreign_keys = ON`: SQLite leaves foreign keys unenforced by default, and they are what turns
 *   a link to a missing relation into an INTEGRITY error;
 * - `busy_timeout = 5000`: wait up to five seconds for another connection's write lock instead of
 *   failing at once with SQLITE_BUSY;
 * - `synchronous = NORMAL`: with WAL this survives application crashes and is far faster than FULL;
 *   only a power loss or OS crash can lose the last few commits.
 */
export function applyPragmas(database: SqliteDatabase, options: { readonly memory: boolean }): void {
  if (!options.memory) run(database, "pragma journal_mode = WAL");
  run(database, "pragma foreign_keys = ON");
  run(database, "pragma busy_timeout = 5000");
  run(database, "pragma synchronous = NORMAL");
}

/** better-sqlite3 refuses `run()` on statements that return rows (some pragmas do), and `all()` on those that do not. */
function run(database: SqliteDatabase, statement: string): void {
  const prepared = database.prepare(statement);
  if (prepared.reader) prepared.all([]);
  else prepared.run([]);
}

/**
 * Makes sure foreign keys are enforced on a connection the adapter did not open. A host's Kysely
 * instance gets `foreign_keys = ON`; inside a host transaction the pragma cannot change (SQLite
 * ignores it there), so a connection without it is refused rather than silently losing integrity.
 */
export async function ensureForeignKeys<DB>(db: Kysely<DB>): Promise<void> {
  const enabled = async () => (await sql<{ foreign_keys: number }>`pragma foreign_keys`.execute(db)).rows[0]?.foreign_keys === 1;
  if (await enabled()) return;
  if (!db.isTransaction) {
    await sql`pragma foreign_keys = ON`.execute(db);
    if (await enabled()) return;
  }
  throw configurationError(
    "SQLite foreign keys are off on this connection; run `pragma foreign_keys = ON` on it before opening the transaction",
    "foreign_keys_off",
  );
}
