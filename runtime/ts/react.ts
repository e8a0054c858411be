// heycat-runtime's React hooks: what every schema's hooks share. heycat-codegen copies it next to
// a schema's bindings when the app asks for React hooks (`heycat-schema generate --react`, or
// `Builder::react(true)`), with `hooks.ts`, which gives every table its hook
// (`useDictionaryEntries()`, `useSettings()`). The framework-neutral bindings never import it.
// Edit it in heycat-data's runtime/ts/, not in an app.
//
// A table's hook loads its rows with the table's `list` command, keeps them current from its
// change events (from this app, another device or the server) in one stable order, reloads on
// each (re)connect and when syncing ends, and marks the rows with writes waiting to sync and the
// rows with a conflict. The connection status, the sync status and the conflicts are each
// followed once, however many components read them.

import { useCallback, useEffect, useMemo, useState, useSyncExternalStore } from "react";

import {
  call,
  connectionRetry,
  connectionStatus,
  DataError,
  onConnectionStatus,
  onSyncStatus,
  subscribe,
  syncStatus,
  type UnlistenFn,
} from "./runtime";
import {
  RUNTIME_COMMANDS,
  RUNTIME_EVENTS,
  type ConflictView,
  type ConnectionStatus,
  type SyncStatus,
  type TableChange,
} from "./types";

// ---- Order -----------------------------------------------------------------------------------

/** A primary key's value: what `compareKeys` orders. */
export type KeyValue = string | number | bigint | boolean;

/**
 * The order of two keys as the runtime's lists have it: numbers (and `bigint`s) as numbers, text by
 * code point (as Rust compares strings), `false` before `true`.
 */
export function compareKeys(a: KeyValue, b: KeyValue): number {
  if (typeof a === "string" && typeof b === "string") return compareText(a, b);
  return a < b ? -1 : a > b ? 1 : 0;
}

function compareText(a: string, b: string): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const x = a.charCodeAt(i);
    const y = b.charCodeAt(i);
    if (x !== y) {
      // A surrogate stands for a code point above U+FFFF: after every code point that is one
      // code unit (U+E000 to U+FFFF are code units above the surrogates).
      const [surrogateX, surrogateY] = [isSurrogate(x), isSurrogate(y)];
      if (surrogateX !== surrogateY) return surrogateX ? 1 : -1;
      return x < y ? -1 : 1;
    }
  }
  return a.length - b.length;
}

const isSurrogate = (unit: number) => unit >= 0xd800 && unit <= 0xdfff;

/**
 * `rows` (in `compare`'s order) after `change`: a new row goes to its place in the order, an
 * updated one moves to its new place, a deleted one goes. An update may change the key (a row
 * written offline under a provisional key gets the server's): the old one goes, and a copy
 * already there under the new key is replaced, so the row is there once.
 */
export function applyChange<Row>(
  rows: readonly Row[],
  change: TableChange<Row>,
  key: (row: Row) => string,
  compare: (a: Row, b: Row) => number,
): Row[] {
  const id = key(change.row);
  const oldId = change.kind === "update" ? key(change.oldRow) : id;
  const others = rows.filter((row) => {
    const k = key(row);
    return k !== id && k !== oldId;
  });
  if (change.kind === "delete") return others;
  // After the last row that does not come later: equal rows keep their arrival order.
  let low = 0;
  let high = others.length;
  while (low < high) {
    const mid = (low + high) >>> 1;
    if (compare(others[mid], change.row) <= 0) low = mid + 1;
    else high = mid;
  }
  others.splice(low, 0, change.row);
  return others;
}

// ---- Sources followed once -------------------------------------------------------------------

/** A value many components read and one subscription keeps current (`useSyncExternalStore`). */
interface Source<T> {
  subscribe: (listener: () => void) => () => void;
  get: () => T;
}

/** A source started by its first reader and stopped (back to `initial`) after its last. */
function source<T>(initial: T, start: (set: (update: (current: T) => T) => void) => () => void): Source<T> {
  let value = initial;
  let stop: (() => void) | null = null;
  const listeners = new Set<() => void>();
  const set = (update: (current: T) => T) => {
    value = update(value);
    listeners.forEach((listener) => listener());
  };
  return {
    subscribe(listener) {
      listeners.add(listener);
      stop ??= start(set);
      return () => {
        listeners.delete(listener);
        if (listeners.size === 0 && stop) {
          stop();
          stop = null;
          value = initial;
        }
      };
    },
    get: () => value,
  };
}

