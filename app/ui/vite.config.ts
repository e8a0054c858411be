import { fileURLToPath } from "node:url";
import { defineConfig } from "vitest/config";

const here = (path: string) => fileURLToPath(new URL(path, import.meta.url));

export default defineConfig({
  resolve: {
    alias: {
      // The generated bindings live outside this package (in generated/typescript); resolve
      // their imports from this package's node_modules.
      "@tauri-apps/api": here("./node_modules/@tauri-apps/api"),
      "@heycat/bindings": here("../../generated/typescript/heycat.ts"),
    },
  },
  server: { fs: { allow: [here("../..")] } },
  test: { environment: "jsdom", setupFiles: ["src/test-setup.ts"] },
});
