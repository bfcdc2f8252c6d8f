/**
 * The one-query floor of the hot reads: the single hand-written statement that answers the same
 * read as the SDK (a relation with its e-mails, phones, tags and references; a timeline page with
 * each interaction's relation links, participants and deal links), child rows aggregated as JSON
 * in the same statement. No SDK-shaped work around it: this is as fast as the read gets through
 * the driver, so SDK/floor says what the SDK's layers cost on top of the best possible statement.
 */

/** How one engine spells the JSON aggregate: SQLite `json_group_array`, Postgres `json_agg`. */
export interface FloorFlavour {
  /** Table name as written in a statement (schema-qualified on Postgres). */
  readonly table: (name: string) => string;
  /** A positional parameter (`?` on SQLite, `$n` on Postgres). */
  readonly param: (n: number) => string;
  /** An aggregate of one JSON array per row of `values`, `[]` over no rows. */
  readonly rows: (values: string) => string;
}

/** SQLite spellings. */
export const sqliteFloor: FloorFlavour = {
  table: (name) => name,
  param: () => "?",
  rows: (values) => `json_group_array(json_array(${values}))`,
};

/** Postgres spellings for tables in `schema`. */
export const postgresFloor = (schema: string): FloorFlavour => ({
  table: (name) => `${schema}.${name}`,
  param: (n) => `$${n}`,
  rows: (values) => `coalesce(json_agg(json_build_array(${values})), '[]'::json)`,
});

/** The select list of a relation's child rows (`r` is the relation), each aggregated as JSON. */
export function relationChildren(f: FloorFlavour): string {
  const child = (table: string, alias: string, values: string) =>
    `(select ${f.rows(values)} from ${f.table(table)} ${alias} where ${alias}.tenant_id = r.tenant_id and ${alias}.relation_id = r.id)`;
  return [
    `${child("kb_relation_emails", "e", "e.email, e.label, e.is_primary, e.position")} as emails`,
    `${child("kb_relation_phones", "p", "p.phone, p.label, p.is_primary, p.position")} as phones`,
    `${child("kb_relation_tags", "t", "t.tag")} as tags`,
    `${child("kb_relation_refs", "x", "x.system, x.external_id")} as refs`,
  ].join(", ");
}

/** The relation(s) holding a contact value in `table` (`kb_relation_emails` / `kb_relation_phones`), column `column`. Parameters: tenant, value. */
export function floorByContact(f: FloorFlavour, table: string, column: string): string {
  return (
    `select r.*, ${relationChildren(f)} from ${f.table(table)} h join ${f.table("kb_relations")} r on r.tenant_id = h.tenant_id and r.id = h.relation_id ` +
    `where h.tenant_id = ${f.param(1)} and h.${column} = ${f.param(2)} and r.deleted_at is null order by r.created_at, r.id`
  );
}

/** The newest 50 interactions of a relation with their child rows. Parameters: tenant, relation. */
export function floorTimeline(f: FloorFlavour): string {
  return (
    `select i.*, ${interactionChildren(f)} ` +
    `from ${f.table("kb_interaction_relations")} ir join ${f.table("kb_interactions")} i on i.tenant_id = ir.tenant_id and i.id = ir.interaction_id ` +
    `where ir.tenant_id = ${f.param(1)} and ir.relation_id = ${f.param(2)} and i.deleted_at is null order by ir.occurred_at desc, ir.interaction_id desc limit 50`
  );
}

/** The select list of an interaction's child rows (`i` is the interaction), each aggregated as JSON. */
export function interactionChildren(f: FloorFlavour): string {
  const child = (table: string, alias: string, values: string) =>
    `(select ${f.rows(values)} from ${f.table(table)} ${alias} where ${alias}.tenant_id = i.tenant_id and ${alias}.interaction_id = i.id)`;
  return (
    `${child("kb_interaction_relations", "l", "l.relation_id, l.position")} as links, ` +
    `${child("kb_interaction_participants", "p", "p.position, p.role, p.address, p.name, p.relation_id")} as participants, ` +
    `${child("kb_interaction_deals", "d", "d.deal_id, d.position")} as deals`
  );
}

/** Parses the JSON columns a SQLite floor row carries as text (pg hands them out parsed). */
export function parseJsonColumns<T extends Record<string, unknown>>(row: T, columns: readonly string[]): T {
  const out: Record<string, unknown> = { ...row };
  for (const c of columns) if (typeof out[c] === "string") out[c] = JSON.parse(out[c]);
  return out as T;
}
