import { act, renderHook, waitFor } from "@testing-library/react";
import { emit } from "@tauri-apps/api/event";
import { describe, expect, it } from "vitest";

import * as db from "../heycat";
import { IDLE_SYNC, mockBackend, wireEntry } from "../test-ipc";

const ids = (rows: { id: string }[]) => rows.map((r) => r.id);
const connected = { state: "connected", server: "http://127.0.0.1:3000" };
/** The keys of the `version`th `sync:status` event: what changed since the one before. */
const changed = (version: number, added = {}, removed = {}) => ({ series: 1, version, whole: false, added, removed });
const idle = { ...IDLE_SYNC, pendingKeys: changed(1) };

describe("a table's hook (useDictionaryEntries)", () => {
  it("loads the rows in key order and puts each live change at its place, without a reload", async () => {
    const calls = mockBackend({ dictionary_entry_list: () => [wireEntry("d", "omw"), wireEntry("b", "brb")], conflict_list: () => [] });
    const { result } = renderHook(() => db.useDictionaryEntries());
    await waitFor(() => expect(ids(result.current.rows)).toEqual(["b", "d"]));
    expect(result.current.rows[0].rowVersion).toBe(1n);

    await act(() => emit("dictionary_entry:changed", { kind: "insert", row: wireEntry("c", "cu") }));
    await waitFor(() => expect(ids(result.current.rows)).toEqual(["b", "c", "d"]));
    await act(() => emit("dictionary_entry:changed", { kind: "insert", row: wireEntry("a", "afk") }));
    await waitFor(() => expect(ids(result.current.rows)).toEqual(["a", "b", "c", "d"]));
    await act(() =>
      emit("dictionary_entry:changed", { kind: "update", oldRow: wireEntry("b", "brb"), row: wireEntry("b", "brb!", "2") }),
    );
    await waitFor(() => expect(result.current.rows.map((r) => r.trigger)).toEqual(["afk", "brb!", "cu", "omw"]));
    await act(() => emit("dictionary_entry:changed", { kind: "delete", row: wireEntry("c", "cu") }));
    await waitFor(() => expect(ids(result.current.rows)).toEqual(["a", "b", "d"]));
    expect(calls.filter((c) => c.cmd === "dictionary_entry_list")).toHaveLength(1);
  });

  it("keeps the order the app picks, ties in key order, as changes arrive", async () => {
    mockBackend({
      dictionary_entry_list: () => [wireEntry("a", "omw"), wireEntry("b", "brb"), wireEntry("c", "brb2")],
      conflict_list: () => [],
    });
    const byTrigger = (x: db.DictionaryEntry, y: db.DictionaryEntry) => x.trigger.slice(0, 3).localeCompare(y.trigger.slice(0, 3));
    const { result } = renderHook(() => db.useDictionaryEntries({ compare: byTrigger }));
    await waitFor(() => expect(ids(result.current.rows)).toEqual(["b", "c", "a"]));
    await act(() => emit("dictionary_entry:changed", { kind: "insert", row: wireEntry("0", "brb3") }));
    await waitFor(() => expect(ids(result.current.rows)).toEqual(["0", "b", "c", "a"]));
    await act(() => emit("dictionary_entry:changed", { kind: "update", oldRow: wireEntry("a", "omw"), row: wireEntry("a", "afk", "2") }));
    await waitFor(() => expect(ids(result.current.rows)).toEqual(["a", "0", "b", "c"]));
  });

  it("loads again on each (re)connect and when syncing ends, in the same order, and reports a failed load", async () => {
    let answer: unknown = [wireEntry("b", "brb"), wireEntry("a", "afk")];
    const calls = mockBackend({
      dictionary_entry_list: () => {
        if (answer === null) throw { kind: "offline", message: "not connected to the database" };
        return answer;
      },
      conflict_list: () => [],
      sync_status: () => ({ ...IDLE_SYNC, pending: 1 }),
    });
    const { result } = renderHook(() => db.useDictionaryEntries());
    await waitFor(() => expect(ids(result.current.rows)).toEqual(["a", "b"]));
    answer = null;
    await act(() => emit("connection:status", connected));
    await waitFor(() => expect(result.current.error?.kind).toBe("offline"));
    expect(result.current.error?.message).toBe("not connected to the database");
    answer = [wireEntry("c", "cu"), wireEntry("b", "brb"), wireEntry("a", "afk")];
    await act(() => emit("sync:status", idle));
    await waitFor(() => expect(ids(result.current.rows)).toEqual(["a", "b", "c"]));
    expect(result.current.error).toBeNull();
    expect(calls.filter((c) => c.cmd === "dictionary_entry_list")).toHaveLength(3);
  });

  it("marks the rows with writes waiting to sync and the rows with a conflict", async () => {
    mockBackend({ dictionary_entry_list: () => [wireEntry("a", "afk"), wireEntry("b", "brb")], conflict_list: () => [] });
    const { result } = renderHook(() => db.useDictionaryEntries());
    await waitFor(() => expect(result.current.rows).toHaveLength(2));
    const [a, b] = result.current.rows;
    expect([result.current.isPending(a), result.current.hasConflict(b)]).toEqual([false, false]);
    const pendingKeys = changed(1, { dictionary_entry: ['"a"'], recording: ['"b"'] });
    await act(() => emit("sync:status", { ...idle, pending: 1, pendingKeys }));
    await waitFor(() => expect(result.current.isPending(a)).toBe(true));
    expect(result.current.isPending(b)).toBe(false);
    const conflict = {
      id: "op-1",
      table: "dictionary_entry",
      key: '"b"',
      operation: "update",
      baseVersion: 1,
      mine: wireEntry("b", "brb?"),
      theirs: wireEntry("b", "brb!", "2"),
      createdAt: 1,
    };
    await act(() => emit("conflict:changed", { kind: "insert", row: conflict }));
    await waitFor(() => expect(result.current.hasConflict(b)).toBe(true));
    expect(result.current.hasConflict(a)).toBe(false);
    await act(() => emit("conflict:changed", { kind: "delete", row: conflict }));
    await waitFor(() => expect(result.current.hasConflict(b)).toBe(false));
  });

  it("keeps the pending keys from what each sync status event changed, and asks again when events were missed", async () => {
    let answer = IDLE_SYNC;
    const calls = mockBackend({ dictionary_entry_list: () => ["a", "b", "c"].map((id) => wireEntry(id, id)), conflict_list: () => [], sync_status: () => answer });
    const { result } = renderHook(() => db.useDictionaryEntries());
    await waitFor(() => expect(result.current.rows).toHaveLength(3));
    const pending = () => result.current.rows.filter((row) => result.current.isPending(row)).map((row) => row.id);
    await act(() => emit("sync:status", { ...idle, pending: 2, pendingKeys: changed(1, { dictionary_entry: ['"a"', '"b"'] }) }));
    await waitFor(() => expect(pending()).toEqual(["a", "b"]));
    await act(() => emit("sync:status", { ...idle, pending: 1, pendingKeys: changed(2, {}, { dictionary_entry: ['"a"'] }) }));
    await waitFor(() => expect(pending()).toEqual(["b"]));
    // Event 3 (a pending again) missed: event 4 waits for the answer, then applies on top of it.
    answer = { ...IDLE_SYNC, pending: 2, pendingKeys: { ...IDLE_SYNC.pendingKeys, version: 3, added: { dictionary_entry: ['"a"', '"b"'] } } };
    await act(() => emit("sync:status", { ...idle, pending: 2, pendingKeys: changed(4, { dictionary_entry: ['"c"'] }, { dictionary_entry: ['"b"'] }) }));
    await waitFor(() => expect(pending()).toEqual(["a", "c"]));
    expect(calls.filter((c) => c.cmd === "sync_status")).toHaveLength(2);
    // An event from before the answer changes nothing.
    await act(() => emit("sync:status", { ...idle, pending: 1, pendingKeys: changed(3, {}, { dictionary_entry: ['"a"'] }) }));
    await act(() => emit("sync:status", { ...idle, pending: 1, pendingKeys: changed(5, {}, { dictionary_entry: ['"c"'] }) }));
    await waitFor(() => expect(pending()).toEqual(["a"]));
    expect(calls.filter((c) => c.cmd === "sync_status")).toHaveLength(2);
  });

  it("follows the connection, the sync status and the conflicts once for every hook", async () => {
    const calls = mockBackend({ dictionary_entry_list: () => [], recording_list: () => [], conflict_list: () => [] });
    const { result } = renderHook(() => [db.useDictionaryEntries(), db.useRecordings(), db.useVoiceCommands()]);
    await waitFor(() => expect(result.current.every((t) => !t.loading)).toBe(true));
    for (const command of ["conflict_list", "sync_status", "connection_status"]) {
      expect(calls.filter((c) => c.cmd === command), command).toHaveLength(1);
    }
  });
});

