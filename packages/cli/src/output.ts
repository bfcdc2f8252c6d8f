/**
 * What a command prints and how it ends. Exit codes let a script tell apart a command line that
 * was wrong (2), input the CRM refused (3: invalid rows, a bad mapping, an unknown relation) and a
 * failure of the database or the machine (1). `--json` prints one JSON document on stdout.
 */
import { isCrmError } from "@kaartenbak/core";

/** The exit codes of the command line. */
export const EXIT = { ok: 0, failure: 1, usage: 2, invalidInput: 3 } as const;

/** A mistake on the command line itself (unknown preset, missing database, bad --map). */
export class UsageError extends Error {
  override readonly name = "UsageError";
}

/** Where a command writes. */
export interface Io {
  readonly stdout: NodeJS.WritableStream & { isTTY?: boolean };
  readonly stderr: NodeJS.WritableStream & { isTTY?: boolean };
}

/** Prints the result of a command: JSON, or the human lines. */
export function print(io: Io, json: boolean | undefined, value: unknown, lines: () => string[]): void {
  if (json) io.stdout.write(`${JSON.stringify(value, (_k, v: unknown) => (typeof v === "bigint" ? v.toString() : v), 2)}\n`);
  else for (const line of lines()) io.stdout.write(`${line}\n`);
}

/** The exit code and message of an error. */
export function failure(error: unknown): { code: number; message: string; detail?: unknown } {
  if (error instanceof UsageError) return { code: EXIT.usage, message: error.message };
  if (isCrmError(error)) {
    const invalid = ["VALIDATION", "NOT_FOUND", "DUPLICATE", "INVALID_STATE", "STALE_VERSION"].includes(error.code);
    const issues = error.issues.map((i) => `  ${i.path.join(".") || "(input)"}: ${i.message}`);
    return {
      code: invalid ? EXIT.invalidInput : EXIT.failure,
      message: [`${error.code}: ${error.message}`, ...issues.slice(0, 50), ...(issues.length > 50 ? [`  … and ${issues.length - 50} more`] : [])].join("\n"),
      detail: { code: error.code, reason: error.details.reason, issues: error.issues },
    };
  }
  return { code: EXIT.failure, message: error instanceof Error ? error.message : String(error) };
}
