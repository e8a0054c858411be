// The IPC boundary, mocked for tests: records every `invoke`, answers from a table of
// handlers, and lets a test emit backend events.
import { mockIPC } from "@tauri-apps/api/mocks";

import type { StorageLevel, StorageUsage } from "./heycat";

export type Invoked = { cmd: string; args: Record<string, unknown> };
export type Handler = (args: Record<string, unknown>) => unknown;

/** What `sync_status` answers when nothing waits to sync: the `sync:status` events before it numbered 0. */
export const IDLE_SYNC = {
  pending: 0,
  pendingKeys: { series: 1, version: 0, whole: true, added: {}, removed: {} },
  syncing: null,
  damaged: null,
  rejected: [],
};

/**
 * Mocks `invoke`: each command answers with its handler (or null; `sync_status` with
 * `IDLE_SYNC`), and `<table>_page`, unless given, with a page of what `<table>_list` answers;
 * returns the call log.
 */
export function mockBackend(given: Record<string, Handler>): Invoked[] {
  const handlers: Record<string, Handler> = { sync_status: () => IDLE_SYNC, ...given };
  const calls: Invoked[] = [];
  mockIPC(
    (cmd, args) => {
      const call = { cmd, args: (args ?? {}) as Record<string, unknown> };
      calls.push(call);
      const list = handlers[cmd.replace(/_page$/, "_list")];
      const handler = handlers[cmd] ?? (cmd.endsWith("_page") && list ? pageOf(list) : undefined);
      return handler ? handler(call.args) : null;
    },
    { shouldMockEvents: true },
  );
  return calls;
}

type WireRow = Record<string, unknown>;

/** A `<table>_page` command answering from `list`'s rows, as the backend pages them (ties by `id`). */
function pageOf(list: Handler): Handler {
  return (args) => {
    const { order, descending, after, limit } = args as { order: string; descending: boolean; after: WireRow | null; limit: number };
    const ascending = (a: WireRow, b: WireRow) => compareWire(a[order], b[order]) || compareWire(a.id, b.id);
    const inOrder = (a: WireRow, b: WireRow) => (descending ? ascending(b, a) : ascending(a, b));
    const rows = [...(list({}) as WireRow[])].sort(inOrder);
    const following = rows.filter((row) => after === null || inOrder(row, after) > 0);
    return { rows: following.slice(0, limit), more: following.length > limit, total: rows.length };
  };
}

/** Wire values in order: 64-bit numbers and times (digits in a string) as numbers, other text by code unit, null first. */
function compareWire(a: unknown, b: unknown): number {
  if (a === b) return 0;
  if (a === null || b === null) return a === null ? -1 : 1;
  const digits = /^-?\d+$/;
  if (typeof a === "string" && typeof b === "string" && digits.test(a) && digits.test(b)) return BigInt(a) < BigInt(b) ? -1 : 1;
  return (a as string | number) < (b as string | number) ? -1 : 1;
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
