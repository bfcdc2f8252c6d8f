import type { Operand, ResolvedComparison, ResolvedCondition, TextMatch } from "@kaartenbak/core/storage";
import { sql, type Expression, type Kysely, type RawBuilder, type SelectQueryBuilder, type SqlBool } from "kysely";
import type { FilterFunctions } from "./dialect-profile.js";
import type { KyselyDatabase } from "./schema.js";

/**
 * Compiles the resolved filter language (see `@kaartenbak/core` `ResolvedCondition`) into one SQL
 * boolean over a `kb_relations` row. Links and aggregates become correlated EXISTS / COUNT / SUM
 * subqueries, so the database evaluates everything and nothing is loaded into memory. Every value
 * is a bound parameter; the only identifiers spliced in are table aliases the compiler makes up
 * itself. Text tests avoid LIKE (`contains` is the profile's `instr`/`strpos`, `startsWith` a
 * `substr` comparison), so `%`, `_` and `\` in values are literal characters.
 *
 * Every atom is two-valued: a test of a missing value is false, never NULL, so `not` is an exact
 * complement, exactly as in the reference evaluator.
 *
 * Planning time: Postgres pulls the EXISTS subqueries of a WHERE's top-level conjunction up into
 * semi-joins and then searches join orders over all of them, which grows far faster than linearly
 * (measured on Postgres 15: 100 EXISTS in one AND plan in 0.8 s, 200 in 15 s, 400 in 260 s; an
 * `and` of 100 conditions, or one `tags all` of 500 values, is within the filter limits). So when a
 * conjunction holds more than {@link MAX_JOINED_SUBQUERIES} subquery tests, each is written as
 * `(… is true)`, which Postgres keeps as a per-row subplan (planned in linear time) and SQLite
 * reads as the same boolean. Fewer keep the plain EXISTS and the planner's best plan.
 */

/** Subquery tests one conjunction may hand the planner as joins; more are kept as subplans. */
export const MAX_JOINED_SUBQUERIES = 8;

/** Turns a resolved condition over the relation aliased `alias` into an SQL boolean. */
export type CompileCondition = (condition: ResolvedCondition, alias: string) => Expression<SqlBool>;

type AnyDb = Kysely<any>; // eslint-disable-line @typescript-eslint/no-explicit-any
type Query = SelectQueryBuilder<any, any, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

const COMPARE = { eq: "=", neq: "<>", lt: "<", lte: "<=", gt: ">", gte: ">=" } as const;
const TRUE = sql<SqlBool>`(1 = 1)`;
const FALSE = sql<SqlBool>`(1 = 0)`;

/** `left op right` with the operator from a fixed table (never from input). */
function compare(left: Expression<unknown>, op: keyof typeof COMPARE, right: unknown): RawBuilder<SqlBool> {
  return sql<SqlBool>`(${left} ${sql.raw(COMPARE[op])} ${right})`;
}

/** `value in (…)` with one parameter per value. */
function inList(value: Expression<unknown>, values: readonly unknown[]): RawBuilder<SqlBool> {
  return sql<SqlBool>`(${value} in (${sql.join(values.map((v) => sql`${v}`))}))`;
}

/** Literal prefix test by characters, identical on SQLite and Postgres. */
function startsWith(value: Expression<unknown>, prefix: string): RawBuilder<SqlBool> {
  return sql<SqlBool>`(substr(${value}, 1, length(cast(${prefix} as text))) = ${prefix})`;
}

/**
 * `parts` joined by `op` as a balanced tree, `((a op b) op (c op d))`: SQLite limits the depth of an
 * expression tree to 1,000 (`SQLITE_MAX_EXPR_DEPTH`) and parses `a and b and c …` as a chain as
 * deep as it is long, so a `tags all` of 500 values inside a few and / or levels would exceed it.
 * Balanced, the depth grows with the logarithm of the width; both engines flatten it again.
 */
function balanced(parts: readonly Expression<SqlBool>[], op: RawBuilder<unknown>): Expression<SqlBool> {
  if (parts.length === 1) return parts[0]!;
  const middle = Math.ceil(parts.length / 2);
  return sql<SqlBool>`(${balanced(parts.slice(0, middle), op)} ${op} ${balanced(parts.slice(middle), op)})`;
}

const and = (parts: readonly Expression<SqlBool>[]) => (parts.length === 0 ? TRUE : balanced(parts, sql`and`));
const or = (parts: readonly Expression<SqlBool>[]) => (parts.length === 0 ? FALSE : balanced(parts, sql`or`));

