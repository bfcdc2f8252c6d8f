import type { AttributeValues } from "../attributes/registry.js";
import { notFound, validationError } from "../errors.js";
import { expectId, isText, optionsOf } from "../model/common.js";
import type { Relation, RelationInput } from "../model/relation.js";
import type { DuplicatePairStatus } from "../storage-duplicates.js";
import type { TenantStore } from "../storage.js";
import type { DuplicatePolicy } from "../context.js";
import { duplicateKeys, identifyingAttributes, normaliseName, scoreDuplicate, type DuplicateScore } from "../duplicates/rules.js";
import { nameKey } from "../normalise.js";
import { runCommand, runQuery, type CommandOptions, type TenantScope } from "./command.js";
import { buildRelation } from "./relation-builder.js";

/** A relation that looks like the one checked, with why. */
export interface DuplicateCandidate<A = AttributeValues> extends DuplicateScore {
  readonly relation: Relation<A>;
}

/** A reviewable candidate pair. `firstId` sorts before `secondId`. */
export interface DuplicatePair extends DuplicateScore {
  readonly firstId: string;
  readonly secondId: string;
  readonly status: DuplicatePairStatus;
  readonly foundAt: string;
  readonly updatedAt: string;
}

/** Options of {@link DuplicateService.scan}. */
export interface DuplicateScanOptions {
  /** Resume a scan from the `cursor` of its last batch. */
  readonly cursor?: string;
  /** Relations (key phase) or candidate pairs (pair phase) per batch and transaction; 1 to 5000, default 500. */
  readonly batchSize?: number;
}

/** One committed step of a scan. Pass `cursor` to {@link DuplicateService.scan} to resume after it. */
export interface DuplicateScanBatch {
  /** `keys` while blocking keys are written, `pairs` while candidate pairs are scored. */
  readonly phase: "keys" | "pairs";
  /** Relations keyed (key phase) or candidate pairs scored (pair phase) in this batch. */
  readonly processed: number;
  /** Pairs that scored as duplicates in this batch (already written to the review list). */
  readonly found: readonly DuplicatePair[];
  /** Where the scan resumes after this batch; undefined after the last one. */
  readonly cursor: string | undefined;
}

/** Duplicate detection of one tenant: check one relation, scan all of them, review the pairs. */
export interface DuplicateService<A = AttributeValues> {
  /**
   * Relations that look like `input` (a relation not yet created, or a changed one), best first,
   * each with its score and reasons. Pass `excludeId` when checking an update of that relation.
   */
  check(input: RelationInput<A>, options?: { readonly excludeId?: string }): Promise<DuplicateCandidate<A>[]>;
  /**
   * Scans the tenant in batches, each committed in its own transaction: first every relation's
   * blocking keys are written, then the pairs sharing a key are scored and written to the review
   * list. Resumable from any batch's cursor; a dismissed or merged pair is never reopened.
   */
  scan(options?: DuplicateScanOptions): AsyncIterable<DuplicateScanBatch>;
  /** Pairs of one status (default `open`), highest score first; keyset-paged with `cursor`. */
  pairs(query?: {
    readonly status?: DuplicatePairStatus;
    readonly cursor?: string;
    readonly limit?: number;
  }): Promise<{ items: DuplicatePair[]; nextCursor: string | undefined }>;
  /** Marks a pair as not a duplicate: later scans and checks never propose it again. */
  dismiss(firstId: string, secondId: string, options?: CommandOptions): Promise<DuplicatePair>;
}

/** Keys shared by more relations than this are not used for blocking (see the store). */
const MAX_BLOCK = 100;

type ScanPosition = { readonly phase: "keys"; readonly after?: string } | { readonly phase: "pairs"; readonly first?: string; readonly second?: string };

function encodePosition(position: ScanPosition): string {
  return Buffer.from(JSON.stringify(position), "utf8").toString("base64url");
}

function invalidCursor(): never {
  throw validationError([{ path: ["cursor"], message: "Invalid cursor; pass the cursor of a previous batch or page", code: "invalid_cursor" }]);
}

function decodeJson(cursor: unknown): Record<string, unknown> {
  if (typeof cursor !== "string") invalidCursor();
  try {
    const value: unknown = JSON.parse(Buffer.from(cursor, "base64url").toString("utf8"));
    if (value && typeof value === "object" && !Array.isArray(value)) return value as Record<string, unknown>;
  } catch {
    // fall through to the typed error
  }
  return invalidCursor();
}

