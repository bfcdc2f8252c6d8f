import { formatAmount } from "@kaartenbak/core";
import { type Money } from "@kaartenbak/core";

/** Formats rows as a plain-text table with a header rule; numeric-looking cells are right-aligned. */
export function table(header: readonly string[], rows: readonly (readonly string[])[]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? "").length)));
  const numeric = header.map((_, i) => rows.length > 0 && rows.every((r) => /^[-\d.,%\s]*$|^[A-Z]{3} /.test(r[i] ?? "")));
  const cell = (c: string, i: number) => (numeric[i] ? c.padStart(widths[i]!) : c.padEnd(widths[i]!));
  const line = (cells: readonly string[]) => "  " + cells.map(cell).join("  ").trimEnd();
  return [line(header), line(widths.map((w) => "-".repeat(w))), ...rows.map(line)].join("\n");
}

/** Minor units of a currency with two decimals (for the demo's EUR and USD), exactly: `EUR 12,500.00`. */
export function money(m: Money): string {
  const [whole, fraction] = formatAmount(m).split(".");
  return `${m.currency} ${whole!.replace(/\B(?=(\d{3})+(?!\d))/g, ",")}${fraction === undefined ? "" : `.${fraction}`}`;
}

/** A report money figure (one entry per currency) as text; `-` when empty. */
export function moneys(list: readonly Money[]): string {
  return list.length ? list.map(money).join(" + ") : "-";
}

/** A ratio as a percentage with one decimal. */
export function percent(ratio: number | null): string {
  return ratio === null ? "-" : `${(ratio * 100).toFixed(1)}%`;
}
