// heycat-runtime's TypeScript: what the bindings of every schema share. With `types.ts` (the
// runtime's IPC types, derived from its Rust types) it is @heycat/runtime's main entry point
// (`index.ts`), which an app's generated `schema.ts` imports.
//
// Here: `call` and `subscribe`, the typed `invoke` and `listen` every generated function goes
// through; the `DataError` every command rejects with; the 64-bit value types of rows; the order
// of column values the generated comparators share with the runtime's pages; and the runtime's own
// commands and events (connection, sync, migration, storage, devices). Conflicts and
// cleanup previews hold rows, so their functions are generated per schema, with the rows typed.

import { invoke } from "@tauri-apps/api/core";
import { listen, type UnlistenFn } from "@tauri-apps/api/event";

import {
  RUNTIME_COMMANDS,
  RUNTIME_EVENTS,
  type ConnectionStatus,
  type DataErrorPayload,
  type DeviceInfo,
  type DeviceInvitation,
  type ErrorKind,
  type ExportSummary,
  type ForgetSummary,
  type JoinSummary,
  type JsonValue,
  type MigrationStatus,
  type StorageUsage,
  type SyncSetupProgress,
  type SyncSetupSummary,
  type SyncStatus,
  type TableChange,
} from "./types.js";

export type { UnlistenFn };

// ---- Values ----------------------------------------------------------------------------------

/**
 * JSON as it crosses Tauri IPC, before a generated codec turns it into a row. In a row,
 * 64-bit integers, timestamps and durations are decimal strings on the wire (so no value above
 * 2^53 loses precision) and `bigint` after decoding; identities are hex strings; bytes
 * (`Vec<u8>`) are base64 on the wire and a `Uint8Array` after decoding.
 */
export type Wire = any;

/** Microseconds since the Unix epoch. */
export type Timestamp = bigint;
/** Microseconds. */
export type TimeDuration = bigint;
/** A SpacetimeDB identity, as hex. */
export type Identity = string;
/** A SpacetimeDB connection id, as hex. */
export type ConnectionId = string;

/** A `Timestamp` for a JavaScript `Date` (millisecond precision). */
export function timestampFromDate(date: Date): Timestamp {
  return BigInt(date.getTime()) * 1000n;
}

/** The JavaScript `Date` of a `Timestamp` (microseconds are dropped). */
export function timestampToDate(timestamp: Timestamp): Date {
  return new Date(Number(timestamp / 1000n));
}

/** Bytes from their wire form, base64 (an array of numbers, what earlier versions sent, too). */
export function bytesFromWire(value: string | number[]): Uint8Array {
  if (Array.isArray(value)) return Uint8Array.from(value);
  const text = atob(value);
  const bytes = new Uint8Array(text.length);
  for (let i = 0; i < text.length; i++) bytes[i] = text.charCodeAt(i);
  return bytes;
}

/** Bytes in their wire form, base64. */
export function bytesToWire(bytes: Uint8Array): string {
  let text = "";
  // In slices: String.fromCharCode takes its characters as arguments, and those are limited.
  for (let i = 0; i < bytes.length; i += 0x8000) {
    text += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  }
  return btoa(text);
}

// ---- Order -----------------------------------------------------------------------------------

/** A column's value as a generated order compares it (`<TABLE>_ORDERS`): see `compareValues`. */
export type OrderValue = string | number | bigint | boolean | null;

/**
 * Two values of a column in the order the runtime pages rows in (`<table>_page`), exactly as Rust
 * compares them: null first, numbers and `bigint`s as numbers (`-0` before `0`, as in Rust's total
 * order of floats), text by code point (not by UTF-16 code unit, as `<` compares strings), `false`
 * before `true`.
 */
export function compareValues(a: OrderValue, b: OrderValue): number {
  if (a === null || b === null) return a === b ? 0 : a === null ? -1 : 1;
  if (typeof a === "string" && typeof b === "string") return compareCodePoints(a, b);
  if (a < b) return -1;
  if (a > b) return 1;
  return Number(Object.is(b, -0)) - Number(Object.is(a, -0));
}

