import Database from "better-sqlite3";
import { testStorageAdapter } from "@kaartenbak/conformance";
import type { KyselyDatabase } from "@kaartenbak/store-kysely";
import { Kysely, sql, type RootOperationNode } from "kysely";
import { afterAll, describe, expect, it } from "vitest";
import { sqliteAdapter } from "../src/index.js";
import { KaartenbakSqliteDialect } from "../src/sqlite-dialect.js";
import { rawAccess } from "./fixtures.js";
import { tenantScopeProblems } from "./tenant-scope.js";

// Every statement the store runs during the whole conformance suite, by SQL text, with the
// operation tree it was compiled from. Stores added later are covered without a change here:
// whatever they run in the suite is checked. Migrations are left out: they run once over the whole
// schema before it serves tenants (a data migration such as 016-meeting-keys updates every tenant's
// rows in one statement, its subqueries joined on tenant_id).
const shapes = new Map<string, RootOperationNode>();
let recording = false;

testStorageAdapter({
  name: "sqlite, every statement recorded for the tenant-scope check",
  async setup() {
    const db = new Database(":memory:");
    const kysely = new Kysely<KyselyDatabase>({
      dialect: new KaartenbakSqliteDialect({ database: db }),
      log: (event) => {
        if (recording && event.level === "query") shapes.set(event.query.sql, event.query.query);
      },
    });
    const storage = sqliteAdapter({ kysely });
    await storage.migrate();
    recording = true;
    return {
      storage,
      raw: rawAccess(db),
      async teardown() {
        await storage.close();
        await kysely.destroy();
      },
    };
  },
});

describe("tenant scope of every statement (what distributing by tenant on Citus needs)", () => {
  it("every kb_ table is filtered on tenant_id and every join between kb_ tables has tenant_id equality", () => {
    // The suite ran hundreds of distinct statements; a broken recorder would pass vacuously.
    expect(shapes.size).toBeGreaterThan(300);
    // One line per distinct problem, with the start of the first statement that has it.
    const problems = new Map<string, string>();
    for (const [text, node] of shapes) for (const problem of tenantScopeProblems(node)) if (!problems.has(problem)) problems.set(problem, text.slice(0, 400));
    expect([...problems].map(([problem, text]) => `${problem} (in: ${text})`)).toEqual([]);
  });
});

describe("the tenant-scope check itself", () => {
  const db = new Kysely<KyselyDatabase>({ dialect: new KaartenbakSqliteDialect({ database: new Database(":memory:") }) });
  const check = (query: { compile(): { query: RootOperationNode } }) => tenantScopeProblems(query.compile().query);
  afterAll(() => db.destroy());

  it("accepts a join on tenant and id, and a correlated subquery scoped through its outer row", () => {
    const joined = db
      .selectFrom("kb_relations as r")
      .innerJoin("kb_relation_refs as x", (join) => join.onRef("x.tenant_id", "=", "r.tenant_id").onRef("x.relation_id", "=", "r.id"))
      .select((eb) => [
        "r.id",
        eb
          .selectFrom("kb_relation_tags as t")
          .select("t.tag")
          .whereRef("t.tenant_id", "=", "r.tenant_id")
          .whereRef("t.relation_id", "=", "r.id")
          .limit(1)
          .as("tag"),
      ])
      .where("r.tenant_id", "=", "t1");
    expect(check(joined)).toEqual([]);
  });

  it("refuses a join on `1 = 0` (the shape Citus rejects) and a join on the id alone", () => {
    const falseJoin = db
      .selectFrom("kb_orders as o")
      .leftJoin("kb_relation_tags as t", (join) => join.on(sql<boolean>`1 = 0`))
      .select("o.id")
      .where("o.tenant_id", "=", "t1");
    expect(check(falseJoin)).toEqual([
      "join of kb_relation_tags as t has no tenant_id equality with another kb_ table",
      "kb_relation_tags as t is not filtered on tenant_id",
    ]);
    const idOnly = db
      .selectFrom("kb_relations as r")
      .innerJoin("kb_relation_emails as e", (join) => join.onRef("e.relation_id", "=", "r.id"))
      .select("r.id")
      .where("r.tenant_id", "=", "t1")
      .where("e.tenant_id", "=", "t1");
    expect(check(idOnly)).toEqual(["join of kb_relation_emails as e has no tenant_id equality with another kb_ table"]);
  });

  it("refuses a statement or subquery without the tenant filter, and one whose filter sits under an OR", () => {
    expect(check(db.selectFrom("kb_relations").select("id").where("id", "=", "r1"))).toEqual(["kb_relations as kb_relations is not filtered on tenant_id"]);
    expect(
      check(
        db
          .selectFrom("kb_relations")
          .select("id")
          .where("tenant_id", "=", "t1")
          .where("id", "in", db.selectFrom("kb_relation_emails").select("relation_id").where("email", "=", "a@b.c")),
      ),
    ).toEqual(["kb_relation_emails as kb_relation_emails is not filtered on tenant_id"]);
    expect(
      check(
        db
          .selectFrom("kb_relations")
          .select("id")
          .where((eb) => eb.or([eb("tenant_id", "=", "t1"), eb("id", "=", "r1")])),
      ),
    ).toEqual(["kb_relations as kb_relations is not filtered on tenant_id"]);
    expect(check(db.deleteFrom("kb_relation_tags").where("relation_id", "=", "r1"))).toEqual([
      "kb_relation_tags as kb_relation_tags is not filtered on tenant_id",
    ]);
    expect(check(db.updateTable("kb_relations").set({ name: "x" }).where("tenant_id", "=", "t1").where("id", "=", "r1"))).toEqual([]);
  });

  it("refuses an insert that does not write tenant_id, and a raw statement naming a kb_ table", () => {
    expect(check(db.insertInto("kb_relation_tags").values({ relation_id: "r1", tag: "x" } as never))).toEqual([
      "insert into kb_relation_tags does not write tenant_id",
    ]);
    expect(tenantScopeProblems(sql`select * from kb_relations`.compile(db).query)).toEqual([
      "a raw statement names kb_relations; it cannot be checked for tenant scope",
    ]);
  });
});
