import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { convertInto, conversionTarget, exchangeRateSchema, moneyList, percentSchema, quantitySchema } from "../src/model/money.js";
import { buildQuoteLines, type ParsedQuoteLine } from "../src/model/quote.js";
import { convertMinor, currencyDigits, formatScaled, lineAmounts, parseScaled, PPM, roundHalfUp, sumLines } from "../src/money.js";
import { isCrmError } from "../src/errors.js";

const RUNS = 1000;
const bigintIn = (min: bigint, max: bigint) => fc.bigInt({ min, max });
const abs = (x: bigint) => (x < 0n ? -x : x);

describe("roundHalfUp", () => {
  it("is the nearest integer, and on an exact half goes away from zero", () => {
    fc.assert(
      fc.property(bigintIn(-(10n ** 30n), 10n ** 30n), bigintIn(1n, 10n ** 15n), (n, d) => {
        const r = roundHalfUp(n, d);
        const error = r * d - n; // how far r·d is from n
        expect(2n * abs(error) <= d).toBe(true);
        if (2n * abs(error) === d) expect(error === 0n || error > 0n === n > 0n).toBe(true);
      }),
      { numRuns: RUNS },
    );
  });

  it("matches the textbook examples", () => {
    expect([25n, 15n, -25n, 24n, -24n, 0n].map((n) => roundHalfUp(n, 10n))).toEqual([3n, 2n, -3n, 2n, -2n, 0n]);
    expect(roundHalfUp(1n, 3n)).toBe(0n);
    expect(roundHalfUp(2n, 3n)).toBe(1n);
    expect(() => roundHalfUp(1n, 0n)).toThrow(RangeError);
  });
});

describe("exact decimals", () => {
  it("format and parse are inverse at every scale", () => {
    fc.assert(
      fc.property(bigintIn(-(10n ** 17n), 10n ** 17n), fc.integer({ min: 0, max: 12 }), (units, scale) => {
        expect(parseScaled(formatScaled(units, scale), scale)).toBe(units);
      }),
      { numRuns: RUNS },
    );
  });

  it("reads numbers and strings exactly and refuses what it cannot represent", () => {
    expect(parseScaled("2.5", 3)).toBe(2500n);
    expect(parseScaled(2.5, 3)).toBe(2500n);
    expect(parseScaled(0.1, 3)).toBe(100n);
    expect(parseScaled("1.2300", 3)).toBe(1230n);
    expect(parseScaled("1.2345", 3)).toBeUndefined();
    expect(parseScaled("1e3", 3)).toBeUndefined();
    expect(parseScaled(Number.NaN, 3)).toBeUndefined();
    expect(formatScaled(1500n, 3)).toBe("1.5");
    expect(formatScaled(-5n, 2)).toBe("-0.05");
    expect(quantitySchema.safeParse("0.0001").success).toBe(false);
    expect(quantitySchema.safeParse(0).success).toBe(false);
    expect(quantitySchema.parse("1000000000")).toBe(1_000_000_000_000n);
    expect(percentSchema.parse("8.875")).toBe(88_750n);
    expect(percentSchema.safeParse("100.0001").success).toBe(false);
  });
});

const line = fc.record({
  quantityMilli: bigintIn(1n, 10n ** 9n),
  unitPrice: bigintIn(0n, 10n ** 8n),
  discountPpm: bigintIn(0n, PPM),
  taxRatePpm: bigintIn(0n, PPM),
});

describe("the quote line rule", () => {
  it("net is quantity × price × (1 − discount) rounded half up once; tax is net × rate rounded half up", () => {
    fc.assert(
      fc.property(line, (l) => {
        const { net, tax, total } = lineAmounts(l);
        // Compare against the exact rational, scaled to integers: exact = q·p·(1e6−d) / 1e9.
        const exactNet = l.quantityMilli * l.unitPrice * (PPM - l.discountPpm);
        const netError = net * 1000n * PPM - exactNet;
        expect(2n * abs(netError) <= 1000n * PPM).toBe(true);
        if (2n * abs(netError) === 1000n * PPM) expect(netError > 0n).toBe(true);
        const taxError = tax * PPM - net * l.taxRatePpm;
        expect(2n * abs(taxError) <= PPM).toBe(true);
        if (2n * abs(taxError) === PPM) expect(taxError > 0n).toBe(true);
        expect(total).toBe(net + tax);
        expect(net >= 0n && tax >= 0n).toBe(true);
      }),
      { numRuns: RUNS },
    );
  });

  it("totals never drift: they are the sums of the rounded lines, in any order", () => {
    fc.assert(
      fc.property(fc.array(line, { maxLength: 30 }), (lines) => {
        const amounts = lines.map(lineAmounts);
        const totals = sumLines(amounts);
        expect(totals.net).toBe(amounts.reduce((s, a) => s + a.net, 0n));
        expect(totals.tax).toBe(amounts.reduce((s, a) => s + a.tax, 0n));
        expect(totals.total).toBe(totals.net + totals.tax);
        expect(sumLines([...amounts].reverse())).toEqual(totals);
        // Splitting a quote in two and adding the parts gives the same totals.
        const cut = Math.floor(lines.length / 2);
        const [a, b] = [sumLines(amounts.slice(0, cut)), sumLines(amounts.slice(cut))];
        expect({ net: a.net + b.net, tax: a.tax + b.tax, total: a.total + b.total }).toEqual(totals);
      }),
      { numRuns: RUNS },
    );
  });

  it("quote lines built from input agree with the rule and stay within safe integers", () => {
    const parsed = fc.record({
      quantity: bigintIn(1n, 10n ** 12n),
      unitPrice: fc.integer({ min: 0, max: Number.MAX_SAFE_INTEGER }),
      discount: fc.option(bigintIn(0n, PPM), { nil: undefined }),
      taxRate: fc.option(bigintIn(0n, PPM), { nil: undefined }),
    });
    fc.assert(
      fc.property(fc.array(parsed, { maxLength: 10 }), (input) => {
        const lines: ParsedQuoteLine[] = input.map((l) => ({ ...l, description: "x" }));
        const built = buildQuoteLines(lines, new Map(), "EUR");
        for (const record of built.lines) {
          const source = lines[record.position]!;
          const expected = lineAmounts({
            quantityMilli: source.quantity,
            unitPrice: BigInt(source.unitPrice!),
            discountPpm: source.discount ?? 0n,
            taxRatePpm: source.taxRate ?? 0n,
          });
          expect([record.net, record.tax, record.total]).toEqual([Number(expected.net), Number(expected.tax), Number(expected.total)]);
          expect(Number.isSafeInteger(record.total)).toBe(true);
        }
        // Every line is either built or named as an overflow; no line is dropped silently.
        const overflowing = built.issues.filter((i) => i.code === "amount_overflow" && i.path.length === 3).map((i) => i.path[1]);
        expect(built.lines.length + overflowing.length).toBe(lines.length);
        if (built.issues.length === 0) {
          expect(built.subtotal).toBe(built.lines.reduce((s, l) => s + l.net, 0));
          expect(built.total).toBe(built.subtotal + built.taxTotal);
        }
      }),
      { numRuns: 300 },
    );
  });

  it("works the examples of the design notes", () => {
    // 2.5 × €2.50 − 10 % = €5.625 → €5.63; 9 % tax of €5.63 = €0.5067 → €0.51.
    expect(lineAmounts({ quantityMilli: 2500n, unitPrice: 250n, discountPpm: 100_000n, taxRatePpm: 90_000n })).toEqual({ net: 563n, tax: 51n, total: 614n });
    // 0.333 × €1.00 = €0.333 → €0.33; 8.875 % of €0.33 = €0.0292875 → €0.03.
    expect(lineAmounts({ quantityMilli: 333n, unitPrice: 100n, discountPpm: 0n, taxRatePpm: 88_750n })).toEqual({ net: 33n, tax: 3n, total: 36n });
  });
});

