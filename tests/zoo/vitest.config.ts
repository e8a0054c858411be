import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    // `@tauri-apps/api/mocks` stands in for the Tauri IPC on `window`.
    environment: "jsdom",
    include: ["ui/**/*.test.ts"],
  },
});
