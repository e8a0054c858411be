// The runtime's TypeScript against a mocked Tauri IPC (the package's vitest): what each
// function invokes or listens to, and what it resolves to, with the samples the Rust side's
// tests serialize (samples.ts).
import { emit } from "@tauri-apps/api/event";
import { mockIPC } from "@tauri-apps/api/mocks";
import { describe, expect, it } from "vitest";

import * as runtime from "./runtime";
import { SAMPLES } from "./samples";
import { RUNTIME_COMMANDS, RUNTIME_EVENTS, type TableChange } from "./types";

type Call = { cmd: string; args: unknown };

/** Records every invoke (and mocks events); answers with what `respond` returns for it. */
function backend(respond: (call: Call) => unknown = () => null): Call[] {
  const calls: Call[] = [];
  mockIPC(
    (cmd, args) => {
      const call = { cmd, args };
      calls.push(call);
      return respond(call);
    },
    { shouldMockEvents: true },
  );
  return calls;
}

/** Every payload `subscribe` hands `handler` while `events` are emitted. */
async function heard<T>(
  on: (handler: (payload: T) => void) => Promise<runtime.UnlistenFn>,
  event: string,
  payloads: readonly unknown[],
): Promise<T[]> {
  const seen: T[] = [];
  const stop = await on((payload) => seen.push(payload));
  for (const payload of payloads) await emit(event, payload);
  stop();
  await emit(event, payloads[0]);
  return seen;
}

describe("call", () => {
  it("invokes the command with its arguments and resolves to its answer", async () => {
    const calls = backend(({ args }) => ({ echoed: args }));
    await expect(runtime.call("anything", { a: 1 })).resolves.toEqual({ echoed: { a: 1 } });
    expect(calls.map((c) => c.cmd)).toEqual(["anything"]);
  });

  it("rejects with a DataError of every kind the Rust side sends", async () => {
    for (const payload of SAMPLES.DataErrorPayload) {
      backend(() => {
        throw payload;
      });
      const error = await runtime.call("fails").catch((e: unknown) => e);
      expect(error).toBeInstanceOf(runtime.DataError);
      expect(error).toBeInstanceOf(Error);
      expect(error).toMatchObject({ name: "DataError", kind: payload.kind, message: payload.message });
      const named = payload as { table?: string; field?: string; value?: string };
      expect({ table: (error as runtime.DataError).table, field: (error as runtime.DataError).field, value: (error as runtime.DataError).value }).toEqual({
        table: named.table,
        field: named.field,
        value: named.value,
      });
    }
    expect(SAMPLES.DataErrorPayload.some((p) => "field" in p), "a sample names what was refused").toBe(true);
  });

  it("rejects with a server DataError for anything else", async () => {
    backend(() => {
      throw "command nope not found";
    });
    const error = await runtime.call("nope").catch((e: unknown) => e);
    expect(error).toBeInstanceOf(runtime.DataError);
    expect(error).toMatchObject({ kind: "server", message: "command nope not found" });
  });
});

