import type { InteractionInput, RelationInput } from "@kaartenbak/core";
import type { SqlFlavour } from "./raw-reports.js";

/** What a raw-driver baseline does, per engine: the same work as the SDK, written by hand. */
export interface RawDriver {
  readonly engine: string;
  /** Writes relations with their child rows, history and outbox events, one transaction per chunk. */
  writeRelations(tenant: string, chunk: readonly RelationInput[]): Promise<void>;
  /** Writes interactions with their links, participants, history and outbox events. */
  writeInteractions(tenant: string, chunk: readonly InteractionInput[]): Promise<void>;
  /** Ids of the relations, in input order, of a tenant's relations (to generate interactions for). */
  relationIds(tenant: string): Promise<string[]>;
  /** The relation (row, e-mails, phones, tags, refs) having this e-mail. */
  findByEmail(tenant: string, email: string): Promise<unknown[]>;
  /** The relation (row, e-mails, phones, tags, refs) having this phone. */
  findByPhone(tenant: string, phone: string): Promise<unknown[]>;
  /** The newest 50 interactions of a relation, with their links and participants. */
  timeline(tenant: string, relationId: string): Promise<unknown[]>;
  /** The one-query floor of the same reads: one hand-written statement each (see raw-floor.ts). */
  readonly floor: {
    findByEmail(tenant: string, email: string): Promise<unknown[]>;
    findByPhone(tenant: string, phone: string): Promise<unknown[]>;
    timeline(tenant: string, relationId: string): Promise<unknown[]>;
  };
  /** Runs hand-written report SQL (W5) and returns every result row. */
  runQueries(queries: readonly { sql: string; params: readonly unknown[] }[]): Promise<unknown[][]>;
  /** The SQL functions this engine's hand-written queries use. */
  readonly flavour: SqlFlavour;
  /** Rows in Kaartenbak's tables for a tenant (to prove a no-change run wrote nothing). */
  rowCount(tenant: string): Promise<number>;
  close(): Promise<void>;
}
