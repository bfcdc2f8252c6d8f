import * as z from "zod";
import type { ValidationIssue } from "../errors.js";
import { formatScaled, isSafeAmount, lineAmounts, PERCENT_SCALE, QUANTITY_SCALE, sumLines, type LineAmounts } from "../money.js";
import { calendarDateSchema, idSchema, textSchema, type CalendarDate, type Instant } from "./common.js";
import { amountSchema, currencySchema, percentSchema, quantitySchema } from "./money.js";
import type { ProductRecord } from "./product.js";

/**
 * The life of a quote: `draft` → `sent` → `accepted` | `rejected` | `expired`. A draft or sent
 * quote that is revised becomes `superseded`; its successor is a new draft with the next revision.
 */
export const QUOTE_STATUSES = ["draft", "sent", "accepted", "rejected", "expired", "superseded"] as const;
/** The status of a {@link Quote}. */
export type QuoteStatus = (typeof QUOTE_STATUSES)[number];

/** Which statuses each status may move to. Anything else is refused with INVALID_STATE `invalid_transition`. */
export const QUOTE_TRANSITIONS: Readonly<Record<QuoteStatus, readonly QuoteStatus[]>> = {
  draft: ["sent", "superseded"],
  sent: ["accepted", "rejected", "expired", "superseded"],
  accepted: [],
  rejected: [],
  expired: [],
  superseded: [],
};

/** One line of a quote, with its rounded figures (see `money.ts` for the rule). */
export interface QuoteLine {
  /** 0-based place in the quote. */
  readonly position: number;
  readonly productId: string | null;
  readonly description: string;
  /** Exact decimal string, at most 3 decimals, e.g. `"2.5"`. */
  readonly quantity: string;
  /** Integer minor units per unit. */
  readonly unitPrice: number;
  /** Percent as an exact decimal string, e.g. `"10"`. */
  readonly discount: string;
  /** Percent as an exact decimal string, e.g. `"21"`. */
  readonly taxRate: string;
  /** `roundHalfUp(quantity × unitPrice × (1 − discount))`. */
  readonly net: number;
  /** `roundHalfUp(net × taxRate)`. */
  readonly tax: number;
  /** `net + tax`. */
  readonly total: number;
}

/** A quote line as stored: quantity in thousandths, percentages in parts per million. */
export interface QuoteLineRecord extends Omit<QuoteLine, "quantity" | "discount" | "taxRate"> {
  readonly quantityMilli: number;
  readonly discountPpm: number;
  readonly taxRatePpm: number;
}

/** A quote: one revision of an offer to a customer, with its lines and exact totals. */
export interface Quote {
  readonly id: string;
  /** The id of the first revision; every revision of the same offer shares it. */
  readonly groupId: string;
  /** 1 for the first quote, one more for each revision. */
  readonly revision: number;
  readonly dealId: string | null;
  /** The customer. */
  readonly relationId: string;
  readonly title: string | null;
  readonly currency: string;
  readonly status: QuoteStatus;
  /** The last day the offer can be accepted. */
  readonly validUntil: CalendarDate | null;
  readonly notes: string | null;
  readonly lines: readonly QuoteLine[];
  /** Sum of the line nets. */
  readonly subtotal: number;
  /** Sum of the line taxes. */
  readonly taxTotal: number;
  /** `subtotal + taxTotal`. */
  readonly total: number;
  readonly sentAt: Instant | null;
  /** When it was accepted, rejected, expired or superseded. */
  readonly decidedAt: Instant | null;
  /** The revision that replaced this one. */
  readonly supersededById: string | null;
  readonly version: number;
  readonly createdAt: Instant;
  readonly updatedAt: Instant;
}

/** A quote as stored. */
export interface QuoteRecord extends Omit<Quote, "lines"> {
  readonly lines: readonly QuoteLineRecord[];
}

/** The domain view of a stored quote line. */
export function toQuoteLine({ quantityMilli, discountPpm, taxRatePpm, ...rest }: QuoteLineRecord): QuoteLine {
  return {
    ...rest,
    quantity: formatScaled(BigInt(quantityMilli), QUANTITY_SCALE),
    discount: formatScaled(BigInt(discountPpm), PERCENT_SCALE),
    taxRate: formatScaled(BigInt(taxRatePpm), PERCENT_SCALE),
  };
}

/** The domain view of a stored quote. */
export function toQuote(record: QuoteRecord): Quote {
  return { ...record, lines: record.lines.map(toQuoteLine) };
}

const id = idSchema;

/** zod schema of {@link QuoteLineInput}. */
export const quoteLineInputSchema = z
  .object({
    productId: id.optional(),
    description: textSchema.trim().min(1).max(1000).optional(),
    quantity: quantitySchema,
    unitPrice: amountSchema.optional(),
    discount: percentSchema.optional(),
    taxRate: percentSchema.optional(),
  })
  .strict();

