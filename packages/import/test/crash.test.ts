import { spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, describe, expect, it } from "vitest";
import { createCrm, type TenantCrm } from "@kaartenbak/core";
import { faultyStorage, InjectedFault } from "@kaartenbak/conformance";
import { importCsv, type ImportCheckpoint } from "../src/index.js";
import { crashMapping, writeCrashFile } from "./crash-file.js";
import { DATABASE_URL, databaseFor, ENGINES, freshTenant, type TestDb } from "./harness.js";

const WORKER = fileURLToPath(new URL("./crash-worker.ts", import.meta.url));
const ROWS = 40;

/** What a tenant holds, independent of ids and instants: relations by name with e-mails, tags, refs and employers. */
async function state(db: TestDb, tenantId: string) {
  const t = db.crm().tenant(tenantId);
  const relations = await Promise.all((await db.rows("kb_relations", tenantId)).map((r) => t.relations.get(String(r.id))));
  const names = new Map(relations.map((r) => [r!.id, r!.name]));
  const out = [];
  for (const r of relations) {
    const links = await t.links.list(r!.id);
    out.push({
      name: r!.name,
      kind: r!.kind,
      emails: r!.emails.map((e) => e.address),
      tags: r!.tags,
      refs: r!.externalRefs.map((x) => `${x.system}:${x.externalId}`),
      version: r!.version,
      employers: links.flatMap((l) => (l.kind === "employment" && l.personId === r!.id ? [`${names.get(l.organisationId)}|${l.jobTitle}`] : [])),
    });
  }
  const counts = await db.counts(tenantId);
  return { relations: out.sort((a, b) => (a.name < b.name ? -1 : 1)), counts };
}

/** Runs the worker; kills it with SIGKILL after `killAfter` checkpoints (plus a random few ms). */
function runWorker(env: Record<string, string>, killAfter: number): Promise<{ done: boolean }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ["--conditions=dev-source", "--import", "tsx", WORKER], {
      env: { ...process.env, ...env },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let chunks = 0;
    let done = false;
    let stderr = "";
    child.stdout.setEncoding("utf8").on("data", (data: string) => {
      for (const line of data.split("\n")) {
        if (line === "chunk") chunks++;
        if (line === "done") done = true;
      }
      // Sometimes between chunks, sometimes inside the next one (after its commit, before its checkpoint).
      if (chunks >= killAfter && !child.killed) setTimeout(() => child.kill("SIGKILL"), Math.floor(Math.random() * 10));
    });
    child.stderr.setEncoding("utf8").on("data", (data: string) => (stderr += data));
    child.on("error", reject);
    child.on("exit", (code, signal) =>
      signal === "SIGKILL" || code === 0 ? resolve({ done }) : reject(new Error(`crash worker exited with ${code}: ${stderr}`)),
    );
  });
}

for (const engine of ENGINES) {
  describe(`crash and resume: ${engine}`, () => {
    const dir = mkdtempSync(join(tmpdir(), "kb-import-crash-"));
    const file = join(dir, "people.csv");
    const sqliteFile = join(dir, "crm.db");
    const schema = `kb_icrash_${randomBytes(5).toString("hex")}`;
    writeCrashFile(file, ROWS);
    const database = databaseFor(engine, engine === "sqlite" ? { filename: sqliteFile } : { schema });
    let cleanRun: Promise<Awaited<ReturnType<typeof state>>> | undefined;
    /** The state after a clean import of the file into a tenant of its own, made once. */
    const clean = () =>
      (cleanRun ??= (async () => {
        const db = database();
        const tenantId = freshTenant();
        const result = await importCsv(db.crm().tenant(tenantId), { path: file }, { mapping: crashMapping, chunkSize: 3 });
        expect(result.invalid).toBeGreaterThan(0);
        expect(result.skipped).toBeGreaterThan(0);
        return state(db, tenantId);
      })());
    afterAll(async () => {
      if (engine === "postgres") {
        const pg = await import("pg");
        const pool = new pg.default.Pool({ connectionString: DATABASE_URL, max: 1 });
        await pool.query(`drop schema if exists ${schema} cascade`);
        await pool.end();
      }
      rmSync(dir, { recursive: true, force: true });
    });

    it("a fault in storage at a random call, then a resume from the last checkpoint, gives exactly the rows of a clean run", async () => {
      const db = database();
      const expected = await clean();
      const probe = faultyStorage(db.storage, Infinity);
      await importCsv(
        createCrm({ storage: probe.storage, defaultRegion: "NL" }).tenant(freshTenant()),
        { path: file },
        { mapping: crashMapping, chunkSize: 3 },
      );
      const calls = probe.calls();
      const runs = 8;
      for (let run = 0; run < runs; run++) {
        const tenantId = freshTenant();
        // One random call in each eighth of the run: early (employers), middle and late chunks all get hit.
        const failAt = 1 + Math.floor(((run + Math.random()) * calls) / runs);
        const faulty = faultyStorage(db.storage, failAt);
        let last: ImportCheckpoint | undefined;
        const crashed = await importCsv(
          createCrm({ storage: faulty.storage, defaultRegion: "NL" }).tenant(tenantId),
          { path: file },
          {
            mapping: crashMapping,
            chunkSize: 3,
            onCheckpoint: (c) => void (last = c),
          },
        ).catch((e: unknown) => e);
        expect(crashed).toBeInstanceOf(InjectedFault);
        const t: TenantCrm = db.crm().tenant(tenantId);
        const resumed = await importCsv(t, { path: file }, { mapping: crashMapping, chunkSize: 3, ...(last ? { resumeFrom: last } : {}) });
        const totals = { ...resumed, problems: undefined, checkpoint: undefined };
        expect(totals).toMatchObject({ rowsRead: ROWS, created: expected.relations.length - 4 });
        expect(await state(db, tenantId)).toEqual(expected);
      }
    });

    it("a worker process killed with SIGKILL at random points resumes to exactly the rows of a clean run", async () => {
      const db = database();
      const expected = await clean();
      const tenantId = freshTenant();
      const checkpoint = join(dir, `${tenantId}.json`);
      const env = {
        KB_ENGINE: engine,
        KB_SQLITE_FILE: sqliteFile,
        KB_PG_SCHEMA: schema,
        DATABASE_URL,
        KB_TENANT: tenantId,
        KB_FILE: file,
        KB_CHECKPOINT: checkpoint,
      };
      let kills = 0;
      for (let attempt = 0; attempt < 40; attempt++) {
        const { done } = await runWorker(env, 1 + Math.floor(Math.random() * 3));
        if (done) break;
        kills++;
      }
      expect(kills).toBeGreaterThan(0);
      expect(existsSync(checkpoint)).toBe(true);
      expect((JSON.parse(readFileSync(checkpoint, "utf8")) as ImportCheckpoint).records).toBe(ROWS);
      expect(await state(db, tenantId)).toEqual(expected);
    });
  });
}
