import { openPostgres, openSqlite } from "./src/engines.js";
import { w7Duplicates } from "./src/workloads/w7-duplicates.js";
const n = Number(process.argv[2] ?? 100000);
for (const which of (process.argv[3] ?? "sqlite,postgres").split(",")) {
  const engine = which === "sqlite" ? await openSqlite() : await openPostgres("postgres://postgres@127.0.0.1:5432/test");
  try {
    const started = Date.now();
    for (const f of await w7Duplicates(engine, n)) console.log(which, f.workload, f.sdk.toFixed(3), f.unit, f.note ?? "");
    console.log(which, "total incl. load", ((Date.now() - started) / 1000).toFixed(1), "s");
  } finally {
    await engine.close();
  }
}