describe("the runtime's commands", () => {
  it("invoke the runtime's command names with camelCase arguments and resolve to the answers", async () => {
    const answers: Record<string, unknown> = {
      [RUNTIME_COMMANDS.CONNECTION_STATUS]: SAMPLES.ConnectionStatus[3],
      [RUNTIME_COMMANDS.SYNC_STATUS]: SAMPLES.SyncStatus[1],
      [RUNTIME_COMMANDS.MIGRATION_STATUS]: SAMPLES.MigrationStatus[1],
      [RUNTIME_COMMANDS.STORAGE_USAGE]: SAMPLES.StorageUsage[1],
      [RUNTIME_COMMANDS.STORAGE_CLEANUP]: SAMPLES.StorageUsage[0],
      [RUNTIME_COMMANDS.STORAGE_EXPORT]: SAMPLES.ExportSummary[0],
      [RUNTIME_COMMANDS.STORAGE_IMPORT]: SAMPLES.ExportSummary[0],
      [RUNTIME_COMMANDS.DEVICE_INVITE]: SAMPLES.DeviceInvitation[0],
      [RUNTIME_COMMANDS.SYNC_SETUP]: SAMPLES.SyncSetupSummary[0],
      [RUNTIME_COMMANDS.DEVICE_JOIN]: SAMPLES.JoinSummary[0],
      [RUNTIME_COMMANDS.SYNC_STOP]: SAMPLES.ExportSummary[0],
      [RUNTIME_COMMANDS.DEVICE_LIST]: SAMPLES.DeviceInfo,
      [RUNTIME_COMMANDS.DEVICE_RENAME]: "Kitchen laptop",
      [RUNTIME_COMMANDS.DEVICE_FORGET]: SAMPLES.ForgetSummary[0],
    };
    const calls = backend(({ cmd }) => answers[cmd] ?? null);
    expect(await runtime.connectionStatus()).toEqual(SAMPLES.ConnectionStatus[3]);
    expect(await runtime.connectionRetry()).toBeUndefined();
    expect(await runtime.syncStatus()).toEqual(SAMPLES.SyncStatus[1]);
    expect(await runtime.migrationStatus()).toEqual(SAMPLES.MigrationStatus[1]);
    expect(await runtime.storageUsage()).toEqual(SAMPLES.StorageUsage[1]);
    const [item] = SAMPLES.CleanupPreview[0].items;
    expect(await runtime.storageCleanup("attachment", [item.key])).toEqual(SAMPLES.StorageUsage[0]);
    expect(await runtime.storageExport()).toEqual(SAMPLES.ExportSummary[0]);
    await runtime.storageExport("/tmp/mine.json");
    expect(await runtime.storageImport("/tmp/mine.json")).toEqual(SAMPLES.ExportSummary[0]);
    expect(await runtime.deviceInvite()).toEqual(SAMPLES.DeviceInvitation[0]);
    expect(await runtime.deviceJoin("7K2M-9QXD")).toEqual(SAMPLES.JoinSummary[0]);
    await runtime.deviceJoin("7K2M-9QXD", "https://sync.example");
    expect(await runtime.syncSetup("https://sync.example")).toEqual(SAMPLES.SyncSetupSummary[0]);
    expect(await runtime.syncStop()).toEqual(SAMPLES.ExportSummary[0]);
    expect(await runtime.deviceList()).toEqual(SAMPLES.DeviceInfo);
    expect(await runtime.deviceRename("Kitchen laptop")).toBe("Kitchen laptop");
    expect(await runtime.deviceForget("5d1f0c")).toEqual(SAMPLES.ForgetSummary[0]);
    expect(calls.map((c) => [c.cmd, c.args ?? {}])).toEqual([
      ["connection_status", {}],
      ["connection_retry", {}],
      ["sync_status", {}],
      ["migration_status", {}],
      ["storage_usage", {}],
      ["storage_cleanup", { table: "attachment", keys: ["a1"] }],
      ["storage_export", { path: null }],
      ["storage_export", { path: "/tmp/mine.json" }],
      ["storage_import", { path: "/tmp/mine.json" }],
      ["device_invite", {}],
      ["device_join", { code: "7K2M-9QXD", url: null }],
      ["device_join", { code: "7K2M-9QXD", url: "https://sync.example" }],
      ["sync_setup", { url: "https://sync.example" }],
      ["sync_stop", {}],
      ["device_list", {}],
      ["device_rename", { name: "Kitchen laptop" }],
      ["device_forget", { deviceId: "5d1f0c" }],
    ]);
    // The others hold rows: the generated bindings of each schema wrap them with the rows typed.
    const perSchema = [RUNTIME_COMMANDS.CONFLICT_LIST, RUNTIME_COMMANDS.CONFLICT_RESOLVE, RUNTIME_COMMANDS.STORAGE_CLEANUP_PREVIEW];
    expect(new Set([...calls.map((c) => c.cmd), ...perSchema])).toEqual(new Set(Object.values(RUNTIME_COMMANDS)));
  });
});