describe("a singleton's hook (useSettings)", () => {
  const settings = (mode: string, version = "1") => ({
    audioSelectedDevice: null,
    shortcutsDistinguishLeftRight: false,
    shortcutsRecordingMode: mode,
    hotkeyRecordingShortcut: "F13",
    storageQuotaMb: 1024,
    rowVersion: version,
  });

  it("loads the row, follows its changes and marks it pending", async () => {
    mockBackend({ settings_get: () => settings("Toggle"), conflict_list: () => [] });
    const { result } = renderHook(() => db.useSettings());
    await waitFor(() => expect(result.current.row?.shortcutsRecordingMode).toBe("Toggle"));
    await act(() => emit("settings:changed", { kind: "update", oldRow: settings("Toggle"), row: settings("PushToTalk", "2") }));
    await waitFor(() => expect(result.current.row?.shortcutsRecordingMode).toBe("PushToTalk"));
    expect(result.current.pending).toBe(false);
    await act(() => emit("sync:status", { ...idle, pending: 1, pendingKeys: changed(1, { settings: ["0"] }) }));
    await waitFor(() => expect(result.current.pending).toBe(true));
  });
});

describe("useConflicts", () => {
  it("lists the conflicts with their rows typed, oldest first, and follows them", async () => {
    const conflict = (id: string, createdAt: number) => ({
      id,
      table: "dictionary_entry",
      key: '"a"',
      operation: "update",
      baseVersion: 1,
      mine: wireEntry("a", "mine"),
      theirs: wireEntry("a", "theirs", "2"),
      createdAt,
    });
    mockBackend({ conflict_list: () => [conflict("op-2", 20)] });
    const { result } = renderHook(() => db.useConflicts());
    await waitFor(() => expect(ids(result.current.rows)).toEqual(["op-2"]));
    const [first] = result.current.rows;
    expect(first.table === "dictionary_entry" && first.mine?.trigger).toBe("mine");
    await act(() => emit("conflict:changed", { kind: "insert", row: conflict("op-1", 10) }));
    await waitFor(() => expect(ids(result.current.rows)).toEqual(["op-1", "op-2"]));
  });
});

