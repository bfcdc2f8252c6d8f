import type { Relation } from "@kaartenbak/core";
import {
  SyncError,
  type Connector,
  type InteractionDraft,
  type PushChange,
  type PushResult,
  type RelationDraft,
  type SyncChange,
  type SyncPage,
  type SyncResource,
} from "@kaartenbak/core/sync";

/** A remote item of the in-memory remote. */
type RemoteItem =
  | { readonly kind: "relation"; draft: RelationDraft; changeKey: string }
  | { readonly kind: "interaction"; key: string; draft: InteractionDraft; changeKey: string }
  | { readonly kind: "invalid"; reason: string; changeKey: string };

/** Positions in the remote's change log, as a cursor. `after` pages through ids in order. */
interface Cursor {
  readonly epoch: number;
  readonly mode: "full" | "changes";
  readonly from: number;
  /** Pinned on the first pull with the cursor, so paging reads a stable range. */
  readonly upto?: number;
  readonly after?: string;
}

/**
 * An in-memory remote system with delta semantics (a change log, cursors that encode a position,
 * paging, removals, expiry on demand and injected faults) and a {@link Connector} over it. The sync
 * conformance suite runs the engine against it so that core needs no real connector; hosts can use
 * it to test their own sync wiring.
 */
export class MemoryRemote {
  /** Items per resource. */
  readonly items = new Map<string, Map<string, RemoteItem>>();
  /** Page size of `pull`. */
  pageSize = 10;
  /** Every push the connector received, in order. */
  readonly pushes: PushChange[] = [];
  private readonly log: { seq: number; resource: string; id: string }[] = [];
  private seq = 0;
  private epoch = 0;
  private nextId = 0;
  private readonly faults: SyncError[] = [];
  /** Called before every pull; a test can block here to hold a run mid-sync. */
  beforePull: (resource: string) => Promise<void> = async () => undefined;

  constructor(readonly resources: readonly SyncResource[]) {
    for (const r of resources) this.items.set(r.id, new Map());
  }

  private bucket(resource: string): Map<string, RemoteItem> {
    const bucket = this.items.get(resource);
    if (!bucket) throw new Error(`unknown resource ${resource}`);
    return bucket;
  }

  private touch(resource: string, id: string): void {
    this.log.push({ seq: ++this.seq, resource, id });
  }

  /** Creates or replaces a contact; returns its id. */
  putRelation(resource: string, draft: RelationDraft, id = `c${String(++this.nextId).padStart(6, "0")}`): string {
    this.bucket(resource).set(id, { kind: "relation", draft, changeKey: `k${++this.seq}` });
    this.touch(resource, id);
    return id;
  }

  /** Creates or replaces a message or meeting under a cross-resource `key`; returns its id. */
  putInteraction(resource: string, key: string, draft: InteractionDraft, id = `m${String(++this.nextId).padStart(6, "0")}`): string {
    this.bucket(resource).set(id, { kind: "interaction", key, draft, changeKey: `k${++this.seq}` });
    this.touch(resource, id);
    return id;
  }

  /** Adds an item the connector cannot map (a malformed payload). */
  putInvalid(resource: string, reason: string, id = `x${String(++this.nextId).padStart(6, "0")}`): string {
    this.bucket(resource).set(id, { kind: "invalid", reason, changeKey: `k${++this.seq}` });
    this.touch(resource, id);
    return id;
  }

  /** Removes an item and logs the removal. */
  remove(resource: string, id: string): void {
    this.bucket(resource).delete(id);
    this.touch(resource, id);
  }

  /** Removes an item WITHOUT logging it: only a full resync can notice (a lost delta). */
  removeSilently(resource: string, id: string): void {
    this.bucket(resource).delete(id);
  }

  /** Invalidates every cursor handed out so far: the next pull with one fails with CURSOR_EXPIRED. */
  expireCursors(): void {
    this.epoch++;
  }

  /** The next pulls or pushes throw these errors, one each, in order. */
  failNext(...errors: SyncError[]): void {
    this.faults.push(...errors);
  }

  private fault(): void {
    const next = this.faults.shift();
    if (next) throw next;
  }

  private change(resource: string, id: string): SyncChange {
    const item = this.bucket(resource).get(id);
    if (!item) return { type: "removed", externalId: id };
    if (item.kind === "relation") return { type: "relation", externalId: id, changeKey: item.changeKey, relation: item.draft };
    if (item.kind === "interaction") return { type: "interaction", externalId: id, key: item.key, interaction: item.draft };
    return { type: "invalid", externalId: id, reason: item.reason };
  }

  /** One page after `cursor`; see {@link Connector.pull}. */
  async pull(resource: string, cursor: string | null): Promise<SyncPage> {
    await this.beforePull(resource);
    this.fault();
    let at: Cursor = cursor === null ? { epoch: this.epoch, mode: "full", from: 0 } : (JSON.parse(cursor) as Cursor);
    if (at.epoch !== this.epoch) throw new SyncError("CURSOR_EXPIRED", "The cursor expired", { status: 410 });
    const upto = at.upto ?? this.seq;
    at = { ...at, upto };
    const ids =
      at.mode === "full"
        ? [...this.bucket(resource).keys()]
        : [...new Set(this.log.filter((e) => e.resource === resource && e.seq > at.from && e.seq <= upto).map((e) => e.id))];
    const pending = ids.sort().filter((id) => at.after === undefined || id > at.after);
    const page = pending.slice(0, this.pageSize);
    const done = pending.length <= this.pageSize;
    const next: Cursor = done ? { epoch: this.epoch, mode: "changes", from: upto } : { ...at, after: page[page.length - 1]! };
    return { changes: page.map((id) => this.change(resource, id)), nextCursor: JSON.stringify(next), done };
  }

  /** Applies a pushed change; stale change keys are CONFLICT. */
  async push(change: PushChange): Promise<PushResult> {
    this.fault();
    this.pushes.push(change);
    const bucket = this.bucket(change.resource);
    if (change.op === "create") {
      const id = this.putRelation(change.resource, draftOf(change.relation));
      return { externalId: id, changeKey: (bucket.get(id) as { changeKey: string }).changeKey };
    }
    const current = bucket.get(change.externalId);
    if (!current) throw new SyncError("NOT_FOUND", `${change.externalId} not found`, { status: 404 });
    if (change.changeKey !== null && current.changeKey !== change.changeKey) throw new SyncError("CONFLICT", "Stale change key", { status: 412 });
    if (change.op === "delete") {
      this.remove(change.resource, change.externalId);
      return { externalId: change.externalId, changeKey: null };
    }
    this.putRelation(change.resource, draftOf(change.relation), change.externalId);
    return { externalId: change.externalId, changeKey: (bucket.get(change.externalId) as { changeKey: string }).changeKey };
  }

  /** The connector over this remote. */
  connector(id = "memory"): Connector {
    return {
      id,
      resources: this.resources,
      pull: (resource, cursor) => this.pull(resource, cursor),
      push: (change) => this.push(change),
      fetch: async (resource, externalId) => {
        const change = this.change(resource, externalId);
        return change.type === "removed" ? undefined : change;
      },
    };
  }
}

/** How the memory remote stores a pushed relation: the fields a contact has. */
export function draftOf(relation: Relation): RelationDraft {
  return {
    input: {
      kind: relation.kind,
      name: relation.name,
      emails: relation.emails.map((e) => e.address),
      phones: relation.phones.map((p) => p.number),
    },
  };
}
