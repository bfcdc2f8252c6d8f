import { diffFields } from "../diff.js";
import { CrmError, type CrmErrorReason, notFound, staleVersion, validationError } from "../errors.js";
import { expectId, expectVersion, parseOrThrow } from "../model/common.js";
import { orderInputSchema, type Order, type OrderInput } from "../model/order.js";
import type { QuoteRecord } from "../model/quote.js";
import { externalRefSchema } from "../model/relation.js";
import { isSafeAmount } from "../money.js";
import type { TenantStore } from "../storage.js";
import { runCommand, runQuery, type CommandOptions, type CommandScope, type TenantScope } from "./command.js";
import type { VersionedOptions } from "./relations.js";

/** The result of {@link OrderService.record}. */
export interface RecordOrderResult {
  readonly order: Order;
  /** `created`, or for an order with a known external reference `updated` / `unchanged`. */
  readonly outcome: "created" | "updated" | "unchanged";
}

/** Orders of one tenant: realised revenue. */
export interface OrderService {
  /**
   * Records an order directly, e.g. imported from the host's ERP. With an `externalRef` it is an
   * upsert: recording the same reference again updates the order, or changes nothing (no history,
   * no event) when nothing differs.
   */
  record(input: OrderInput, options?: CommandOptions): Promise<RecordOrderResult>;
  /** Cancels an order: it stays, with its history, but leaves every report. */
  cancel(id: string, options: VersionedOptions): Promise<Order>;
  /** An order by id. */
  get(id: string): Promise<Order | undefined>;
  /** The order made from an accepted quote. */
  getByQuote(quoteId: string): Promise<Order | undefined>;
  /** The order holding an external reference. */
  findByExternalRef(system: string, externalId: string): Promise<Order | undefined>;
  /** A customer's orders, newest order date first. */
  listForRelation(relationId: string): Promise<Order[]>;
}

/** The fields of an order's state; history diffs are taken over these. */
export const ORDER_FIELDS = [
  "relationId",
  "dealId",
  "quoteId",
  "orderDate",
  "currency",
  "netAmount",
  "taxAmount",
  "totalAmount",
  "description",
  "externalRef",
  "cancelledAt",
] as const satisfies readonly (keyof Order)[];

function integrity(message: string, reason: CrmErrorReason<"INTEGRITY">): CrmError {
  return new CrmError("INTEGRITY", message, { entity: "order", reason });
}

async function checkLinks(store: TenantStore, relationId: string, dealId: string | null): Promise<void> {
  const [relation] = await store.relations.getMany([relationId]);
  if (!relation || relation.deletedAt) throw integrity(`An order needs relation ${relationId}, which does not exist`, "missing_relation");
  if (dealId !== null) {
    const deal = await store.deals.get(dealId);
    if (!deal || deal.deletedAt) throw integrity(`An order cannot point at deal ${dealId}, which does not exist`, "missing_deal");
  }
}

/** Writes the order an accepted quote turns into (one per quote), with its history entry and event. */
export async function insertOrderFromQuote(command: CommandScope, id: string, quote: QuoteRecord): Promise<Order> {
  const existing = await command.store.orders.getByQuote(quote.id);
  if (existing)
    throw new CrmError("DUPLICATE", `Quote ${quote.id} already has order ${existing.id}`, { entity: "order", id: existing.id, reason: "quote_has_order" });
  const order: Order = {
    id,
    relationId: quote.relationId,
    dealId: quote.dealId,
    quoteId: quote.id,
    orderDate: command.at.slice(0, 10),
    currency: quote.currency,
    netAmount: quote.subtotal,
    taxAmount: quote.taxTotal,
    totalAmount: quote.total,
    description: quote.title,
    externalRef: null,
    cancelledAt: null,
    version: 1,
    createdAt: command.at,
    updatedAt: command.at,
  };
  await command.store.orders.insert(order);
  await command.record({
    entityType: "order",
    entityId: id,
    action: "create",
    version: 1,
    changes: diffFields(undefined, order, ORDER_FIELDS),
    eventType: "order.created",
    payload: order,
  });
  return order;
}

