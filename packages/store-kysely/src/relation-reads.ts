import type { RelationRecord } from "@kaartenbak/core/storage";
import { sql, type Kysely, type Selectable } from "kysely";
import { compiledShape, ShapeCache, type CompiledShape } from "./compiled-query.js";
import type { DialectFunctions } from "./dialect-profile.js";
import { fromJson, relationFromRows } from "./rows.js";
import type { KyselyDatabase, RelationRow } from "./schema.js";
import type { StoreContext } from "./store-context.js";

/**
 * What the one-statement reads need beyond a connection: the engine's JSON aggregate and the
 * storage's compiled shapes. Built once per storage (see {@link hotReads}).
 */
export interface HotReads {
  readonly functions: DialectFunctions;
  readonly shapes: ShapeCache;
}

/** The hot-read state of one storage. */
export function hotReads(functions: DialectFunctions): HotReads {
  return { functions, shapes: new ShapeCache() };
}

/** A store context of a storage that has hot reads (every context the storage builds). */
export type ReadContext = StoreContext & { readonly reads: HotReads };

/** A `kb_relations` row with its child rows aggregated as JSON (text on SQLite, parsed on pg). */
export type RelationWithChildren = Selectable<RelationRow> & {
  readonly emails_json: unknown;
  readonly phones_json: unknown;
  readonly tags_json: unknown;
  readonly refs_json: unknown;
};

/**
 * `select r.*, <e-mails>, <phones>, <tags>, <refs> from kb_relations r where r.tenant_id = ?`: a
 * relation with all its child rows in ONE statement, each child list a correlated subquery
 * aggregated to JSON. Every subquery is joined to its relation on `tenant_id` as well as the id,
 * so the statement stays on one shard when the tables are distributed by tenant (Citus).
 */
export function relationsWithChildren(db: Kysely<KyselyDatabase>, fn: DialectFunctions, tenantId: string) {
  const ref = (column: string) => sql.ref(column);
  return db
    .selectFrom("kb_relations as r")
    .selectAll("r")
    .select((eb) => [
      eb
        .selectFrom("kb_relation_emails as e")
        .select(fn.jsonRows([ref("e.email"), ref("e.label"), ref("e.is_primary"), ref("e.position")]).as("j"))
        .whereRef("e.tenant_id", "=", "r.tenant_id")
        .whereRef("e.relation_id", "=", "r.id")
        .as("emails_json"),
      eb
        .selectFrom("kb_relation_phones as p")
        .select(fn.jsonRows([ref("p.phone"), ref("p.label"), ref("p.is_primary"), ref("p.position")]).as("j"))
        .whereRef("p.tenant_id", "=", "r.tenant_id")
        .whereRef("p.relation_id", "=", "r.id")
        .as("phones_json"),
      eb
        .selectFrom("kb_relation_tags as t")
        .select(fn.jsonRows([ref("t.tag")]).as("j"))
        .whereRef("t.tenant_id", "=", "r.tenant_id")
        .whereRef("t.relation_id", "=", "r.id")
        .as("tags_json"),
      eb
        .selectFrom("kb_relation_refs as x")
        .select(fn.jsonRows([ref("x.system"), ref("x.external_id")]).as("j"))
        .whereRef("x.tenant_id", "=", "r.tenant_id")
        .whereRef("x.relation_id", "=", "r.id")
        .as("refs_json"),
    ])
    .where("r.tenant_id", "=", tenantId);
}

type Contact = [value: string, label: string | null, isPrimary: number | string, position: number | string];

const rowsOf = <T>(json: unknown): T[] => (fromJson(json) as T[] | null) ?? [];

/** The relation record of a {@link RelationWithChildren} row. */
export function relationFromJoined(row: RelationWithChildren): RelationRecord {
  return relationFromRows(row, {
    emails: rowsOf<Contact>(row.emails_json).map(([email, label, is_primary, position]) => ({ email, label, is_primary, position })),
    phones: rowsOf<Contact>(row.phones_json).map(([phone, label, is_primary, position]) => ({ phone, label, is_primary, position })),
    tags: rowsOf<[string]>(row.tags_json).map(([tag]) => tag),
    refs: rowsOf<[string, string]>(row.refs_json).map(([system, external_id]) => ({ system, external_id })),
  });
}

type Shape<A extends readonly unknown[]> = CompiledShape<A, RelationWithChildren>;

/** The four hot relation reads, each one compiled statement (compiled on first use per storage). */
export function relationShapes({ shapes, functions: fn }: HotReads) {
  return {
    byId: shapes.get("relation.byId", (): Shape<[string, string]> =>
      compiledShape(2, (db, tenantId, id) => relationsWithChildren(db, fn, tenantId!).where("r.id", "=", id!)),
    ),
    byEmail: shapes.get("relation.byEmail", (): Shape<[string, string]> =>
      compiledShape(2, (db, tenantId, email) =>
        relationsWithChildren(db, fn, tenantId!)
          .where("r.deleted_at", "is", null)
          .where("r.id", "in", db.selectFrom("kb_relation_emails").select("relation_id").where("tenant_id", "=", tenantId!).where("email", "=", email!))
          .orderBy("r.created_at")
          .orderBy("r.id"),
      ),
    ),
    byPhone: shapes.get("relation.byPhone", (): Shape<[string, string]> =>
      compiledShape(2, (db, tenantId, phone) =>
        relationsWithChildren(db, fn, tenantId!)
          .where("r.deleted_at", "is", null)
          .where("r.id", "in", db.selectFrom("kb_relation_phones").select("relation_id").where("tenant_id", "=", tenantId!).where("phone", "=", phone!))
          .orderBy("r.created_at")
          .orderBy("r.id"),
      ),
    ),
    byExternalRef: shapes.get("relation.byExternalRef", (): Shape<[string, string, string]> =>
      compiledShape(3, (db, tenantId, system, externalId) =>
        relationsWithChildren(db, fn, tenantId!)
          .innerJoin("kb_relation_refs as h", (join) => join.onRef("h.tenant_id", "=", "r.tenant_id").onRef("h.relation_id", "=", "r.id"))
          .where("h.tenant_id", "=", tenantId!)
          .where("h.system", "=", system!)
          .where("h.external_id", "=", externalId!)
          .limit(1),
      ),
    ),
  };
}
