//! The frontend's bindings: one TypeScript module with the row types, enums as string unions,
//! one typed function per command (wrapping Tauri's `invoke`), the typed change events, and
//! the codecs that carry 64-bit values as `bigint` (see `heycat::wire` for the JSON side).

use std::fmt::Write;

use crate::commands::{Command, CommandKind, CommandParamType};
use crate::model::{Column, ColumnOrigin, ColumnType, Schema, Table, TypeDef, TypeKind};
use crate::names::{to_camel_case, to_snake_case};
use crate::source::SourceSet;

pub fn generate(schema: &Schema, sources: &SourceSet) -> String {
    let mut out = super::header("//", sources);
    out.push_str(PRELUDE);
    // Object types get codecs; every row type is one.
    let products: Vec<&str> = schema
        .types
        .iter()
        .filter(|t| matches!(t.kind, TypeKind::Product { .. }))
        .map(|t| t.name.as_str())
        .chain(schema.user_tables().map(|t| t.row_type.as_str()))
        .collect();
    for ty in &schema.types {
        type_def(&mut out, ty, &products);
    }
    for table in schema.user_tables() {
        table_types(&mut out, table, &products);
    }
    out.push_str("\n// ---- Commands --------------------------------------------------------------\n");
    let commands = schema.commands();
    let names = schema.command_names().into_iter();
    let _ = writeln!(
        out,
        "\n/** Every command name, as the Rust side registers them. */\nexport const COMMANDS = {} as const;",
        list(names)
    );
    for command in &commands {
        command_fn(&mut out, command, &products);
    }
    if schema.synced_tables().next().is_some() {
        conflicts(&mut out, schema);
    }
    out.push_str("\n// ---- Change events -----------------------------------------------------------\n");
    let _ = writeln!(
        out,
        "\n/** Every change event name, one per table. */\nexport const EVENTS = {} as const;",
        list(schema.user_tables().map(event_name))
    );
    for table in schema.user_tables() {
        event_fns(&mut out, table);
    }
    out
}

/// A string array literal, one element per line (so a change reads as a one-line diff).
fn list(items: impl Iterator<Item = String>) -> String {
    let lines: Vec<String> = items.map(|item| format!("  \"{item}\",\n")).collect();
    format!("[\n{}]", lines.concat())
}

/// The Tauri event a table's changes are emitted as.
pub fn event_name(table: &Table) -> String {
    format!("{}:changed", table.name)
}

const PRELUDE: &str = r#"
import { invoke } from "@tauri-apps/api/core";
import { listen, type UnlistenFn } from "@tauri-apps/api/event";

// 64-bit integers, timestamps and durations are `bigint` here and decimal strings on the wire,
// so no value above 2^53 loses precision. Identities are hex strings.

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

/** What a failed command reports. */
export type DataErrorKind =
  | "uniqueViolation"
  | "notFound"
  | "badInput"
  | "inUse"
  | "offline"
  | "conflict"
  | "storageFull"
  | "timeout"
  | "server";

/** A failed command: `kind` to branch on, `message` to show. */
export class DataError extends Error {
  readonly kind: DataErrorKind;

  constructor(kind: DataErrorKind, message: string) {
    super(message);
    this.name = "DataError";
    this.kind = kind;
  }
}

function toDataError(error: unknown): DataError {
  if (typeof error === "object" && error !== null && "kind" in error && "message" in error) {
    const { kind, message } = error as { kind: DataErrorKind; message: string };
    return new DataError(kind, message);
  }
  return new DataError("server", String(error));
}

async function call<T>(command: string, args?: Record<string, unknown>): Promise<T> {
  try {
    return await invoke<T>(command, args);
  } catch (error) {
    throw toDataError(error);
  }
}

/** Why connecting failed. */
export type FailureKind =
  | "serverUnreachable"
  | "serverNotStarted"
  | "moduleMissing"
  | "versionMismatch"
  | "publishFailed"
  | "other";

/** The connection's state; the backend retries by itself while offline or failed. */
export type ConnectionStatus =
  | { state: "connecting"; server: string }
  | { state: "connected"; server: string }
  | { state: "offline"; server: string; message: string; retryInMs: number }
  | { state: "failed"; server: string; kind: FailureKind; message: string; retryInMs: number };

