// @heycat/runtime/react: heycat-runtime's React hooks, what every schema's hooks share. An app's
// generated `hooks.ts` (`heycat-schema generate --react`, or `Builder::react(true)`) imports them
// and gives every table its hook (`useDictionaryEntries()`, `useSettings()`). Only this entry
// point imports React: the framework-neutral one (`@heycat/runtime`) never does.
//
// A table's hook loads its rows with the table's `list` command, or, windowed, a page at a time
// with its `page` command in one of the table's orders (the first page, then one more at each
// `loadMore`: for tables too long to load whole). It keeps them current from the table's change
// events (from this app, another device or the server) in one stable order (a windowed list shows
// only the rows up to the last one loaded), reloads on each (re)connect and when syncing ends (as
// many rows as were loaded), and marks the rows with writes waiting to sync and the rows with a
// conflict. The connection status, the sync status and the conflicts are each followed once,
// however many components read them.

import { useCallback, useEffect, useMemo, useRef, useState, useSyncExternalStore } from "react";

import {
  call,
  compareValues,
  connectionRetry,
  connectionStatus,
  DataError,
  migrationStatus,
  onConnectionStatus,
  onMigrationStatus,
  onSyncStatus,
  subscribe,
  syncStatus,
  type UnlistenFn,
} from "./runtime.js";
import {
  RUNTIME_COMMANDS,
  RUNTIME_EVENTS,
  type ConflictView,
  type ConnectionStatus,
  type MigrationStatus,
  type RowPage,
  type SyncStatus,
  type TableChange,
} from "./types.js";

// ---- Order -----------------------------------------------------------------------------------

/** A primary key's value: what `compareKeys` orders. */
export type KeyValue = string | number | bigint | boolean;

/**
 * The order of two keys as the runtime's lists and pages have it (`compareValues`): numbers (and
 * `bigint`s) as numbers, text by code point (as Rust compares strings), `false` before `true`.
 */
export function compareKeys(a: KeyValue, b: KeyValue): number {
  return compareValues(a, b);
}

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

/**
 * The sync status as the hooks hold it: `pendingKeys` has every pending key (key JSON text), by
 * table. A `sync:status` event carries only the keys that changed; they apply on top of what
 * `sync_status` answered.
 */
export type SyncState = Omit<SyncStatus, "pendingKeys"> & { pendingKeys: ReadonlyMap<string, ReadonlySet<string>> };

/** The pending keys held: those of `sync_status`'s answer, with the events after it applied. */
interface HeldKeys {
  series: number;
  version: number;
  keys: Map<string, Set<string>>;
}

/**
 * The sync status, kept current by its events. Each event's keys apply to the keys held when
 * it follows the last one applied (one more `version`, the same `series`); otherwise (none held
 * yet, events missed, the data layer restarted) it waits for `sync_status` to answer. The key
 * sets change in place: a status of many pending keys costs what changed, not every key.
 */
const sync = source<SyncState | null>(null, (set) => {
  let live = true;
  let held: HeldKeys | null = null;
  let waiting: SyncStatus[] = [];
  let asking = false;
  const take = (status: SyncStatus) => {
    const { pendingKeys: change, ...rest } = status;
    if (change.whole) {
      // An answer older than the events applied since is dropped.
      if (held !== null && held.series === change.series && held.version > change.version) return;
      const keys = new Map<string, Set<string>>(
        Object.entries(change.added).map(([table, listed]) => [table, new Set(listed)]),
      );
      held = { series: change.series, version: change.version, keys };
    } else if (held === null || held.series !== change.series || change.version > held.version + 1) {
      waiting.push(status);
      ask();
      return;
    } else if (change.version <= held.version) {
      return;
    } else {
      for (const [table, listed] of Object.entries(change.added)) {
        const keys = held.keys.get(table) ?? new Set<string>();
        listed?.forEach((key) => keys.add(key));
        held.keys.set(table, keys);
      }
      for (const [table, listed] of Object.entries(change.removed)) {
        const keys = held.keys.get(table);
        listed?.forEach((key) => keys?.delete(key));
        if (keys?.size === 0) held.keys.delete(table);
      }
      held.version = change.version;
    }
    const keys = held.keys;
    set(() => ({ ...rest, pendingKeys: keys }));
  };
  const ask = () => {
    if (asking) return;
    asking = true;
    syncStatus().then(
      (now) => {
        asking = false;
        if (!live) return;
        take(now);
        const later = waiting;
        waiting = [];
        later.forEach(take);
      },
      () => {
        asking = false;
      },
    );
  };
  const stop = onSyncStatus((status) => live && take(status));
  void stop.then(ask, () => undefined);
  return () => {
    live = false;
    void stop.then((unlisten) => unlisten());
  };
});
// Asked too: a migration may end before the page listens.
const migration = followed(onMigrationStatus, migrationStatus);

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
export function useSyncStatus(): SyncState | null {
  return useSyncExternalStore(sync.subscribe, sync.get);
}

