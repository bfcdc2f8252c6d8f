import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { dirname, join, relative } from "node:path";
import { fileURLToPath } from "node:url";
import ts from "typescript";
import { afterAll, describe, expect, it } from "vitest";
import { filterSchema } from "../src/filter/schema.js";

// Every `@example` in the published packages' JSDoc compiles against the real API: each one is
// written into a file with a shared prelude (imports and the free names examples use, such as
// `crm`, `acme` or the host's `db`) and type-checked. An example that starts with `{` is JSON and
// must parse (and, where it is a filter, validate).
const repo = join(dirname(fileURLToPath(import.meta.url)), "..", "..", "..");
const packages = ["core", "store-kysely", "adapter-sqlite", "adapter-postgres", "connector-outlook", "conformance"];

interface Example {
  readonly where: string;
  readonly code: string;
}

function sourceFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? sourceFiles(path) : path.endsWith(".ts") ? [path] : [];
  });
}

function examplesOf(file: string): Example[] {
  const lines = readFileSync(file, "utf8").split("\n");
  const found: Example[] = [];
  for (let i = 0; i < lines.length; i++) {
    if (!/^\s*\*\s*@example\s*$/.test(lines[i]!)) continue;
    const body: string[] = [];
    let j = i + 1;
    for (; j < lines.length && !/^\s*\*\//.test(lines[j]!) && !/^\s*\*\s*@\w+/.test(lines[j]!); j++) body.push(lines[j]!.replace(/^\s*\* ?/, ""));
    found.push({ where: `${relative(repo, file)}:${i + 1}`, code: body.join("\n").trim() });
  }
  return found;
}

const PRELUDE = `
import Database from "better-sqlite3";
import pg from "pg";
import { Migrator, type Kysely, type Transaction } from "kysely";
import { createCrm, defineAttributes, filterBuilder, formatAmount, isCrmError, CRM_VOCABULARY, type Crm, type InteractionInput, type TenantCrm } from "@kaartenbak/core";
import { createSyncEngine, type Connector } from "@kaartenbak/core/sync";
import type { StorageAdapter } from "@kaartenbak/core/storage";
import { migrations } from "@kaartenbak/store-kysely";
import { sqliteAdapter, sqliteProfile } from "@kaartenbak/adapter-sqlite";
import { postgresAdapter } from "@kaartenbak/adapter-postgres";
import { outlookConnector } from "@kaartenbak/connector-outlook";
import { startFakeGraph } from "@kaartenbak/connector-outlook/testing";
import type { RawAccess } from "@kaartenbak/conformance";
void [Database, pg, Migrator, createCrm, defineAttributes, filterBuilder, formatAmount, isCrmError, CRM_VOCABULARY, createSyncEngine, migrations, sqliteAdapter, sqliteProfile, postgresAdapter, outlookConnector, startFakeGraph];
const attributes = defineAttributes({ version: 1, attributes: { industry: { type: "enum", values: ["retail", "finance"], appliesTo: ["organisation"] } } });
interface HostDb { invoices: { id: number; customer: string; total_cents: number } }
declare const crm: Crm<typeof attributes, Transaction<any>>;
declare const acme: TenantCrm<typeof attributes>;
declare const db: Kysely<HostDb>;
declare const invoice: HostDb["invoices"];
declare const moment: InteractionInput;
declare const id: string;
declare const tokens: { forMailbox(mailbox: string): Promise<string> };
declare const connector: Connector;
declare const storage: StorageAdapter;
declare const raw: RawAccess;
declare const teardown: () => Promise<void>;
declare function t(key: string): string;
`;

const examples = packages.flatMap((name) => sourceFiles(join(repo, "packages", name, "src")).flatMap(examplesOf));
const dir = mkdtempSync(join(repo, "packages", "core", ".jsdoc-examples-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe("JSDoc examples", () => {
  it("exist in the public entry points", () => {
    expect(examples.length).toBeGreaterThanOrEqual(15);
  });

  it("JSON examples parse, and filters among them validate", () => {
    for (const example of examples.filter((e) => e.code.startsWith("{"))) {
      const value: unknown = JSON.parse(example.code);
      if (example.where.includes("filter")) expect(filterSchema.safeParse(value).success, example.where).toBe(true);
    }
  });

  it("TypeScript examples compile against the API", () => {
    const files = examples
      .filter((e) => !e.code.startsWith("{"))
      .map((example, index) => {
        // import lines of an example go to the top; the rest runs in an async function body.
        const imports = example.code.split("\n").filter((line) => line.startsWith("import "));
        const body = example.code.split("\n").filter((line) => !line.startsWith("import "));
        const file = join(dir, `example-${index}.ts`);
        writeFileSync(file, `// ${example.where}\n${imports.join("\n")}\n${PRELUDE}\nexport async function example() {\n${body.join("\n")}\n}\n`);
        return { file, where: example.where };
      });
    const config = ts.parseJsonConfigFileContent(
      JSON.parse(readFileSync(join(repo, "packages", "core", "tsconfig.json"), "utf8").replace(/"extends": "[^"]+"/, '"extends": "../../tsconfig.base.json"')),
      ts.sys,
      join(repo, "packages", "core"),
    );
    const program = ts.createProgram(
      files.map((f) => f.file),
      { ...config.options, noEmit: true, noUnusedLocals: false },
    );
    const problems = files.flatMap(({ file, where }) =>
      ts.getPreEmitDiagnostics(program, program.getSourceFile(file)).map((d) => `${where}: ${ts.flattenDiagnosticMessageText(d.messageText, "\n")}`),
    );
    expect(problems).toEqual([]);
  });
});
