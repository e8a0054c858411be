import { mockIPC } from "@tauri-apps/api/mocks";
import { emit } from "@tauri-apps/api/event";
import { describe, expect, it } from "vitest";

import * as db from "../heycat";
import * as sample from "./samples";
import { everyCommand } from "./usage";

type Call = { cmd: string; args: Record<string, unknown> };

/** Records every invoke; answers with what `respond` returns for it. */
function recordInvokes(respond: (call: Call) => unknown = () => null): Call[] {
  const calls: Call[] = [];
  mockIPC((cmd, args) => {
    const call = { cmd, args: (args ?? {}) as Record<string, unknown> };
    calls.push(call);
    return respond(call);
  });
  return calls;
}

/** The wire form of a row as the Rust side sends it (64-bit values as decimal strings). */
const wireRecording = {
  id: "r1",
  filePath: "/rec/r1.wav",
  durationSecs: 12.5,
  sampleCount: "18446744073709551615",
  stopReason: "Timeout",
  createdAt: "1700000000000002",
  activeWindowAppName: null,
  activeWindowBundleId: null,
  activeWindowTitle: "vim",
  rowVersion: "9007199254740993",
};

/** `wireRecording` decoded. */
const decodedRecording: db.Recording = {
  id: "r1",
  filePath: "/rec/r1.wav",
  durationSecs: 12.5,
  sampleCount: 18446744073709551615n,
  stopReason: "Timeout",
  createdAt: 1700000000000002n,
  activeWindowAppName: null,
  activeWindowBundleId: null,
  activeWindowTitle: "vim",
  rowVersion: sample.ABOVE_2_53,
};

/** Runs every wrapper once; a `null` answer fails decoding in some, which is fine here. */
async function callEach(): Promise<void> {
  for (const call of everyCommand) await call().catch(() => undefined);
}

describe("generated command wrappers", () => {
  it("invoke every registered command exactly once, by its name", async () => {
    const calls = recordInvokes(() => null);
    await callEach();
    // The schema's table commands, and the runtime's commands whose rows the schema types.
    const { CONFLICT_LIST, CONFLICT_RESOLVE, STORAGE_CLEANUP_PREVIEW } = db.RUNTIME_COMMANDS;
    const expected = [...db.COMMANDS, CONFLICT_LIST, CONFLICT_RESOLVE, STORAGE_CLEANUP_PREVIEW];
    expect(calls.map((c) => c.cmd).sort()).toEqual(expected.sort());
  });

  it("send camelCase argument names", async () => {
    const calls = recordInvokes(() => []);
    await db.transcriptionListByRecordingId("r1");
    expect(calls).toEqual([{ cmd: "transcription_list_by_recording_id", args: { recordingId: "r1" } }]);

    const all = recordInvokes(() => null);
    await callEach();
    for (const { args } of all) {
      for (const key of Object.keys(args)) expect(key).not.toContain("_");
      const row = args.row as Record<string, unknown> | undefined;
      for (const key of Object.keys(row ?? {})) expect(key).toMatch(/^[a-z][A-Za-z0-9]*$/);
    }
  });

  it("send rows in wire form: 64-bit values as exact decimal strings, no row version on insert", async () => {
    const calls = recordInvokes(() => wireRecording);
    const { rowVersion: _ignored, ...fresh } = sample.recording;
    void _ignored;
    await db.recordingInsert(fresh);
    expect(calls[0]).toEqual({
      cmd: "recording_insert",
      args: {
        row: {
          id: "r1",
          filePath: "/rec/r1.wav",
          durationSecs: 12.5,
          sampleCount: "9007199254740993",
          stopReason: "Silence",
          createdAt: "1700000000000002",
          activeWindowAppName: "kitty",
          activeWindowBundleId: null,
          activeWindowTitle: null,
          rowVersion: undefined,
        },
      },
    });
  });

  it("decode 64-bit values above 2^53 without losing precision", async () => {
    recordInvokes(() => wireRecording);
    const stored = await db.recordingGet("r1");
    expect(stored?.sampleCount).toBe(18446744073709551615n);
    expect(stored?.rowVersion).toBe(sample.ABOVE_2_53);
    expect(stored?.rowVersion).not.toBe(BigInt(Number(sample.ABOVE_2_53)));
    expect(db.timestampToDate(stored!.createdAt).toISOString()).toBe("2023-11-14T22:13:20.000Z");
  });

  it("reject with a typed DataError carrying the Rust side's kind and message", async () => {
    mockIPC(() => {
      throw { kind: "uniqueViolation", message: 'dictionary_entry.trigger "brb" is already used by another row' };
    });
    const failure = await db.dictionaryEntryInsert(sample.dictionaryEntry).catch((e: unknown) => e);
    expect(failure).toBeInstanceOf(db.DataError);
    expect(failure).toMatchObject({ kind: "uniqueViolation", message: expect.stringContaining("already used") });
  });
});

