import { defineConfig } from "vitest/config";

// Workspace packages resolve to their TypeScript source (the `dev-source` export condition), so
// tests exercise the code as written; `npm test` builds the packages first to prove they build.
export default defineConfig({
  resolve: { conditions: ["dev-source"] },
  ssr: { resolve: { conditions: ["dev-source"] } },
  test: {
    include: ["packages/*/test/**/*.test.ts", "examples/*/test/**/*.test.ts", "bench/test/**/*.test.ts"],
    testTimeout: 60_000,
    hookTimeout: 60_000,
  },
});
