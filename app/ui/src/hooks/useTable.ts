import { useCallback, useEffect, useState } from "react";
import type { UnlistenFn } from "@tauri-apps/api/event";

import type { TableChange } from "../heycat";

export interface TableState<Row> {
  rows: Row[];
  loading: boolean;
  error: string | null;
  reload: () => void;
}

/**
 * A table's rows, loaded with its `list` command and kept current by its change events (from
 * this app, another device or the server), so views never need a manual refresh. `revision`
 * reloads when it changes (the app passes the connection state, so a reconnect reloads).
 */
export function useTable<Row>(
  list: () => Promise<Row[]>,
  onChanged: (handler: (change: TableChange<Row>) => void) => Promise<UnlistenFn>,
  key: (row: Row) => string,
  revision: unknown = null,
): TableState<Row> {
  const [rows, setRows] = useState<Row[]>([]);
  const [loading, setLoading] = useState(true);
  const [error, setError] = useState<string | null>(null);
  const [reloads, setReloads] = useState(0);

  useEffect(() => {
    let live = true;
    // Changes that arrive while the list loads are kept and applied on top of it (applying a
    // change the list already holds changes nothing), so none falls between list and events.
    let pending: TableChange<Row>[] | null = [];
    const stop = onChanged((change) => {
      if (!live) return;
      if (pending) pending.push(change);
      else setRows((current) => applyChange(current, change, key));
    });
    setLoading(true);
    stop
      .then(() => list())
      .then((loaded) => {
        if (!live) return;
        setRows((pending ?? []).reduce((current, change) => applyChange(current, change, key), loaded));
        setError(null);
      })
      .catch((e: unknown) => live && setError(e instanceof Error ? e.message : String(e)))
      .finally(() => {
        pending = null;
        if (live) setLoading(false);
      });
    return () => {
      live = false;
      void stop.then((unlisten) => unlisten());
    };
  }, [list, onChanged, key, revision, reloads]);

  const reload = useCallback(() => setReloads((n) => n + 1), []);
  return { rows, loading, error, reload };
}

/**
 * `rows` after `change`: inserts append, updates replace in place, deletes remove. An update
 * may change the key (a row written offline under a provisional key gets the server's): the
 * row takes the old one's place, and a copy already there under the new key goes.
 */
export function applyChange<Row>(rows: Row[], change: TableChange<Row>, key: (row: Row) => string): Row[] {
  const id = key(change.row);
  const others = rows.filter((row) => key(row) !== id);
  switch (change.kind) {
    case "delete":
      return others;
    case "update": {
      const oldId = key(change.oldRow);
      const at = rows.findIndex((row) => key(row) === oldId);
      if (at < 0) {
        return rows.some((row) => key(row) === id) ? rows.map((row) => (key(row) === id ? change.row : row)) : [...rows, change.row];
      }
      return rows.flatMap((row, i) => (i === at ? [change.row] : key(row) === id ? [] : [row]));
    }
    case "insert":
      return rows.some((row) => key(row) === id) ? rows.map((row) => (key(row) === id ? change.row : row)) : [...rows, change.row];
  }
}