/** The connection's current status. Invokes `connection_status`. */
export async function connectionStatus(): Promise<ConnectionStatus> {
  return call<ConnectionStatus>("connection_status");
}

/** Asks the backend to try connecting again now. Invokes `connection_retry`. */
export async function connectionRetry(): Promise<void> {
  await call<null>("connection_retry");
}

/** Calls `handler` with every connection status change. Resolves to a function that stops listening. */
export function onConnectionStatus(handler: (status: ConnectionStatus) => void): Promise<UnlistenFn> {
  return listen<ConnectionStatus>("connection:status", (event) => handler(event.payload));
}

/** The database being migrated to this app's schema version (when the app starts). */
export type MigrationStatus =
  | { state: "running"; from: number; to: number; step: "backup" | "publish" | "import" | "verify" | "restore" }
  | { state: "done"; from: number; to: number; backup: string | null }
  | { state: "failed"; from: number; to: number; message: string; restored: boolean };

/** Calls `handler` at every step of a migration. Resolves to a function that stops listening. */
export function onMigrationStatus(handler: (status: MigrationStatus) => void): Promise<UnlistenFn> {
  return listen<MigrationStatus>("migration:status", (event) => handler(event.payload));
}

/** A write the server refused when it was replayed (e.g. a unique value taken meanwhile). */
export interface RejectedWrite {
  opId: string;
  table: string;
  message: string;
}

/** What waits to sync (writes made offline) and how syncing goes. */
export interface SyncStatus {
  /** Writes waiting for the server. */
  pending: number;
  /** The keys (as JSON text) of rows with waiting writes, by table. */
  pendingKeys: Record<string, string[]>;
  /** `[done, total]` while waiting writes are being sent. */
  syncing: [number, number] | null;
  /** What was wrong with the outbox file at start (its complete writes were kept). */
  damaged: string | null;
  rejected: RejectedWrite[];
}

/** What waits to sync. Invokes `sync_status`. */
export async function syncStatus(): Promise<SyncStatus> {
  return call<SyncStatus>("sync_status");
}

/** Calls `handler` with every sync status change. Resolves to a function that stops listening. */
export function onSyncStatus(handler: (status: SyncStatus) => void): Promise<UnlistenFn> {
  return listen<SyncStatus>("sync:status", (event) => handler(event.payload));
}

/** How close the app is to its storage limit; at "full" writes are refused with `storageFull`. */
export type StorageLevel = "ok" | "warning" | "full";

/** One table's share of the storage: its rows and their size (as JSON). */
export interface TableUsage {
  table: string;
  rows: number;
  bytes: bigint;
}

/** What the app keeps on this device, against the limit set in settings (`storageQuotaMb`). */
export interface StorageUsage {
  quotaBytes: bigint;
  /** Rows and writes waiting to sync: what the limit counts. */
  usedBytes: bigint;
  level: StorageLevel;
  tables: TableUsage[];
  outboxBytes: bigint;
  /** On disk beside what the limit counts: the offline snapshot, the embedded server's files
   * (they keep history, so deleting rows does not shrink them) and migration backups. */
  snapshotBytes: bigint;
  serverFilesBytes: bigint;
  backupBytes: bigint;
  diskFreeBytes: bigint;
  diskTotalBytes: bigint;
  /** Less than the reserve heycat keeps is free on the disk: writes are refused. */
  diskNearlyFull: boolean;
}

function decodeStorageUsage(value: Wire): StorageUsage {
  const big = (key: string) => BigInt(value[key]);
  return {
    quotaBytes: big("quotaBytes"),
    usedBytes: big("usedBytes"),
    level: value.level,
    tables: value.tables.map((t: Wire) => ({ table: t.table, rows: t.rows, bytes: BigInt(t.bytes) })),
    outboxBytes: big("outboxBytes"),
    snapshotBytes: big("snapshotBytes"),
    serverFilesBytes: big("serverFilesBytes"),
    backupBytes: big("backupBytes"),
    diskFreeBytes: big("diskFreeBytes"),
    diskTotalBytes: big("diskTotalBytes"),
    diskNearlyFull: value.diskNearlyFull,
  };
}

/** What the app keeps on this device now. Invokes `storage_usage`. */
export async function storageUsage(): Promise<StorageUsage> {
  return decodeStorageUsage(await call<Wire>("storage_usage"));
}

