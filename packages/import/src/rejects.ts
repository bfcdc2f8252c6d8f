/**
 * The reject file: the refused rows as CSV, with the file's own columns and a `Reason` column, so
 * a user can fix them in a spreadsheet and import that file again. Cells are formula-escaped
 * (OWASP "CSV injection"): names and notes are text anyone could type.
 */
import type { Writable } from "node:stream";
import { stringify, type Stringifier } from "csv-stringify";
import type { CsvRecord } from "./csv-reader.js";
import type { RowProblem } from "./map-row.js";

/** Writes refused rows to `out` in the order given. */
export interface RejectWriter {
  write(record: CsvRecord, problems: readonly RowProblem[]): Promise<void>;
  /** Flushes what is buffered; `out` itself stays open. */
  close(): Promise<void>;
}

/** A reject writer for a file with `header`, using the file's delimiter. */
export function rejectWriter(out: Writable, header: readonly string[], delimiter: string): RejectWriter {
  const columns = [...header, "Reason"];
  const stringifier: Stringifier = stringify({ delimiter, escape_formulas: true, record_delimiter: "windows" });
  stringifier.on("data", (chunk: Buffer) => out.write(chunk));
  const push = (row: string[]) =>
    new Promise<void>((resolve, reject) => {
      stringifier.write(row, (error) => (error ? reject(error) : resolve()));
    });
  let started = false;
  return {
    async write(record, problems) {
      if (!started) {
        started = true;
        await push(columns);
      }
      const reason = problems.map((p) => (p.column ? `${p.column}: ${p.message}` : p.message)).join("; ");
      const extra = Object.keys(record.fields).filter((k) => !header.includes(k));
      await push([...header.map((h) => record.fields[h] ?? ""), reason, ...extra.map((k) => record.fields[k]!)]);
    },
    close: () =>
      new Promise<void>((resolve, reject) => {
        stringifier.once("end", resolve);
        stringifier.once("error", reject);
        stringifier.end();
        stringifier.resume();
      }),
  };
}