describe("currency conversion", () => {
  const rate = fc.record({ numerator: bigintIn(1n, 10n ** 6n), denominator: bigintIn(1n, 10n ** 6n) });

  it("rounds half up once, shifts by the currencies' minor digits, and is monotonic", () => {
    fc.assert(
      fc.property(
        bigintIn(0n, 10n ** 12n),
        bigintIn(0n, 10n ** 12n),
        rate,
        fc.integer({ min: 0, max: 3 }),
        fc.integer({ min: 0, max: 3 }),
        (a, b, r, from, to) => {
          const c = convertMinor(a, r, from, to);
          const scale = 10n ** BigInt(Math.abs(to - from));
          const [num, den] = to >= from ? [a * r.numerator * scale, r.denominator] : [a * r.numerator, r.denominator * scale];
          expect(c).toBe(roundHalfUp(num, den));
          if (a <= b) expect(c <= convertMinor(b, r, from, to)).toBe(true);
          // Converting a sum differs from summing conversions by at most one minor unit.
          expect(abs(convertMinor(a + b, r, from, to) - c - convertMinor(b, r, from, to)) <= 1n).toBe(true);
        },
      ),
      { numRuns: RUNS },
    );
  });

  it("knows minor digits and refuses a missing rate", () => {
    expect([currencyDigits("EUR"), currencyDigits("JPY"), currencyDigits("BHD")]).toEqual([2, 0, 3]);
    const target = conversionTarget({
      currency: "EUR",
      rates: [exchangeRateSchema.parse({ from: "JPY", to: "EUR", rate: { numerator: 1, denominator: 160 } })],
    })!;
    expect(convertInto(target, "JPY", 1500n)).toBe(938n); // ¥1,500 = €9.375 → 938 cents
    expect(convertInto(target, "EUR", 1500n)).toBe(1500n);
    const missing = (() => {
      try {
        convertInto(target, "USD", 1n);
      } catch (e) {
        return e;
      }
    })();
    expect(isCrmError(missing, "VALIDATION")).toBe(true);
    expect(
      moneyList(
        new Map([
          ["USD", 5n],
          ["EUR", 0n],
        ]),
        undefined,
      ),
    ).toEqual([
      { currency: "EUR", amount: 0 },
      { currency: "USD", amount: 5 },
    ]);
    expect(() => moneyList(new Map([["EUR", 2n ** 53n]]), undefined)).toThrow(/MAX_SAFE_INTEGER/);
    expect(exchangeRateSchema.safeParse({ from: "USD", to: "EUR", rate: "0" }).success).toBe(false);
    expect(exchangeRateSchema.parse({ from: "USD", to: "EUR", rate: "0.9213" }).rate).toEqual({ numerator: 921_300_000_000n, denominator: 10n ** 12n });
  });
});

describe("formatAmount", () => {
  it("writes minor units as an exact decimal in the currency's digits", async () => {
    const { formatAmount } = await import("../src/money.js");
    expect(formatAmount({ amount: 125_000, currency: "EUR" })).toBe("1250.00");
    expect(formatAmount({ amount: -995, currency: "EUR" })).toBe("-9.95");
    expect(formatAmount({ amount: 5, currency: "USD" })).toBe("0.05");
    expect(formatAmount({ amount: 1250, currency: "JPY" })).toBe("1250");
    expect(formatAmount({ amount: 1234, currency: "KWD" })).toBe("1.234");
    expect(formatAmount({ amount: Number.MAX_SAFE_INTEGER, currency: "EUR" })).toBe("90071992547409.91");
  });
});
