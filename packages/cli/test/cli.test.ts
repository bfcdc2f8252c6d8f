/**
 * The built `kaartenbak` executable, run as a child process the way a user runs it: on a SQLite
 * file, and on Postgres through DATABASE_URL in a schema of its own.
 */
import { execFile } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, describe, expect, it } from "vitest";
import Database from "better-sqlite3";
import pg from "pg";
import { dropSchema, freshSchemaName, testDatabaseUrl } from "@kaartenbak/adapter-postgres/testing";

const BIN = fileURLToPath(new URL("../bin/kaartenbak.js", import.meta.url));
const OUTLOOK = fileURLToPath(new URL("../../import/test/fixtures/outlook-contacts.csv", import.meta.url));
const dir = mkdtempSync(join(tmpdir(), "kb-cli-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

interface Run {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

function kaartenbak(args: string[], env: Record<string, string> = {}): Promise<Run> {
  return new Promise((resolve) => {
    execFile(process.execPath, [BIN, ...args], { env: { PATH: process.env.PATH ?? "", ...env } }, (error, stdout, stderr) => {
      resolve({ code: error ? Number((error as { code?: number }).code ?? 1) : 0, stdout, stderr });
    });
  });
}
const json = (run: Run) => JSON.parse(run.stdout) as Record<string, unknown>;

describe("kaartenbak on a SQLite file", () => {
  const db = join(dir, "crm.db");
  const rows = (sql: string) => {
    const d = new Database(db, { readonly: true });
    try {
      return d.prepare(sql).all() as Record<string, unknown>[];
    } finally {
      d.close();
    }
  };

  it("migrates, then a dry run reports per row and writes nothing, then an import writes and a second changes nothing", async () => {
    const migrated = await kaartenbak(["--db", db, "--json", "migrate"]);
    expect(migrated.code).toBe(0);
    expect(json(migrated).current).toContain("001-foundation");
    const dry = await kaartenbak(["--db", db, "--json", "import", OUTLOOK, "--dry-run"]);
    expect(dry.code).toBe(0);
    expect(json(dry)).toMatchObject({ rowsRead: 3, created: 3, committed: false });
    expect(rows("select count(*) as n from kb_relations")[0]!.n).toBe(0);
    const first = await kaartenbak(["--db", db, "import", OUTLOOK]);
    expect(first.code).toBe(0);
    expect(first.stdout).toMatch(/^Created 3, updated 0, unchanged 0, invalid 0/);
    expect(rows("select count(*) as n from kb_relations")[0]!.n).toBe(4);
    const second = await kaartenbak(["--db", db, "--json", "import", OUTLOOK]);
    expect(json(second)).toMatchObject({ created: 0, updated: 0, unchanged: 3 });
  });

  it("exits 3 on refused rows, naming each, imports the valid ones and writes the rejects file", async () => {
    const file = join(dir, "klanten.csv");
    writeFileSync(file, "Voornaam;Achternaam;Mail\nAnna;Jansen;anna@example.com\nBram;Visser;not-an-address\n;;\nCarla;Smit;carla@example.com\n");
    const rejects = join(dir, "rejects.csv");
    const maps = ["--map", "Voornaam=givenName", "--map", "Achternaam=familyName", "--map", "Mail=email:work"];
    const run = await kaartenbak(["--db", db, "--tenant", "nl", "import", file, ...maps, "--rejects", rejects]);
    expect(run.code).toBe(3);
    expect(run.stdout).toContain("Created 2,");
    expect(run.stdout).toMatch(/row 3 Mail: .*e-mail/i);
    expect(readFileSync(rejects, "utf8")).toContain("not-an-address");
    const none = await kaartenbak(["--db", db, "--tenant", "nl2", "--json", "import", file, ...maps, "--all-or-nothing"]);
    expect(none.code).toBe(3);
    expect(json(none)).toMatchObject({ committed: false, invalid: 1 });
  });

  it("exits 2 on a wrong command line and names the problem", async () => {
    const preset = await kaartenbak(["--db", db, "import", OUTLOOK, "--preset", "lotus"]);
    expect(preset.code).toBe(2);
    expect(preset.stderr).toContain("lotus");
    const map = await kaartenbak(["--db", db, "import", OUTLOOK, "--map", "First Name=shoeSize"]);
    expect(map.code).toBe(2);
    expect(map.stderr).toContain("shoeSize");
    const nowhere = await kaartenbak(["import", OUTLOOK]);
    expect(nowhere.code).toBe(2);
    expect(nowhere.stderr).toContain("DATABASE_URL");
    expect((await kaartenbak(["frobnicate"])).code).toBe(2);
  });

  it("exports to CSV, .xlsx and vCard, and each file imports into another tenant as the same relations", async () => {
    for (const name of ["all.csv", "all.xlsx", "all.vcf"]) {
      const file = join(dir, name);
      const out = await kaartenbak(["--db", db, "--json", "export", file]);
      expect(out.code).toBe(0);
      expect(json(out).relations).toBe(4);
      const back = await kaartenbak(["--db", db, "--tenant", `copy-${name}`, "--json", "import", file]);
      expect(back.code).toBe(0);
      expect(json(back)).toMatchObject({ invalid: 0 });
      const names = (tenant: string) => rows(`select name from kb_relations where tenant_id = '${tenant}' order by name`).map((r) => r.name);
      expect(names(`copy-${name}`)).toEqual(names("default"));
    }
  });

  it("access-export writes everything about a person; erase removes it; an unknown id exits 3", async () => {
    const anna = String(rows("select id from kb_relations where tenant_id = 'default' and name = 'Anna Jansen'")[0]!.id);
    const out = join(dir, "anna.json");
    expect((await kaartenbak(["--db", db, "access-export", anna, "--out", out])).code).toBe(0);
    expect(readFileSync(out, "utf8")).toContain("anna.jansen@example.com");
    const erased = await kaartenbak(["--db", db, "--json", "erase", anna, "--note", "request 7"]);
    expect(erased.code).toBe(0);
    expect(JSON.stringify(rows("select * from kb_relation_emails where tenant_id = 'default'"))).not.toContain("anna.jansen");
    const unknown = await kaartenbak(["--db", db, "--json", "erase", "0190aaaa-0000-7000-8000-000000000000"]);
    expect(unknown.code).toBe(3);
    expect(json(unknown)).toMatchObject({ exitCode: 3, error: { detail: { code: "NOT_FOUND" } } });
  });

  it("runs a duplicate scan and the forecast report; the funnel without a pipeline is a usage error", async () => {
    const scan = await kaartenbak(["--db", db, "--json", "dedupe", "scan"]);
    expect(scan.code).toBe(0);
    expect(json(scan)).toHaveProperty("found");
    const forecast = await kaartenbak(["--db", db, "--json", "report", "forecast", "--from", "2026-01-01", "--to", "2027-01-01"]);
    expect(forecast.code).toBe(0);
    expect(json(forecast)).toHaveProperty("periods");
    expect((await kaartenbak(["--db", db, "report", "funnel"])).code).toBe(2);
  });
});

describe("kaartenbak on Postgres (DATABASE_URL)", () => {
  const url = testDatabaseUrl();
  const schema = freshSchemaName("kb_cli");
  afterAll(async () => {
    const pool = new pg.Pool({ connectionString: url, max: 1 });
    await dropSchema(pool, schema);
    await pool.end();
  });

  it("migrates, imports, re-imports without change and exports", async () => {
    const env = { DATABASE_URL: url };
    expect((await kaartenbak(["--schema", schema, "migrate"], env)).code).toBe(0);
    const first = await kaartenbak(["--schema", schema, "--json", "import", OUTLOOK], env);
    expect(first.code).toBe(0);
    expect(json(first)).toMatchObject({ created: 3 });
    expect(json(await kaartenbak(["--schema", schema, "--json", "import", OUTLOOK], env))).toMatchObject({ unchanged: 3 });
    const file = join(dir, "pg.csv");
    expect(json(await kaartenbak(["--schema", schema, "--json", "export", file], env)).relations).toBe(4);
  });
});