/** Where this start's migration of the database is (null when none ran, or until known). */
export function useMigrationStatus(): MigrationStatus | null {
  return useSyncExternalStore(migration.subscribe, migration.get);
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

/** A list's rows from the start of its order up to `last`: all of them once `more` is false. */
interface Loaded<Row> {
  rows: Row[];
  /** The last row a page brought: the next page starts after it. */
  last: Row | null;
  /** Whether rows come after `last`. */
  more: boolean;
  /** How many rows the whole list has. */
  total: number;
}

const NOTHING_LOADED: Loaded<never> = { rows: [], last: null, more: false, total: 0 };

/** The last of `rows`, or null when there are none. (Not `rows.at(-1)`: apps made by create-tauri-app type-check against ES2020's library, which lacks it.) */
function lastOf<Row>(rows: Row[]): Row | null {
  return rows.length === 0 ? null : rows[rows.length - 1];
}

/**
 * `loaded` after `change`, in `compare`'s order. While rows remain to load, a row that sorts after
 * the last one loaded is not shown (a later page brings it) and a row that moves there leaves.
 * `total` follows only what the rows tell: an insert up to the last row loaded that is not there
 * yet, a delete of a row that is there. A change after the last row loaded is left to the count
 * of the next page: it may be in it already (what changed while offline is reported after the
 * reconnect's first page was loaded), and counting it would count it twice.
 */
function applyWindowChange<Row>(
  loaded: Loaded<Row>,
  change: TableChange<Row>,
  key: (row: Row) => string,
  compare: (a: Row, b: Row) => number,
): Loaded<Row> {
  const loadedUpTo = (row: Row) => !loaded.more || (loaded.last !== null && compare(row, loaded.last) <= 0);
  const id = key(change.row);
  const ids = change.kind === "update" ? [id, key(change.oldRow)] : [id];
  const had = loaded.rows.some((row) => ids.includes(key(row)));
  let rows = applyChange(loaded.rows, change, key, compare);
  if (change.kind !== "delete" && !loadedUpTo(change.row)) rows = rows.filter((row) => key(row) !== id);
  let total = loaded.total;
  // An update is never a new row, even when it changes the key (provisional to the server's).
  if (change.kind === "insert" && !had && loadedUpTo(change.row)) total += 1;
  if (change.kind === "delete" && had) total -= 1;
  return { ...loaded, rows, total };
}

/** `loaded` with `page`, the rows after its last, appended, and the count it brings. */
function appendPage<Row>(loaded: Loaded<Row>, page: RowPage<Row>, key: (row: Row) => string): Loaded<Row> {
  const have = new Set(loaded.rows.map(key));
  return {
    rows: [...loaded.rows, ...page.rows.filter((row) => !have.has(key(row)))],
    last: lastOf(page.rows) ?? loaded.last,
    more: page.more,
    total: page.total,
  };
}

/** Rows per page of a windowed list, unless it says. */
const DEFAULT_WINDOW_SIZE = 100;

/** How a list loads: at most `limit` rows after `after` (null: from the start), in its order. */
type LoadPage<Row> = (after: Row | null, limit: number) => Promise<RowPage<Row>>;

/** A list's rows loaded a page at a time. */
interface PagedState<Row> extends ListState<Row> {
  /** Whether more rows come after those loaded (`loadMore` brings them). */
  more: boolean;
  /** How many rows the whole list has, loaded or not. */
  total: number;
  /** Loads the next page, after the last row loaded (nothing when there is no more, or a page is loading). */
  loadMore: () => void;
  loadingMore: boolean;
}

/** One load of a list, from its first page until the next reload. */
interface Load<Row> {
  /** False once a reload (or the component's end) has replaced it: its pages are then ignored. */
  live: boolean;
  /** Whether its first page came (or failed to): until then, changes only wait for it. */
  started: boolean;
  /** The changes heard since the page that is loading was asked for (null: none is loading). */
  heard: TableChange<Row>[] | null;
}

/** The changes heard while a page loaded, to apply on top of it: from now on they apply as they come. */
function takeHeard<Row>(run: Load<Row>): TableChange<Row>[] {
  const heard = run.heard ?? [];
  run.heard = null;
  run.started = true;
  return heard;
}

/**
 * A list's first `size` rows (or as many as were loaded before, on a reload), then a page more at
 * each `loadMore`, kept current by `onChanged` in `compare`'s order (the order `load` has), loaded
 * again when `revision` changes. The changes heard while a page loads are applied on top of it, so
 * none falls between the page and the events.
 */
function usePages<Row>(
  load: LoadPage<Row>,
  onChanged: (handler: (change: TableChange<Row>) => void) => Promise<UnlistenFn>,
  key: (row: Row) => string,
  compare: (a: Row, b: Row) => number,
  size: number,
  revision: unknown,
): PagedState<Row> {
  const [loaded, setLoaded] = useState<Loaded<Row>>(NOTHING_LOADED);
  // What is shown, for the change events and `loadMore` to build on.
  const latest = useRef<Loaded<Row>>(loaded);
  const current = useRef<Load<Row> | null>(null);
  const [loading, setLoading] = useState(true);
  const [loadingMore, setLoadingMore] = useState(false);
  const [error, setError] = useState<DataError | null>(null);
  const [reloads, setReloads] = useState(0);

  const show = useCallback((next: Loaded<Row>) => {
    latest.current = next;
    setLoaded(next);
  }, []);

  useEffect(() => {
    const run: Load<Row> = { live: true, started: false, heard: [] };
    current.current = run;
    const stop = onChanged((change) => {
      if (!run.live) return;
      run.heard?.push(change);
      if (run.started) show(applyWindowChange(latest.current, change, key, compare));
    });
    setLoading(true);
    setLoadingMore(false);
    // As many rows as are shown: a reload (a reconnect) keeps a person's place in a long list.
    const limit = Math.max(size, latest.current.rows.length);
    stop
      .then(() => load(null, limit))
      .then(
        (page) => {
          if (!run.live) return;
          const first: Loaded<Row> = { rows: page.rows, last: lastOf(page.rows), more: page.more, total: page.total };
          show(takeHeard(run).reduce((now, change) => applyWindowChange(now, change, key, compare), first));
          setError(null);
        },
        (e: unknown) => {
          takeHeard(run);
          if (run.live) setError(asDataError(e));
        },
      )
      .finally(() => run.live && setLoading(false));
    return () => {
      run.live = false;
      void stop.then((unlisten) => unlisten());
    };
  }, [load, onChanged, key, compare, size, revision, reloads, show]);

  const loadMore = useCallback(() => {
    const run = current.current;
    const { more, last } = latest.current;
    // One page at a time, each after the one before.
    if (!run?.live || !run.started || run.heard !== null || !more) return;
    run.heard = [];
    setLoadingMore(true);
    load(last, size)
      .then(
        (page) => {
          // After a reload began, its first page brings these rows.
          if (!run.live) return;
          // The changes heard meanwhile are shown already; applied again, they reach the rows
          // this page adds (and count where the rows tell they are not in its count).
          const replay = (now: Loaded<Row>, change: TableChange<Row>) => applyWindowChange(now, change, key, compare);
          show(takeHeard(run).reduce(replay, appendPage(latest.current, page, key)));
          setError(null);
        },
        (e: unknown) => {
          takeHeard(run);
          if (run.live) setError(asDataError(e));
        },
      )
      .finally(() => run.live && setLoadingMore(false));
  }, [load, key, compare, size, show]);

  const reload = useCallback(() => setReloads((n) => n + 1), []);
  const { rows, more, total } = loaded;
  return { rows, more, total, loading, loadingMore, error, reload, loadMore };
}

function asDataError(e: unknown): DataError {
  return e instanceof DataError ? e : new DataError("server", String(e));
}

/** A whole list as one page. */
const wholeList = <Row>(rows: Row[]): RowPage<Row> => ({ rows, more: false, total: rows.length });

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
  const load = useCallback(() => list().then((rows) => wholeList([...rows].sort(compare))), [list, compare]);
  // One page, whatever its size.
  const { rows, loading, error, reload } = usePages(load, onChanged, key, compare, DEFAULT_WINDOW_SIZE, revision);
  return { rows, loading, error, reload };
}