function compareCodePoints(a: string, b: string): number {
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

/** A plain enum's value as its place among the enum's `values` (declaration order, as Rust orders variants); null stays null. */
export function variantIndex<T extends string>(values: readonly T[], value: T | null): number | null {
  return value === null ? null : values.indexOf(value);
}

// ---- Calls and events ------------------------------------------------------------------------

/**
 * A failed command: `kind` to branch on, `message` (the technical account: for logs, and to show
 * when nothing better is known). When the server refused a row it says what it refused:
 * `table`, `field` (as the rows name it, e.g. `title`) and `value` (as text), so the UI can word
 * it as its form does ("The title "todo" is already used by another note.").
 */
export class DataError extends Error {
  readonly kind: ErrorKind;
  readonly table?: string;
  readonly field?: string;
  readonly value?: string;

  constructor(kind: ErrorKind, message: string, named: { table?: string | null; field?: string | null; value?: string | null } = {}) {
    super(message);
    this.name = "DataError";
    this.kind = kind;
    if (named.table != null) this.table = named.table;
    if (named.field != null) this.field = named.field;
    if (named.value != null) this.value = named.value;
  }
}

function isDataErrorPayload(error: unknown): error is DataErrorPayload {
  if (typeof error !== "object" || error === null) return false;
  const { kind, message } = error as Record<string, unknown>;
  return typeof kind === "string" && typeof message === "string";
}

/**
 * Invokes a Tauri command. Rejects with a `DataError`: the command's own (`{kind, message}`, and
 * what a refused row names), or
 * a `server` one for anything else (a command that does not exist, arguments it cannot read).
 */
export async function call<T>(command: string, args?: Record<string, unknown>): Promise<T> {
  try {
    return await invoke<T>(command, args);
  } catch (error) {
    throw isDataErrorPayload(error) ? new DataError(error.kind, error.message, error) : new DataError("server", String(error));
  }
}

/** Calls `handler` with the payload of every `event`. Resolves to a function that stops listening. */
export function subscribe<T = Wire>(event: string, handler: (payload: T) => void): Promise<UnlistenFn> {
  return listen<T>(event, (e) => handler(e.payload));
}

/** A change with its rows decoded by `decode`. */
export function decodeChange<Row>(change: TableChange<Wire>, decode: (row: Wire) => Row): TableChange<Row> {
  switch (change.kind) {
    case "update":
      return { kind: "update", oldRow: decode(change.oldRow), row: decode(change.row) };
    case "insert":
    case "delete":
      return { kind: change.kind, row: decode(change.row) };
  }
}

// ---- Connection ------------------------------------------------------------------------------

/** The connection's current status. Invokes `connection_status`. */
export function connectionStatus(): Promise<ConnectionStatus> {
  return call<ConnectionStatus>(RUNTIME_COMMANDS.CONNECTION_STATUS);
}

/** Asks the backend to try connecting again now. Invokes `connection_retry`. */
export async function connectionRetry(): Promise<void> {
  await call<null>(RUNTIME_COMMANDS.CONNECTION_RETRY);
}

/** Calls `handler` with every connection status change; the backend retries by itself while offline or failed. */
export function onConnectionStatus(handler: (status: ConnectionStatus) => void): Promise<UnlistenFn> {
  return subscribe<ConnectionStatus>(RUNTIME_EVENTS.CONNECTION_STATUS, handler);
}

// ---- Sync and migration ----------------------------------------------------------------------

/** What waits to sync (writes made offline) and how syncing goes. Invokes `sync_status`. */
export function syncStatus(): Promise<SyncStatus> {
  return call<SyncStatus>(RUNTIME_COMMANDS.SYNC_STATUS);
}

/** Calls `handler` with every sync status change. */
export function onSyncStatus(handler: (status: SyncStatus) => void): Promise<UnlistenFn> {
  return subscribe<SyncStatus>(RUNTIME_EVENTS.SYNC_STATUS, handler);
}

/** Where this start's migration of the database is: under way, done or failed (null when none ran). Invokes `migration_status`. */
export function migrationStatus(): Promise<MigrationStatus | null> {
  return call<MigrationStatus | null>(RUNTIME_COMMANDS.MIGRATION_STATUS);
}

/** Calls `handler` at every step of a migration of the database to this app's schema version (when the app starts). */
export function onMigrationStatus(handler: (status: MigrationStatus) => void): Promise<UnlistenFn> {
  return subscribe<MigrationStatus>(RUNTIME_EVENTS.MIGRATION_STATUS, handler);
}

// ---- Storage ---------------------------------------------------------------------------------

/** What the app keeps on this device, against its storage limit. Invokes `storage_usage`. */
export function storageUsage(): Promise<StorageUsage> {
  return call<StorageUsage>(RUNTIME_COMMANDS.STORAGE_USAGE);
}

/** Calls `handler` when usage reaches the warning threshold (90% of the limit). */
export function onStorageWarning(handler: (usage: StorageUsage) => void): Promise<UnlistenFn> {
  return subscribe<StorageUsage>(RUNTIME_EVENTS.STORAGE_WARNING, handler);
}

/**
 * Deletes these rows of `table` with what cascades from them, as `storageCleanupPreview` listed
 * them (`keys` are its items' keys); resolves to the usage after. Invokes `storage_cleanup`.
 */
export function storageCleanup(table: string, keys: JsonValue[]): Promise<StorageUsage> {
  return call<StorageUsage>(RUNTIME_COMMANDS.STORAGE_CLEANUP, { table, keys });
}

/**
 * Writes every row to a file (`path`, or a new file in the app's data folder), checked after
 * writing. Invokes `storage_export`.
 */
export function storageExport(path?: string): Promise<ExportSummary> {
  return call<ExportSummary>(RUNTIME_COMMANDS.STORAGE_EXPORT, { path: path ?? null });
}

/** Puts an export back into an empty database of the same schema version. Invokes `storage_import`. */
export function storageImport(path: string): Promise<ExportSummary> {
  return call<ExportSummary>(RUNTIME_COMMANDS.STORAGE_IMPORT, { path });
}

// ---- The user's devices ----------------------------------------------------------------------

/**
 * Makes a one-time code another device of the user joins with (`deviceJoin`), valid for
 * `expiresInSecs` (ten minutes). Only with a shared server; the embedded one is this device's
 * alone. Invokes `device_invite`.
 */
export function deviceInvite(): Promise<DeviceInvitation> {
  return call<DeviceInvitation>(RUNTIME_COMMANDS.DEVICE_INVITE);
}

/**
 * Joins this device to the user's data on a shared server with a code made on one of the
 * user's devices, then connects. A device that keeps its data on its own gives the server's
 * `url`; its rows are offered to the shared data, and the answer says what became of them
 * (added, there already, or conflicts to resolve). Invokes `device_join`.
 */
export function deviceJoin(code: string, url?: string): Promise<JoinSummary> {
  return call<JoinSummary>(RUNTIME_COMMANDS.DEVICE_JOIN, { code, url: url ?? null });
}

/** Calls `handler` when the rows this device brought when it joined were offered to the shared data. */
export function onDeviceJoined(handler: (summary: JoinSummary) => void): Promise<UnlistenFn> {
  return subscribe<JoinSummary>(RUNTIME_EVENTS.DEVICE_JOINED, handler);
}

/**
 * Sets up sync with the shared server at `url` (`https://host` or `http://host:port`): this
 * device's data goes there as the user's, and the device syncs with it from then on; the user's
 * other devices join with a code (`deviceInvite`). Rejects, in words, when the server cannot be
 * used, leaving the device as it was. Invokes `sync_setup`.
 */
export function syncSetup(url: string): Promise<SyncSetupSummary> {
  return call<SyncSetupSummary>(RUNTIME_COMMANDS.SYNC_SETUP, { url });
}

/**
 * Stops syncing: this device goes back to a database of its own holding the shared data as it
 * is now (the answer says how many rows, and where the copy taken is kept); the shared data
 * stays for the user's other devices. Invokes `sync_stop`.
 */
export function syncStop(): Promise<ExportSummary> {
  return call<ExportSummary>(RUNTIME_COMMANDS.SYNC_STOP);
}

/**
 * The user's devices that use the shared server, each by the name the user knows it by and when
 * it was last seen: this device first, then the most recently seen. Invokes `device_list`.
 */
export function deviceList(): Promise<DeviceInfo[]> {
  return call<DeviceInfo[]>(RUNTIME_COMMANDS.DEVICE_LIST);
}

/** Names this device `name` (what the user's other devices list it as). Invokes `device_rename`. */
export function deviceRename(name: string): Promise<string> {
  return call<string>(RUNTIME_COMMANDS.DEVICE_RENAME, { name });
}

/**
 * Forgets a lost device of the user (its `id` from `deviceList`): the user's data moves to a new
 * database the forgotten device cannot open, and the old one is deleted. This device goes on at
 * once; each of the user's other devices joins again with the code the answer holds for it
 * (`deviceJoin`). Rejects, in words, leaving everything as it was, when it cannot be done.
 * Invokes `device_forget`.
 */
export function deviceForget(deviceId: string): Promise<ForgetSummary> {
  return call<ForgetSummary>(RUNTIME_COMMANDS.DEVICE_FORGET, { deviceId });
}

/** Calls `handler` at every step of setting up sync (`syncSetup`), as it starts. */
export function onSyncSetup(handler: (progress: SyncSetupProgress) => void): Promise<UnlistenFn> {
  return subscribe<SyncSetupProgress>(RUNTIME_EVENTS.SYNC_SETUP, handler);
}