/** Calls `handler` when usage reaches the warning threshold (90% of the limit). Resolves to a
 * function that stops listening. */
export function onStorageWarning(handler: (usage: StorageUsage) => void): Promise<UnlistenFn> {
  return listen<Wire>("storage:warning", (event) => handler(decodeStorageUsage(event.payload)));
}

/** An old recording that deleting would free space from. */
export interface CleanupItem {
  id: string;
  filePath: string;
  createdAt: Timestamp;
  rowVersion: bigint;
  /** The recording with its transcriptions and their corrections. */
  bytes: bigint;
}

/** The oldest recordings and what deleting them frees. */
export interface CleanupPreview {
  recordings: CleanupItem[];
  freedBytes: bigint;
}

/** The `count` oldest recordings and what deleting them would free. Invokes `storage_cleanup_preview`. */
export async function storageCleanupPreview(count: number): Promise<CleanupPreview> {
  const value = await call<Wire>("storage_cleanup_preview", { count });
  return {
    recordings: value.recordings.map((r: Wire) => ({
      id: r.id,
      filePath: r.filePath,
      createdAt: BigInt(r.createdAt),
      rowVersion: BigInt(r.rowVersion),
      bytes: BigInt(r.bytes),
    })),
    freedBytes: BigInt(value.freedBytes),
  };
}

/** Deletes these recordings (as previewed) with their transcriptions and corrections; resolves
 * to the usage after. Invokes `storage_cleanup`. */
export async function storageCleanup(ids: string[]): Promise<StorageUsage> {
  return decodeStorageUsage(await call<Wire>("storage_cleanup", { ids }));
}

/** An export file: where it is and how many rows of each table it holds. */
export interface ExportSummary {
  path: string;
  schemaVersion: number;
  rows: Record<string, number>;
}

/** Writes every row to a file (`path`, or a new file in the app's data folder), checked after
 * writing. Invokes `storage_export`. */
export async function storageExport(path?: string): Promise<ExportSummary> {
  return call<ExportSummary>("storage_export", { path: path ?? null });
}

/** Puts an export back into an empty database of the same schema version. Invokes `storage_import`. */
export async function storageImport(path: string): Promise<ExportSummary> {
  return call<ExportSummary>("storage_import", { path });
}

/** A change to a table's rows, from this app, another device or the server. */
export type TableChange<Row> =
  | { kind: "insert"; row: Row }
  | { kind: "update"; oldRow: Row; row: Row }
  | { kind: "delete"; row: Row };

type Wire = any; // eslint-disable-line @typescript-eslint/no-explicit-any

function decodeChange<Row>(change: Wire, decode: (row: Wire) => Row): TableChange<Row> {
  switch (change.kind) {
    case "update":
      return { kind: "update", oldRow: decode(change.oldRow), row: decode(change.row) };
    default:
      return { kind: change.kind, row: decode(change.row) };
  }
}
"#;

fn doc(out: &mut String, indent: &str, docs: &[String]) {
    match docs {
        [] => {}
        [one] => {
            let _ = writeln!(out, "{indent}/** {} */", one.replace("*/", "* /"));
        }
        many => {
            let _ = writeln!(out, "{indent}/**");
            for line in many {
                let _ = writeln!(out, "{indent} * {}", line.replace("*/", "* /"));
            }
            let _ = writeln!(out, "{indent} */");
        }
    }
}

/// The TypeScript type of a column.
fn ts_type(ty: &ColumnType) -> String {
    match ty {
        ColumnType::Bool => "boolean".into(),
        ColumnType::U8 | ColumnType::U16 | ColumnType::U32 | ColumnType::I8 | ColumnType::I16 | ColumnType::I32 => {
            "number".into()
        }
        ColumnType::F32 | ColumnType::F64 => "number".into(),
        ColumnType::U64 | ColumnType::U128 | ColumnType::I64 | ColumnType::I128 => "bigint".into(),
        ColumnType::String => "string".into(),
        ColumnType::Identity => "Identity".into(),
        ColumnType::ConnectionId => "ConnectionId".into(),
        ColumnType::Timestamp => "Timestamp".into(),
        ColumnType::TimeDuration => "TimeDuration".into(),
        ColumnType::Option(inner) => format!("{} | null", ts_type(inner)),
        ColumnType::Vec(inner) => match &**inner {
            ColumnType::Option(_) => format!("({})[]", ts_type(inner)),
            _ => format!("{}[]", ts_type(inner)),
        },
        ColumnType::Named(name) => name.clone(),
    }
}

