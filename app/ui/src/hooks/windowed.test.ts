// useTable's windowed lists (heycat-runtime's react.ts) against a fake table: its `page` slices
// the table's rows in order, as the backend's `<table>_page` command does, and its change events
// are sent by the test.
import { act, renderHook, waitFor } from "@testing-library/react";
import { emit } from "@tauri-apps/api/event";
import { beforeEach, describe, expect, it } from "vitest";

import * as db from "../heycat";
import { mockBackend } from "../test-ipc";

type Entry = { id: string; trigger: string };
type Change = db.TableChange<Entry>;

const byTrigger = (a: Entry, b: Entry) => db.compareKeys(a.trigger, b.trigger) || db.compareKeys(a.id, b.id);
const entry = (trigger: string, id = trigger): Entry => ({ id, trigger });
const triggers = (rows: Entry[]) => rows.map((r) => r.trigger);

/** A table of `rows` behind a fake backend; `send` changes it and tells the hooks. */
function fakeTable(rows: Entry[]) {
  let stored = [...rows];
  const handlers = new Set<(change: Change) => void>();
  const asked: { after: string | null; limit: number }[] = [];
  let held: Promise<void> | null = null;
  const source: db.TableSource<Entry, "trigger"> = {
    table: "entry",
    keyField: "id",
    list: async () => stored,
    // The rows as they are when asked; the answer waits while the test holds it.
    page: async (_order, descending, after, limit) => {
      asked.push({ after: after?.trigger ?? null, limit });
      const order = descending ? (a: Entry, b: Entry) => byTrigger(b, a) : byTrigger;
      const following = [...stored].sort(order).filter((row) => after === null || order(row, after) > 0);
      const answer = { rows: following.slice(0, limit), more: following.length > limit, total: stored.length };
      const wait = held;
      held = null;
      await wait;
      return answer;
    },
    orders: { trigger: byTrigger },
    onChanged: async (handler) => {
      handlers.add(handler);
      return () => void handlers.delete(handler);
    },
    key: (row) => JSON.stringify(row.id),
    byKey: (a, b) => db.compareKeys(a.id, b.id),
  };
  return {
    source,
    asked,
    send(change: Change) {
      this.store(change);
      this.tell(change);
    },
    /** Changes the table without telling (the change happened while this app was offline). */
    store(change: Change) {
      const gone = new Set([change.row.id, ...(change.kind === "update" ? [change.oldRow.id] : [])]);
      stored = stored.filter((row) => !gone.has(row.id));
      if (change.kind !== "delete") stored.push(change.row);
    },
    /** Tells the hooks of a change (after a reconnect: one the table holds already). */
    tell(change: Change) {
      act(() => handlers.forEach((handler) => handler(change)));
    },
    /** Holds the answer to the next page asked for until the returned function is called. */
    holdNextPage(): () => void {
      let release = () => {};
      held = new Promise((resolve) => (release = resolve));
      return () => act(release);
    },
  };
}

const TABLE = ["b", "d", "f", "h", "j"].map((t) => entry(t));

function useWindow(source: db.TableSource<Entry, "trigger">, descending = false) {
  return db.useTable(source, { window: { order: "trigger", descending, size: 2 } });
}

beforeEach(() => {
  mockBackend({ conflict_list: () => [] });
});

