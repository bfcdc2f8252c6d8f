import type { AttributeValues } from "../attributes/registry.js";
import type { CrmEventType } from "../model/events.js";
import { diffFields } from "../diff.js";
import { CrmError, invalidState, notFound, staleVersion, validationError } from "../errors.js";
import { expectId, expectVersion, parseOrThrow } from "../model/common.js";
import type { Deal } from "../model/deal.js";
import type { Order } from "../model/order.js";
import {
  buildQuoteLines,
  QUOTE_TRANSITIONS,
  quoteInputSchema,
  quotePatchSchema,
  toQuote,
  type ParsedQuoteLine,
  type Quote,
  type QuoteInput,
  type QuotePatch,
  type QuoteRecord,
  type QuoteStatus,
} from "../model/quote.js";
import type { FieldChange } from "../model/journal.js";
import type { TenantStore } from "../storage.js";
import { runCommand, runQuery, runUnit, type CommandOptions, type CommandScope, type TenantScope } from "./command.js";
import { DEAL_FIELDS, firstStageOfKind, moveDeal } from "./deal-rules.js";
import { insertOrderFromQuote } from "./orders.js";
import type { VersionedOptions } from "./relations.js";

/** Options of {@link QuoteService.accept}. */
export interface AcceptOptions extends VersionedOptions {
  /** Move the quote's deal into its first won stage. Default true; ignored for a quote without a deal. */
  readonly winDeal?: boolean;
}

/** What accepting a quote did, all in one transaction (or, for a retry, what the first accept did). */
export interface AcceptResult<A = AttributeValues> {
  readonly quote: Quote;
  /** The order the quote became: realised revenue. */
  readonly order: Order;
  /**
   * The deal as won, when the quote has a deal and `winDeal` was not false. Accepting that wins
   * the deal sets its `amount` and `currency` to the order's `netAmount` and `currency`.
   */
  readonly deal?: Deal<A>;
}

/** Quotes of one tenant. */
export interface QuoteService<A = AttributeValues> {
  /** Drafts a quote for a deal or a customer; totals are computed from the lines. */
  create(input: QuoteInput, options?: CommandOptions): Promise<Quote>;
  /** Changes a draft (title, validity, notes, lines). Refused (INVALID_STATE `invalid_transition`) once sent. */
  update(id: string, patch: QuotePatch, options: VersionedOptions): Promise<Quote>;
  /** draft → sent. A quote needs at least one line to be sent. */
  send(id: string, options: VersionedOptions): Promise<Quote>;
  /**
   * sent → accepted, atomically with the order it becomes and (by default) its deal marked won:
   * three changes, each with its history entry and event, in one transaction. A quote past its
   * `validUntil` cannot be accepted (INVALID_STATE `quote_expired`).
   *
   * Winning the deal also sets the deal's `amount` and `currency` to the order's net total
   * (`order.netAmount`, excluding tax, in `order.currency`: the figure revenue reports count), in
   * the same history entry and `deal.won` event as the move to the won stage, so the won value of
   * the deal equals the order it produced. A deal that is already won is left as it is.
   *
   * **Idempotent retry.** Accepting a quote that is already accepted and has its order writes
   * nothing (no row, no history entry, no event) and returns that result again: the quote and its
   * order, and, when the quote has a deal and `winDeal` is not false, the deal, each as stored now.
   * `expectedVersion` is then not compared with the quote's version (it must still be a valid
   * version number), so an at-least-once retry of the same command succeeds even though the
   * first attempt moved the version on. Any other status than `sent` is refused with INVALID_STATE
   * `invalid_transition`; a sent quote whose version differs from `expectedVersion` with STALE_VERSION.
   */
  accept(id: string, options: AcceptOptions): Promise<AcceptResult<A>>;
  /** sent → rejected. */
  reject(id: string, options: VersionedOptions): Promise<Quote>;
  /** sent → expired. */
  expire(id: string, options: VersionedOptions): Promise<Quote>;
  /**
   * Makes a new revision of a draft or sent quote: the old one becomes `superseded` and is kept; the
   * new one is a draft with the next revision number, the old lines unless `patch.lines` is given.
   */
  revise(id: string, patch: QuotePatch, options: VersionedOptions): Promise<Quote>;
  /** A quote by id. */
  get(id: string): Promise<Quote | undefined>;
  /** Every revision of the quote's offer, oldest first. */
  revisions(id: string): Promise<Quote[]>;
  /** The quotes of a deal. */
  listForDeal(dealId: string): Promise<Quote[]>;
}

