/**
 * Cell text to attribute values. Dutch and other European files write `1.234,56` where English ones
 * write `1,234.56`, dates as `dd-mm-jjjj`, and amounts with a currency sign; these parsers read both
 * conventions and say exactly what they could not read, never guessing a value silently.
 */

/** How to read numbers: `auto` (default) decides per value; `comma` / `point` name the decimal separator. */
export type DecimalSeparator = "auto" | "comma" | "point";

/** A parsed value, or why the cell could not be read. */
export type Parsed<T> = { readonly ok: true; readonly value: T } | { readonly ok: false; readonly message: string };

const fail = (message: string): { ok: false; message: string } => ({ ok: false, message });

/**
 * Reads a decimal number. With `auto`, a value with both `.` and `,` takes the last one as the
 * decimal separator; a value with one separator followed by exactly three digits (`1.234`) is
 * ambiguous unless `decimal` is set, and then reads as thousands in a `comma` file and as a fraction
 * in a `point` file; with `auto` such a value is refused rather than read wrong by a factor 1000.
 */
export function parseDecimal(text: string, decimal: DecimalSeparator = "auto"): Parsed<number> {
  let s = text.trim().replace(/[\s\u00a0\u202f']/g, "");
  let negative = false;
  if (/^\(.*\)$/.test(s)) [negative, s] = [true, s.slice(1, -1)];
  if (s.startsWith("-") || s.startsWith("\u2212")) [negative, s] = [!negative, s.slice(1)];
  else if (s.startsWith("+")) s = s.slice(1);
  if (!/^[0-9.,]+$/.test(s) || !/[0-9]/.test(s)) return fail(`Not a number: ${JSON.stringify(text)}`);
  const lastComma = s.lastIndexOf(",");
  const lastPoint = s.lastIndexOf(".");
  let sep: "," | "." | undefined;
  let group: "," | "." = ",";
  if (decimal === "comma") [sep, group] = [",", "."];
  else if (decimal === "point") [sep, group] = [".", ","];
  else if (lastComma >= 0 && lastPoint >= 0) [sep, group] = lastComma > lastPoint ? [",", "."] : [".", ","];
  else if (lastComma >= 0 || lastPoint >= 0) {
    const only = lastComma >= 0 ? "," : ".";
    const parts = s.split(only);
    // "1.234" or "1,234": thousands or a fraction? Only a single group of exactly three digits is ambiguous.
    if (parts.length === 2 && parts[1]!.length === 3 && parts[0] !== "0" && parts[0] !== "") {
      return fail(`Ambiguous number ${JSON.stringify(text)}: set decimalSeparator to "comma" or "point"`);
    }
    // Used twice or more it can only separate groups ("1.234.567").
    if (parts.length > 2) group = only;
    else [sep, group] = [only, only === "," ? "." : ","];
  }
  const [whole, fraction, extra] = sep ? s.split(sep) : [s];
  if (extra !== undefined || (fraction !== undefined && fraction.includes(group))) return fail(`Not a number: ${JSON.stringify(text)}`);
  // Group separators must separate groups of three digits.
  if (whole!.includes(group) && !new RegExp(`^\\d{1,3}(\\${group}\\d{3})+$`).test(whole!)) return fail(`Not a number: ${JSON.stringify(text)}`);
  const digits = `${whole!.split(group).join("") || "0"}${fraction !== undefined ? `.${fraction || "0"}` : ""}`;
  const value = Number(digits);
  if (!Number.isFinite(value)) return fail(`Not a number: ${JSON.stringify(text)}`);
  return { ok: true, value: negative ? -value : value };
}

/** Date orders an import reads; `dmy` is the European default (`31-12-2024`, `31/12/2024`, `31.12.2024`). */
export type DateOrder = "dmy" | "mdy";

/** Reads a calendar date: ISO `2024-12-31`, or day, month and year in `order` with `-`, `/` or `.`. */
export function parseDate(text: string, order: DateOrder = "dmy"): Parsed<string> {
  const s = text.trim();
  let y: number, m: number, d: number;
  const iso = /^(\d{4})-(\d{1,2})-(\d{1,2})(?:[T ].*)?$/.exec(s);
  const local = /^(\d{1,2})[-/.](\d{1,2})[-/.](\d{4})$/.exec(s);
  if (iso) [y, m, d] = [Number(iso[1]), Number(iso[2]), Number(iso[3])];
  else if (local) {
    const [a, b] = [Number(local[1]), Number(local[2])];
    [d, m] = order === "dmy" ? [a, b] : [b, a];
    y = Number(local[3]);
  } else return fail(`Not a date: ${JSON.stringify(text)} (expected ${order === "dmy" ? "dd-mm-yyyy" : "mm/dd/yyyy"} or yyyy-mm-dd)`);
  const date = new Date(Date.UTC(y, m - 1, d));
  if (y < 1 || date.getUTCFullYear() !== y || date.getUTCMonth() !== m - 1 || date.getUTCDate() !== d) return fail(`No such date: ${JSON.stringify(text)}`);
  return { ok: true, value: `${String(y).padStart(4, "0")}-${String(m).padStart(2, "0")}-${String(d).padStart(2, "0")}` };
}

const CURRENCY_SIGNS: Readonly<Record<string, string>> = { "€": "EUR", $: "USD", "£": "GBP", "¥": "JPY", "₣": "CHF" };

/** The number of minor units of a currency (2 for EUR, 0 for JPY), from the platform's ICU data. */
function minorDigits(currency: string): number | undefined {
  try {
    return new Intl.NumberFormat("en", { style: "currency", currency }).resolvedOptions().maximumFractionDigits;
  } catch {
    return undefined;
  }
}

/**
 * Reads money as integer minor units: `€ 1.234,56`, `1234.56 EUR`, `EUR 12`. The currency comes
 * from the cell (a code or a sign) or else `currency`; more decimals than the currency has are refused.
 */
export function parseMoney(text: string, currency: string | undefined, decimal: DecimalSeparator = "auto"): Parsed<{ amount: number; currency: string }> {
  let s = text.trim();
  let found: string | undefined;
  const code = /^([A-Za-z]{3})\s*|\s*([A-Za-z]{3})$/.exec(s);
  if (code) {
    found = (code[1] ?? code[2])!.toUpperCase();
    s = s.replace(code[0], "");
  }
  for (const [sign, iso] of Object.entries(CURRENCY_SIGNS)) {
    if (s.includes(sign)) {
      if (found && found !== iso) return fail(`Two currencies in ${JSON.stringify(text)}`);
      found = iso;
      s = s.replace(sign, "");
    }
  }
  const chosen = found ?? currency;
  if (!chosen) return fail(`No currency in ${JSON.stringify(text)} and none configured for the column`);
  const digits = minorDigits(chosen);
  if (digits === undefined) return fail(`Unknown currency ${chosen}`);
  // A trailing ",-" (Dutch for "whole euros") means no cents.
  const number = parseDecimal(s.replace(/[,.]-$/, ""), decimal);
  if (!number.ok) return number;
  const [, fraction = ""] = String(Math.abs(number.value)).split(".");
  if (fraction.length > digits) return fail(`${JSON.stringify(text)} has more decimals than ${chosen} has (${digits})`);
  return { ok: true, value: { amount: Math.round(number.value * 10 ** digits), currency: chosen } };
}

const TRUE = new Set(["1", "true", "yes", "y", "ja", "j", "waar", "x", "✓", "on"]);
const FALSE = new Set(["0", "false", "no", "n", "nee", "onwaar", "off", "-"]);

/** Reads yes/no in English and Dutch spellings (`ja`, `nee`, `x`, `1`, `true`, …). */
export function parseBoolean(text: string): Parsed<boolean> {
  const s = text.trim().toLowerCase();
  if (TRUE.has(s)) return { ok: true, value: true };
  if (FALSE.has(s)) return { ok: true, value: false };
  return fail(`Not a yes/no value: ${JSON.stringify(text)}`);
}
