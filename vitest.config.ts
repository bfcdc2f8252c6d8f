import { defineConfig } from "vitest/config";

// Workspace packages resolve to their TypeScript source (the `dev-source` export condition), so
// tests exercise the code as written; `npm test` builds the packages first to prove they build.
export default defineConfig({
  resolve: { conditions: ["dev-source"] },
  ssr: { resolve: { conditions: ["dev-source"] } },
  test: {
    include: ["packages/*/test/**/*.test.ts", "examples/*/test/**/*.test.ts", "bench/test/**/*.test.ts"],
    // Type tests (*.test-d.ts): tsc checks them, and a failed expectation or an unused
    // @ts-expect-error is a failed test.
    typecheck: { enabled: true, include: ["packages/*/test/**/*.test-d.ts"], tsconfig: "packages/core/tsconfig.json" },
    testTimeout: 60_000,
    hookTimeout: 60_000,
  },
});
