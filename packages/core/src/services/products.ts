import type { CrmEventType } from "../model/events.js";
import { diffFields } from "../diff.js";
import { CrmError, notFound, staleVersion } from "../errors.js";
import { expectId, expectVersion, parseOrThrow, textSchema } from "../model/common.js";
import { productInputSchema, productPatchSchema, toProduct, type Product, type ProductInput, type ProductPatch, type ProductRecord } from "../model/product.js";
import type { TenantStore } from "../storage.js";
import { runCommand, runQuery, type CommandOptions, type CommandScope, type TenantScope } from "./command.js";
import type { VersionedOptions } from "./relations.js";

/** The tenant's product catalogue. */
export interface ProductService {
  /** Adds a product. Throws DUPLICATE when the code is taken. */
  create(input: ProductInput, options?: CommandOptions): Promise<Product>;
  /** Changes a product; quotes already made keep the prices they were made with. */
  update(id: string, patch: ProductPatch, options: VersionedOptions): Promise<Product>;
  /** Retires a product: no longer accepted on new quote lines. */
  retire(id: string, options: VersionedOptions): Promise<Product>;
  /** A product by id. */
  get(id: string): Promise<Product | undefined>;
  /** A product by its code. */
  getByCode(code: string): Promise<Product | undefined>;
  /** The catalogue by code; retired products only with `includeRetired`. */
  list(options?: { includeRetired?: boolean }): Promise<Product[]>;
}

const FIELDS = ["code", "name", "description", "unitPrice", "currency", "taxRatePpm", "retiredAt"] as const satisfies readonly (keyof ProductRecord)[];

/** Builds the product service of a tenant. */
export function productService(scope: TenantScope): ProductService {
  const { ctx } = scope;

  async function assertCodeFree(store: TenantStore, code: string, id: string): Promise<void> {
    const holder = await store.products.getByCode(code);
    if (holder && holder.id !== id) {
      throw new CrmError("DUPLICATE", `Product code ${code} already belongs to product ${holder.id}`, {
        entity: "product",
        id: holder.id,
        reason: "code_taken",
      });
    }
  }

  async function load(store: TenantStore, id: string, expected: number): Promise<ProductRecord> {
    const current = await store.products.get(id);
    if (!current) throw notFound("product", id);
    if (current.version !== expected) throw staleVersion("product", id, expected, current.version);
    return current;
  }

  async function write(command: CommandScope, current: ProductRecord, next: ProductRecord, eventType: CrmEventType): Promise<Product> {
    const changes = diffFields(current, next, FIELDS);
    if (Object.keys(changes).length === 0) return toProduct(current);
    await assertCodeFree(command.store, next.code, next.id);
    if (!(await command.store.products.update(next, current.version))) throw staleVersion("product", current.id, current.version);
    const product = toProduct(next);
    await command.record({ entityType: "product", entityId: next.id, action: "update", version: next.version, changes, eventType, payload: product });
    return product;
  }

  return {
    async create(input, options) {
      const parsed = parseOrThrow(productInputSchema, input);
      return runCommand(scope, options, async (command) => {
        const record: ProductRecord = {
          id: ctx.newId(),
          code: parsed.code,
          name: parsed.name,
          description: parsed.description ?? null,
          unitPrice: parsed.unitPrice,
          currency: parsed.currency,
          taxRatePpm: Number(parsed.taxRate),
          retiredAt: null,
          version: 1,
          createdAt: command.at,
          updatedAt: command.at,
        };
        await assertCodeFree(command.store, record.code, record.id);
        await command.store.products.insert(record);
        const product = toProduct(record);
        await command.record({
          entityType: "product",
          entityId: record.id,
          action: "create",
          version: 1,
          changes: diffFields(undefined, record, FIELDS),
          eventType: "product.created",
          payload: product,
        });
        return product;
      });
    },

    async update(id, patch, options) {
      expectId(id);
      const expected = expectVersion(options?.expectedVersion);
      const parsed = parseOrThrow(productPatchSchema, patch);
      return runCommand(scope, options, async (command) => {
        const current = await load(command.store, id, expected);
        const next: ProductRecord = {
          ...current,
          code: parsed.code ?? current.code,
          name: parsed.name ?? current.name,
          description: parsed.description !== undefined ? parsed.description : current.description,
          unitPrice: parsed.unitPrice ?? current.unitPrice,
          currency: parsed.currency ?? current.currency,
          taxRatePpm: parsed.taxRate !== undefined ? Number(parsed.taxRate) : current.taxRatePpm,
          version: current.version + 1,
          updatedAt: command.at,
        };
        return write(command, current, next, "product.updated");
      });
    },

    async retire(id, options) {
      expectId(id);
      const expected = expectVersion(options?.expectedVersion);
      return runCommand(scope, options, async (command) => {
        const current = await load(command.store, id, expected);
        if (current.retiredAt) return toProduct(current);
        return write(command, current, { ...current, retiredAt: command.at, version: current.version + 1, updatedAt: command.at }, "product.retired");
      });
    },

    async get(id) {
      expectId(id);
      const record = await runQuery(scope, (store) => store.products.get(id));
      return record && toProduct(record);
    },

    async getByCode(code) {
      const key = parseOrThrow(textSchema.trim().min(1).max(64), code);
      const record = await runQuery(scope, (store) => store.products.getByCode(key));
      return record && toProduct(record);
    },

    async list(options) {
      const all = await runQuery(scope, (store) => store.products.list());
      return all.filter((p) => options?.includeRetired || !p.retiredAt).map(toProduct);
    },
  };
}