describe("the runtime's events", () => {
  it("deliver every payload until stopped", async () => {
    backend();
    const { CONNECTION_STATUS, SYNC_STATUS, MIGRATION_STATUS, STORAGE_WARNING, SYNC_SETUP, DEVICE_JOINED } = RUNTIME_EVENTS;
    expect(await heard(runtime.onConnectionStatus, CONNECTION_STATUS, SAMPLES.ConnectionStatus)).toEqual(
      SAMPLES.ConnectionStatus,
    );
    expect(await heard(runtime.onSyncStatus, SYNC_STATUS, SAMPLES.SyncStatus)).toEqual(SAMPLES.SyncStatus);
    expect(await heard(runtime.onMigrationStatus, MIGRATION_STATUS, SAMPLES.MigrationStatus)).toEqual(
      SAMPLES.MigrationStatus,
    );
    expect(await heard(runtime.onStorageWarning, STORAGE_WARNING, SAMPLES.StorageUsage)).toEqual(SAMPLES.StorageUsage);
    expect(await heard(runtime.onSyncSetup, SYNC_SETUP, SAMPLES.SyncSetupProgress)).toEqual(SAMPLES.SyncSetupProgress);
    expect(await heard(runtime.onDeviceJoined, DEVICE_JOINED, SAMPLES.JoinSummary)).toEqual(SAMPLES.JoinSummary);
  });

  it("reach only the event subscribed to", async () => {
    backend();
    const seen: unknown[] = [];
    const stop = await runtime.subscribe("a:changed", (payload) => seen.push(payload));
    await emit("b:changed", 1);
    await emit("a:changed", 2);
    stop();
    expect(seen).toEqual([2]);
  });
});

describe("decodeChange", () => {
  it("decodes the rows of every kind of change", () => {
    const decode = (row: { id: string }) => row.id;
    const decoded = SAMPLES["TableChange<JsonValue>"].map((change) => runtime.decodeChange(change, decode));
    expect(decoded).toEqual([
      { kind: "insert", row: "a1" },
      { kind: "update", oldRow: "a1", row: "a1" },
      { kind: "delete", row: "a1" },
    ] satisfies TableChange<string>[]);
  });
});

describe("timestamps", () => {
  it("convert to and from dates at millisecond precision", () => {
    const date = new Date("2023-11-14T22:13:20.123Z");
    expect(runtime.timestampFromDate(date)).toBe(1700000000123000n);
    expect(runtime.timestampToDate(1700000000123999n).toISOString()).toBe(date.toISOString());
  });
});

describe("compareValues", () => {
  const sorted = (values: runtime.OrderValue[]) => [...values].sort(runtime.compareValues);

  it("orders text by code point, as Rust does, not by UTF-16 code unit", () => {
    // U+1F600 is two code units below U+FF5E's one, but a code point above it.
    expect(sorted(["😀", "\uFF5E", "b", "B", "é", "ab", "a"])).toEqual(["B", "a", "ab", "b", "é", "\uFF5E", "😀"]);
    expect(["😀", "\uFF5E"].sort()).toEqual(["😀", "\uFF5E"]);
  });

  it("orders numbers and bigints as numbers, -0 before 0, null first, false before true", () => {
    expect(sorted([10n, null, 9n, -1n, 18446744073709551615n])).toEqual([null, -1n, 9n, 10n, 18446744073709551615n]);
    expect(sorted([0, -1.5, -0, 2]).map((n) => Object.is(n, -0))).toEqual([false, true, false, false]);
    expect(runtime.compareValues(-0, 0)).toBe(-1);
    expect(sorted([true, false, null])).toEqual([null, false, true]);
  });

  it("orders an enum's values by their place among its variants", () => {
    const values = ["Low", "High", "Mid"] as const;
    expect(runtime.variantIndex(values, "Mid")).toBe(2);
    expect(runtime.variantIndex(values, null)).toBeNull();
  });
});