/** Builds the order service of a tenant. */
export function orderService(scope: TenantScope): OrderService {
  const { ctx } = scope;

  return {
    async record(input, options) {
      const parsed = parseOrThrow(orderInputSchema, input);
      if (!isSafeAmount(BigInt(parsed.netAmount) + BigInt(parsed.taxAmount))) {
        throw validationError([
          { path: ["taxAmount"], message: "netAmount + taxAmount is beyond Number.MAX_SAFE_INTEGER minor units", code: "amount_overflow" },
        ]);
      }
      return runCommand(scope, options, async (command) => {
        const dealId = parsed.dealId ?? null;
        await checkLinks(command.store, parsed.relationId, dealId);
        const ref = parsed.externalRef ?? null;
        const existing = ref ? await command.store.orders.findByExternalRef(ref.system, ref.externalId) : undefined;
        const fields = {
          relationId: parsed.relationId,
          dealId,
          orderDate: parsed.orderDate,
          currency: parsed.currency,
          netAmount: parsed.netAmount,
          taxAmount: parsed.taxAmount,
          totalAmount: parsed.netAmount + parsed.taxAmount,
          description: parsed.description ?? null,
          externalRef: ref,
        };
        if (existing) {
          const next: Order = { ...existing, ...fields, version: existing.version + 1, updatedAt: command.at };
          const changes = diffFields(existing, next, ORDER_FIELDS);
          if (Object.keys(changes).length === 0) return { order: existing, outcome: "unchanged" as const };
          if (!(await command.store.orders.update(next, existing.version))) throw staleVersion("order", existing.id, existing.version);
          await command.record({
            entityType: "order",
            entityId: next.id,
            action: "update",
            version: next.version,
            changes,
            eventType: "order.updated",
            payload: next,
          });
          return { order: next, outcome: "updated" as const };
        }
        const order: Order = { id: ctx.newId(), quoteId: null, cancelledAt: null, ...fields, version: 1, createdAt: command.at, updatedAt: command.at };
        await command.store.orders.insert(order);
        await command.record({
          entityType: "order",
          entityId: order.id,
          action: "create",
          version: 1,
          changes: diffFields(undefined, order, ORDER_FIELDS),
          eventType: "order.created",
          payload: order,
        });
        return { order, outcome: "created" as const };
      });
    },

    async cancel(id, options) {
      expectId(id);
      const expected = expectVersion(options?.expectedVersion);
      return runCommand(scope, options, async (command) => {
        const current = await command.store.orders.get(id);
        if (!current) throw notFound("order", id);
        if (current.version !== expected) throw staleVersion("order", id, expected, current.version);
        if (current.cancelledAt) return current;
        const next: Order = { ...current, cancelledAt: command.at, version: current.version + 1, updatedAt: command.at };
        if (!(await command.store.orders.update(next, current.version))) throw staleVersion("order", id, current.version);
        await command.record({
          entityType: "order",
          entityId: id,
          action: "update",
          version: next.version,
          changes: diffFields(current, next, ORDER_FIELDS),
          eventType: "order.cancelled",
          payload: next,
        });
        return next;
      });
    },

    async get(id) {
      expectId(id);
      return runQuery(scope, (store) => store.orders.get(id));
    },

    async getByQuote(quoteId) {
      expectId(quoteId, "quoteId");
      return runQuery(scope, (store) => store.orders.getByQuote(quoteId));
    },

    async findByExternalRef(system, externalId) {
      const ref = parseOrThrow(externalRefSchema, { system, externalId });
      return runQuery(scope, (store) => store.orders.findByExternalRef(ref.system, ref.externalId));
    },

    async listForRelation(relationId) {
      expectId(relationId, "relationId");
      return runQuery(scope, (store) => store.orders.listForRelation(relationId));
    },
  };
}