/** The conjuncts of a condition, through nested `and`s (the planner flattens them alike). */
function conjuncts(c: ResolvedCondition): ResolvedCondition[] {
  const out: ResolvedCondition[] = [];
  const stack = [c];
  while (stack.length > 0) {
    const next = stack.pop()!;
    if (next.t === "and") for (let i = next.of.length - 1; i >= 0; i--) stack.push(next.of[i]!);
    else out.push(next);
  }
  return out;
}

const SUBQUERY_TESTS: ReadonlySet<ResolvedCondition["t"]> = new Set([
  "email",
  "tags",
  "link",
  "interactions",
  "deals",
  "orders",
  "members",
  "address",
  "activities",
  "notVerified",
]);
/** Whether a conjunct is (the negation of) a subquery test, which the planner may turn into a join. */
const isSubqueryTest = (c: ResolvedCondition): boolean => SUBQUERY_TESTS.has(c.t) || (c.t === "not" && SUBQUERY_TESTS.has(c.of.t));

/** Builds a compiler for one transaction; aliases are numbered per compiler so subqueries never shadow each other. */
export function filterCompiler(db: Kysely<KyselyDatabase>, fns: FilterFunctions): CompileCondition {
  const anyDb = db as AnyDb;
  let counter = 0;
  const alias = (prefix: string) => `${prefix}${++counter}`;
  const ref = (table: string, column: string) => sql.ref(`${table}.${column}`);
  /** `select 1 from <table> as <a> where a.tenant_id = outer.tenant_id and a.<column> = outer.id`. */
  const related = (table: keyof KyselyDatabase, a: string, column: string, outer: string): Query =>
    anyDb
      .selectFrom(`${table} as ${a}`)
      .where(sql<SqlBool>`${ref(a, "tenant_id")} = ${ref(outer, "tenant_id")}`)
      .where(sql<SqlBool>`${ref(a, column)} = ${ref(outer, "id")}`);
  const exists = (query: Query) => sql<SqlBool>`(exists ${query.select(sql`1`.as("one"))})`;

  function operand(o: Operand, r: string): Expression<unknown> {
    switch (o.kind) {
      case "column":
      case "instant":
        return ref(r, o.column);
      case "attrText":
        return fns.jsonText(ref(r, "attributes"), o.path);
      case "attrNumber":
        return fns.jsonNumber(ref(r, "attributes"), o.path);
      case "attrBoolean":
        return fns.jsonBoolean(ref(r, "attributes"), o.path);
    }
  }

  /** A test of a possibly-missing value, false when it is missing. */
  const guarded = (value: Expression<unknown>, test: Expression<SqlBool>) => sql<SqlBool>`(${value} is not null and ${test})`;

  function textMatch(value: Expression<unknown>, match: TextMatch): Expression<SqlBool> {
    switch (match.op) {
      case "eq":
        return compare(value, "eq", match.value);
      case "in":
        return inList(value, match.values);
      case "contains":
        return fns.contains(value, match.value);
      case "startsWith":
        return startsWith(value, match.value);
    }
  }

  /** Compares the number a subquery measures, using EXISTS / NOT EXISTS where that is what the comparison means. */
  function measured(query: Query, measure: "count" | { sum: string }, cmp: ResolvedComparison): Expression<SqlBool> {
    if (measure === "count") {
      const atLeastOne = (cmp.op === "gte" && cmp.value === 1) || (cmp.op === "gt" && cmp.value === 0) || (cmp.op === "neq" && cmp.value === 0);
      const none = (cmp.op === "eq" && cmp.value === 0) || (cmp.op === "lt" && cmp.value === 1) || (cmp.op === "lte" && cmp.value === 0);
      if (atLeastOne) return exists(query);
      if (none) return sql<SqlBool>`(not ${exists(query)})`;
      return compare(sql`(${query.select(sql`count(*)`.as("n"))})`, cmp.op, cmp.value);
    }
    return compare(sql`coalesce((${query.select(sql`sum(${sql.ref(measure.sum)})`.as("s"))}), 0)`, cmp.op, cmp.value);
  }

  const instantRange = (column: RawBuilder<unknown> | ReturnType<typeof ref>, from: string | null, to: string | null) => [
    ...(from === null ? [] : [compare(column, "gte", from)]),
    ...(to === null ? [] : [compare(column, "lte", to)]),
  ];

  /**
   * Compiles a condition over the relation aliased `r`. `subplan`: write subquery tests as
   * `(… is true)` so the planner keeps them as subplans (see {@link MAX_JOINED_SUBQUERIES}).
   */
  function compile(c: ResolvedCondition, r: string, subplan = false): Expression<SqlBool> {
    if (subplan && SUBQUERY_TESTS.has(c.t)) return sql<SqlBool>`(${compile(c, r)} is true)`;
    switch (c.t) {
      case "const":
        return c.value ? TRUE : FALSE;
      case "and": {
        const parts = conjuncts(c);
        const many = subplan || parts.filter(isSubqueryTest).length > MAX_JOINED_SUBQUERIES;
        return and(parts.map((x) => compile(x, r, many)));
      }
      case "or":
        // The planner joins no subquery under an OR: each branch decides for itself.
        return or(c.of.map((x) => compile(x, r)));
      case "not":
        return sql<SqlBool>`(not ${compile(c.of, r, subplan)})`;
      case "compare": {
        const value = operand(c.operand, r);
        return guarded(value, compare(value, c.op, c.value));
      }
      case "in": {
        const value = operand(c.operand, r);
        return guarded(value, inList(value, c.values));
      }
      case "contains":
      case "startsWith": {
        const value = operand(c.operand, r);
        return guarded(value, c.t === "contains" ? fns.contains(value, c.value) : startsWith(value, c.value));
      }
      case "present":
        return sql<SqlBool>`(${operand(c.operand, r)} is not null)`;
      case "email": {
        const e = alias("e");
        const query = related("kb_relation_emails", e, "relation_id", r);
        return exists(c.match === null ? query : query.where(textMatch(ref(e, "email"), c.match)));
      }
      case "tags": {
        const t = alias("t");
        const query = related("kb_relation_tags", t, "relation_id", r);
        return exists(c.values === null ? query : query.where(inList(ref(t, "tag"), c.values)));
      }
      case "link": {
        const l = alias("l");
        const o = alias("r");
        const [self, other] = c.self === "from" ? ["from_id", "to_id"] : ["to_id", "from_id"];
        let query = related("kb_links", l, self, r)
          .innerJoin(`kb_relations as ${o}`, (join) =>
            join.on(sql<SqlBool>`${ref(o, "tenant_id")} = ${ref(l, "tenant_id")} and ${ref(o, "id")} = ${ref(l, other)}`),
          )
          .where(compare(ref(l, "kind"), "eq", c.kind))
          .where(sql<SqlBool>`${ref(o, "deleted_at")} is null`);
        if (c.role !== null) query = query.where(compare(ref(l, "role"), "eq", c.role));
        if (c.activeOn !== null) {
          query = query
            .where(sql<SqlBool>`(${ref(l, "valid_from")} is null or ${ref(l, "valid_from")} <= ${c.activeOn})`)
            .where(sql<SqlBool>`(${ref(l, "valid_to")} is null or ${ref(l, "valid_to")} >= ${c.activeOn})`);
        }
        return exists(query.where(compile(c.where, o)));
      }
      case "interactions": {
        const ir = alias("ir");
        const i = alias("i");
        let query = related("kb_interaction_relations", ir, "relation_id", r)
          .innerJoin(`kb_interactions as ${i}`, (join) =>
            join.on(sql<SqlBool>`${ref(i, "tenant_id")} = ${ref(ir, "tenant_id")} and ${ref(i, "id")} = ${ref(ir, "interaction_id")}`),
          )
          .where(sql<SqlBool>`${ref(i, "deleted_at")} is null`);
        if (c.kinds) query = query.where(inList(ref(i, "kind"), c.kinds));
        if (c.directions) query = query.where(inList(ref(i, "direction"), c.directions));
        if (c.channels) query = query.where(inList(ref(i, "channel"), c.channels));
        for (const bound of instantRange(ref(ir, "occurred_at"), c.from, c.to)) query = query.where(bound);
        return measured(query, "count", c.compare);
      }
      case "deals": {
        const d = alias("d");
        let query = related("kb_deals", d, "relation_id", r).where(sql<SqlBool>`${ref(d, "deleted_at")} is null`);
        if (c.statuses) query = query.where(inList(ref(d, "status"), c.statuses));
        if (c.pipelineIds) query = query.where(inList(ref(d, "pipeline_id"), c.pipelineIds));
        if (c.currency !== null) query = query.where(compare(ref(d, "currency"), "eq", c.currency));
        if (c.amount) query = query.where(compare(ref(d, "amount"), c.amount.op, c.amount.value));
        for (const bound of [...instantRange(ref(d, "created_at"), c.createdFrom, c.createdTo), ...instantRange(ref(d, "closed_at"), c.closedFrom, c.closedTo)])
          query = query.where(bound);
        return measured(query, c.measure === "count" ? "count" : { sum: `${d}.amount` }, c.compare);
      }
      case "orders": {
        const o = alias("o");
        let query = related("kb_orders", o, "relation_id", r).where(sql<SqlBool>`${ref(o, "cancelled_at")} is null`);
        for (const bound of instantRange(ref(o, "order_date"), c.from, c.to)) query = query.where(bound);
        if (c.currency !== null) query = query.where(compare(ref(o, "currency"), "eq", c.currency));
        if (c.productCodes) {
          const q = alias("q");
          const p = alias("p");
          const lines = anyDb
            .selectFrom(`kb_quote_lines as ${q}`)
            .innerJoin(`kb_products as ${p}`, (join) =>
              join.on(sql<SqlBool>`${ref(p, "tenant_id")} = ${ref(q, "tenant_id")} and ${ref(p, "id")} = ${ref(q, "product_id")}`),
            )
            .where(sql<SqlBool>`${ref(q, "tenant_id")} = ${ref(o, "tenant_id")} and ${ref(q, "quote_id")} = ${ref(o, "quote_id")}`)
            .where(inList(ref(p, "code"), c.productCodes));
          query = query.where(exists(lines));
        }
        return measured(query, c.measure === "count" ? "count" : { sum: `${o}.net_amount` }, c.compare);
      }
      case "address": {
        // Addresses are the relation's JSON array: EXISTS over its elements, no other table.
        const a = alias("a");
        const element = ref(a, "value");
        const raw = fns.jsonText(element, [c.part]);
        const value = c.part === "postalCode" ? sql`upper(replace(${raw}, ' ', ''))` : raw;
        const tests: Expression<SqlBool>[] = [sql<SqlBool>`(${value} is not null)`];
        if (c.label !== null) tests.push(guarded(fns.jsonText(element, ["label"]), compare(fns.jsonText(element, ["label"]), "eq", c.label)));
        if (c.match !== null && c.match.op === "digits") {
          const n = c.match.from.length;
          const head = sql`substr(${value}, 1, ${n})`;
          tests.push(
            sql<SqlBool>`(length(${value}) >= ${n} and ltrim(${head}, '0123456789') = '' and ${head} >= ${c.match.from} and ${head} <= ${c.match.to})`,
          );
        } else if (c.match !== null) tests.push(textMatch(value, c.match));
        return sql<SqlBool>`(exists (select 1 from ${fns.jsonElements(ref(r, "addresses"), a)} where ${and(tests)}))`;
      }
      case "activities": {
        const a = alias("ac");
        let query = related("kb_activities", a, "relation_id", r);
        if (c.statuses) query = query.where(inList(ref(a, "status"), c.statuses));
        for (const bound of instantRange(ref(a, "due_at"), c.from, c.to)) query = query.where(bound);
        return measured(query, "count", c.compare);
      }
      case "notVerified": {
        // A confirmation of `field` (a key, or an expression building it per e-mail or phone) at or after `since`.
        const confirmed = (field: Expression<unknown> | string) => {
          const v = alias("v");
          const key = typeof field === "string" ? sql`${field}` : field;
          return exists(
            related("kb_field_verifications", v, "relation_id", r)
              .where(sql<SqlBool>`${ref(v, "field")} = ${key}`)
              .where(compare(ref(v, "verified_at"), "gte", c.since)),
          );
        };
        const not = (e: Expression<SqlBool>) => sql<SqlBool>`(not ${e})`;
        if (c.field === "email" || c.field === "phone") {
          const [table, column] = c.field === "email" ? (["kb_relation_emails", "email"] as const) : (["kb_relation_phones", "phone"] as const);
          const e = alias("e");
          const key = sql`(cast(${`${c.field}:`} as text) || ${ref(e, column)})`;
          return exists(related(table, e, "relation_id", r).where(not(confirmed(key))));
        }
        if (c.field === "name") return not(confirmed("name"));
        if (c.field === "address") return and([sql<SqlBool>`(${fns.jsonArrayLength(ref(r, "addresses"))} > 0)`, not(confirmed("address"))]);
        return and([...(c.has ? [compile(c.has, r)] : []), not(confirmed(c.field))]);
      }
      case "members": {
        const m = alias("m");
        return exists(related("kb_segment_members", m, "relation_id", r).where(compare(ref(m, "segment_id"), "eq", c.segmentId)));
      }
    }
  }

  return compile;
}

/** The live relations of a tenant that match a condition, aliased `r0`. */
export function matchingRelations(db: Kysely<KyselyDatabase>, fns: FilterFunctions, tenantId: string, condition: ResolvedCondition) {
  const compile = filterCompiler(db, fns);
  return db.selectFrom("kb_relations as r0").where("r0.tenant_id", "=", tenantId).where("r0.deleted_at", "is", null).where(compile(condition, "r0"));
}
