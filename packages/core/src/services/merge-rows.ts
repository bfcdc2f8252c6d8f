import type { ValidationIssue } from "../errors.js";
import type { CapturedRow, RowChange, StoredRow } from "../storage-merge.js";

/**
 * The row log of a merge: the rows that refer to the two relations, captured before and after in
 * the merge's transaction, compared by table and primary key. It is what makes undo exact: undo
 * writes back `before` wherever `after` is still in place, and refuses when it is not.
 */

const id = (table: string, key: CapturedRow["key"]) => `${table}\u0000${JSON.stringify(Object.entries(key).sort(([a], [b]) => (a < b ? -1 : 1)))}`;

/** Equal rows: the same columns with the same values (column order aside). */
export function sameRow(a: StoredRow, b: StoredRow): boolean {
  const ka = Object.keys(a);
  return ka.length === Object.keys(b).length && ka.every((k) => k in b && a[k] === b[k]);
}

/** Rows created, changed or removed between two captures. */
export function rowChanges(before: readonly CapturedRow[], after: readonly CapturedRow[]): RowChange[] {
  const old = new Map(before.map((r) => [id(r.table, r.key), r]));
  const now = new Map(after.map((r) => [id(r.table, r.key), r]));
  const changes: RowChange[] = [];
  for (const [k, b] of old) {
    const a = now.get(k);
    if (!a) changes.push({ table: b.table, before: b.key, beforeRow: b.row, after: null, afterRow: null });
    else if (!sameRow(a.row, b.row)) changes.push({ table: b.table, before: b.key, beforeRow: b.row, after: a.key, afterRow: a.row });
  }
  for (const [k, a] of now) if (!old.has(k)) changes.push({ table: a.table, before: null, beforeRow: null, after: a.key, afterRow: a.row });
  return changes;
}

/**
 * The rows that changed since the merge, which undo must not overwrite: a row the merge wrote
 * that is no longer as it left it (changed, removed, or moved to another relation), and a row
 * the merge removed whose key is taken again.
 */
export function changedSince(changes: readonly RowChange[], current: readonly CapturedRow[]): ValidationIssue[] {
  const now = new Map(current.map((r) => [id(r.table, r.key), r]));
  const issues: ValidationIssue[] = [];
  const name = (table: string, key: CapturedRow["key"]) => [table, ...Object.values(key)];
  for (const c of changes) {
    if (c.after && c.afterRow) {
      const row = now.get(id(c.table, c.after));
      if (!row || !sameRow(row.row, c.afterRow)) {
        issues.push({
          path: name(c.table, c.after),
          message: `${c.table} row ${Object.values(c.after).join("/")} changed since the merge`,
          code: "changed_since_merge",
        });
      }
    } else if (c.before && now.has(id(c.table, c.before))) {
      issues.push({
        path: name(c.table, c.before),
        message: `${c.table} row ${Object.values(c.before).join("/")} was written again since the merge`,
        code: "changed_since_merge",
      });
    }
  }
  return issues;
}
