import * as z from "zod";
import { formatScaled, PERCENT_SCALE } from "../money.js";
import { textSchema, type Instant } from "./common.js";
import { amountSchema, currencySchema, percentSchema } from "./money.js";

/** An item of the tenant's simple product catalogue. */
export interface Product {
  readonly id: string;
  /** The tenant's own article code, unique per tenant, e.g. `BRD-001`. */
  readonly code: string;
  readonly name: string;
  readonly description: string | null;
  /** List price per unit in integer minor units of `currency`. */
  readonly unitPrice: number;
  readonly currency: string;
  /** Tax rate in percent as an exact decimal string, e.g. `"21"` or `"8.875"`. */
  readonly taxRate: string;
  /** Set when retired: no longer offered on new quote lines. */
  readonly retiredAt: Instant | null;
  readonly version: number;
  readonly createdAt: Instant;
  readonly updatedAt: Instant;
}

/** A product as stored: the tax rate as integer parts per million (21 % → 210000). */
export interface ProductRecord extends Omit<Product, "taxRate"> {
  readonly taxRatePpm: number;
}

/** The domain view of a stored product. */
export function toProduct({ taxRatePpm, ...rest }: ProductRecord): Product {
  return { ...rest, taxRate: formatScaled(BigInt(taxRatePpm), PERCENT_SCALE) };
}

/** A product code: letters, digits and `_ - . / :`, 1–64 characters. */
const codeSchema = textSchema.trim().regex(/^[A-Za-z0-9][A-Za-z0-9_./:-]{0,63}$/, "Expected a code of 1-64 letters, digits, '_', '-', '.', '/' or ':'");

const fields = {
  code: codeSchema,
  name: textSchema.trim().min(1).max(300),
  description: textSchema.max(5000).nullable(),
  unitPrice: amountSchema,
  currency: currencySchema,
  taxRate: percentSchema,
};

/** zod schema of {@link ProductInput}. */
export const productInputSchema = z.object({ ...fields, description: fields.description.optional(), taxRate: fields.taxRate.default(0n) }).strict();

/** Input to add a product. */
export interface ProductInput {
  readonly code: string;
  readonly name: string;
  readonly description?: string | null;
  /** Integer minor units per unit. */
  readonly unitPrice: number;
  readonly currency: string;
  /** Percent, e.g. `"21"` or `21`; default 0. */
  readonly taxRate?: string | number;
}

/** zod schema of {@link ProductPatch}. */
export const productPatchSchema = z.object(fields).partial().strict();

/** The fields of a product that may change. */
export type ProductPatch = Partial<ProductInput>;
