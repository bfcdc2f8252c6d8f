import { readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { CRM_VOCABULARY } from "../src/index.js";

// The README's tables of event types and error codes are what consumers read; they must list
// exactly what the SDK has.
const readme = readFileSync(join(dirname(fileURLToPath(import.meta.url)), "..", "README.md"), "utf8");

describe("the README", () => {
  it("lists every outbox event type exactly once, and no other", () => {
    const table = readme.slice(readme.indexOf("<!-- event-table:start -->"), readme.indexOf("<!-- event-table:end -->"));
    const listed = [...table.matchAll(/`([a-z_]+\.[a-z_]+)`/g)].map((m) => m[1]);
    expect([...listed].sort()).toEqual([...CRM_VOCABULARY.eventTypes].sort());
  });

  it("has a row for every error code", () => {
    const codes = [...readme.matchAll(/^\| `([A-Z_]+)` *\|/gm)].map((m) => m[1]);
    expect(codes).toEqual([...CRM_VOCABULARY.errorCodes]);
  });
});
