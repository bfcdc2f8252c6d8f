import type { RawAccess } from "@kaartenbak/conformance";
import type { InteractionRecord, LinkRecord, NewOutboxEvent, RelationRecord } from "@kaartenbak/core/storage";
import Database from "better-sqlite3";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll } from "vitest";

/** A fixed instant, `minutes` after a base time. */
export function at(minutes = 0): string {
  return new Date(Date.UTC(2026, 0, 1, 9, 0) + minutes * 60_000).toISOString();
}

/** A complete relation record with defaults. */
export function relation(id: string, overrides: Partial<RelationRecord> = {}): RelationRecord {
  return {
    id,
    kind: "organisation",
    name: `Relation ${id}`,
    givenName: null,
    familyName: null,
    lifecycle: "prospect",
    ownerId: null,
    emails: [],
    phones: [],
    addresses: [],
    tags: [],
    attributes: {},
    attributesVersion: 1,
    externalRefs: [],
    version: 1,
    createdAt: at(),
    updatedAt: at(),
    deletedAt: null,
    ...overrides,
  };
}

/** A complete interaction record with defaults. */
export function interaction(id: string, relationIds: string[], overrides: Partial<InteractionRecord> = {}): InteractionRecord {
  return {
    id,
    kind: "note",
    direction: null,
    channel: null,
    occurredAt: at(),
    subject: null,
    body: null,
    outcome: null,
    relationIds,
    participants: [],
    dealIds: [],
    externalKey: null,
    version: 1,
    createdAt: at(),
    updatedAt: at(),
    deletedAt: null,
    ...overrides,
  };
}

/** A complete link record with defaults. */
export function link(id: string, fromId: string, toId: string, overrides: Partial<LinkRecord> = {}): LinkRecord {
  return {
    id,
    kind: "parent_organisation",
    fromId,
    toId,
    role: null,
    jobTitle: null,
    validFrom: null,
    validTo: null,
    version: 1,
    createdAt: at(),
    updatedAt: at(),
    ...overrides,
  };
}

/** An outbox event before sequencing. */
export function event(id: string): NewOutboxEvent {
  return { id, type: "relation.created", entityType: "relation", entityId: "r1", payload: { id }, actor: "user:1", source: "test", occurredAt: at() };
}

/** A fresh in-memory better-sqlite3 database, closed after the file's tests. */
export function memoryDatabase(): Database.Database {
  const db = new Database(":memory:");
  afterAll(() => db.close());
  return db;
}

/** A scratch directory for file databases, removed after the file's tests. */
export function scratchDir(): string {
  const dir = mkdtempSync(join(tmpdir(), "kb-sqlite-"));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

/** Row count of a table for a tenant, read straight from the driver. */
export function count(db: Database.Database, table: string, tenantId: string): number {
  return (db.prepare(`select count(*) as n from ${table} where tenant_id = ?`).get(tenantId) as { n: number }).n;
}

/** The raw side channel: prepared statements on the same better-sqlite3 database, not the store. */
export function rawAccess(db: Database.Database): RawAccess {
  return {
    async rows(table, where) {
      const keys = Object.keys(where);
      const clause = keys.length ? ` where ${keys.map((k) => `${k} = ?`).join(" and ")}` : "";
      return db.prepare(`select * from ${table}${clause}`).all(...keys.map((k) => where[k])) as Record<string, unknown>[];
    },
  };
}
