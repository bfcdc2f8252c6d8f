import { MIGRATION_LOCK_TABLE, MIGRATION_TABLE } from "@kaartenbak/store-kysely";
import type { OperationNode, RootOperationNode } from "kysely";

/**
 * A static check of the rule that makes the schema distributable by tenant on Citus, on Kysely's
 * operation trees (what every executed statement was compiled from):
 *
 * 1. every reference to a `kb_` table (in FROM, a JOIN, an UPDATE, a DELETE, at any depth) is
 *    scoped to the tenant: its `tenant_id` equals a value, or equals the `tenant_id` of another
 *    reference that is (transitively) scoped, e.g. a correlated subquery's `c.tenant_id = r.tenant_id`;
 * 2. every JOIN of a `kb_` table has a `tenant_id` equality with another `kb_` table in its ON;
 * 3. every INSERT into a `kb_` table writes its `tenant_id` column.
 *
 * Equalities under an OR do not count (they scope nothing). The migration bookkeeping tables have
 * no tenant and are left out; so are schema statements (CREATE, ALTER, …) and raw statements that
 * name no `kb_` table. A raw statement that does name one cannot be checked and is reported.
 */
export function tenantScopeProblems(root: RootOperationNode): string[] {
  return new Checker().check(root);
}

const UNSCOPED_TABLES = new Set<string>([MIGRATION_TABLE, MIGRATION_LOCK_TABLE]);
const QUERY_KINDS = new Set(["SelectQueryNode", "UpdateQueryNode", "DeleteQueryNode", "InsertQueryNode"]);

type AnyNode = OperationNode & Record<string, unknown>;

/** One table (or derived table) named in one query scope. */
interface Instance {
  readonly id: number;
  readonly alias: string;
  /** The `kb_` table, or undefined for a derived table or a foreign table. */
  readonly table?: string;
}

interface Scope {
  readonly instances: Instance[];
  readonly parent?: Scope;
}

const isNode = (value: unknown): value is AnyNode => typeof value === "object" && value !== null && typeof (value as { kind?: unknown }).kind === "string";
const identifier = (node: unknown): string | undefined => {
  const n = node as { name?: unknown; identifier?: { name?: unknown } } | undefined;
  return typeof n?.name === "string" ? n.name : typeof n?.identifier?.name === "string" ? n.identifier.name : undefined;
};

/** `sql.ref("a.b")` is a raw node around one reference, with empty text on both sides: the reference. */
function unwrap(node: unknown): unknown {
  if (!isNode(node) || node.kind !== "RawNode") return node;
  const parameters = (node.parameters as unknown[] | undefined) ?? [];
  const fragments = (node.sqlFragments as string[] | undefined) ?? [];
  return parameters.length === 1 && fragments.every((f) => f.trim() === "") ? unwrap(parameters[0]) : node;
}

class Checker {
  #next = 0;
  readonly #problems: string[] = [];
  /** Union-find over instance ids: tenant equalities between references. */
  readonly #parent = new Map<number, number>();
  readonly #bound = new Set<number>();
  readonly #kb: Instance[] = [];

