/**
 * Where an import reads from, and how its bytes become text. Files from spreadsheets and old mail
 * clients are often Windows-1252 rather than UTF-8, with or without a byte-order mark, so the
 * encoding is detected unless the caller names it.
 */
import { createReadStream } from "node:fs";
import { basename } from "node:path";
import { Readable } from "node:stream";
import { TextDecoder } from "node:util";
import iconv from "iconv-lite";
import { configError } from "./errors.js";

/** An import's input: a file path, a byte stream, or the whole text as a string. */
export type ImportInput = { readonly path: string } | { readonly stream: Readable } | { readonly text: string };

/** The encodings an import reads. `auto` (default) picks UTF-8 unless the bytes are not valid UTF-8. */
export type ImportEncoding = "auto" | "utf-8" | "windows-1252";

/** How many bytes of a stream are examined to detect its encoding; a path is examined whole. */
export const SNIFF_BYTES = 64 * 1024;

/** Opened input: its text in chunks, the encoding used, and the file name when known. */
export interface OpenedText {
  readonly chunks: AsyncIterable<string>;
  readonly encoding: "utf-8" | "windows-1252";
  readonly fileName: string | undefined;
}

/** True when the bytes are valid UTF-8; `final` is false while more bytes may follow (a split character is fine). */
function validUtf8(decoder: TextDecoder, bytes: Uint8Array, final: boolean): boolean {
  try {
    decoder.decode(bytes, { stream: !final });
    return true;
  } catch {
    return false;
  }
}

/** A UTF-8 byte-order mark says the file means to be UTF-8; a bad byte later is damage, not another encoding. */
const hasBom = (bytes: Buffer) => bytes.length >= 3 && bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf;

/** Reads a whole file once (bounded memory) to learn whether it is UTF-8. */
async function fileIsUtf8(path: string): Promise<boolean> {
  const decoder = new TextDecoder("utf-8", { fatal: true });
  let first = true;
  for await (const chunk of createReadStream(path)) {
    if (first && hasBom(chunk as Buffer)) return true;
    first = false;
    if (!validUtf8(decoder, chunk as Buffer, false)) return false;
  }
  return validUtf8(decoder, new Uint8Array(0), true);
}

/** Yields the buffered head first, then the rest of the stream. */
async function* prepend(head: Buffer[], rest: AsyncIterator<Buffer>): AsyncGenerator<Buffer> {
  yield* head;
  for (;;) {
    const next = await rest.next();
    if (next.done) return;
    yield next.value;
  }
}

/** Decodes byte chunks to text chunks; a character split across chunks is kept whole. */
async function* decode(bytes: AsyncIterable<Buffer>, encoding: "utf-8" | "windows-1252"): AsyncGenerator<string> {
  if (encoding === "windows-1252") {
    const decoder = iconv.getDecoder("win1252");
    for await (const chunk of bytes) yield decoder.write(chunk);
    const tail = decoder.end();
    if (tail) yield tail;
    return;
  }
  // Not fatal: a stream sniffed as UTF-8 whose later bytes are not gets U+FFFD there, never a crash.
  const decoder = new TextDecoder("utf-8", { ignoreBOM: false });
  for await (const chunk of bytes) yield decoder.decode(chunk as Buffer, { stream: true });
  const tail = decoder.decode();
  if (tail) yield tail;
}

async function* single(text: string): AsyncGenerator<string> {
  yield text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
}

/**
 * Opens the input as text. A path is checked whole for UTF-8 validity (streamed, then read again);
 * a stream by its first {@link SNIFF_BYTES} bytes, since it cannot be read twice.
 */
export async function openText(input: ImportInput, encoding: ImportEncoding, fileName: string | undefined): Promise<OpenedText> {
  if (input === null || typeof input !== "object") throw configError("input", "Expected { path }, { stream } or { text }");
  if ("text" in input) {
    if (typeof input.text !== "string") throw configError("input.text", "Expected a string");
    return { chunks: single(input.text), encoding: "utf-8", fileName };
  }
  if ("path" in input) {
    if (typeof input.path !== "string" || input.path === "") throw configError("input.path", "Expected a file path");
    const chosen = encoding === "auto" ? ((await fileIsUtf8(input.path)) ? "utf-8" : "windows-1252") : encoding;
    const bytes = createReadStream(input.path) as AsyncIterable<Buffer>;
    return { chunks: decode(bytes, chosen), encoding: chosen, fileName: fileName ?? basename(input.path) };
  }
  if (!("stream" in input) || !(input.stream instanceof Readable)) throw configError("input", "Expected { path }, { stream } or { text }");
  const iterator = (input.stream as AsyncIterable<Buffer | string>)[Symbol.asyncIterator]();
  const head: Buffer[] = [];
  let size = 0;
  while (size < SNIFF_BYTES) {
    const next = await iterator.next();
    if (next.done) break;
    const chunk = typeof next.value === "string" ? Buffer.from(next.value, "utf8") : next.value;
    head.push(chunk);
    size += chunk.length;
  }
  const rest = iterator as AsyncIterator<Buffer>;
  let chosen: "utf-8" | "windows-1252" = encoding === "windows-1252" ? "windows-1252" : "utf-8";
  if (encoding === "auto") {
    // The sniffed head may end inside a character: only a definite error counts.
    const decoder = new TextDecoder("utf-8", { fatal: true });
    const bytes = Buffer.concat(head);
    if (!hasBom(bytes) && !validUtf8(decoder, bytes, false)) chosen = "windows-1252";
  }
  return { chunks: decode(prepend(head, rest), chosen), encoding: chosen, fileName };
}