describe("useConnectionStatus", () => {
  it("reads the status, follows its events, and retries through the command", async () => {
    const calls = mockBackend({
      connection_status: () => ({ state: "connecting", server: "http://127.0.0.1:3000", lastFailure: null }),
    });
    const { result } = renderHook(() => db.useConnectionStatus());
    await waitFor(() => expect(result.current.status?.state).toBe("connecting"));
    const failed = { state: "failed", server: "http://127.0.0.1:3000", kind: "serverUnreachable", message: "nope", detail: null, retryInMs: 1000 };
    await act(() => emit("connection:status", failed));
    await waitFor(() => expect(result.current.status).toEqual(failed));
    await act(() => result.current.retry());
    expect(calls.map((c) => c.cmd)).toContain("connection_retry");
  });
});

describe("order", () => {
  const byId = (row: { id: string }) => row.id;
  const byKey = (a: { id: string }, b: { id: string }) => db.compareKeys(a.id, b.id);

  it("compares keys as values: numbers as numbers, text by code point", () => {
    const sorted = <T extends db.KeyValue>(keys: T[]) => [...keys].sort(db.compareKeys);
    expect(sorted([10, 9, 100, -1])).toEqual([-1, 9, 10, 100]);
    expect(sorted([10n, 9n, 18446744073709551615n])).toEqual([9n, 10n, 18446744073709551615n]);
    expect(sorted(["b", "a", "ab", "B"])).toEqual(["B", "a", "ab", "b"]);
    // U+FFFD is one UTF-16 unit above the surrogates, but a smaller code point than 😀 (U+1F600).
    expect(sorted(["😀", "\ufffd"])).toEqual(["\ufffd", "😀"]);
    expect(sorted([true, false])).toEqual([false, true]);
  });

  it("moves a row whose key changed (provisional to the server's) to its place, once", () => {
    const rows = [{ id: "18446744073709551615", v: 1 }, { id: "b", v: 1 }];
    const real = { id: "7", v: 1 };
    const update = { kind: "update" as const, oldRow: rows[0], row: real };
    expect(db.applyChange(rows, update, byId, byKey)).toEqual([real, rows[1]]);
    // The server's insert of the row may come first: still one row.
    const inserted = db.applyChange(rows, { kind: "insert", row: real }, byId, byKey);
    expect(db.applyChange(inserted, update, byId, byKey)).toEqual([real, rows[1]]);
    expect(db.applyChange(db.applyChange(rows, update, byId, byKey), { kind: "insert", row: real }, byId, byKey)).toEqual([real, rows[1]]);
  });
});