/** The latest of an event, asked for once listening so no change falls between. */
function followed<T>(listen: (handler: (value: T) => void) => Promise<UnlistenFn>, ask: () => Promise<T>): Source<T | null> {
  return source<T | null>(null, (set) => {
    let live = true;
    const stop = listen((next) => live && set(() => next));
    stop
      .then(() => ask())
      .then((now) => live && set((seen) => seen ?? now))
      .catch(() => undefined);
    return () => {
      live = false;
      void stop.then((unlisten) => unlisten());
    };
  });
}

const connection = followed(onConnectionStatus, connectionStatus);
const sync = followed(onSyncStatus, syncStatus);

/** Every conflict of this device's writes, rows as they cross (for the rows' markers). */
const conflicts = source<ConflictView[]>([], (set) => {
  let live = true;
  const byId = (c: ConflictView) => c.id;
  const oldestFirst = (a: ConflictView, b: ConflictView) => a.createdAt - b.createdAt;
  const stop = subscribe<TableChange<ConflictView>>(RUNTIME_EVENTS.CONFLICT_CHANGED, (change) => {
    if (live) set((all) => applyChange(all, change, byId, oldestFirst));
  });
  // Conflicts live on the server: listed on each connect (offline, the list fails and the last stays).
  const load = () =>
    call<ConflictView[]>(RUNTIME_COMMANDS.CONFLICT_LIST).then(
      (all) => live && set(() => all),
      () => undefined,
    );
  let server: string | null = null;
  const stopFollowing = connection.subscribe(() => {
    const status = connection.get();
    const now = status?.state === "connected" ? status.server : null;
    if (now !== null && now !== server) void stop.then(load);
    server = now;
  });
  void stop.then(load);
  return () => {
    live = false;
    stopFollowing();
    void stop.then((unlisten) => unlisten());
  };
});

/** The backend's connection status, kept current by its `connection:status` events; `retry` asks it to connect now. */
export function useConnectionStatus(): { status: ConnectionStatus | null; retry: () => Promise<void> } {
  const status = useSyncExternalStore(connection.subscribe, connection.get);
  return { status, retry: connectionRetry };
}

/** What waits to sync, kept current by `sync:status` events (null until known). */
export function useSyncStatus(): SyncStatus | null {
  return useSyncExternalStore(sync.subscribe, sync.get);
}

/**
 * What a list follows besides its change events: each (re)connect, and the end of syncing (what
 * the server holds may differ from what this device showed meanwhile). A value that changes then.
 */
export function useDataRevision(): string | null {
  const status = useSyncExternalStore(connection.subscribe, connection.get);
  const pending = useSyncExternalStore(sync.subscribe, sync.get);
  const synced = pending !== null && pending.pending === 0;
  return status?.state === "connected" ? `${status.server}:${synced}` : null;
}

// ---- Lists -----------------------------------------------------------------------------------

/** Rows loaded once and kept current by their change events. */
export interface ListState<Row> {
  /** In order: the primary key's, or the `compare` given. */
  rows: Row[];
  loading: boolean;
  /** Why the last load failed (null once one succeeds). */
  error: DataError | null;
  /** Loads the rows again. */
  reload: () => void;
}

/**
 * Rows loaded with `list` and kept current by `onChanged`, in `compare`'s order (ties in `key`
 * order), loaded again when `revision` changes. Changes that arrive while the list loads are
 * applied on top of it, so none falls between the list and the events.
 */
export function useList<Row>(
  list: () => Promise<Row[]>,
  onChanged: (handler: (change: TableChange<Row>) => void) => Promise<UnlistenFn>,
  key: (row: Row) => string,
  compare: (a: Row, b: Row) => number,
  revision: unknown,
): ListState<Row> {
  const [rows, setRows] = useState<Row[]>([]);
  const [loading, setLoading] = useState(true);
  const [error, setError] = useState<DataError | null>(null);
  const [reloads, setReloads] = useState(0);

  useEffect(() => {
    let live = true;
    let pending: TableChange<Row>[] | null = [];
    const stop = onChanged((change) => {
      if (!live) return;
      if (pending) pending.push(change);
      else setRows((current) => applyChange(current, change, key, compare));
    });
    setLoading(true);
    stop
      .then(() => list())
      .then((loaded) => {
        if (!live) return;
        const sorted = [...loaded].sort(compare);
        setRows((pending ?? []).reduce((current, change) => applyChange(current, change, key, compare), sorted));
        setError(null);
      })
      .catch((e: unknown) => live && setError(e instanceof DataError ? e : new DataError("server", String(e))))
      .finally(() => {
        pending = null;
        if (live) setLoading(false);
      });
    return () => {
      live = false;
      void stop.then((unlisten) => unlisten());
    };
  }, [list, onChanged, key, compare, revision, reloads]);

  const reload = useCallback(() => setReloads((n) => n + 1), []);
  return { rows, loading, error, reload };
}

