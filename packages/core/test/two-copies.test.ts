import { cp, mkdtemp, rm } from "node:fs/promises";
import { existsSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

// Two installed copies of @kaartenbak/core in one process (npm does this when two packages ask for
// different versions): errors made by one copy must be recognised by the other. The test loads the
// built package (`npm test` builds first) and a copy of it in another folder.
const packageRoot = join(dirname(fileURLToPath(import.meta.url)), "..");
const dist = join(packageRoot, "dist");

type Core = typeof import("../src/index.js");
type Sync = typeof import("../src/sync/index.js");

let copyDir: string;
let a: { core: Core; sync: Sync };
let b: { core: Core; sync: Sync };

async function load(root: string): Promise<{ core: Core; sync: Sync }> {
  return {
    core: (await import(pathToFileURL(join(root, "index.js")).href)) as Core,
    sync: (await import(pathToFileURL(join(root, "sync", "index.js")).href)) as Sync,
  };
}

beforeAll(async () => {
  if (!existsSync(join(dist, "index.js"))) throw new Error("packages/core/dist is missing: run `npm run build` (npm test does) first");
  // Inside the package folder, so the copy resolves zod and libphonenumber-js as an installed copy would.
  copyDir = await mkdtemp(join(packageRoot, ".copy-"));
  await cp(dist, copyDir, { recursive: true });
  a = await load(dist);
  b = await load(copyDir);
});

afterAll(async () => {
  if (copyDir) await rm(copyDir, { recursive: true, force: true });
});

describe("two copies of core in one process", () => {
  it("are really two module instances with two CrmError classes", () => {
    expect(a.core.CrmError).not.toBe(b.core.CrmError);
  });

  it("recognise each other's CrmError by code, with isCrmError and instanceof", () => {
    const fromB = new b.core.CrmError("STALE_VERSION", "changed", { reason: "stale_version" });
    expect(a.core.isCrmError(fromB)).toBe(true);
    expect(a.core.isCrmError(fromB, "STALE_VERSION")).toBe(true);
    expect(a.core.isCrmError(fromB, "BUSY")).toBe(false);
    expect(fromB instanceof a.core.CrmError).toBe(true);
    const fromA = new a.core.CrmError("BUSY", "locked", { reason: "busy" });
    expect(b.core.isCrmError(fromA, "BUSY")).toBe(true);
    expect(fromA.retryable).toBe(true);
  });

  it("recognise each other's SyncError, so the engine classifies a connector's errors from another copy", () => {
    const fromB = new b.sync.SyncError("CURSOR_EXPIRED", "410 syncStateNotFound", { status: 410 });
    expect(a.sync.isSyncError(fromB, "CURSOR_EXPIRED")).toBe(true);
    expect(fromB instanceof a.sync.SyncError).toBe(true);
    expect(a.sync.isSyncError(new Error("plain"))).toBe(false);
  });

  it("do not mistake look-alikes for their errors", () => {
    const fake = Object.assign(new Error("x"), { name: "CrmError", code: "STALE_VERSION" });
    expect(a.core.isCrmError(fake)).toBe(false);
    expect(fake instanceof a.core.CrmError).toBe(false);
    expect(a.core.isCrmError(null)).toBe(false);
    expect(a.core.isCrmError("STALE_VERSION")).toBe(false);
  });
});