const FIELDS = [
  "dealId",
  "relationId",
  "title",
  "currency",
  "status",
  "validUntil",
  "notes",
  "lines",
  "subtotal",
  "taxTotal",
  "total",
  "sentAt",
  "decidedAt",
  "supersededById",
] as const satisfies readonly (keyof QuoteRecord)[];

function invalidTransition(quote: QuoteRecord, to: QuoteStatus): CrmError {
  return new CrmError("INVALID_STATE", `Quote ${quote.id} is ${quote.status}; it cannot become ${to}`, {
    entity: "quote",
    id: quote.id,
    state: quote.status,
    reason: "invalid_transition",
  });
}

/**
 * The result of an earlier accept of quote `id`, when it is accepted and has its order (the deal
 * too, when it has one and `withDeal`); otherwise undefined.
 */
async function acceptedBefore(store: TenantStore, id: string, withDeal: boolean): Promise<AcceptResult | undefined> {
  const quote = await store.quotes.get(id);
  if (!quote || quote.status !== "accepted") return undefined;
  const order = await store.orders.getByQuote(id);
  if (!order) return undefined;
  const deal = quote.dealId && withDeal ? await store.deals.get(quote.dealId) : undefined;
  return { quote: toQuote(quote), order, ...(deal ? { deal } : {}) };
}

/**
 * `command`, with the deal fields that differ between `before` and `after` (amount, currency) added
 * to the history entry `moveDeal` records for that deal, so one entry and one event carry the move
 * and the new value. (The event payload already carries the new values: `moveDeal` starts from `after`.)
 */
function withDealChanges(command: CommandScope, before: Deal, after: Deal): CommandScope {
  const extra: Record<string, FieldChange> = {};
  for (const field of DEAL_FIELDS) {
    if (before[field] !== after[field]) extra[field] = { from: before[field], to: after[field] };
  }
  if (Object.keys(extra).length === 0) return command;
  return {
    ...command,
    record(entry) {
      if (entry.entityType !== "deal" || entry.entityId !== before.id) return command.record(entry);
      const merged = { ...entry.changes, ...extra };
      const changes = Object.fromEntries(DEAL_FIELDS.filter((f) => f in merged).map((f) => [f, merged[f]!]));
      return command.record({ ...entry, changes });
    },
  };
}

