import { fileURLToPath } from "node:url";
import { defineConfig } from "vitest/config";

const here = (path: string) => fileURLToPath(new URL(path, import.meta.url));

export default defineConfig({
  resolve: {
    alias: {
      // heycat-runtime's TypeScript and its tests live outside this package (in runtime/ts), as
      // do the zoo schema's bindings and tests (tests/zoo); resolve their imports from this
      // package's node_modules.
      "@tauri-apps/api": here("./node_modules/@tauri-apps/api"),
      react: here("./node_modules/react"),
    },
  },
  server: { fs: { allow: [here("."), here("../../runtime/ts"), here("../../tests/zoo")] } },
  test: {
    environment: "jsdom",
    setupFiles: ["src/test-setup.ts"],
    include: ["src/**/*.test.{ts,tsx}", "../../runtime/ts/**/*.test.ts", "../../tests/zoo/ui/**/*.test.ts"],
  },
});