// ---- Tables ----------------------------------------------------------------------------------

/** What a table's hook is made of (generated in `hooks.ts` for every table). */
export interface TableSource<Row> {
  /** The table's name, as the sync status and conflicts name it. */
  table: string;
  /** The row's field holding the primary key. */
  keyField: string;
  list: () => Promise<Row[]>;
  onChanged: (handler: (change: TableChange<Row>) => void) => Promise<UnlistenFn>;
  /** The row's key as its wire JSON text: how the sync status names rows. */
  key: (row: Row) => string;
  /** The primary key's order. */
  byKey: (a: Row, b: Row) => number;
}

export interface TableOptions<Row> {
  /**
   * The order of the rows (ties keep the primary key's order) [default: the primary key's]. Pass
   * a function defined once (outside the component, or kept with `useCallback`): the rows are
   * sorted again when it changes.
   */
  compare?: (a: Row, b: Row) => number;
}

export interface TableState<Row> extends ListState<Row> {
  /** Whether the row has writes not confirmed by the server yet ("not synced yet"). */
  isPending: (row: Row) => boolean;
  /** Whether a write of yours to the row is a conflict to settle (see `useConflicts`). */
  hasConflict: (row: Row) => boolean;
}

/**
 * A table's rows for a component: loaded, kept current by the table's change events, in one
 * order, reloaded on each (re)connect and when syncing ends, with each row's pending and conflict
 * markers.
 */
export function useTable<Row>(table: TableSource<Row>, options: TableOptions<Row> = {}): TableState<Row> {
  const revision = useDataRevision();
  const state = useList(table.list, table.onChanged, table.key, table.byKey, revision);
  const { compare } = options;
  const rows = useMemo(() => {
    if (!compare) return state.rows;
    // The rows are in key order: a stable sort keeps it among equals.
    return [...state.rows].sort(compare);
  }, [state.rows, compare]);
  const status = useSyncExternalStore(sync.subscribe, sync.get);
  const pendingKeys = useMemo(() => new Set(status?.pendingKeys[table.table] ?? []), [status, table.table]);
  const all = useSyncExternalStore(conflicts.subscribe, conflicts.get);
  const conflicted = useMemo(() => {
    const keys = new Set<string>();
    for (const c of all) {
      const row = (c.mine ?? c.theirs) as Record<string, unknown> | null;
      if (c.table === table.table && row !== null) keys.add(JSON.stringify(row[table.keyField]));
    }
    return keys;
  }, [all, table.table, table.keyField]);
  const isPending = useCallback((row: Row) => pendingKeys.has(table.key(row)), [pendingKeys, table]);
  const hasConflict = useCallback((row: Row) => conflicted.has(table.key(row)), [conflicted, table]);
  return { ...state, rows, isPending, hasConflict };
}

// ---- Singletons ------------------------------------------------------------------------------

/** What a singleton table's hook is made of (generated in `hooks.ts`). */
export interface SingletonSource<Row> {
  table: string;
  get: () => Promise<Row>;
  onChanged: (handler: (change: TableChange<Row>) => void) => Promise<UnlistenFn>;
}

export interface SingletonState<Row> {
  /** The one row (its defaults until the server has one); null until loaded. */
  row: Row | null;
  loading: boolean;
  error: DataError | null;
  /** Whether the row has writes not confirmed by the server yet. */
  pending: boolean;
  /** Whether a write of yours to it is a conflict to settle. */
  conflict: boolean;
  reload: () => void;
}

/** A singleton's key, as the sync status names it. */
const SINGLETON_KEY = "0";

/** A singleton table's row, kept current like a table's rows. */
export function useSingleton<Row>(table: SingletonSource<Row>): SingletonState<Row> {
  const revision = useDataRevision();
  const list = useCallback(() => table.get().then((row) => [row]), [table]);
  const state = useList(list, table.onChanged, singletonKey, unordered, revision);
  const status = useSyncExternalStore(sync.subscribe, sync.get);
  const all = useSyncExternalStore(conflicts.subscribe, conflicts.get);
  return {
    row: state.rows[0] ?? null,
    loading: state.loading,
    error: state.error,
    pending: status?.pendingKeys[table.table]?.includes(SINGLETON_KEY) ?? false,
    conflict: all.some((c) => c.table === table.table),
    reload: state.reload,
  };
}

const singletonKey = () => SINGLETON_KEY;
const unordered = () => 0;