/** Builds the quote service of a tenant. */
export function quoteService(scope: TenantScope): QuoteService {
  const { ctx } = scope;

  async function load(store: TenantStore, id: string, expected: number): Promise<QuoteRecord> {
    const current = await store.quotes.get(id);
    if (!current) throw notFound("quote", id);
    if (current.version !== expected) throw staleVersion("quote", id, expected, current.version);
    return current;
  }

  /** Lines with figures, or one VALIDATION error naming every problem. */
  async function lines(store: TenantStore, parsed: readonly ParsedQuoteLine[], currency: string) {
    const ids = parsed.flatMap((l) => (l.productId ? [l.productId] : []));
    const products = new Map((ids.length ? await store.products.getMany(ids) : []).map((p) => [p.id, p]));
    const built = buildQuoteLines(parsed, products, currency);
    if (built.issues.length > 0) throw validationError(built.issues);
    return { lines: built.lines, subtotal: built.subtotal, taxTotal: built.taxTotal, total: built.total };
  }

  async function write(command: CommandScope, current: QuoteRecord, next: QuoteRecord, eventType: CrmEventType): Promise<Quote> {
    const changes = diffFields(current, next, FIELDS);
    if (Object.keys(changes).length === 0) return toQuote(current);
    if (!(await command.store.quotes.update(next, current.version))) throw staleVersion("quote", current.id, current.version);
    const quote = toQuote(next);
    await command.record({ entityType: "quote", entityId: next.id, action: "update", version: next.version, changes, eventType, payload: quote });
    return quote;
  }

  async function insert(command: CommandScope, record: QuoteRecord, eventType: CrmEventType): Promise<Quote> {
    await command.store.quotes.insert(record);
    const quote = toQuote(record);
    await command.record({
      entityType: "quote",
      entityId: record.id,
      action: "create",
      version: 1,
      changes: diffFields(undefined, record, FIELDS),
      eventType,
      payload: quote,
    });
    return quote;
  }

  /** Moves a quote to `to`, checking the state machine; `check` adds rules of its own. */
  async function transition(command: CommandScope, id: string, expected: number, to: QuoteStatus, check?: (q: QuoteRecord) => void): Promise<QuoteRecord> {
    const current = await load(command.store, id, expected);
    if (!QUOTE_TRANSITIONS[current.status].includes(to)) throw invalidTransition(current, to);
    check?.(current);
    const next: QuoteRecord = {
      ...current,
      status: to,
      sentAt: to === "sent" ? command.at : current.sentAt,
      decidedAt: to === "sent" ? current.decidedAt : command.at,
      version: current.version + 1,
      updatedAt: command.at,
    };
    await write(command, current, next, `quote.${to}`);
    return next;
  }

  function simple(to: QuoteStatus, check?: (q: QuoteRecord) => void) {
    return async (id: string, options: VersionedOptions): Promise<Quote> => {
      expectId(id);
      const expected = expectVersion(options?.expectedVersion);
      return runCommand(scope, options, async (command) => toQuote(await transition(command, id, expected, to, check)));
    };
  }

  return {
    async create(input, options) {
      const parsed = parseOrThrow(quoteInputSchema, input);
      return runCommand(scope, options, async (command) => {
        let relationId = parsed.relationId;
        let currency = parsed.currency;
        if (parsed.dealId) {
          const deal = await command.store.deals.get(parsed.dealId);
          if (!deal || deal.deletedAt) throw new CrmError("INTEGRITY", `Deal ${parsed.dealId} does not exist`, { entity: "quote", reason: "missing_deal" });
          if (relationId && relationId !== deal.relationId) {
            throw validationError([
              { path: ["relationId"], message: `A quote for deal ${deal.id} is addressed to its customer ${deal.relationId}`, code: "relation_mismatch" },
            ]);
          }
          relationId = deal.relationId;
          currency ??= deal.currency;
        }
        const [relation] = await command.store.relations.getMany([relationId!]);
        if (!relation || relation.deletedAt)
          throw new CrmError("INTEGRITY", `A quote needs relation ${relationId}, which does not exist`, { entity: "quote", reason: "missing_relation" });
        const id = ctx.newId();
        const record: QuoteRecord = {
          id,
          groupId: id,
          revision: 1,
          dealId: parsed.dealId ?? null,
          relationId: relation.id,
          title: parsed.title ?? null,
          currency: currency!,
          status: "draft",
          validUntil: parsed.validUntil ?? null,
          notes: parsed.notes ?? null,
          ...(await lines(command.store, parsed.lines, currency!)),
          sentAt: null,
          decidedAt: null,
          supersededById: null,
          version: 1,
          createdAt: command.at,
          updatedAt: command.at,
        };
        return insert(command, record, "quote.created");
      });
    },

    async update(id, patch, options) {
      expectId(id);
      const expected = expectVersion(options?.expectedVersion);
      const parsed = parseOrThrow(quotePatchSchema, patch);
      return runCommand(scope, options, async (command) => {
        const current = await load(command.store, id, expected);
        if (current.status !== "draft")
          throw new CrmError("INVALID_STATE", `Quote ${id} is ${current.status}; only a draft can change (revise it instead)`, {
            entity: "quote",
            id,
            state: current.status,
            reason: "invalid_transition",
          });
        const next: QuoteRecord = {
          ...current,
          title: parsed.title !== undefined ? parsed.title : current.title,
          validUntil: parsed.validUntil !== undefined ? parsed.validUntil : current.validUntil,
          notes: parsed.notes !== undefined ? parsed.notes : current.notes,
          ...(parsed.lines ? await lines(command.store, parsed.lines, current.currency) : {}),
          version: current.version + 1,
          updatedAt: command.at,
        };
        return write(command, current, next, "quote.updated");
      });
    },

    send: simple("sent", (q) => {
      if (q.lines.length === 0) throw validationError([{ path: ["lines"], message: "A quote needs at least one line to be sent", code: "too_small" }]);
    }),
    reject: simple("rejected"),
    expire: simple("expired"),

    async accept(id, options) {
      expectId(id);
      const expected = expectVersion(options?.expectedVersion);
      // One unit of work: the quote, its order and its deal commit together or not at all.
      return runUnit(scope, async (unit) => {
        const tx: TenantScope = { ...scope, unit };
        // A retry of an accept that already happened: return its result, write nothing.
        const done = await runQuery(tx, (store) => acceptedBefore(store, id, options.winDeal !== false));
        if (done) return done;
        const record = await runCommand(tx, options, (command) =>
          transition(command, id, expected, "accepted", (q) => {
            if (q.validUntil && q.validUntil < command.at.slice(0, 10)) {
              throw new CrmError("INVALID_STATE", `Quote ${id} was valid until ${q.validUntil}`, {
                entity: "quote",
                id,
                state: q.status,
                reason: "quote_expired",
              });
            }
          }),
        );
        const order = await runCommand(tx, options, (command) => insertOrderFromQuote(command, ctx.newId(), record));
        const dealId = record.dealId;
        if (!dealId || options.winDeal === false) return { quote: toQuote(record), order };
        const deal = await runCommand(tx, options, async (command) => {
          const current = await command.store.deals.get(dealId);
          if (!current || current.deletedAt)
            throw new CrmError("INTEGRITY", `Deal ${dealId} of quote ${id} no longer exists`, { entity: "quote", id, reason: "missing_deal" });
          if (current.status === "won") return current;
          const pipeline = await command.store.pipelines.get(current.pipelineId);
          // The won value is the order's net total: written with the move, in its history entry and `deal.won` event.
          const priced: Deal = { ...current, amount: order.netAmount, currency: order.currency };
          const won = await moveDeal(withDealChanges(command, current, priced), priced, firstStageOfKind(pipeline!, "won"), undefined, ctx.newId);
          if (won === priced) throw invalidState("deal", dealId, current.status, "invalid_transition", `Deal ${dealId} is ${current.status} in a won stage`);
          return won;
        });
        return { quote: toQuote(record), order, deal };
      });
    },

    async revise(id, patch, options) {
      expectId(id);
      const expected = expectVersion(options?.expectedVersion);
      const parsed = parseOrThrow(quotePatchSchema, patch ?? {});
      return runCommand(scope, options, async (command) => {
        const current = await load(command.store, id, expected);
        if (!QUOTE_TRANSITIONS[current.status].includes("superseded")) throw invalidTransition(current, "superseded");
        const group = await command.store.quotes.listGroup(current.groupId);
        const newId = ctx.newId();
        const revised: QuoteRecord = {
          ...current,
          id: newId,
          revision: Math.max(...group.map((q) => q.revision)) + 1,
          status: "draft",
          title: parsed.title !== undefined ? parsed.title : current.title,
          validUntil: parsed.validUntil !== undefined ? parsed.validUntil : current.validUntil,
          notes: parsed.notes !== undefined ? parsed.notes : current.notes,
          ...(parsed.lines ? await lines(command.store, parsed.lines, current.currency) : {}),
          sentAt: null,
          decidedAt: null,
          supersededById: null,
          version: 1,
          createdAt: command.at,
          updatedAt: command.at,
        };
        const quote = await insert(command, revised, "quote.revised");
        const old: QuoteRecord = {
          ...current,
          status: "superseded",
          decidedAt: command.at,
          supersededById: newId,
          version: current.version + 1,
          updatedAt: command.at,
        };
        await write(command, current, old, "quote.superseded");
        return quote;
      });
    },

    async get(id) {
      expectId(id);
      const record = await runQuery(scope, (store) => store.quotes.get(id));
      return record && toQuote(record);
    },

    async revisions(id) {
      expectId(id);
      return runQuery(scope, async (store) => {
        const quote = await store.quotes.get(id);
        return quote ? (await store.quotes.listGroup(quote.groupId)).map(toQuote) : [];
      });
    },

    async listForDeal(dealId) {
      expectId(dealId, "dealId");
      return (await runQuery(scope, (store) => store.quotes.listForDeal(dealId))).map(toQuote);
    },
  };
}