// ---- Tables ----------------------------------------------------------------------------------

/** What a table's hook is made of (generated in `hooks.ts` for every table). */
export interface TableSource<Row, Order extends string = string> {
  /** The table's name, as the sync status and conflicts name it. */
  table: string;
  /** The row's field holding the primary key. */
  keyField: string;
  list: () => Promise<Row[]>;
  /** At most `limit` rows after `after` (null: from the start) in `order`, with how many the table has. */
  page: (order: Order, descending: boolean, after: Row | null, limit: number) => Promise<RowPage<Row>>;
  /** Each order `page` knows, as a comparison (ties by the primary key), exactly as the backend orders. */
  orders: Record<Order, (a: Row, b: Row) => number>;
  onChanged: (handler: (change: TableChange<Row>) => void) => Promise<UnlistenFn>;
  /** The row's key as its wire JSON text: how the sync status names rows. */
  key: (row: Row) => string;
  /** The primary key's order. */
  byKey: (a: Row, b: Row) => number;
}

/** A windowed list: the table's rows in one of its orders, loaded a page at a time. */
export interface TableWindow<Order extends string> {
  order: Order;
  /** Last to first [default: false]. */
  descending?: boolean;
  /** Rows per page [default: 100]. */
  size?: number;
}

/** Either every row, in `compare`'s order, or a `window` on the table: not both. */
export type TableOptions<Row, Order extends string = string> =
  | {
      /**
       * The order of the rows (ties keep the primary key's order) [default: the primary key's].
       * Pass a function defined once (outside the component, or kept with `useCallback`): the
       * rows are sorted again when it changes.
       */
      compare?: (a: Row, b: Row) => number;
      window?: never;
    }
  | {
      /** Loads the rows a page at a time in one of the table's orders (`loadMore`), for long tables. */
      window: TableWindow<Order>;
      compare?: never;
    };

