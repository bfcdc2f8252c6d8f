import * as z from "zod";
import { CrmError, validationError } from "../errors.js";
import { convertMinor, currencyDigits, isSafeAmount, parseScaled, PERCENT_SCALE, QUANTITY_SCALE, type Rational } from "../money.js";
import type { Money } from "../attributes/registry.js";

/** An ISO 4217 currency code, upper case, e.g. `EUR`. */
export const currencySchema = z.string().regex(/^[A-Z]{3}$/, "Expected an ISO 4217 currency code such as EUR");

/** A non-negative amount of integer minor units that fits a JS number exactly. */
export const amountSchema = z
  .number()
  .int("Expected an integer number of minor units (cents)")
  .min(0, "Expected a non-negative amount")
  .max(Number.MAX_SAFE_INTEGER, "Amount is too large (more than Number.MAX_SAFE_INTEGER minor units)");

/** The largest quantity a quote line accepts, in whole units. */
const MAX_QUANTITY = 1_000_000_000n;

/**
 * A quantity: a positive decimal with at most three decimals, as a string (`"2.5"`) or a number
 * (`2.5`). Parsed to integer thousandths, exactly.
 */
export const quantitySchema = z.union([z.string(), z.number()]).transform((value, ctx) => {
  const milli = parseScaled(value, QUANTITY_SCALE);
  if (milli === undefined || milli <= 0n || milli > MAX_QUANTITY * 1000n) {
    ctx.addIssue({
      code: "custom",
      message: 'Expected a positive quantity of at most 1,000,000,000 with at most 3 decimals, e.g. "2.5"',
      params: { code: "invalid_quantity" },
    });
    return z.NEVER;
  }
  return milli;
});

/**
 * A percentage from 0 to 100 with at most four decimals, as a string (`"21"`, `"8.875"`) or a
 * number. Parsed to parts per million of the whole (21 % → 210000), exactly.
 */
export const percentSchema = z.union([z.string(), z.number()]).transform((value, ctx) => {
  const scaled = parseScaled(value, PERCENT_SCALE);
  if (scaled === undefined || scaled < 0n || scaled > 100n * 10n ** BigInt(PERCENT_SCALE)) {
    ctx.addIssue({
      code: "custom",
      message: 'Expected a percentage from 0 to 100 with at most 4 decimals, e.g. "21" or "8.875"',
      params: { code: "invalid_percent" },
    });
    return z.NEVER;
  }
  return scaled; // percent × 10^4 = parts per million
});

/**
 * An exchange rate supplied by the host: how many units of `to` one unit of `from` buys (major
 * units, e.g. `{ from: "USD", to: "EUR", rate: "0.9213" }`). The rate is a decimal string (at most
 * 12 decimals) or an exact fraction of two integers.
 */
export interface ExchangeRate {
  readonly from: string;
  readonly to: string;
  readonly rate: string | { readonly numerator: string | number; readonly denominator: string | number };
}

const integerText = z.union([z.string().regex(/^\d{1,30}$/, "Expected a positive integer"), z.number().int().positive()]).transform((v) => BigInt(v));

const rateSchema = z.union([
  z.string().transform((value, ctx) => {
    const units = parseScaled(value, 12);
    if (units === undefined || units <= 0n) {
      ctx.addIssue({ code: "custom", message: 'Expected a positive decimal rate with at most 12 decimals, e.g. "0.9213"', params: { code: "invalid_rate" } });
      return z.NEVER;
    }
    return { numerator: units, denominator: 10n ** 12n } satisfies Rational;
  }),
  z
    .object({ numerator: integerText, denominator: integerText })
    .strict()
    .refine((r) => r.numerator > 0n && r.denominator > 0n, "Expected a positive fraction"),
]);

/** zod schema of {@link ExchangeRate}; yields the rate as an exact fraction. */
export const exchangeRateSchema = z.object({ from: currencySchema, to: currencySchema, rate: rateSchema }).strict();

/**
 * The currency options every report accepts. Without `currency`, every money figure is a list with
 * one entry per currency, never summed across currencies. With `currency`, each currency's figure is
 * converted with the host's `rates` (round half up, once per figure) and the results are summed.
 */
export interface CurrencyOptions {
  /** Report every money figure in this one currency, converted with `rates`. */
  readonly currency?: string;
  /** Host-supplied rates into `currency`; a currency that occurs without a rate is a VALIDATION error. */
  readonly rates?: readonly ExchangeRate[];
}

/** zod shape of {@link CurrencyOptions}, to spread into a report query schema. */
export const currencyOptionsShape = {
  currency: currencySchema.optional(),
  rates: z.array(exchangeRateSchema).max(1000).optional(),
};

/** A conversion target, parsed: the currency and a rate per source currency. */
export interface ConversionTarget {
  readonly currency: string;
  readonly rates: ReadonlyMap<string, Rational>;
}

/** Builds the conversion target of parsed currency options, or undefined when no currency was asked for. */
export function conversionTarget(options: {
  currency?: string | undefined;
  rates?: ReadonlyArray<{ from: string; to: string; rate: Rational }> | undefined;
}): ConversionTarget | undefined {
  if (!options.currency) {
    if (options.rates && options.rates.length > 0) {
      throw validationError([{ path: ["currency"], message: "Rates were given without a currency to convert into", code: "missing_currency" }]);
    }
    return undefined;
  }
  const rates = new Map<string, Rational>();
  for (const [index, rate] of (options.rates ?? []).entries()) {
    if (rate.to !== options.currency) {
      throw validationError([
        { path: ["rates", index, "to"], message: `Rate converts into ${rate.to}, but the report asks for ${options.currency}`, code: "rate_mismatch" },
      ]);
    }
    rates.set(rate.from, rate.rate);
  }
  return { currency: options.currency, rates };
}

/** Per-currency totals, as aggregated in the database. */
export type CurrencyTotals = ReadonlyMap<string, bigint>;

/** Converts one currency's amount into the target currency (identity when they are equal). */
export function convertInto(target: ConversionTarget, currency: string, amount: bigint): bigint {
  if (currency === target.currency) return amount;
  const rate = target.rates.get(currency);
  if (!rate) {
    throw validationError([{ path: ["rates"], message: `No exchange rate from ${currency} to ${target.currency} was given`, code: "missing_rate" }]);
  }
  return convertMinor(amount, rate, currencyDigits(currency), currencyDigits(target.currency));
}

/**
 * A money figure as reports return it: one {@link Money} per currency that occurs (zero included),
 * sorted by currency code, or a single entry in the target currency when one was asked for; empty
 * when nothing was counted.
 */
export function moneyList(totals: CurrencyTotals, target: ConversionTarget | undefined): Money[] {
  if (!target) {
    return [...totals.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([currency, amount]) => ({ currency, amount: safeNumber(amount) }));
  }
  let sum = 0n;
  for (const [currency, amount] of totals) sum += convertInto(target, currency, amount);
  return totals.size === 0 ? [] : [{ currency: target.currency, amount: safeNumber(sum) }];
}

/** A BigInt amount as a number; a sum beyond the safe range is reported rather than rounded silently. */
export function safeNumber(amount: bigint): number {
  if (!isSafeAmount(amount)) {
    throw new CrmError("UNSUPPORTED", `An amount of ${amount} minor units is beyond Number.MAX_SAFE_INTEGER and cannot be returned exactly`, {
      reason: "amount_overflow",
    });
  }
  return Number(amount);
}
