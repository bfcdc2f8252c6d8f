import type Database from "better-sqlite3";
import type { InteractionInput, RelationInput } from "@kaartenbak/core";
import type { RawDriver } from "./raw-driver.js";
import { floorByContact, floorTimeline, parseJsonColumns, sqliteFloor } from "./raw-floor.js";
import { COLUMNS, interactionRows, relationRows } from "./raw-rows.js";

const insert = (table: string, columns: readonly string[]) => `insert into ${table} (${columns.join(", ")}) values (${columns.map(() => "?").join(", ")})`;

/** The raw baseline on better-sqlite3: prepared statements, one transaction per chunk. */
export function rawSqlite(db: Database.Database): RawDriver {
  const s = {
    relation: db.prepare(insert("kb_relations", COLUMNS.relation)),
    email: db.prepare(insert("kb_relation_emails", COLUMNS.email)),
    phone: db.prepare(insert("kb_relation_phones", COLUMNS.phone)),
    ref: db.prepare(insert("kb_relation_refs", COLUMNS.ref)),
    history: db.prepare(insert("kb_history", COLUMNS.history)),
    outbox: db.prepare(insert("kb_outbox", COLUMNS.outbox)),
    interaction: db.prepare(insert("kb_interactions", COLUMNS.interaction)),
    link: db.prepare(insert("kb_interaction_relations", COLUMNS.interactionRelation)),
    participant: db.prepare(insert("kb_interaction_participants", COLUMNS.participant)),
    search: db.prepare(insert("kb_search_documents", COLUMNS.search)),
    counter: db.prepare(
      "insert into kb_counters (tenant_id, name, value) values (?, 'outbox', ?) on conflict (tenant_id, name) do update set value = value + excluded.value returning value",
    ),
    ids: db.prepare("select relation_id from kb_relation_refs where tenant_id = ? and system = 'bench' order by cast(substr(external_id, 2) as integer)"),
    byEmail: db.prepare(
      "select r.* from kb_relation_emails e join kb_relations r on r.tenant_id = e.tenant_id and r.id = e.relation_id where e.tenant_id = ? and e.email = ? and r.deleted_at is null",
    ),
    byPhone: db.prepare(
      "select r.* from kb_relation_phones p join kb_relations r on r.tenant_id = p.tenant_id and r.id = p.relation_id where p.tenant_id = ? and p.phone = ? and r.deleted_at is null",
    ),
    emails: db.prepare("select * from kb_relation_emails where tenant_id = ? and relation_id = ? order by position"),
    phones: db.prepare("select * from kb_relation_phones where tenant_id = ? and relation_id = ? order by position"),
    tags: db.prepare("select tag from kb_relation_tags where tenant_id = ? and relation_id = ? order by tag"),
    refs: db.prepare("select * from kb_relation_refs where tenant_id = ? and relation_id = ?"),
    page: db.prepare(
      "select i.* from kb_interaction_relations ir join kb_interactions i on i.tenant_id = ir.tenant_id and i.id = ir.interaction_id " +
        "where ir.tenant_id = ? and ir.relation_id = ? and i.deleted_at is null order by ir.occurred_at desc, ir.interaction_id desc limit 50",
    ),
  };
  const reportStatements = new Map<string, Database.Statement>();
  const inList = new Map<number, { links: Database.Statement; participants: Database.Statement }>();
  const pageChildren = (n: number) => {
    let found = inList.get(n);
    if (!found) {
      const marks = Array.from({ length: n }, () => "?").join(", ");
      found = {
        links: db.prepare(`select interaction_id, relation_id, position from kb_interaction_relations where tenant_id = ? and interaction_id in (${marks})`),
        participants: db.prepare(`select * from kb_interaction_participants where tenant_id = ? and interaction_id in (${marks})`),
      };
      inList.set(n, found);
    }
    return found;
  };
  const assemble = (tenant: string, rows: Record<string, unknown>[]) =>
    rows.map((r) => ({
      ...r,
      addresses: JSON.parse(r.addresses as string),
      attributes: JSON.parse(r.attributes as string),
      emails: s.emails.all(tenant, r.id),
      phones: s.phones.all(tenant, r.id),
      tags: s.tags.all(tenant, r.id),
      refs: s.refs.all(tenant, r.id),
    }));
  const sequenceFor = (tenant: string, count: number) => Number((s.counter.get(tenant, count) as { value: number }).value) - count + 1;

  const writeRelations = db.transaction((tenant: string, chunk: readonly RelationInput[], at: string) => {
    let seq = sequenceFor(tenant, chunk.length);
    for (const input of chunk) {
      const rows = relationRows(tenant, input, at);
      s.relation.run(rows.relation);
      s.email.run(rows.email);
      s.phone.run(rows.phone);
      s.ref.run(rows.ref);
      s.search.run(rows.search);
      s.history.run(rows.history);
      const [t, ...rest] = rows.outbox.values;
      s.outbox.run([t, seq++, ...rest]);
    }
  });
  const writeInteractions = db.transaction((tenant: string, chunk: readonly InteractionInput[], at: string) => {
    let seq = sequenceFor(tenant, chunk.length);
    for (const input of chunk) {
      const rows = interactionRows(tenant, input, at);
      s.interaction.run(rows.interaction);
      for (const link of rows.links) s.link.run(link);
      s.participant.run(rows.participant);
      s.search.run(rows.search);
      s.history.run(rows.history);
      const [t, ...rest] = rows.outbox.values;
      s.outbox.run([t, seq++, ...rest]);
    }
  });

  const floor = {
    byEmail: db.prepare(floorByContact(sqliteFloor, "kb_relation_emails", "email")),
    byPhone: db.prepare(floorByContact(sqliteFloor, "kb_relation_phones", "phone")),
    timeline: db.prepare(floorTimeline(sqliteFloor)),
  };
  const RELATION_JSON = ["addresses", "attributes", "emails", "phones", "tags", "refs"];
  const INTERACTION_JSON = ["links", "participants", "deals"];

  return {
    engine: "sqlite",
    floor: {
      findByEmail: async (tenant, email) => (floor.byEmail.all(tenant, email) as Record<string, unknown>[]).map((r) => parseJsonColumns(r, RELATION_JSON)),
      findByPhone: async (tenant, phone) => (floor.byPhone.all(tenant, phone) as Record<string, unknown>[]).map((r) => parseJsonColumns(r, RELATION_JSON)),
      timeline: async (tenant, relationId) =>
        (floor.timeline.all(tenant, relationId) as Record<string, unknown>[]).map((r) => parseJsonColumns(r, INTERACTION_JSON)),
    },
    writeRelations: async (tenant, chunk) => writeRelations(tenant, chunk, new Date().toISOString()),
    writeInteractions: async (tenant, chunk) => writeInteractions(tenant, chunk, new Date().toISOString()),
    relationIds: async (tenant) => (s.ids.all(tenant) as { relation_id: string }[]).map((r) => r.relation_id),
    findByEmail: async (tenant, email) => assemble(tenant, s.byEmail.all(tenant, email) as Record<string, unknown>[]),
    findByPhone: async (tenant, phone) => assemble(tenant, s.byPhone.all(tenant, phone) as Record<string, unknown>[]),
    async timeline(tenant, relationId) {
      const rows = s.page.all(tenant, relationId) as Record<string, unknown>[];
      if (rows.length === 0) return [];
      const ids = rows.map((r) => r.id);
      const { links, participants } = pageChildren(ids.length);
      const linkRows = links.all(tenant, ...ids) as { interaction_id: string }[];
      const partRows = participants.all(tenant, ...ids) as { interaction_id: string }[];
      return rows.map((r) => ({
        ...r,
        links: linkRows.filter((l) => l.interaction_id === r.id),
        participants: partRows.filter((p) => p.interaction_id === r.id),
      }));
    },
    async rowCount(tenant) {
      const tables = [
        "kb_relations",
        "kb_relation_emails",
        "kb_relation_phones",
        "kb_relation_refs",
        "kb_interactions",
        "kb_interaction_relations",
        "kb_interaction_participants",
        "kb_history",
        "kb_outbox",
      ];
      return tables.reduce((sum, t) => sum + (db.prepare(`select count(*) as n from ${t} where tenant_id = ?`).get(tenant) as { n: number }).n, 0);
    },
    flavour: {
      s: "",
      utcDate: (c) => `substr(${c}, 1, 10)`,
      millisBetween: (a, b) => `cast(round((julianday(${b}) - julianday(${a})) * 86400000) as integer)`,
    },
    async runQueries(queries) {
      return queries.map((q) => {
        let statement = reportStatements.get(q.sql);
        if (!statement) reportStatements.set(q.sql, (statement = db.prepare(q.sql)));
        return statement.all(...q.params);
      });
    },
    close: async () => undefined,
  };
}
