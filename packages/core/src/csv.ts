/**
 * RFC 4180 CSV: fields are separated by commas and records end with CRLF; a field containing a
 * comma, a double quote, CR or LF is enclosed in double quotes, with each double quote doubled.
 *
 * Formula escaping (OWASP "CSV Injection"): a spreadsheet runs a cell that starts with `=`, `+`,
 * `-`, `@`, a tab or a carriage return as a formula (`=cmd|' /C calc'!A0`, `@SUM(…)`), and mailing
 * lists carry names anyone can type. So a **string** starting with one of those six characters is
 * written with a single quote `'` in front, and then quoted per RFC 4180 if it needs that. The rule:
 *
 * - Only strings are escaped. A **number** is the SDK's own figure, not user text: it is written as
 *   `String(value)`, so `-5` stays `-5` and a spreadsheet reads it as the number −5. A string
 *   `"-5"` is text as far as this module knows, so it becomes `'-5`.
 * - The escape is part of the written value: {@link parseCsv} returns `'=1+1` for a field written
 *   from `=1+1` (it does not strip the quote, because it cannot tell that field from text that
 *   really started with `'=`). Every other value round-trips unchanged.
 */

/** The first characters that make a spreadsheet treat a cell as a formula (OWASP). */
const FORMULA_START = /^[=+\-@\t\r]/;

/**
 * One field, quoted when RFC 4180 requires it. `null` is the empty field. A string starting with
 * `=`, `+`, `-`, `@`, tab or CR gets a leading `'` (formula escaping); a number is written as it is.
 */
export function csvField(value: string | number | null): string {
  if (value === null) return "";
  const text = typeof value === "number" ? String(value) : FORMULA_START.test(value) ? `'${value}` : value;
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

/** One record, with its CRLF terminator. */
export function csvRecord(fields: ReadonlyArray<string | number | null>): string {
  return `${fields.map(csvField).join(",")}\r\n`;
}

/** Parses RFC 4180 text into records (used by tests and hosts that read exports back). */
export function parseCsv(text: string): string[][] {
  const records: string[][] = [];
  let record: string[] = [];
  let field = "";
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') {
        field += '"';
        i++;
      } else if (c === '"') quoted = false;
      else field += c;
    } else if (c === '"') quoted = true;
    else if (c === ",") {
      record.push(field);
      field = "";
    } else if (c === "\r" && text[i + 1] === "\n") {
      record.push(field);
      records.push(record);
      record = [];
      field = "";
      i++;
    } else field += c;
  }
  if (field !== "" || record.length > 0) records.push([...record, field]);
  return records;
}
