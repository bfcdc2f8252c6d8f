/**
 * Exact money arithmetic. Amounts are integer minor units (cents); quantities and rates are exact
 * decimals held as scaled integers; every intermediate product is a BigInt, so nothing drifts and
 * nothing overflows before the one documented rounding step.
 *
 * Rounding rule (used everywhere in Kaartenbak): **half up**, i.e. to the nearest integer and, on
 * an exact half, away from zero (2.5 → 3, −2.5 → −3). It is the commercial rule on invoices and the
 * one a host's accountant expects to reproduce by hand.
 *
 * Quote line rule (see docs/design.md, "Money and rounding"):
 * - `net   = roundHalfUp(quantity × unitPrice × (1 − discount))`, from the exact product, rounded once;
 * - `tax   = roundHalfUp(net × taxRate)`, from the rounded net of the same line;
 * - `total = net + tax`;
 * - quote totals are the sums of the rounded line figures, so lines always add up to the total.
 */

/** Quantities have at most three decimals: stored as integer thousandths (`"1.5"` → 1500). */
export const QUANTITY_SCALE = 3;
/** Percentages (discount, tax rate) have at most four decimals: stored as parts per million (`"21"` → 210000). */
export const PERCENT_SCALE = 4;
/** One whole (100 %) in parts per million. */
export const PPM = 1_000_000n;
/** The largest amount of minor units the SDK accepts, so every amount survives as a JS number. */
export const MAX_AMOUNT = BigInt(Number.MAX_SAFE_INTEGER);

/** `numerator / denominator` rounded half up (ties away from zero). `denominator` must be positive. */
export function roundHalfUp(numerator: bigint, denominator: bigint): bigint {
  if (denominator <= 0n) throw new RangeError("roundHalfUp: the denominator must be positive");
  const negative = numerator < 0n;
  const magnitude = negative ? -numerator : numerator;
  const quotient = magnitude / denominator;
  const remainder = magnitude % denominator;
  // remainder / denominator >= 1/2  <=>  2 × remainder >= denominator
  const rounded = 2n * remainder >= denominator ? quotient + 1n : quotient;
  return negative ? -rounded : rounded;
}

const DECIMAL = /^(-?)(\d{1,18})(?:\.(\d+))?$/;

/**
 * Parses a decimal (a string such as `"1.25"`, or a finite number) into an integer scaled by
 * `10^scale`, exactly. Returns undefined when the value is not a plain decimal or has more than
 * `scale` decimals that are not zero: `1.2345` at scale 3 is refused, never rounded silently.
 */
export function parseScaled(value: string | number, scale: number): bigint | undefined {
  let text: string;
  if (typeof value === "number") {
    if (!Number.isFinite(value)) return undefined;
    // Shortest round-trip form; exponent notation (1e-7, 1e21) is out of range for our scales anyway.
    text = String(value);
  } else {
    text = value.trim();
  }
  const match = DECIMAL.exec(text);
  if (!match) return undefined;
  const [, sign, whole, fraction = ""] = match;
  const significant = fraction.replace(/0+$/, "");
  if (significant.length > scale) return undefined;
  const units = BigInt(whole!) * 10n ** BigInt(scale) + BigInt(significant.padEnd(scale, "0") || "0");
  return sign === "-" ? -units : units;
}

/** Formats a scaled integer as the shortest exact decimal: 1500 at scale 3 → `"1.5"`, 2000 → `"2"`. */
export function formatScaled(units: bigint, scale: number): string {
  const negative = units < 0n;
  const magnitude = negative ? -units : units;
  const factor = 10n ** BigInt(scale);
  const whole = magnitude / factor;
  const fraction = (magnitude % factor).toString().padStart(scale, "0").replace(/0+$/, "");
  return `${negative ? "-" : ""}${whole}${fraction ? `.${fraction}` : ""}`;
}

/** The exact inputs of one quote line, already scaled. */
export interface LineInputUnits {
  /** Integer thousandths of a unit. */
  readonly quantityMilli: bigint;
  /** Minor units per unit. */
  readonly unitPrice: bigint;
  /** Discount in parts per million (0–1,000,000). */
  readonly discountPpm: bigint;
  /** Tax rate in parts per million. */
  readonly taxRatePpm: bigint;
}

/** The rounded figures of one quote line, in minor units. */
export interface LineAmounts {
  readonly net: bigint;
  readonly tax: bigint;
  readonly total: bigint;
}

/** Applies the quote line rule (see the module comment) to one line. */
export function lineAmounts(line: LineInputUnits): LineAmounts {
  const exactNetTimes = line.quantityMilli * line.unitPrice * (PPM - line.discountPpm);
  const net = roundHalfUp(exactNetTimes, 1000n * PPM);
  const tax = roundHalfUp(net * line.taxRatePpm, PPM);
  return { net, tax, total: net + tax };
}

/** Quote totals: the sums of the rounded line figures. */
export function sumLines(lines: readonly LineAmounts[]): LineAmounts {
  let net = 0n;
  let tax = 0n;
  for (const line of lines) {
    net += line.net;
    tax += line.tax;
  }
  return { net, tax, total: net + tax };
}

/** True when `amount` can be handed out as a JS number without losing precision. */
export function isSafeAmount(amount: bigint): boolean {
  return amount <= MAX_AMOUNT && amount >= -MAX_AMOUNT;
}

/** A positive rational number, e.g. an exchange rate. */
export interface Rational {
  readonly numerator: bigint;
  readonly denominator: bigint;
}

/**
 * The number of minor-unit digits of an ISO 4217 currency (EUR 2, JPY 0, BHD 3), from the
 * runtime's ICU data; 2 for codes the runtime does not know.
 */
export function currencyDigits(currency: string): number {
  try {
    return new Intl.NumberFormat("en", { style: "currency", currency }).resolvedOptions().maximumFractionDigits ?? 2;
  } catch {
    return 2;
  }
}

/**
 * Converts minor units of `from` into minor units of `to` at `rate` (units of `to` per one unit of
 * `from`, both in major units), rounding half up once:
 * `roundHalfUp(amount × rate × 10^(digits(to) − digits(from)))`.
 */
export function convertMinor(amount: bigint, rate: Rational, fromDigits: number, toDigits: number): bigint {
  const shift = toDigits - fromDigits;
  const numerator = amount * rate.numerator * (shift > 0 ? 10n ** BigInt(shift) : 1n);
  const denominator = rate.denominator * (shift < 0 ? 10n ** BigInt(-shift) : 1n);
  return roundHalfUp(numerator, denominator);
}

/**
 * An amount of money as an exact decimal string in its currency's minor units, for display and
 * export: `{ amount: 125000, currency: "EUR" }` → `"1250.00"`, JPY `1250` → `"1250"`. No rounding, no
 * grouping or locale (hand the string to `Intl.NumberFormat` for that); floats are never involved.
 *
 * @example
 * formatAmount({ amount: -995, currency: "EUR" }); // "-9.95"
 */
export function formatAmount(money: { readonly amount: number; readonly currency: string }): string {
  const digits = currencyDigits(money.currency);
  const text = formatScaled(BigInt(money.amount), digits);
  if (digits === 0) return text;
  const [whole, fraction = ""] = text.split(".");
  return `${whole}.${fraction.padEnd(digits, "0")}`;
}