/** A table's rows, each with its pending and conflict markers. */
export interface TableState<Row> extends PagedState<Row> {
  /** Whether the row has writes not confirmed by the server yet ("not synced yet"). */
  isPending: (row: Row) => boolean;
  /** Whether a write of yours to the row is a conflict to settle (see `useConflicts`). */
  hasConflict: (row: Row) => boolean;
}

/**
 * A table's rows for a component: loaded (all of them, or with `window` a page at a time), kept
 * current by the table's change events, in one order, reloaded on each (re)connect and when
 * syncing ends, with each row's pending and conflict markers. Without a window, `more` is false,
 * `total` is the rows' count and `loadMore` does nothing.
 */
export function useTable<Row, Order extends string = string>(
  table: TableSource<Row, Order>,
  options: TableOptions<Row, Order> = {},
): TableState<Row> {
  const revision = useDataRevision();
  const { compare, window: windowed } = options;
  const { list, page, orders, byKey } = table;
  const order = windowed?.order;
  const descending = windowed?.descending ?? false;
  const load = useMemo<LoadPage<Row>>(
    () =>
      order === undefined
        ? () => list().then((rows) => wholeList([...rows].sort(byKey)))
        : (after, limit) => page(order, descending, after, limit),
    [list, page, byKey, order, descending],
  );
  const inOrder = useMemo(() => {
    if (order === undefined) return byKey;
    const ascending = orders[order];
    return descending ? (a: Row, b: Row) => ascending(b, a) : ascending;
  }, [orders, byKey, order, descending]);
  const state = usePages(load, table.onChanged, table.key, inOrder, windowed?.size ?? DEFAULT_WINDOW_SIZE, revision);
  const rows = useMemo(() => {
    if (!compare) return state.rows;
    // The rows are in key order: a stable sort keeps it among equals.
    return [...state.rows].sort(compare);
  }, [state.rows, compare]);
  const markers = useRowMarkers(table);
  return { ...state, rows, ...markers };
}

/** The markers `useTable` gives its rows, for rows a component loads another way. */
export interface RowMarkers<Row> {
  isPending: (row: Row) => boolean;
  hasConflict: (row: Row) => boolean;
}

/**
 * Whether a row of `table` has writes not confirmed yet, and whether a write of yours to it is a
 * conflict: for rows loaded another way than `useTable` (by an index, say). Pass a `table` defined
 * once: the markers' functions change with it.
 */
export function useRowMarkers<Row>(table: Pick<TableSource<Row>, "table" | "keyField" | "key">): RowMarkers<Row> {
  const status = useSyncExternalStore(sync.subscribe, sync.get);
  const all = useSyncExternalStore(conflicts.subscribe, conflicts.get);
  const conflicted = useMemo(() => {
    const keys = new Set<string>();
    for (const c of all) {
      const row = (c.mine ?? c.theirs) as Record<string, unknown> | null;
      if (c.table === table.table && row !== null) keys.add(JSON.stringify(row[table.keyField]));
    }
    return keys;
  }, [all, table.table, table.keyField]);
  const isPending = useCallback(
    (row: Row) => status?.pendingKeys.get(table.table)?.has(table.key(row)) ?? false,
    [status, table],
  );
  const hasConflict = useCallback((row: Row) => conflicted.has(table.key(row)), [conflicted, table]);
  return { isPending, hasConflict };
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
    pending: status?.pendingKeys.get(table.table)?.has(SINGLETON_KEY) ?? false,
    conflict: all.some((c) => c.table === table.table),
    reload: state.reload,
  };
}

const singletonKey = () => SINGLETON_KEY;
const unordered = () => 0;