  check(root: RootOperationNode): string[] {
    const node = root as unknown as AnyNode;
    if (node.kind === "RawNode") {
      const text = ((node.sqlFragments as string[] | undefined) ?? []).join(" ");
      // The store's multi-row inserts are raw text: they pass when their column list has tenant_id.
      const insert = /^insert into "?(kb_[a-z0-9_]+)"? \(([^)]*)\)/.exec(text);
      if (insert) {
        if (!insert[2]!.split(",").some((c) => c.trim().replace(/"/g, "") === "tenant_id"))
          this.#problems.push(`insert into ${insert[1]} does not write tenant_id`);
        return this.#problems;
      }
      const tables = (text.match(/\bkb_[a-z0-9_]+/g) ?? []).filter((t) => !UNSCOPED_TABLES.has(t));
      if (tables.length > 0) this.#problems.push(`a raw statement names ${tables.join(", ")}; it cannot be checked for tenant scope`);
      return this.#problems;
    }
    if (!QUERY_KINDS.has(node.kind)) return this.#problems; // schema statements
    this.#collectCteNames(node);
    this.#query(node, undefined);
    for (const instance of this.#kb) {
      if (!this.#bound.has(this.#find(instance.id))) this.#problems.push(`${instance.table} as ${instance.alias} is not filtered on tenant_id`);
    }
    return this.#problems;
  }

  /** Names of common table expressions (`with kb_ancestors as …`): not tables, whatever their prefix. */
  readonly #ctes = new Set<string>();

  #collectCteNames(value: unknown): void {
    if (Array.isArray(value)) return value.forEach((v) => this.#collectCteNames(v));
    if (!isNode(value)) return;
    if (value.kind === "CommonTableExpressionNameNode") {
      const table = value.table as AnyNode | undefined;
      const name = identifier((table?.table as AnyNode | undefined) ?? table);
      if (name) this.#ctes.add(name);
    }
    for (const child of Object.values(value)) this.#collectCteNames(child);
  }

  #find(id: number): number {
    let root = id;
    while (this.#parent.has(root) && this.#parent.get(root) !== root) root = this.#parent.get(root)!;
    return root;
  }

  #union(a: number, b: number): void {
    const [ra, rb] = [this.#find(a), this.#find(b)];
    if (ra === rb) return;
    this.#parent.set(ra, rb);
    if (this.#bound.has(ra)) this.#bound.add(rb);
  }

  #bind(id: number): void {
    this.#bound.add(this.#find(id));
  }

  /** Declares the table (or derived table) of a FROM / JOIN / UPDATE item in `scope`. */
  #declare(item: unknown, scope: Scope): Instance | undefined {
    if (!isNode(item)) return undefined;
    let target: unknown = item;
    let alias: string | undefined;
    if (item.kind === "AliasNode") {
      target = item.node;
      alias = identifier(item.alias);
    }
    if (!isNode(target)) return undefined;
    if (target.kind === "TableNode") {
      const name = identifier((target.table as AnyNode | undefined) ?? target);
      if (!name) return undefined;
      const checked = name.startsWith("kb_") && !UNSCOPED_TABLES.has(name) && !this.#ctes.has(name);
      const instance: Instance = { id: this.#next++, alias: alias ?? name, ...(checked ? { table: name } : {}) };
      scope.instances.push(instance);
      if (instance.table) this.#kb.push(instance);
      return instance;
    }
    // A derived table: its own scope, checked on its own; the alias names no kb_ table.
    const instance: Instance = { id: this.#next++, alias: alias ?? "(derived)" };
    scope.instances.push(instance);
    this.#walk(target, scope);
    return instance;
  }

  #query(node: AnyNode, parent: Scope | undefined): void {
    const scope: Scope = { instances: [], ...(parent ? { parent } : {}) };
    const froms = (node.from as AnyNode | undefined)?.froms as unknown[] | undefined;
    for (const from of froms ?? []) this.#declare(from, scope);
    if (node.kind === "UpdateQueryNode") this.#declare(node.table, scope);
    if (node.kind === "InsertQueryNode") {
      const into = node.into as AnyNode | undefined;
      const name = identifier((into?.table as AnyNode | undefined) ?? into);
      const columns = ((node.columns as AnyNode[] | undefined) ?? []).map((c) => identifier(c.column));
      if (name?.startsWith("kb_") && !UNSCOPED_TABLES.has(name) && !columns.includes("tenant_id"))
        this.#problems.push(`insert into ${name} does not write tenant_id`);
    }
    const joins = (node.joins as AnyNode[] | undefined) ?? [];
    const joined = joins.map((join) => this.#declare(join.table, scope));
    // ON conditions are read after every table of the scope is declared (a later join may be named).
    joins.forEach((join, i) => {
      const instance = joined[i];
      const before = this.#equalities.length;
      if (join.on) this.#walk(join.on, scope);
      if (instance?.table) {
        const mine = this.#equalities.slice(before).some(([a, b]) => (a === instance && b.table) || (b === instance && a.table));
        if (!mine) this.#problems.push(`join of ${instance.table} as ${instance.alias} has no tenant_id equality with another kb_ table`);
      }
    });
    for (const [key, value] of Object.entries(node)) {
      if (key === "from" || key === "joins" || key === "into" || (key === "table" && node.kind === "UpdateQueryNode")) continue;
      this.#walk(value, scope);
    }
  }

  /** Tenant equalities between two references seen so far (for the join rule). */
  readonly #equalities: [Instance, Instance][] = [];

  #walk(value: unknown, scope: Scope): void {
    if (Array.isArray(value)) {
      for (const item of value) this.#walk(item, scope);
      return;
    }
    if (!isNode(value)) return;
    if (QUERY_KINDS.has(value.kind)) return this.#query(value, scope);
    if (value.kind === "OrNode") return this.#walkIgnoringEqualities(value, scope);
    if (value.kind === "BinaryOperationNode" && (value.operator as { operator?: string } | undefined)?.operator === "=") {
      this.#equality(value.leftOperand, value.rightOperand, scope);
    }
    if (value.kind === "RawNode") this.#rawEqualities(value, scope);
    for (const child of Object.values(value)) this.#walk(child, scope);
  }

  /** Subqueries under an OR are still checked; the OR's own equalities scope nothing. */
  #walkIgnoringEqualities(value: AnyNode, scope: Scope): void {
    const visit = (v: unknown): void => {
      if (Array.isArray(v)) return v.forEach(visit);
      if (!isNode(v)) return;
      if (QUERY_KINDS.has(v.kind)) return this.#query(v, scope);
      for (const child of Object.values(v)) visit(child);
    };
    visit(value);
  }

  /**
   * Equalities written as raw SQL between two parameters (`${ref(a, "tenant_id")} = ${ref(b, "tenant_id")}`,
   * as the filter compiler writes its correlations): `=` alone between them, and no OR in the text.
   */
  #rawEqualities(node: AnyNode, scope: Scope): void {
    const fragments = (node.sqlFragments as string[] | undefined) ?? [];
    const parameters = (node.parameters as unknown[] | undefined) ?? [];
    if (fragments.some((f) => /\bor\b/i.test(f))) return;
    for (let i = 0; i + 1 < parameters.length; i++) {
      if (fragments[i + 1]?.trim() === "=") this.#equality(parameters[i], parameters[i + 1], scope);
    }
  }

  #equality(rawLeft: unknown, rawRight: unknown, scope: Scope): void {
    const [left, right] = [unwrap(rawLeft), unwrap(rawRight)];
    const l = this.#tenantReference(left, scope);
    const r = this.#tenantReference(right, scope);
    if (l && r) {
      this.#union(l.id, r.id);
      this.#equalities.push([l, r]);
    } else if (l && this.#isValue(right)) this.#bind(l.id);
    else if (r && this.#isValue(left)) this.#bind(r.id);
  }

  #isValue(node: unknown): boolean {
    return isNode(node) && (node.kind === "ValueNode" || (node.kind === "RawNode" && ((node.parameters as unknown[] | undefined) ?? []).length === 0));
  }

  /** The instance whose `tenant_id` this node refers to, if it is such a reference. */
  #tenantReference(node: unknown, scope: Scope): Instance | undefined {
    if (!isNode(node) || node.kind !== "ReferenceNode") return undefined;
    if (identifier((node.column as AnyNode | undefined)?.column) !== "tenant_id") return undefined;
    const qualifier = node.table ? identifier(((node.table as AnyNode).table as AnyNode | undefined) ?? node.table) : undefined;
    for (let s: Scope | undefined = scope; s; s = s.parent) {
      if (qualifier === undefined) {
        // Unqualified: the innermost scope's table (its only kb_ table when it joins several).
        const kb = s.instances.filter((i) => i.table);
        if (s.instances.length === 1) return s.instances[0];
        if (kb.length === 1) return kb[0];
        if (s.instances.length > 0) return undefined;
        continue;
      }
      const found = s.instances.find((i) => i.alias === qualifier);
      if (found) return found;
    }
    return undefined;
  }
}