/** A quote line as given; a product supplies the description, unit price and tax rate not given. */
export interface QuoteLineInput {
  readonly productId?: string;
  readonly description?: string;
  /** A positive decimal with at most 3 decimals, e.g. `"2.5"` or `2.5`. */
  readonly quantity: string | number;
  /** Minor units per unit; default the product's price (same currency only). */
  readonly unitPrice?: number;
  /** Percent off, 0–100, at most 4 decimals; default 0. */
  readonly discount?: string | number;
  /** Percent, at most 4 decimals; default the product's rate, or 0. */
  readonly taxRate?: string | number;
}

const editable = {
  title: textSchema.trim().min(1).max(300).nullable(),
  validUntil: calendarDateSchema.nullable(),
  notes: textSchema.max(10_000).nullable(),
  lines: z.array(quoteLineInputSchema).max(500),
};

/** zod schema of {@link QuoteInput}. */
export const quoteInputSchema = z
  .object({
    dealId: id.optional(),
    relationId: id.optional(),
    currency: currencySchema.optional(),
    ...editable,
    title: editable.title.optional(),
    validUntil: editable.validUntil.optional(),
    notes: editable.notes.optional(),
    lines: editable.lines.default([]),
  })
  .strict()
  .refine((q) => q.dealId || q.relationId, { message: "A quote needs a dealId or a relationId", path: ["relationId"] })
  .refine((q) => q.dealId || q.currency, { message: "A quote without a deal needs a currency", path: ["currency"] });

/** Input to draft a quote: for a deal (customer and currency default to the deal's) or a relation. */
export interface QuoteInput {
  readonly dealId?: string;
  readonly relationId?: string;
  readonly currency?: string;
  readonly title?: string | null;
  readonly validUntil?: string | null;
  readonly notes?: string | null;
  readonly lines?: readonly QuoteLineInput[];
}

/** zod schema of {@link QuotePatch}. */
export const quotePatchSchema = z.object(editable).partial().strict();

/** What a draft's update (or a revision) may change; `lines` replaces all lines. */
export type QuotePatch = Partial<Pick<QuoteInput, "title" | "validUntil" | "notes" | "lines">>;

/** A parsed line. */
export type ParsedQuoteLine = z.output<typeof quoteLineInputSchema>;

/**
 * Resolves parsed lines against their products and computes every figure with the line rule. Every
 * problem is returned with its path (`lines.2.unitPrice`), none thrown, so one error names them all.
 */
export function buildQuoteLines(
  lines: readonly ParsedQuoteLine[],
  products: ReadonlyMap<string, ProductRecord>,
  currency: string,
): { lines: QuoteLineRecord[]; subtotal: number; taxTotal: number; total: number; issues: ValidationIssue[] } {
  const issues: ValidationIssue[] = [];
  const records: QuoteLineRecord[] = [];
  const amounts: LineAmounts[] = [];
  for (const [position, line] of lines.entries()) {
    const at = (field: string) => ["lines", position, field];
    const product = line.productId === undefined ? undefined : products.get(line.productId);
    if (line.productId !== undefined && (!product || product.retiredAt)) {
      issues.push({ path: at("productId"), message: `Product ${line.productId} does not exist or is retired`, code: "unknown_product" });
      continue;
    }
    const description = line.description ?? product?.name;
    if (!description) issues.push({ path: at("description"), message: "A line without a product needs a description", code: "required" });
    let unitPrice = line.unitPrice;
    if (unitPrice === undefined && product) {
      if (product.currency === currency) unitPrice = product.unitPrice;
      else
        issues.push({
          path: at("unitPrice"),
          message: `Product ${product.code} is priced in ${product.currency}; give a unit price in ${currency}`,
          code: "currency_mismatch",
        });
    }
    if (unitPrice === undefined) {
      if (!product) issues.push({ path: at("unitPrice"), message: "A line without a product needs a unit price", code: "required" });
      continue;
    }
    const discountPpm = line.discount ?? 0n;
    const taxRatePpm = line.taxRate ?? BigInt(product?.taxRatePpm ?? 0);
    const figures = lineAmounts({ quantityMilli: line.quantity, unitPrice: BigInt(unitPrice), discountPpm, taxRatePpm });
    if (!isSafeAmount(figures.total)) {
      issues.push({ path: at("quantity"), message: "The line total is beyond Number.MAX_SAFE_INTEGER minor units", code: "amount_overflow" });
      continue;
    }
    amounts.push(figures);
    records.push({
      position,
      productId: product?.id ?? null,
      description: description ?? "",
      quantityMilli: Number(line.quantity),
      unitPrice,
      discountPpm: Number(discountPpm),
      taxRatePpm: Number(taxRatePpm),
      net: Number(figures.net),
      tax: Number(figures.tax),
      total: Number(figures.total),
    });
  }
  const totals = sumLines(amounts);
  if (!isSafeAmount(totals.total))
    issues.push({ path: ["lines"], message: "The quote total is beyond Number.MAX_SAFE_INTEGER minor units", code: "amount_overflow" });
  return { lines: records, subtotal: Number(totals.net), taxTotal: Number(totals.tax), total: Number(totals.total), issues };
}