/// Whether values of `ty` differ between wire form and TypeScript form. Product types always
/// get codecs (their fields may need one); enums are their names on both sides.
fn needs_conversion(ty: &ColumnType, products: &[&str]) -> bool {
    match ty {
        ColumnType::U64
        | ColumnType::U128
        | ColumnType::I64
        | ColumnType::I128
        | ColumnType::Timestamp
        | ColumnType::TimeDuration => true,
        ColumnType::Option(inner) | ColumnType::Vec(inner) => needs_conversion(inner, products),
        ColumnType::Named(name) => products.contains(&name.as_str()),
        _ => false,
    }
}

/// An expression converting `value` from wire form (`decode`) or to it.
fn convert(value: &str, ty: &ColumnType, decode: bool, products: &[&str]) -> String {
    if !needs_conversion(ty, products) {
        return value.into();
    }
    match ty {
        ColumnType::Option(inner) => format!("{value} === null ? null : {}", convert(value, inner, decode, products)),
        ColumnType::Vec(inner) => format!("{value}.map((v: Wire) => {})", convert("v", inner, decode, products)),
        ColumnType::Named(name) => format!("{}{name}({value})", if decode { "decode" } else { "encode" }),
        _ if decode => format!("BigInt({value})"),
        _ => format!("{value}.toString()"),
    }
}

fn type_def(out: &mut String, ty: &TypeDef, products: &[&str]) {
    out.push('\n');
    doc(out, "", &ty.docs);
    match &ty.kind {
        TypeKind::Enum { variants } => {
            let names: Vec<String> = variants.iter().map(|v| format!("\"{}\"", v.name)).collect();
            let _ = writeln!(out, "export type {} = {};", ty.name, names.join(" | "));
            let _ = writeln!(
                out,
                "/** Every `{}`, in declaration order. */\nexport const {}_VALUES: readonly {}[] = [{}];",
                ty.name,
                to_snake_case(&ty.name).to_uppercase(),
                ty.name,
                names.join(", ")
            );
        }
        TypeKind::Product { fields } => {
            let _ = writeln!(out, "export interface {} {{", ty.name);
            for f in fields {
                doc(out, "  ", &f.docs);
                let _ = writeln!(out, "  {}: {};", to_camel_case(&f.name), ts_type(&f.ty));
            }
            out.push_str("}\n");
            let fields: Vec<(String, &ColumnType)> = fields.iter().map(|f| (to_camel_case(&f.name), &f.ty)).collect();
            codecs(out, &ty.name, &ty.name, &fields, None, products);
        }
    }
}

/// `decodeX` (wire to TypeScript) and `encodeX` (back) for an object type. The field named
/// `optional_on_encode` may be missing on input (a row version, which inserts leave out).
fn codecs(
    out: &mut String,
    name: &str,
    encode_input: &str,
    fields: &[(String, &ColumnType)],
    optional_on_encode: Option<&str>,
    products: &[&str],
) {
    let line = |decode: bool| -> String {
        fields
            .iter()
            .map(|(f, ty)| {
                let value = format!("value.{f}");
                let converted = convert(&value, ty, decode, products);
                if !decode && optional_on_encode == Some(f.as_str()) {
                    format!("    {f}: {value} === undefined ? undefined : {converted},")
                } else {
                    format!("    {f}: {converted},")
                }
            })
            .collect::<Vec<_>>()
            .join("\n")
    };
    let _ = writeln!(out, "function decode{name}(value: Wire): {name} {{\n  return {{\n{}\n  }};\n}}", line(true));
    let _ =
        writeln!(out, "function encode{name}(value: {encode_input}): Wire {{\n  return {{\n{}\n  }};\n}}", line(false));
}

fn visible_columns(table: &Table) -> impl Iterator<Item = &Column> {
    table.columns.iter().filter(|c| c.origin != ColumnOrigin::SingletonKey)
}

