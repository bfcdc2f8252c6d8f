import { defineConfig } from "tsup";

export default defineConfig({
  entry: ["src/index.ts", "src/sync/index.ts", "src/entry/storage.ts", "src/entry/reference.ts"],
  format: ["esm"],
  dts: false,
  sourcemap: true,
  clean: true,
  target: "node20",
});
