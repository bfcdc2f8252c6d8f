import { spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { randomBytes } from "node:crypto";
import { describe, expect, it } from "vitest";
import { RELATION_ID_PROPERTY } from "../src/connector.js";
import { EXTENDED, canonicalId, type ExtendedProperties } from "../src/testing/extended-properties.js";
import { startFakeGraph } from "../src/testing/index.js";
import { DATABASE_URL, ENGINES, freshTenant, openDb } from "./harness.js";

const WORKER = fileURLToPath(new URL("./crash-worker.ts", import.meta.url));

/** Runs the worker to its end (exit 0) or its own SIGKILL; returns which. */
function runWorker(env: Record<string, string>): Promise<"done" | "killed"> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ["--conditions=dev-source", "--import", "tsx", WORKER], {
      env: { ...process.env, ...env },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stderr = "";
    child.stdout.resume();
    child.stderr.setEncoding("utf8").on("data", (c: string) => (stderr += c));
    child.on("exit", (code, signal) =>
      signal === "SIGKILL" ? resolve("killed") : code === 0 ? resolve("done") : reject(new Error(`worker exited ${code}: ${stderr}`)),
    );
  });
}

for (const engine of ENGINES) {
  describe(`exactly-once pushed create: ${engine}`, () => {
    it("a worker killed between Graph's create and the local commit resumes to one remote contact, linked to the relation", async () => {
      const dir = mkdtempSync(join(tmpdir(), "kb-create-"));
      const graph = await startFakeGraph();
      const mb = graph.mailboxes.addMailbox("push@kb.example");
      const tenant = freshTenant();
      const schema = `kb_create_${randomBytes(5).toString("hex")}`;
      const file = join(dir, "crm.db");
      const db = await openDb(engine, engine === "sqlite" ? { filename: file } : { schema });
      const env = {
        KB_ENGINE: engine,
        KB_SQLITE_FILE: file,
        KB_PG_SCHEMA: schema,
        DATABASE_URL,
        GRAPH_URL: graph.url,
        KB_TOKEN: mb.token,
        KB_ACCOUNT: mb.address,
        KB_TENANT: tenant,
        KB_PUSH_CREATES: "1",
      };
      try {
        expect(await runWorker(env)).toBe("done"); // the first round: nothing local yet
        const t = db.crm.tenant(tenant, { actor: "user:1", source: "ui" });
        const relation = await t.relations.create({ kind: "person", name: "Nina Local", emails: ["nina@local.example"] });
        expect(await runWorker({ ...env, KB_KILL_AFTER_CREATE: "1" })).toBe("killed");
        expect(graph.mailboxes.contacts(mb.address)).toHaveLength(1); // created remotely, not committed locally
        expect((await t.relations.get(relation.id))?.externalRefs).toEqual([]);
        expect(await runWorker(env)).toBe("done");
        const contacts = graph.mailboxes.contacts(mb.address);
        expect(contacts).toHaveLength(1);
        expect((contacts[0]!.data[EXTENDED] as ExtendedProperties)[canonicalId(RELATION_ID_PROPERTY)!]?.value).toBe(relation.id);
        expect((await t.relations.get(relation.id))?.externalRefs).toEqual([{ system: "outlook", externalId: contacts[0]!.id }]);
        expect((await t.relations.findByExternalRef("outlook", contacts[0]!.id))?.id).toBe(relation.id);
        expect((await db.counts(tenant)).kb_relations).toBe(1);
      } finally {
        await db.close();
        if (engine === "postgres") {
          const pg = await import("pg");
          const pool = new pg.default.Pool({ connectionString: DATABASE_URL });
          await pool.query(`drop schema if exists ${schema} cascade`);
          await pool.end();
        }
        await graph.close();
        rmSync(dir, { recursive: true, force: true });
      }
    }, 120_000);
  });
}