fn table_types(out: &mut String, table: &Table, products: &[&str]) {
    out.push('\n');
    doc(out, "", &table.docs);
    let _ = writeln!(out, "export interface {} {{", table.row_type);
    for c in visible_columns(table) {
        let docs: Vec<String> = match c.origin {
            ColumnOrigin::RowVersion => vec!["Bumped by every write; the version an update is based on.".into()],
            _ => c.docs.clone(),
        };
        doc(out, "  ", &docs);
        let _ = writeln!(out, "  {}: {};", to_camel_case(&c.name), ts_type(&c.ty));
    }
    out.push_str("}\n");
    let encode_input = match table.row_version() {
        Some(version) if !table.singleton => {
            let new = format!("New{}", table.row_type);
            let _ = writeln!(
                out,
                "/** A `{0}` to insert: the module sets its row version. */\nexport type {new} = Omit<{0}, \"{1}\"> & {{ {1}?: bigint }};",
                table.row_type,
                to_camel_case(&version.name)
            );
            new
        }
        _ => table.row_type.clone(),
    };
    let fields: Vec<(String, &ColumnType)> = visible_columns(table).map(|c| (to_camel_case(&c.name), &c.ty)).collect();
    let version = table.row_version().map(|v| to_camel_case(&v.name));
    codecs(out, &table.row_type, &encode_input, &fields, version.as_deref(), products);
}

fn command_fn(out: &mut String, command: &Command<'_>, products: &[&str]) {
    let table = command.table;
    let row = &table.row_type;
    let params: Vec<String> = command
        .params
        .iter()
        .map(|p| {
            let ty = match (&p.ty, &command.kind) {
                (CommandParamType::Row, CommandKind::Insert) => format!("New{row}"),
                (CommandParamType::Row, _) => row.clone(),
                (CommandParamType::Column(ty), _) => ts_type(ty),
            };
            // A delete's base version may be left out: then whatever is there is deleted.
            let default = if p.name == "row_version" { " = null" } else { "" };
            format!("{}: {ty}{default}", p.js_name())
        })
        .collect();
    let args: Vec<String> = command
        .params
        .iter()
        .map(|p| {
            let value = match &p.ty {
                CommandParamType::Row => format!("encode{row}({})", p.js_name()),
                CommandParamType::Column(ty) => convert(&p.js_name(), ty, false, products),
            };
            if value == p.js_name() {
                value
            } else {
                format!("{}: {value}", p.js_name())
            }
        })
        .collect();
    let args = if args.is_empty() { String::new() } else { format!(", {{ {} }}", args.join(", ")) };
    let (returns, wire, result) = match command.kind {
        CommandKind::List | CommandKind::ListBy { .. } => {
            (format!("{row}[]"), "Wire[]", format!("result.map(decode{row})"))
        }
        CommandKind::Get => {
            (format!("{row} | null"), "Wire | null", format!("result === null ? null : decode{row}(result)"))
        }
        CommandKind::Delete => ("void".into(), "null", String::new()),
        _ => (row.clone(), "Wire", format!("decode{row}(result)")),
    };
    let summary = match &command.kind {
        CommandKind::List => format!("Every `{}` row.", table.name),
        CommandKind::Get => format!("The `{}` row with this key, or null.", table.name),
        CommandKind::Insert => format!("Inserts a `{}` row; resolves to it as stored.", table.name),
        CommandKind::Update => format!("Updates a `{}` row by key; resolves to it as stored.", table.name),
        CommandKind::Delete => format!("Deletes the `{}` row with this key.", table.name),
        CommandKind::ListBy { column } => format!("The `{}` rows whose `{column}` is this value.", table.name),
        CommandKind::GetSingleton => format!("The `{}` row.", table.name),
        CommandKind::UpdateSingleton => format!("Writes the `{}` row; resolves to it as stored.", table.name),
        CommandKind::ResetSingleton => format!("Puts `{}` back to its defaults; resolves to the row.", table.name),
    };
    let _ = writeln!(out, "\n/** {summary} Invokes `{}`. */", command.name);
    let name = to_camel_case(&command.name);
    if result.is_empty() {
        let _ = writeln!(
            out,
            "export async function {name}({}): Promise<void> {{\n  await call<{wire}>(\"{}\"{args});\n}}",
            params.join(", "),
            command.name
        );
    } else {
        let _ = writeln!(
            out,
            "export async function {name}({}): Promise<{returns}> {{\n  const result = await call<{wire}>(\"{}\"{args});\n  return {result};\n}}",
            params.join(", "),
            command.name
        );
    }
}

