import "@testing-library/jest-dom/vitest";
import { cleanup } from "@testing-library/react";
import { clearMocks } from "@tauri-apps/api/mocks";
import { afterEach } from "vitest";

// Unmount first; components stop listening to events once their `listen` promises settle,
// so let those run before the IPC mocks go.
afterEach(async () => {
  cleanup();
  await new Promise((settle) => setTimeout(settle, 0));
  clearMocks();
});