const optionalId = (v: unknown) => v === undefined || (typeof v === "string" && v.length > 0 && isText(v));

function decodePosition(cursor: unknown): ScanPosition {
  const v = decodeJson(cursor);
  if (v.phase === "keys" && optionalId(v.after)) return { phase: "keys", after: v.after as string | undefined };
  if (v.phase === "pairs" && optionalId(v.first) && optionalId(v.second) && (v.first === undefined) === (v.second === undefined)) {
    return { phase: "pairs", first: v.first as string | undefined, second: v.second as string | undefined };
  }
  return invalidCursor();
}

function limitIssue(value: unknown, path: string, max: number) {
  return value !== undefined && (!Number.isInteger(value) || (value as number) < 1 || (value as number) > max)
    ? [{ path: [path], message: `Expected an integer from 1 to ${max}`, code: "invalid_limit" }]
    : [];
}

/** A call's `duplicates` option over the CRM's default, or VALIDATION naming `duplicates`. */
export function duplicatePolicy(value: unknown, fallback: DuplicatePolicy): DuplicatePolicy {
  if (value === undefined) return fallback;
  if (value === "allow" || value === "refuse") return value;
  throw validationError([{ path: ["duplicates"], message: 'Expected "allow" or "refuse"', code: "invalid_enum_value" }]);
}

/**
 * The relations in the store that look like `relation` (not deleted, not `excludeId`, not a pair
 * dismissed with `excludeId`), best first, each with its score and reasons. Used by `check` and
 * by relation writes under the `refuse` policy, inside their transaction.
 */
export async function findCandidates(
  store: TenantStore,
  relation: Relation,
  identifying: readonly string[],
  excludeId?: string,
): Promise<DuplicateCandidate[]> {
  const found = new Map<string, Relation>();
  const add = (rs: readonly (Relation | undefined)[]) => rs.forEach((r) => r && !r.deletedAt && r.id !== excludeId && found.set(r.id, r));
  for (const e of relation.emails) add(await store.relations.findByEmail(e.address));
  for (const p of relation.phones) add(await store.relations.findByPhone(p.number));
  for (const ref of relation.externalRefs) add([await store.relations.findByExternalRef(ref.system, ref.externalId)]);
  for (const name of identifying) {
    const value = (relation.attributes as Record<string, unknown>)[name];
    if (typeof value === "string" || typeof value === "number") add(await store.duplicates.findByAttribute(name, [String(value)]));
  }
  // Fuzzy candidates: names starting like the input's folded name or its first significant token.
  const prefixes = new Set([nameKey(relation.name).slice(0, 3), normaliseName(relation.name).slice(0, 3)].filter((p) => p.length > 0));
  for (const prefix of prefixes) add(await store.relations.findByNamePrefix(prefix, 200));
  const dismissed = new Set<string>();
  if (excludeId) {
    for (const id of found.keys()) {
      const [a, b] = [excludeId, id].sort() as [string, string];
      if ((await store.duplicates.getPair(a, b))?.status === "dismissed") dismissed.add(id);
    }
  }
  const out: DuplicateCandidate[] = [];
  for (const candidate of found.values()) {
    if (dismissed.has(candidate.id)) continue;
    const score = scoreDuplicate(relation, candidate, identifying);
    if (score) out.push({ relation: candidate, ...score });
  }
  return out.sort((a, b) => b.score - a.score || (a.relation.id < b.relation.id ? -1 : 1));
}