fn event_fns(out: &mut String, table: &Table) {
    let row = &table.row_type;
    let _ = writeln!(
        out,
        "\n/** Calls `handler` for every change to `{0}` rows. Resolves to a function that stops listening. */\n\
         export function on{row}Changed(handler: (change: TableChange<{row}>) => void): Promise<UnlistenFn> {{\n  \
         return listen<Wire>(\"{1}\", (event) => handler(decodeChange(event.payload, decode{row})));\n}}",
        table.name,
        event_name(table)
    );
}

/// The conflict types (one variant per synced table, with its row type), their decoding, and
/// the conflict commands and event.
fn conflicts(out: &mut String, schema: &Schema) {
    let synced: Vec<&Table> = schema.synced_tables().collect();
    out.push_str("\n// ---- Conflicts ---------------------------------------------------------------\n\n");
    out.push_str(
        "/** A write of yours the server did not apply: the row had changed since the version it was based on. */\n",
    );
    out.push_str("export type Conflict = {\n  /** The write's operation id. */\n  id: string;\n  /** The row's key, as text. */\n  key: string;\n  operation: \"update\" | \"delete\";\n  /** The version your write was based on. */\n  baseVersion: bigint;\n  createdAt: Timestamp;\n} & (\n");
    for t in &synced {
        let _ = writeln!(
            out,
            "  | {{ table: \"{}\"; /** Your row; null for a delete. */ mine: {row} | null; /** The server's row now; null when deleted. */ theirs: {row} | null }}",
            t.name,
            row = t.row_type
        );
    }
    out.push_str(");\n\n");
    out.push_str("/** How to settle a conflict: your row (or delete), the server's, or a merged row. */\nexport type ConflictResolution<C extends Conflict = Conflict> =\n  | { choice: \"keepMine\" }\n  | { choice: \"keepTheirs\" }\n  | { choice: \"merge\"; row: NonNullable<C[\"mine\"]> };\n\n");
    out.push_str("function decodeConflict(value: Wire): Conflict {\n  const common = {\n    id: value.id,\n    key: value.key,\n    operation: value.operation,\n    baseVersion: BigInt(value.baseVersion),\n    createdAt: BigInt(value.createdAt),\n  };\n  switch (value.table) {\n");
    for t in &synced {
        let _ = writeln!(
            out,
            "    case \"{0}\":\n      return {{\n        ...common,\n        table: \"{0}\",\n        mine: value.mine === null ? null : decode{1}(value.mine),\n        theirs: value.theirs === null ? null : decode{1}(value.theirs),\n      }};",
            t.name, t.row_type
        );
    }
    out.push_str("    default:\n      throw new DataError(\"server\", `a conflict on a table this app does not know: ${value.table}`);\n  }\n}\n\n");
    out.push_str("function encodeResolution(conflict: Conflict, resolution: ConflictResolution): Wire {\n  if (resolution.choice !== \"merge\") return resolution;\n  switch (conflict.table) {\n");
    for t in &synced {
        let _ = writeln!(
            out,
            "    case \"{}\":\n      return {{ choice: \"merge\", row: encode{1}(resolution.row as {1}) }};",
            t.name, t.row_type
        );
    }
    out.push_str("  }\n}\n");
    out.push_str(
        r#"
/** Your writes the server kept as conflicts, oldest first. Invokes `conflict_list`. */
export async function conflictList(): Promise<Conflict[]> {
  const result = await call<Wire[]>("conflict_list");
  return result.map(decodeConflict);
}

/** Settles a conflict. Invokes `conflict_resolve`. */
export async function conflictResolve<C extends Conflict>(conflict: C, resolution: ConflictResolution<C>): Promise<void> {
  await call<null>("conflict_resolve", { id: conflict.id, resolution: encodeResolution(conflict, resolution) });
}

/** Calls `handler` when a conflict of yours appears (insert) or is settled (delete). */
export function onConflictChanged(handler: (change: TableChange<Conflict>) => void): Promise<UnlistenFn> {
  return listen<Wire>("conflict:changed", (event) => handler(decodeChange(event.payload, decodeConflict)));
}
"#,
    );
}
