// The IPC boundary, mocked for tests: records every `invoke`, answers from a table of
// handlers, and lets a test emit backend events.
import { mockIPC } from "@tauri-apps/api/mocks";

import type { StorageLevel, StorageUsage } from "./heycat";

export type Invoked = { cmd: string; args: Record<string, unknown> };
export type Handler = (args: Record<string, unknown>) => unknown;

/** Mocks `invoke`: each command answers with its handler (or null); returns the call log. */
export function mockBackend(handlers: Record<string, Handler>): Invoked[] {
  const calls: Invoked[] = [];
  mockIPC(
    (cmd, args) => {
      const call = { cmd, args: (args ?? {}) as Record<string, unknown> };
      calls.push(call);
      const handler = handlers[cmd];
      return handler ? handler(call.args) : null;
    },
    { shouldMockEvents: true },
  );
  return calls;
}

/** A dictionary entry as the Rust side sends it. */
export function wireEntry(id: string, trigger: string, version = "1") {
  return {
    id,
    trigger,
    expansion: `${trigger} expanded`,
    suffix: null,
    autoEnter: false,
    disableSuffix: false,
    completeMatchOnly: false,
    createdAt: "1700000000000000",
    rowVersion: version,
  };
}

/** A recording as the Rust side sends it. */
export function wireRecording(id: string, filePath: string, createdAt: string) {
  return {
    id,
    filePath,
    durationSecs: 2.5,
    sampleCount: "40000",
    stopReason: null,
    createdAt,
    activeWindowAppName: null,
    activeWindowBundleId: null,
    activeWindowTitle: null,
    rowVersion: "1",
  };
}

/** Storage usage as the Rust side sends it. */
export function wireUsage(usedBytes: number, quotaBytes: number, level: StorageLevel = "ok"): StorageUsage {
  return {
    quotaBytes: Math.round(quotaBytes),
    usedBytes: Math.round(usedBytes),
    level,
    tables: [
      { table: "recording", rows: 3, bytes: Math.round(usedBytes * 0.1) },
      { table: "transcription", rows: 3, bytes: Math.round(usedBytes * 0.9) },
    ],
    outboxBytes: 0,
    snapshotBytes: 2048,
    serverFilesBytes: 5242880,
    backupBytes: 0,
    diskFreeBytes: 53687091200,
    diskTotalBytes: 107374182400,
    diskNearlyFull: false,
  };
}
