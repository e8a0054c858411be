import { act, renderHook, waitFor } from "@testing-library/react";
import { emit } from "@tauri-apps/api/event";
import { describe, expect, it } from "vitest";

import * as db from "../heycat";
import { mockBackend, wireEntry } from "../test-ipc";
import { applyChange, useTable } from "./useTable";
import { useConnection } from "./useConnection";

const byId = (row: { id: string }) => row.id;

describe("useTable", () => {
  it("loads rows with the list command and follows change events without a reload", async () => {
    const calls = mockBackend({ dictionary_entry_list: () => [wireEntry("a", "brb")] });
    const { result } = renderHook(() => useTable(db.dictionaryEntryList, db.onDictionaryEntryChanged, byId));
    await waitFor(() => expect(result.current.rows.map((r) => r.trigger)).toEqual(["brb"]));
    expect(result.current.rows[0].rowVersion).toBe(1n);

    await act(() => emit("dictionary_entry:changed", { kind: "insert", row: wireEntry("b", "omw") }));
    await waitFor(() => expect(result.current.rows.map((r) => r.trigger)).toEqual(["brb", "omw"]));
    await act(() =>
      emit("dictionary_entry:changed", { kind: "update", oldRow: wireEntry("a", "brb"), row: wireEntry("a", "brb!", "2") }),
    );
    await waitFor(() => expect(result.current.rows.map((r) => r.trigger)).toEqual(["brb!", "omw"]));
    await act(() => emit("dictionary_entry:changed", { kind: "delete", row: wireEntry("b", "omw") }));
    await waitFor(() => expect(result.current.rows.map((r) => r.id)).toEqual(["a"]));
    expect(calls.filter((c) => c.cmd === "dictionary_entry_list")).toHaveLength(1);
  });

  it("reloads when the revision changes (a reconnect) and reports a failed load", async () => {
    let answer: unknown = [wireEntry("a", "brb")];
    mockBackend({
      dictionary_entry_list: () => {
        if (answer instanceof Error) throw { kind: "offline", message: "not connected to the database" };
        return answer;
      },
    });
    const { result, rerender } = renderHook(({ rev }) => useTable(db.dictionaryEntryList, db.onDictionaryEntryChanged, byId, rev), {
      initialProps: { rev: 1 },
    });
    await waitFor(() => expect(result.current.rows).toHaveLength(1));
    answer = new Error("offline");
    rerender({ rev: 2 });
    await waitFor(() => expect(result.current.error).toBe("not connected to the database"));
    answer = [wireEntry("a", "brb"), wireEntry("c", "cu")];
    rerender({ rev: 3 });
    await waitFor(() => expect(result.current.rows).toHaveLength(2));
    expect(result.current.error).toBeNull();
  });
});

describe("applyChange", () => {
  const rows = [{ id: "a", v: 1 }, { id: "b", v: 1 }];
  it("replaces updates in place, appends inserts, removes deletes", () => {
    expect(applyChange(rows, { kind: "update", oldRow: rows[0], row: { id: "a", v: 2 } }, byId)).toEqual([{ id: "a", v: 2 }, rows[1]]);
    expect(applyChange(rows, { kind: "insert", row: { id: "c", v: 1 } }, byId)).toHaveLength(3);
    expect(applyChange(rows, { kind: "insert", row: { id: "a", v: 3 } }, byId)).toEqual([{ id: "a", v: 3 }, rows[1]]);
    expect(applyChange(rows, { kind: "delete", row: rows[1] }, byId)).toEqual([rows[0]]);
  });

  it("moves a row whose key changed (provisional to the server's) into its old place, once", () => {
    const real = { id: "7", v: 1 };
    const update = { kind: "update" as const, oldRow: rows[0], row: real };
    expect(applyChange(rows, update, byId)).toEqual([real, rows[1]]);
    // The server's insert of the row may come first: still one row.
    const inserted = applyChange(rows, { kind: "insert", row: real }, byId);
    expect(applyChange(inserted, update, byId)).toEqual([real, rows[1]]);
    expect(applyChange(applyChange(rows, update, byId), { kind: "insert", row: real }, byId)).toEqual([real, rows[1]]);
  });
});

describe("useConnection", () => {
  it("reads the status, follows its events, and retries through the command", async () => {
    const calls = mockBackend({
      connection_status: () => ({ state: "connecting", server: "http://127.0.0.1:3000", lastFailure: null }),
    });
    const { result } = renderHook(() => useConnection());
    await waitFor(() => expect(result.current.status?.state).toBe("connecting"));
    const failed = { state: "failed", server: "http://127.0.0.1:3000", kind: "serverUnreachable", message: "nope", detail: null, retryInMs: 1000 };
    await act(() => emit("connection:status", failed));
    await waitFor(() => expect(result.current.status).toEqual(failed));
    await act(() => result.current.retry());
    expect(calls.map((c) => c.cmd)).toContain("connection_retry");
  });
});
