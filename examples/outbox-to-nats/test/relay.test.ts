import { spawn } from "node:child_process";
import { randomUUID } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import Database from "better-sqlite3";
import { connect, type NatsConnection } from "nats";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createCrm, type CrmEvent } from "@kaartenbak/core";
import { sqliteAdapter } from "@kaartenbak/adapter-sqlite";

const main = fileURLToPath(new URL("../src/main.ts", import.meta.url));
const NATS_URL = process.env.NATS_URL ?? "nats://127.0.0.1:4222";

/** Runs the relay as its own process; resolves with its output when it exits, or when `until` matches (then kills it). */
function runRelay(env: Record<string, string>, until?: RegExp): Promise<{ output: string; signal: NodeJS.Signals | null; code: number | null }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ["--import", "tsx", main], { env: { ...process.env, ...env }, stdio: ["ignore", "pipe", "pipe"] });
    let output = "";
    const timer = setTimeout(() => {
      child.kill("SIGKILL");
      reject(new Error(`relay did not finish: ${output}`));
    }, 60_000);
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      // The relay has had JetStream's ack for an event and not yet written its checkpoint: kill it, no clean-up.
      if (until?.test(output)) child.kill("SIGKILL");
    };
    child.stdout.on("data", onData);
    child.stderr.on("data", onData);
    child.on("error", reject);
    child.on("exit", (code, signal) => {
      clearTimeout(timer);
      resolve({ output, code, signal });
    });
  });
}

describe("outbox → NATS JetStream", () => {
  const dir = mkdtempSync(join(tmpdir(), "kb-nats-"));
  const filename = join(dir, "crm.db");
  const stream = `KB_TEST_${randomUUID().replaceAll("-", "")}`;
  const prefix = `kbtest.${randomUUID().replaceAll("-", "")}`;
  let nc: NatsConnection;

  beforeAll(async () => {
    // No skip: without a reachable NATS server this fails.
    nc = await connect({ servers: NATS_URL, timeout: 5_000 });
    const jsm = await nc.jetstreamManager();
    await jsm.streams.add({ name: stream, subjects: [`${prefix}.>`], duplicate_window: 120_000_000_000 /* 2 min in ns */ });
  });

  afterAll(async () => {
    if (nc) {
      const jsm = await nc.jetstreamManager();
      await jsm.streams.delete(stream).catch(() => undefined);
      await nc.drain();
    }
    rmSync(dir, { recursive: true, force: true });
  });

  it("a relay killed between publish ack and checkpoint resends one event, and JetStream keeps each event exactly once", async () => {
    const storage = sqliteAdapter({ database: new Database(filename) });
    await storage.migrate();
    const crm = createCrm({ storage });
    const acme = crm.tenant("acme", { actor: "user:test" });
    for (const name of ["Acme BV", "Beta BV", "Gamma BV", "Delta BV", "Epsilon BV"]) await acme.relations.create({ kind: "organisation", name });
    const events = await acme.outbox.read();
    expect(events).toHaveLength(5);

    const env = { KAARTENBAK_DB: filename, KAARTENBAK_TENANT: "acme", NATS_URL, NATS_SUBJECT_PREFIX: prefix };
    const crashed = await runRelay({ ...env, RELAY_STOP_AFTER_PUBLISH: "3" }, /acked-not-checkpointed 3/);
    expect(crashed.signal).toBe("SIGKILL");
    // Event 3 is in the stream, but the checkpoint stayed at 2: the crash came before it.
    expect(await acme.outbox.checkpoint("nats")).toBe(2);
    const jsm = await nc.jetstreamManager();
    expect((await jsm.streams.info(stream)).state.messages).toBe(3);

    const resumed = await runRelay(env);
    expect(resumed.code, resumed.output).toBe(0);
    // The restart sends event 3 again; JetStream recognises its Nats-Msg-Id and drops it.
    expect(resumed.output).toContain("relayed: 2 published, 1 duplicates dropped by JetStream, checkpoint 5");
    expect(await acme.outbox.checkpoint("nats")).toBe(5);

    // Read the stream back: each event exactly once, in order, with its id as Nats-Msg-Id.
    const info = await jsm.streams.info(stream);
    expect(info.state.messages).toBe(5);
    const stored: { msgId: string | undefined; event: CrmEvent }[] = [];
    for (let seq = info.state.first_seq; seq <= info.state.last_seq; seq++) {
      const m = await jsm.streams.getMessage(stream, { seq });
      stored.push({ msgId: m.header?.get("Nats-Msg-Id"), event: m.json<CrmEvent>() });
    }
    expect(stored.map((s) => s.msgId)).toEqual(events.map((e) => e.id));
    expect(stored.map((s) => s.event)).toEqual(events);

    // A third run finds nothing to do.
    expect((await runRelay(env)).output).toContain("relayed: 0 published, 0 duplicates dropped by JetStream, checkpoint 5");
    await crm.close();
  }, 120_000);
});