/** Builds the duplicate service of a tenant. */
export function duplicateService(scope: TenantScope): DuplicateService {
  const { ctx } = scope;
  const identifying = identifyingAttributes(ctx.registry);

  return {
    async check(input, options) {
      const { excludeId } = optionsOf(options);
      if (excludeId !== undefined) expectId(excludeId, "excludeId");
      // Validated and normalised exactly as a create would store it.
      const { relation, issues } = buildRelation(ctx, input, undefined, { id: "\u0000check", at: ctx.now() });
      if (!relation) throw validationError(issues);
      return runQuery(scope, (store) => findCandidates(store, relation, identifying, excludeId));
    },

    scan(options) {
      const { cursor, batchSize = 500 } = optionsOf(options);
      const issues = limitIssue(batchSize, "batchSize", 5000);
      if (issues.length > 0) throw validationError(issues);
      let position: ScanPosition | undefined = cursor === undefined ? undefined : decodePosition(cursor);
      return {
        async *[Symbol.asyncIterator]() {
          if (!position) {
            // A fresh scan starts from empty keys, so keys of changed relations never linger.
            await runCommand(scope, undefined, (command) => command.store.duplicates.clearKeys());
            position = { phase: "keys" };
          }
          while (position.phase === "keys") {
            const after: string | undefined = position.after;
            const batch = await runCommand(scope, undefined, async ({ store }) => {
              const page = await store.duplicates.relationsAfter(after, batchSize);
              const keys = page.flatMap((r) => duplicateKeys(r, identifying).map((key) => ({ relationId: r.id, key })));
              await store.duplicates.writeKeys(
                page.map((r) => r.id),
                keys,
              );
              return page;
            });
            position = batch.length < batchSize ? { phase: "pairs" } : { phase: "keys", after: batch[batch.length - 1]!.id };
            yield { phase: "keys", processed: batch.length, found: [], cursor: encodePosition(position) };
          }
          for (;;) {
            const from: ScanPosition = position;
            const { pairs, found } = await runCommand(scope, undefined, async ({ store, at }) => {
              const after = from.phase === "pairs" && from.first !== undefined ? { firstId: from.first, secondId: from.second! } : undefined;
              const pairs = await store.duplicates.candidatePairs(after, batchSize, MAX_BLOCK);
              const byId = new Map((await store.relations.getMany(pairs.flatMap((p) => [p.firstId, p.secondId]))).map((r) => [r.id, r]));
              const found: DuplicatePair[] = [];
              for (const pair of pairs) {
                const a = byId.get(pair.firstId);
                const b = byId.get(pair.secondId);
                if (!a || !b || a.deletedAt || b.deletedAt) continue;
                const score = scoreDuplicate(a, b, identifying);
                if (score) found.push({ ...pair, ...score, status: "open", foundAt: at, updatedAt: at });
              }
              await store.duplicates.upsertPairs(found);
              // Report what the list now holds: a dismissed or merged pair keeps its verdict.
              const stored = await Promise.all(found.map((p) => store.duplicates.getPair(p.firstId, p.secondId)));
              return { pairs, found: stored.filter((p): p is DuplicatePair => p !== undefined && p.status === "open") };
            });
            const last = pairs[pairs.length - 1];
            const done = pairs.length < batchSize;
            position = last ? { phase: "pairs", first: last.firstId, second: last.secondId } : from;
            yield { phase: "pairs", processed: pairs.length, found, cursor: done ? undefined : encodePosition(position) };
            if (done) return;
          }
        },
      };
    },

    async pairs(query) {
      const { status = "open", cursor, limit = 50 } = optionsOf(query, "query");
      const issues = [
        ...(status !== "open" && status !== "merged" && status !== "dismissed"
          ? [{ path: ["status"], message: "Expected open, merged or dismissed", code: "invalid_enum_value" }]
          : []),
        ...limitIssue(limit, "limit", 500),
      ];
      if (issues.length > 0) throw validationError(issues);
      let after: { score: number; firstId: string; secondId: string } | undefined;
      if (cursor !== undefined) {
        const v = decodeJson(cursor);
        if (typeof v.score !== "number" || typeof v.first !== "string" || typeof v.second !== "string" || !isText(v.first) || !isText(v.second))
          invalidCursor();
        after = { score: v.score as number, firstId: v.first as string, secondId: v.second as string };
      }
      const rows = await runQuery(scope, (store) => store.duplicates.listPairs(status, after, limit + 1));
      const items = rows.slice(0, limit);
      const last = items[items.length - 1];
      const nextCursor =
        rows.length > limit && last
          ? Buffer.from(JSON.stringify({ score: last.score, first: last.firstId, second: last.secondId })).toString("base64url")
          : undefined;
      return { items, nextCursor };
    },

    async dismiss(firstId, secondId, options) {
      const [a, b] = [expectId(firstId, "firstId"), expectId(secondId, "secondId")].sort() as [string, string];
      return runCommand(scope, options, async ({ store, at }) => {
        const pair = await store.duplicates.getPair(a, b);
        if (!pair) throw notFound("duplicate pair", `${a}+${b}`);
        await store.duplicates.setPairStatus(a, b, "dismissed", at);
        return { ...pair, status: "dismissed", updatedAt: at };
      });
    },
  };
}
