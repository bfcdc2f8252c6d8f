/**
 * A hot-path loop to profile: loads relations through the SDK into a SQLite file, then runs
 * `findByEmail` and timeline pages in a loop. With a third argument, the V8 profiler records the
 * loops only (not the load) into that `.cpuprofile` file; summarise it with flame-summary.ts:
 *
 *   npx tsx src/profile/lookup-loop.ts [relations] [lookups] [/tmp/lookups.cpuprofile]
 *   npx tsx src/profile/flame-summary.ts /tmp/lookups.cpuprofile
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { Session } from "node:inspector/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import Database from "better-sqlite3";
import { createCrm } from "@kaartenbak/core";
import { sqliteAdapter } from "@kaartenbak/adapter-sqlite";
import { emailOf, interactionInputs, relationInputs } from "../data.js";

const relations = Number(process.argv[2] ?? 10_000);
const lookups = Number(process.argv[3] ?? 20_000);
const profileOut = process.argv[4];
const dir = mkdtempSync(join(tmpdir(), "kaartenbak-profile-"));
const db = new Database(join(dir, "profile.db"));
const storage = sqliteAdapter({ database: db });
await storage.migrate();
const crm = createCrm({ storage, defaultRegion: "NL" });
const t = crm.tenant("profile");
await t.bulk.upsertRelations(relationInputs(0, relations), { chunkSize: 1_000 });
const ids = (db.prepare("select id from kb_relations where tenant_id = ? order by id").all("profile") as { id: string }[]).map((r) => r.id);
await t.bulk.logInteractions(interactionInputs(0, relations * 10, ids, 7), { chunkSize: 1_000 });

const session = new Session();
if (profileOut) {
  session.connect();
  await session.post("Profiler.enable");
  await session.post("Profiler.start");
}
let started = performance.now();
for (let i = 0; i < lookups; i++) await t.relations.findByEmail(emailOf((i * 7919) % relations));
const lookupUs = ((performance.now() - started) * 1000) / lookups;
started = performance.now();
const pages = Math.round(lookups / 10);
for (let i = 0; i < pages; i++) await t.interactions.timeline(ids[(i * 7919) % ids.length]!, { limit: 50 });
const pageUs = ((performance.now() - started) * 1000) / pages;
if (profileOut) {
  const { profile } = await session.post("Profiler.stop");
  writeFileSync(profileOut, JSON.stringify(profile));
  session.disconnect();
}
console.log(`findByEmail ${lookupUs.toFixed(1)} µs/op over ${lookups}; timeline page ${pageUs.toFixed(1)} µs/op over ${pages}`);
await storage.close();
db.close();
rmSync(dir, { recursive: true, force: true });
