/**
 * CSV records from text chunks, on csv-parse (streaming, RFC 4180: quoted fields with embedded
 * line breaks and doubled quotes). Rows are numbered as a spreadsheet shows them: the header is
 * row 1, and an empty line is an (empty) row, so a reported row number is the one the user sees.
 */
import { Readable } from "node:stream";
import { parse } from "csv-parse";
import { CrmError } from "@kaartenbak/core";

/** The delimiters an import detects; others can be given explicitly. */
export const DELIMITERS = [",", ";", "\t", "|"] as const;

/** A cell value a spreadsheet stores with its type, so it needs no parsing from text. */
export type TypedValue = number | boolean | Date;

/** One data record: its row number (header = 1) and its fields by header name, as text. */
export interface CsvRecord {
  /** The row number (header = 1), or for a vCard the line of its BEGIN:VCARD. */
  readonly row: number;
  /** Every cell's text by header name. */
  readonly fields: Readonly<Record<string, string>>;
  /** Cells a spreadsheet stored as numbers, booleans or dates, by header name (their text is in `fields`). */
  readonly typed?: Readonly<Record<string, TypedValue>>;
}

/** The header and a lazy sequence of records. */
export interface CsvTable {
  readonly header: readonly string[];
  readonly delimiter: string;
  readonly records: AsyncIterable<CsvRecord>;
}

/**
 * Picks the delimiter that occurs most often outside quotes in the first line; `,` when none does.
 * Only the header line is read: it is never quoted across lines in the exports this is for.
 */
export function detectDelimiter(head: string): string {
  const counts = new Map<string, number>(DELIMITERS.map((d) => [d, 0]));
  let quoted = false;
  for (const ch of head) {
    if (ch === '"') quoted = !quoted;
    else if (!quoted && (ch === "\n" || ch === "\r")) break;
    else if (!quoted && counts.has(ch)) counts.set(ch, counts.get(ch)! + 1);
  }
  let best = ",";
  for (const [d, n] of counts) if (n > counts.get(best)!) best = d;
  return best;
}

/** Reads text until its first line break (or its end), then gives all of it back. */
async function peekFirstLine(chunks: AsyncIterable<string>): Promise<{ head: string; all: AsyncIterable<string> }> {
  const iterator = chunks[Symbol.asyncIterator]();
  const buffered: string[] = [];
  let head = "";
  while (!/[\r\n]/.test(head) && head.length < 1 << 20) {
    const next = await iterator.next();
    if (next.done) break;
    buffered.push(next.value);
    head += next.value;
  }
  async function* all(): AsyncGenerator<string> {
    yield* buffered;
    for (;;) {
      const next = await iterator.next();
      if (next.done) return;
      yield next.value;
    }
  }
  return { head, all: all() };
}

/**
 * Takes off the `'` that a formula-escaping writer (Kaartenbak's exports and reject files,
 * csv-stringify's `escape_formulas`) puts before a cell starting with `=`, `+`, `-`, `@`, a tab
 * or a CR, so an exported `'+31 20 123 4567` imports as the number it was.
 */
export function unescapeFormula(cell: string): string {
  return cell.length > 1 && cell[0] === "'" && "=+-@\t\r".includes(cell[1]!) ? cell.slice(1) : cell;
}

function malformed(error: unknown): CrmError<"VALIDATION"> {
  const e = error as { message?: string; lines?: number; code?: string };
  const message = `The file is not valid CSV near line ${e.lines ?? "?"}: ${e.message ?? String(error)}`;
  return new CrmError("VALIDATION", message, { issues: [{ path: ["file"], message, code: e.code ?? "malformed_csv" }], reason: "invalid_input", cause: error });
}

/**
 * Parses CSV text. A header repeated (e.g. two "Notes" columns) keeps the first occurrence under
 * its name and the next ones as "Notes (2)", so no column is lost. Malformed CSV (an unclosed
 * quote) is VALIDATION naming the line.
 */
export async function readCsv(chunks: AsyncIterable<string>, delimiter: string | undefined): Promise<CsvTable> {
  const { head, all } = await peekFirstLine(chunks);
  const chosen = delimiter ?? detectDelimiter(head);
  const parser = Readable.from(all).pipe(parse({ delimiter: chosen, bom: true, relax_column_count: true, skip_empty_lines: false, info: true }));
  const iterator = (parser as AsyncIterable<{ record: string[]; info: { records: number } }>)[Symbol.asyncIterator]();
  let first: IteratorResult<{ record: string[]; info: { records: number } }>;
  try {
    first = await iterator.next();
  } catch (error) {
    throw malformed(error);
  }
  const seen = new Map<string, number>();
  const header = first.done
    ? []
    : first.value.record.map((raw) => {
        const name = raw.trim();
        const n = (seen.get(name) ?? 0) + 1;
        seen.set(name, n);
        return n === 1 ? name : `${name} (${n})`;
      });
  async function* records(): AsyncGenerator<CsvRecord> {
    for (;;) {
      let next: IteratorResult<{ record: string[]; info: { records: number } }>;
      try {
        next = await iterator.next();
      } catch (error) {
        throw malformed(error);
      }
      if (next.done) return;
      const fields: Record<string, string> = {};
      next.value.record.forEach((raw, i) => {
        const value = unescapeFormula(raw);
        // Cells past the header have no name; they are kept so the reject file loses nothing.
        const name = header[i] ?? `column ${i + 1}`;
        Object.defineProperty(fields, name, { value, enumerable: true, writable: true, configurable: true });
      });
      yield { row: next.value.info.records, fields };
    }
  }
  return { header, delimiter: chosen, records: records() };
}