describe("conflicts", () => {
  it("decode both versions with the table's row type and send a merge in wire form", async () => {
    const wireEntry = {
      id: "d1", trigger: "brb", expansion: "x", suffix: null, autoEnter: false, disableSuffix: false,
      completeMatchOnly: false, createdAt: "1", rowVersion: "9007199254740993",
    };
    const calls = recordInvokes(({ cmd }) =>
      cmd === "conflict_list"
        ? [{ id: "op-9", table: "dictionary_entry", key: '"d1"', operation: "delete", baseVersion: "3",
             createdAt: "5", mine: null, theirs: wireEntry }]
        : null,
    );
    const [conflict] = await db.conflictList();
    expect(conflict.table).toBe("dictionary_entry");
    expect(conflict.mine).toBeNull();
    expect(conflict.theirs?.rowVersion).toBe(sample.ABOVE_2_53);
    await db.conflictResolve(conflict, { choice: "merge", row: { ...conflict.theirs!, expansion: "merged" } });
    expect(calls[1]).toMatchObject({
      cmd: "conflict_resolve",
      args: { id: "op-9", resolution: { choice: "merge", row: { expansion: "merged", rowVersion: "9007199254740993" } } },
    });
    await db.conflictResolve(conflict, { choice: "keepTheirs" });
    expect(calls[2].args).toEqual({ id: "op-9", resolution: { choice: "keepTheirs" } });
  });
});

describe("generated change events", () => {
  it("deliver typed changes per table", async () => {
    mockIPC(() => null, { shouldMockEvents: true });
    const seen: db.TableChange<db.Recording>[] = [];
    const stop = await db.onRecordingChanged((change) => seen.push(change));
    await emit("recording:changed", { kind: "update", oldRow: wireRecording, row: { ...wireRecording, rowVersion: "2" } });
    await emit("dictionary_entry:changed", { kind: "delete", row: {} });
    stop();
    await emit("recording:changed", { kind: "insert", row: wireRecording });
    expect(seen).toHaveLength(1);
    expect(seen[0].kind).toBe("update");
    if (seen[0].kind === "update") {
      expect(seen[0].oldRow.sampleCount).toBe(18446744073709551615n);
      expect(seen[0].row.rowVersion).toBe(2n);
    }
    expect(db.EVENTS).toContain("recording:changed");
  });
});

describe("cleanup previews", () => {
  it("decode the rows of the cleanup table exactly and send the preview's arguments", async () => {
    const calls = recordInvokes(() => ({
      table: "recording",
      items: [{ key: "r1", row: wireRecording, bytes: 700 }],
      freedBytes: 700,
    }));
    const preview = await db.storageCleanupPreview(3);
    expect(preview).toEqual({
      table: "recording",
      items: [{ key: "r1", row: decodedRecording, bytes: 700 }],
      freedBytes: 700,
    });
    await db.storageCleanupPreview(1, "recording");
    expect(calls.map((c) => [c.cmd, c.args])).toEqual([
      ["storage_cleanup_preview", { count: 3, table: null }],
      ["storage_cleanup_preview", { count: 1, table: "recording" }],
    ]);
  });

  it("reject a preview of a table this app cannot clean up", async () => {
    recordInvokes(() => ({ table: "settings", items: [], freedBytes: 0 }));
    const failure = await db.storageCleanupPreview(3).catch((e: unknown) => e);
    expect(failure).toBeInstanceOf(db.DataError);
    expect(failure).toMatchObject({ kind: "server", message: expect.stringContaining("settings") });
  });
});

describe("generated orders", () => {
  // The recordings of app/tests/order.rs's page test: these orders are the ones the runtime
  // pages them in there.
  const recordings: db.Recording[] = (
    [
      ["r1", "DeviceError", 2.5, 1700000000000010n],
      ["r2", null, -0, 999n],
      ["r3", "User", 10, 1700000000000009n],
      ["r4", "Silence", 9.5, 99n],
      ["r5", "Timeout", 0, 1700000000000009n],
      ["r6", "User", -1.5, 5n],
    ] as const
  ).map(([id, stopReason, durationSecs, createdAt]) => ({ ...decodedRecording, id, stopReason, durationSecs, createdAt }));
  const ids = (compare: (a: db.Recording, b: db.Recording) => number, descending = false) =>
    [...recordings].sort(descending ? (a, b) => compare(b, a) : compare).map((r) => r.id);

  it("order a plain enum by declaration, null first, floats and timestamps as numbers, ties by key", () => {
    expect(ids(db.RECORDING_ORDERS.stopReason)).toEqual(["r2", "r3", "r6", "r5", "r4", "r1"]);
    expect(ids(db.RECORDING_ORDERS.stopReason, true)).toEqual(["r1", "r4", "r5", "r6", "r3", "r2"]);
    expect(ids(db.RECORDING_ORDERS.durationSecs)).toEqual(["r6", "r2", "r5", "r1", "r4", "r3"]);
    expect(ids(db.RECORDING_ORDERS.createdAt)).toEqual(["r6", "r4", "r2", "r3", "r5", "r1"]);
    expect(ids(db.RECORDING_ORDERS.id, true)).toEqual(["r6", "r5", "r4", "r3", "r2", "r1"]);
  });

  it("send a page's order, direction, cursor row in wire form and limit, and decode its rows", async () => {
    const calls = recordInvokes(() => ({ rows: [wireRecording], more: false, total: 1 }));
    const page = await db.recordingPage("createdAt", true, decodedRecording, 50);
    expect(calls).toEqual([
      { cmd: "recording_page", args: { order: "createdAt", descending: true, after: wireRecording, limit: 50 } },
    ]);
    expect(page).toEqual({ rows: [decodedRecording], more: false, total: 1 });
  });
});