describe("a windowed table (useTable with window)", () => {
  it("loads the first page, then a page more at each loadMore, to the end", async () => {
    const table = fakeTable(TABLE);
    const { result } = renderHook(() => useWindow(table.source));
    await waitFor(() => expect(triggers(result.current.rows)).toEqual(["b", "d"]));
    expect([result.current.more, result.current.total, result.current.loading]).toEqual([true, 5, false]);
    act(() => result.current.loadMore());
    expect(result.current.loadingMore).toBe(true);
    await waitFor(() => expect(triggers(result.current.rows)).toEqual(["b", "d", "f", "h"]));
    expect(result.current.loadingMore).toBe(false);
    act(() => result.current.loadMore());
    await waitFor(() => expect(triggers(result.current.rows)).toEqual(["b", "d", "f", "h", "j"]));
    expect([result.current.more, result.current.total]).toEqual([false, 5]);
    expect(table.asked).toEqual([
      { after: null, limit: 2 },
      { after: "d", limit: 2 },
      { after: "h", limit: 2 },
    ]);
  });

  it("shows a new row inside the window, and leaves one beyond it to the page that brings it", async () => {
    const table = fakeTable(TABLE);
    const { result } = renderHook(() => useWindow(table.source));
    await waitFor(() => expect(triggers(result.current.rows)).toEqual(["b", "d"]));
    table.send({ kind: "insert", row: entry("c") });
    expect(triggers(result.current.rows)).toEqual(["b", "c", "d"]);
    expect(result.current.total).toBe(6);
    // Not counted yet: it may be in the count already (a reconnect's report of what changed).
    table.send({ kind: "insert", row: entry("e") });
    expect(triggers(result.current.rows)).toEqual(["b", "c", "d"]);
    expect(result.current.total).toBe(6);
    act(() => result.current.loadMore());
    await waitFor(() => expect(triggers(result.current.rows)).toEqual(["b", "c", "d", "e", "f"]));
    expect(result.current.total).toBe(7);
  });

  it("drops a deleted row and a row that moves beyond the window, and counts rows once", async () => {
    const table = fakeTable(TABLE);
    const { result } = renderHook(() => useWindow(table.source));
    await waitFor(() => expect(triggers(result.current.rows)).toEqual(["b", "d"]));
    table.send({ kind: "delete", row: entry("b") });
    expect(triggers(result.current.rows)).toEqual(["d"]);
    expect(result.current.total).toBe(4);
    table.send({ kind: "update", oldRow: entry("d"), row: entry("z", "d") });
    expect(triggers(result.current.rows)).toEqual([]);
    // A key that changes (a provisional key to the server's) is the same row, not a new one.
    table.send({ kind: "update", oldRow: entry("z", "d"), row: entry("a", "d2") });
    expect(triggers(result.current.rows)).toEqual(["a"]);
    expect(result.current.total).toBe(4);
    // Its insert may come too: still one row.
    table.send({ kind: "insert", row: entry("a", "d2") });
    expect(result.current.total).toBe(4);
  });

  it("loads last to first when descending", async () => {
    const table = fakeTable(TABLE);
    const { result } = renderHook(() => useWindow(table.source, true));
    await waitFor(() => expect(triggers(result.current.rows)).toEqual(["j", "h"]));
    table.send({ kind: "insert", row: entry("i") });
    table.send({ kind: "insert", row: entry("a") });
    expect(triggers(result.current.rows)).toEqual(["j", "i", "h"]);
    act(() => result.current.loadMore());
    await waitFor(() => expect(triggers(result.current.rows)).toEqual(["j", "i", "h", "f", "d"]));
    expect(result.current.total).toBe(7);
  });

  it("loads as many rows as were loaded when the data changes (a reconnect), to keep a person's place", async () => {
    const table = fakeTable(TABLE);
    const { result } = renderHook(() => useWindow(table.source));
    await waitFor(() => expect(result.current.rows).toHaveLength(2));
    act(() => result.current.loadMore());
    await waitFor(() => expect(result.current.rows).toHaveLength(4));
    await act(() => emit("connection:status", { state: "connected", server: "http://127.0.0.1:3000" }));
    await waitFor(() => expect(table.asked).toHaveLength(3));
    expect(table.asked[2]).toEqual({ after: null, limit: 4 });
    await waitFor(() => expect(result.current.loading).toBe(false));
    expect(triggers(result.current.rows)).toEqual(["b", "d", "f", "h"]);
  });

  it("counts nothing twice when what changed while offline is reported after the reconnect's reload", async () => {
    const table = fakeTable(TABLE);
    const { result } = renderHook(() => useWindow(table.source));
    await waitFor(() => expect(triggers(result.current.rows)).toEqual(["b", "d"]));
    const offline: Change[] = [
      { kind: "insert", row: entry("c") },
      { kind: "insert", row: entry("g") },
      { kind: "insert", row: entry("i") },
      { kind: "delete", row: entry("h") },
    ];
    offline.forEach((change) => table.store(change));
    await act(() => emit("connection:status", { state: "connected", server: "http://127.0.0.1:3000" }));
    await waitFor(() => expect(triggers(result.current.rows)).toEqual(["b", "c"]));
    expect(result.current.total).toBe(7);
    offline.forEach((change) => table.tell(change));
    expect(triggers(result.current.rows)).toEqual(["b", "c"]);
    expect(result.current.total).toBe(7);
  });

  it("applies the changes heard while a page loads on top of it", async () => {
    const table = fakeTable(TABLE);
    const releaseFirst = table.holdNextPage();
    const { result } = renderHook(() => useWindow(table.source));
    await waitFor(() => expect(table.asked).toHaveLength(1));
    table.send({ kind: "insert", row: entry("c") });
    releaseFirst();
    await waitFor(() => expect(triggers(result.current.rows)).toEqual(["b", "c", "d"]));
    expect(result.current.total).toBe(6);

    const releaseNext = table.holdNextPage();
    act(() => result.current.loadMore());
    table.send({ kind: "insert", row: entry("e") });
    table.send({ kind: "delete", row: entry("f") });
    table.send({ kind: "insert", row: entry("g") });
    expect(result.current.total).toBe(6);
    releaseNext();
    await waitFor(() => expect(result.current.loadingMore).toBe(false));
    expect(triggers(result.current.rows)).toEqual(["b", "c", "d", "e", "g", "h"]);
    expect(result.current.total).toBe(7);
  });

  it("takes a window in one of the table's orders, or a compare, not both (checked by tsc)", () => {
    // @ts-expect-error: a windowed list is in its window's order
    const both: db.TableOptions<Entry, "trigger"> = { compare: byTrigger, window: { order: "trigger" } };
    // @ts-expect-error: no such order
    const unknown: db.TableOptions<Entry, "trigger"> = { window: { order: "expansion" } };
    expect([both, unknown]).toHaveLength(2);
  });

  it("ignores a page that was loading when the list was loaded again", async () => {
    const table = fakeTable(TABLE);
    const { result } = renderHook(() => useWindow(table.source));
    await waitFor(() => expect(triggers(result.current.rows)).toEqual(["b", "d"]));
    const releaseStale = table.holdNextPage();
    act(() => result.current.loadMore());
    table.send({ kind: "delete", row: entry("f") });
    await act(() => emit("connection:status", { state: "connected", server: "http://127.0.0.1:3000" }));
    await waitFor(() => expect(table.asked).toHaveLength(3));
    await waitFor(() => expect(result.current.loading).toBe(false));
    releaseStale();
    await act(() => Promise.resolve());
    expect(triggers(result.current.rows)).toEqual(["b", "d"]);
    act(() => result.current.loadMore());
    await waitFor(() => expect(triggers(result.current.rows)).toEqual(["b", "d", "h", "j"]));
    expect([result.current.more, result.current.total]).toEqual([false, 4]);
  });
});
