//! The names that cross a boundary (module ↔ runtime ↔ frontend), defined once.
//!
//! The module backend writes reducers and tables with these names, the runtime calls and reads
//! them, the Tauri and TypeScript backends emit and listen for these events. A name changes
//! here or nowhere.
//!
//! An app built on heycat-data reads them through
//! [`heycat-runtime`](https://docs.rs/heycat-runtime) (`heycat_runtime::events`,
//! `heycat_runtime::command_names`, `heycat_runtime::env`); the book's reference lists each
//! with its payload:
//! [events](https://github.com/heycat/heycat-data/blob/main/docs/src/reference/events.md),
//! [runtime commands](https://github.com/heycat/heycat-data/blob/main/docs/src/reference/commands.md),
//! [environment variables](https://github.com/heycat/heycat-data/blob/main/docs/src/reference/env.md).

/// Tauri events the data layer emits.
pub mod events {
    /// `ConnectionStatus`, on every change.
    pub const CONNECTION_STATUS: &str = "connection:status";
    /// `SyncStatus`, whenever what waits to sync changes.
    pub const SYNC_STATUS: &str = "sync:status";
    /// `MigrationStatus`, at every step of a migration on start.
    pub const MIGRATION_STATUS: &str = "migration:status";
    /// `StorageUsage`, once when usage reaches the warning threshold.
    pub const STORAGE_WARNING: &str = "storage:warning";
    /// `TableChange<ConflictView>`, for this client's conflicts.
    pub const CONFLICT_CHANGED: &str = "conflict:changed";
    /// `SyncSetupProgress`, at every step of setting up sync (`sync_setup`).
    pub const SYNC_SETUP: &str = "sync:setup";
    /// `JoinSummary`, when the rows of a device that joined were offered to the shared data.
    pub const DEVICE_JOINED: &str = "device:joined";
    /// What ends a table's change event name: `note:changed`.
    pub const TABLE_CHANGED_SUFFIX: &str = ":changed";

    /// The runtime's own events (every schema has them; tables add theirs).
    pub const ALL: &[&str] = &[
        CONNECTION_STATUS,
        SYNC_STATUS,
        MIGRATION_STATUS,
        STORAGE_WARNING,
        CONFLICT_CHANGED,
        SYNC_SETUP,
        DEVICE_JOINED,
    ];

    /// The event a table's row changes are emitted as (`TableChange<Row>`).
    pub fn table_changed(table: &str) -> String {
        format!("{table}{TABLE_CHANGED_SUFFIX}")
    }
}

/// What the data layer says on stderr for `heycat-schema dev` (only when it runs the app and
/// asks, with [`env::DEV_REPORT`]); the migration it hands the app is named by
/// [`env::DEV_MIGRATION`].
pub mod dev {
    /// Starts the line written whenever the app connected: `heycat-data: connected to <server>
    /// (schema version <N>)`. Its commands then answer with the rows of this schema.
    pub const CONNECTED_LINE: &str = "heycat-data: connected to ";
    /// Starts the line written when connecting failed with a new message (the technical detail
    /// follows on lines of its own).
    pub const NOT_CONNECTED_LINE: &str = "heycat-data: not connected: ";
}

/// The environment variables the toolkit reads, each named here once: the data layer, the
/// build script and `heycat-schema` read [`env::ALL`]; only the toolkit's own development (its
/// tests, benchmarks and scripts) reads [`env::TEST_ONLY`] (an app's build reads none of them:
/// the runtime reads its test hooks only with its `test-hooks` feature).
pub mod env {
    /// The data dir, over `Options::data_dir` and the app's data dir (`heycat-schema dev` sets
    /// it for the app it runs).
    pub const DATA_DIR: &str = "HEYCAT_DATA_DIR";
    /// The database's name on the server, over the one the app gives `Options::new`.
    pub const DATABASE: &str = "HEYCAT_DATABASE";
    /// The server to use (`http://host:port`), over `server.json` and the embedded server.
    pub const SERVER_URL: &str = "HEYCAT_SERVER_URL";
    /// The database program's file, when it is not beside the app (`heycat-schema sidecar`
    /// takes it from there too).
    pub const SPACETIMEDB_STANDALONE: &str = "SPACETIMEDB_STANDALONE";
    /// Where the build script builds the module to wasm, over cargo's target dir (several
    /// projects can share one wasm build).
    pub const MODULE_TARGET_DIR: &str = "HEYCAT_MODULE_TARGET_DIR";
    /// Set by `heycat-schema dev` for the app it runs: the data layer then writes the lines of
    /// [`crate::dev`] on stderr.
    pub const DEV_REPORT: &str = "HEYCAT_DEV_REPORT";
    /// Set by `heycat-schema dev`: the file of a `DevMigration` (JSON) for the app to carry out
    /// on start, when the database runs the module it starts from.
    pub const DEV_MIGRATION: &str = "HEYCAT_DEV_MIGRATION";

    /// Every variable an app's data layer, its build script or `heycat-schema` reads.
    pub const ALL: &[&str] =
        &[DATA_DIR, DATABASE, SERVER_URL, SPACETIMEDB_STANDALONE, MODULE_TARGET_DIR, DEV_REPORT, DEV_MIGRATION];

    /// Test hook: a module file to publish instead of the one built into the app (and, for the
    /// test harness, the module to use instead of building one).
    pub const MODULE_WASM: &str = "HEYCAT_MODULE_WASM";
    /// Test hook: a migration fails when this step starts (`backup`, `publish`, `import`,
    /// `verify`).
    pub const MIGRATION_FAIL_AT: &str = "HEYCAT_MIGRATION_FAIL_AT";
    /// Test hook: a migration holds for good at this step, for the test to kill the process there.
    pub const MIGRATION_HOLD_AT: &str = "HEYCAT_MIGRATION_HOLD_AT";
    /// Test hook: setting up sync holds for good at this step (`check`, `identity`, `publish`,
    /// `carry`, `switch`), or joining once it kept the rows it offers (`join`).
    pub const SYNC_SETUP_HOLD_AT: &str = "HEYCAT_SYNC_SETUP_HOLD_AT";
    /// Test hook: the embedded server lives as on macOS, not tied to the process by the system.
    pub const TEST_FALLBACK_LIFETIME: &str = "HEYCAT_TEST_FALLBACK_LIFETIME";
    /// `1`: the tests that compare generated files with committed ones rewrite them instead.
    pub const BLESS: &str = "HEYCAT_BLESS";
    /// The soak test's length in seconds.
    pub const SOAK_SECS: &str = "HEYCAT_SOAK_SECS";
    /// The soak test's random seed (it prints the one it used), to replay its choices.
    pub const SOAK_SEED: &str = "HEYCAT_SOAK_SEED";
    /// Set by the test harness for a device it runs in a process of its own: its configuration.
    pub const DEVICE_CONFIG: &str = "HEYCAT_DEVICE_CONFIG";
    /// Set by the benchmark suite for the processes it starts: what the process is.
    pub const SUITE_ROLE: &str = "HEYCAT_SUITE_ROLE";
    /// Set by the benchmark suite: the server's address.
    pub const SUITE_URL: &str = "HEYCAT_SUITE_URL";
    /// Set by the benchmark suite: the token to connect with.
    pub const SUITE_TOKEN: &str = "HEYCAT_SUITE_TOKEN";
    /// Set by the benchmark suite: the process's data dir.
    pub const SUITE_DIR: &str = "HEYCAT_SUITE_DIR";
    /// Set by the benchmark suite: how many rows.
    pub const SUITE_ROWS: &str = "HEYCAT_SUITE_ROWS";
    /// Set by the write-path benchmark for its watching client: which one it is.
    pub const BENCH_WATCH: &str = "HEYCAT_BENCH_WATCH";
    /// Set by the write-path benchmark: the server's address.
    pub const BENCH_URL: &str = "HEYCAT_BENCH_URL";
    /// Set by the write-path benchmark: the watching client's data dir.
    pub const BENCH_DIR: &str = "HEYCAT_BENCH_DIR";
    /// The toolkit's `scripts/dev.sh`: its demo app's data dir.
    pub const DEV_DATA_DIR: &str = "HEYCAT_DEV_DATA_DIR";
    /// The toolkit's scripts, on a Linux without a display: the number of the virtual display
    /// they start.
    pub const XVFB_DISPLAY: &str = "HEYCAT_XVFB_DISPLAY";

    /// Every variable only the toolkit's own tests, benchmarks and scripts read.
    pub const TEST_ONLY: &[&str] = &[
        MODULE_WASM,
        MIGRATION_FAIL_AT,
        MIGRATION_HOLD_AT,
        SYNC_SETUP_HOLD_AT,
        TEST_FALLBACK_LIFETIME,
        BLESS,
        SOAK_SECS,
        SOAK_SEED,
        DEVICE_CONFIG,
        SUITE_ROLE,
        SUITE_URL,
        SUITE_TOKEN,
        SUITE_DIR,
        SUITE_ROWS,
        BENCH_WATCH,
        BENCH_URL,
        BENCH_DIR,
        DEV_DATA_DIR,
        XVFB_DISPLAY,
    ];
}

/// The database program an app ships with and starts (its embedded server).
pub mod server {
    /// Its name, as Tauri names a sidecar beside the app's executable (`bundle.externalBin`
    /// holds `binaries/spacetimedb-standalone`; the file there ends with the target triple).
    pub const PROGRAM: &str = "spacetimedb-standalone";
    /// The only version the toolkit is built and tested with (every SpacetimeDB crate is pinned
    /// to it).
    pub const VERSION: &str = "1.2.0";
    /// The folder, beside the app's `tauri.conf.json`, that holds the sidecar.
    pub const SIDECAR_DIR: &str = "binaries";

    /// The sidecar's file for a target triple, as Tauri looks for it:
    /// `spacetimedb-standalone-x86_64-unknown-linux-gnu`, `...-x86_64-pc-windows-msvc.exe`.
    pub fn sidecar_file(target_triple: &str) -> String {
        let exe = if target_triple.contains("windows") { ".exe" } else { "" };
        format!("{PROGRAM}-{target_triple}{exe}")
    }

    /// What `bundle.externalBin` in `tauri.conf.json` lists for it.
    pub fn external_bin() -> String {
        format!("{SIDECAR_DIR}/{PROGRAM}")
    }
}

/// How a development build of an app finds the module its build script builds while the app
/// compiles (heycat-codegen writes these, the runtime reads them).
pub mod module_build {
    /// What starts the mark a module's wasm carries of the source it was built from: this, then
    /// the source's id (16 hex digits). The mark is in a custom section of the wasm.
    pub const SOURCE_MARK: &str = "heycat-module-source:";
    /// The file, in the module crate's folder, that holds the pid of the build under way.
    pub const BUILDER_PID_FILE: &str = "builder.pid";
    /// The file, in the module crate's folder, that holds what that build printed.
    pub const BUILD_LOG: &str = "build.log";

    /// Whether `wasm` carries the mark of the source `source_id`.
    pub fn is_built_from(wasm: &[u8], source_id: &str) -> bool {
        let mark = format!("{SOURCE_MARK}{source_id}");
        wasm.windows(mark.len()).any(|window| window == mark.as_bytes())
    }
}

/// The runtime's own Tauri commands (every schema has them).
pub mod commands {
    pub const CONNECTION_STATUS: &str = "connection_status";
    pub const CONNECTION_RETRY: &str = "connection_retry";
    pub const SYNC_STATUS: &str = "sync_status";
    pub const MIGRATION_STATUS: &str = "migration_status";
    pub const CONFLICT_LIST: &str = "conflict_list";
    pub const CONFLICT_RESOLVE: &str = "conflict_resolve";
    pub const STORAGE_USAGE: &str = "storage_usage";
    pub const STORAGE_CLEANUP_PREVIEW: &str = "storage_cleanup_preview";
    pub const STORAGE_CLEANUP: &str = "storage_cleanup";
    pub const STORAGE_EXPORT: &str = "storage_export";
    pub const STORAGE_IMPORT: &str = "storage_import";
    pub const DEVICE_INVITE: &str = "device_invite";
    pub const DEVICE_JOIN: &str = "device_join";
    pub const DEVICE_LIST: &str = "device_list";
    pub const DEVICE_RENAME: &str = "device_rename";
    pub const DEVICE_FORGET: &str = "device_forget";
    pub const SYNC_SETUP: &str = "sync_setup";
    pub const SYNC_STOP: &str = "sync_stop";

    /// Every one of them, in registration order.
    pub const ALL: &[&str] = &[
        CONNECTION_STATUS,
        CONNECTION_RETRY,
        SYNC_STATUS,
        MIGRATION_STATUS,
        CONFLICT_LIST,
        CONFLICT_RESOLVE,
        STORAGE_USAGE,
        STORAGE_CLEANUP_PREVIEW,
        STORAGE_CLEANUP,
        STORAGE_EXPORT,
        STORAGE_IMPORT,
        DEVICE_INVITE,
        DEVICE_JOIN,
        DEVICE_LIST,
        DEVICE_RENAME,
        DEVICE_FORGET,
        SYNC_SETUP,
        SYNC_STOP,
    ];

    /// The most rows one page (`<table>_page`) answers, whatever its `limit` asks for: a page
    /// is what a view shows, not a way around the list.
    pub const MAX_PAGE_ROWS: u32 = 10_000;
}

/// What the toolkit adds to every schema's module: system tables, reducers, columns.
pub mod system {
    /// Names no schema item may start with: they belong to the toolkit.
    pub const RESERVED_PREFIX: &str = "heycat_";
    /// Every operation id the module applied (private): a replayed write is a no-op.
    pub const APPLIED_OP_TABLE: &str = "heycat_applied_op";
    /// The key the module gave each row inserted into a table with an `#[auto_inc]` key, by the
    /// insert's operation id (private): how the client learns it, also after a crash.
    pub const ASSIGNED_KEY_TABLE: &str = "heycat_assigned_key";
    /// Writes not applied because the row had moved on (private, like every table: the
    /// user's identity reads it).
    pub const CONFLICT_TABLE: &str = "heycat_conflict";
    /// The user's identity (private): who published the module, recorded by `init`. Only it
    /// may call the module's reducers and read its private tables.
    pub const OWNER_TABLE: &str = "heycat_owner";
    /// Invitations for another device of the user (public, sealed): the user's identity
    /// encrypted under a one-time code the user carries to the new device.
    pub const INVITE_TABLE: &str = "heycat_invite";
    /// `heycat_invite_create(lookup, sealed, valid_for_secs)`: offers a sealed invitation.
    pub const INVITE_CREATE_REDUCER: &str = "heycat_invite_create";
    /// `heycat_invite_delete(lookup)`: withdraws one (the new device does, once it joined).
    pub const INVITE_DELETE_REDUCER: &str = "heycat_invite_delete";
    /// While a migration carries the data (private, one row): the module takes no write
    /// until its `until`, so none lands between the backup and the import.
    pub const HOLD_TABLE: &str = "heycat_write_hold";
    /// `heycat_hold_writes(secs)`: holds every write for `secs` seconds from now (0 lifts it). The
    /// migrating device renews it as it works; should that device die, it lapses by itself.
    pub const HOLD_REDUCER: &str = "heycat_hold_writes";
    /// The user's devices (private): each device's id, the name the user knows it by, and when
    /// it was last seen; a device says it is there as it connects, and every half minute.
    pub const DEVICE_TABLE: &str = "heycat_device";
    /// `heycat_device_seen(device_id, name)`: the device is there now, by that name.
    pub const DEVICE_SEEN_REDUCER: &str = "heycat_device_seen";
    /// `heycat_device_forget(device_id)`: the device is no longer listed (it was forgotten).
    pub const DEVICE_FORGET_REDUCER: &str = "heycat_device_forget";
    /// Tables a migration never carries: the new module's `init` records its owner,
    /// invitations are short-lived, and a hold belongs to the migration that made it.
    pub const NOT_CARRIED: &[&str] = &[OWNER_TABLE, INVITE_TABLE, HOLD_TABLE];
    /// `heycat_conflict_dismiss(conflict_id, op_id)`: keep theirs.
    pub const CONFLICT_DISMISS_REDUCER: &str = "heycat_conflict_dismiss";
    /// `heycat_import_<table>(rows, append)`: a migration's import, in batches; the first
    /// (`append` false) only into an empty table.
    pub const IMPORT_REDUCER_PREFIX: &str = "heycat_import_";
    /// `heycat_schema_v<N>`: a no-op whose name says the module's schema version.
    pub const SCHEMA_VERSION_REDUCER_PREFIX: &str = "heycat_schema_v";
    /// The version column of synced tables, bumped by every update.
    pub const ROW_VERSION_COLUMN: &str = "row_version";
    /// The same column in the frontend's JSON (camelCase).
    pub const ROW_VERSION_FIELD: &str = "rowVersion";
    /// The implicit key of singleton tables; always 0.
    pub const SINGLETON_KEY_COLUMN: &str = "id";
    /// The last argument of every write reducer: the client's operation id.
    pub const OP_ID_PARAM: &str = "op_id";

    pub fn import_reducer(table: &str) -> String {
        format!("{IMPORT_REDUCER_PREFIX}{table}")
    }

    pub fn schema_version_reducer(version: u32) -> String {
        format!("{SCHEMA_VERSION_REDUCER_PREFIX}{version}")
    }

    /// The schema version a module's reducer names, if it is the version reducer.
    pub fn schema_version_of(reducer: &str) -> Option<u32> {
        reducer.strip_prefix(SCHEMA_VERSION_REDUCER_PREFIX)?.parse().ok()
    }
}

/// Why a generated reducer refused a write. A reducer's `Err` text is `<code>: <sentence>`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ReducerError {
    /// A key or unique value is already used.
    UniqueViolation,
    /// No row with that key.
    NotFound,
    /// The input breaks a rule of the schema.
    BadInput,
    /// A `restrict` reference still holds the row.
    InUse,
    /// The caller is not the user's identity (the database owner's).
    Unauthorized,
    /// A migration holds every write for now (`heycat_hold_writes`): the client sends it again later.
    WritesHeld,
}

impl ReducerError {
    pub const ALL: &'static [ReducerError] = &[
        ReducerError::UniqueViolation,
        ReducerError::NotFound,
        ReducerError::BadInput,
        ReducerError::InUse,
        ReducerError::Unauthorized,
        ReducerError::WritesHeld,
    ];

    /// The code a reducer's error text starts with.
    pub fn code(self) -> &'static str {
        match self {
            ReducerError::UniqueViolation => "unique_violation",
            ReducerError::NotFound => "not_found",
            ReducerError::BadInput => "bad_input",
            ReducerError::InUse => "in_use",
            ReducerError::Unauthorized => "unauthorized",
            ReducerError::WritesHeld => "writes_held",
        }
    }

    /// Splits a reducer's error text into its kind and sentence; `None` for any other text.
    pub fn parse(text: &str) -> Option<(ReducerError, &str)> {
        let (code, sentence) = text.split_once(": ")?;
        ReducerError::ALL.iter().find(|e| e.code() == code).map(|e| (*e, sentence))
    }
}

/// The sentences the generated reducers refuse a row with, each defined once by its pattern:
/// the module writes it from the pattern (`format_string`), and the client reads the table,
/// column and value back from the same pattern ([`Named::read`]), so a frontend can word the
/// refusal itself (the form's label for the column, its noun for the row) while the sentence
/// stays the technical account. Changing a pattern changes every module; the client reads
/// what older modules wrote only while their patterns are kept.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Sentence {
    /// `unique_violation`: a `#[unique]` column's value is taken.
    ValueTaken,
    /// `unique_violation`: the primary key is taken.
    KeyTaken,
    /// `bad_input`: a text primary key is empty.
    EmptyKey,
    /// `bad_input`: a `#[references]` column names no row.
    MissingReference,
    /// `not_found`: no row has the key.
    NoRow,
    /// `in_use`: a `restrict` reference from another table holds the row.
    StillReferenced,
}

/// A pattern's parts: `{table}`, `{column}`, `{value}` (the value, as Rust's `{:?}` writes
/// it), `{other}` (another table), `{other_column}` (its column) and `{article}` (of the table).
impl Sentence {
    pub const ALL: &'static [Sentence] = &[
        Sentence::ValueTaken,
        Sentence::KeyTaken,
        Sentence::EmptyKey,
        Sentence::MissingReference,
        Sentence::NoRow,
        Sentence::StillReferenced,
    ];

    /// The kind of refusal the sentence comes with.
    pub fn error(self) -> ReducerError {
        match self {
            Sentence::ValueTaken | Sentence::KeyTaken => ReducerError::UniqueViolation,
            Sentence::EmptyKey | Sentence::MissingReference => ReducerError::BadInput,
            Sentence::NoRow => ReducerError::NotFound,
            Sentence::StillReferenced => ReducerError::InUse,
        }
    }

    fn pattern(self) -> &'static str {
        match self {
            Sentence::ValueTaken => "{table}.{column} {value} is already used by another row",
            Sentence::KeyTaken => "{article} {table} row with {column} {value} already exists",
            Sentence::EmptyKey => "{table}.{column} must not be empty",
            Sentence::MissingReference => "{table}.{column} {value} names no {other} row",
            Sentence::NoRow => "no {table} row has {column} {value}",
            Sentence::StillReferenced => {
                "{table} {value} is still referenced by {other}.{other_column}; delete those rows first"
            }
        }
    }

    /// The `format!` string the module writes the sentence with, about `table`'s `column` (and
    /// `other`'s `other_column`, for the sentences that name another table): `{:?}` is where
    /// the value goes.
    pub fn format_string(self, table: &str, column: &str, other: &str, other_column: &str) -> String {
        self.pattern()
            .replace("{table}", table)
            .replace("{column}", column)
            .replace("{other}", other)
            .replace("{other_column}", other_column)
            .replace("{article}", names::article(table))
            .replace("{value}", "{:?}")
    }
}

/// What a reducer's refusal names, read back from its sentence.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Named {
    /// The table of the refused row.
    pub table: Option<String>,
    /// The refused column, as the frontend's rows name it (camelCase); none when the sentence
    /// names another table's column.
    pub field: Option<String>,
    /// The refused value, as text: a string's own characters (unquoted, unescaped), a number's
    /// digits.
    pub value: Option<String>,
}

impl Named {
    /// What `sentence`, of a refusal of kind `error`, names; nothing for a sentence of no
    /// known pattern.
    pub fn read(error: ReducerError, sentence: &str) -> Named {
        Sentence::ALL
            .iter()
            .filter(|s| s.error() == error)
            .find_map(|s| {
                let mut holes = Vec::new();
                matches(&parts(s.pattern()), sentence, &mut holes).then_some(holes)
            })
            .map(|holes| {
                let hole = |name: &str| holes.iter().find(|(n, _)| *n == name).map(|(_, text)| *text);
                Named {
                    table: hole("table").map(str::to_owned),
                    field: hole("column").map(names::to_camel_case),
                    value: hole("value").map(unquote),
                }
            })
            .unwrap_or_default()
    }
}

/// A pattern's literal text and holes, in order: `Err(name)` for a hole.
fn parts(pattern: &'static str) -> Vec<Result<&'static str, &'static str>> {
    let mut parts = Vec::new();
    let mut rest = pattern;
    while let Some(start) = rest.find('{') {
        let end = start + rest[start..].find('}').expect("a pattern's holes are closed");
        if start > 0 {
            parts.push(Ok(&rest[..start]));
        }
        parts.push(Err(&rest[start + 1..end]));
        rest = &rest[end + 1..];
    }
    if !rest.is_empty() {
        parts.push(Ok(rest));
    }
    parts
}

/// Whether `text` is `parts` with its holes filled; collects the holes' text. A value may hold
/// anything (it is tried longest first), names are identifiers, an article is `a` or `an`.
fn matches<'t>(
    parts: &[Result<&'static str, &'static str>],
    text: &'t str,
    holes: &mut Vec<(&'static str, &'t str)>,
) -> bool {
    let Some((first, rest)) = parts.split_first() else { return text.is_empty() };
    match first {
        Ok(literal) => text.strip_prefix(literal).is_some_and(|after| matches(rest, after, holes)),
        Err(hole) => {
            let hole = *hole;
            let fits = |candidate: &str| match hole {
                "value" => !candidate.is_empty(),
                "article" => candidate == "a" || candidate == "an",
                _ => !candidate.is_empty() && candidate.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_'),
            };
            let mut ends: Vec<usize> = match rest.first() {
                Some(Ok(literal)) => text.match_indices(literal).map(|(at, _)| at).collect(),
                _ => vec![text.len()],
            };
            if hole == "value" {
                ends.reverse();
            }
            ends.into_iter().any(|end| {
                let candidate = &text[..end];
                let before = holes.len();
                if fits(candidate) {
                    holes.push((hole, candidate));
                    if matches(rest, &text[end..], holes) {
                        return true;
                    }
                }
                holes.truncate(before);
                false
            })
        }
    }
}

/// A value as Rust's `{:?}` wrote it, as text: a string's characters without its quotes and
/// escapes; anything else as written.
fn unquote(value: &str) -> String {
    let Some(inner) = value.strip_prefix('"').and_then(|v| v.strip_suffix('"')) else { return value.to_owned() };
    let mut out = String::with_capacity(inner.len());
    let mut chars = inner.chars();
    while let Some(c) = chars.next() {
        if c != '\\' {
            out.push(c);
            continue;
        }
        match chars.next() {
            Some('n') => out.push('\n'),
            Some('r') => out.push('\r'),
            Some('t') => out.push('\t'),
            Some('0') => out.push('\0'),
            Some('u') => {
                let code: String = chars.by_ref().skip(1).take_while(|c| *c != '}').collect();
                out.extend(u32::from_str_radix(&code, 16).ok().and_then(char::from_u32));
            }
            Some(other) => out.push(other),
            None => {}
        }
    }
    out
}

/// Names as they cross from the schema (snake_case) to the frontend and into sentences.
pub mod names {
    /// `dictionary_entry` -> `DictionaryEntry`.
    pub fn to_pascal_case(name: &str) -> String {
        name.split('_')
            .filter(|part| !part.is_empty())
            .map(|part| {
                let mut chars = part.chars();
                let first = chars.next().map(|c| c.to_uppercase().collect::<String>()).unwrap_or_default();
                first + chars.as_str()
            })
            .collect()
    }

    /// `dictionary_entry` -> `dictionaryEntry` (the frontend's spelling).
    pub fn to_camel_case(name: &str) -> String {
        let pascal = to_pascal_case(name);
        let mut chars = pascal.chars();
        match chars.next() {
            Some(first) => first.to_lowercase().collect::<String>() + chars.as_str(),
            None => String::new(),
        }
    }

    /// `a` or `an`, for a name read aloud (`an attachment`, `a note`).
    pub fn article(name: &str) -> &'static str {
        match name.chars().next().map(|c| c.to_ascii_lowercase()) {
            Some('a' | 'e' | 'i' | 'o' | 'u') => "an",
            _ => "a",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reducer_errors_round_trip_through_their_text() {
        for error in ReducerError::ALL {
            let text = format!("{}: the sentence", error.code());
            assert_eq!(ReducerError::parse(&text), Some((*error, "the sentence")));
        }
        assert_eq!(ReducerError::parse("the module panicked: oops"), None);
    }

    /// Writes `sentence` about `table.column` with `value` as the module does.
    fn written(sentence: Sentence, table: &str, column: &str, value: &str) -> String {
        sentence.format_string(table, column, "recording", "recording_id").replace("{:?}", &format!("{value:?}"))
    }

    #[test]
    fn a_sentence_names_its_table_field_and_value_as_the_frontend_writes_them() {
        let taken = written(Sentence::ValueTaken, "dictionary_entry", "trigger", "brb");
        assert_eq!(taken, r#"dictionary_entry.trigger "brb" is already used by another row"#);
        let named = Named::read(ReducerError::UniqueViolation, &taken);
        assert_eq!(
            named,
            Named { table: Some("dictionary_entry".into()), field: Some("trigger".into()), value: Some("brb".into()) }
        );
        // Values that hold the sentence's own words, quotes, escapes and other scripts.
        for value in ["a.b c", "is already used by another row", "say \"hi\"\n\tthen\\go", "ünï 😀", "\u{1b}x"] {
            let text = written(Sentence::ValueTaken, "voice_command", "complete_match_only", value);
            let named = Named::read(ReducerError::UniqueViolation, &text);
            assert_eq!(named.field.as_deref(), Some("completeMatchOnly"), "{text}");
            assert_eq!(named.value.as_deref(), Some(value), "{text}");
        }
        let exists = written(Sentence::KeyTaken, "attachment", "id", "a1");
        assert_eq!(exists, r#"an attachment row with id "a1" already exists"#);
        assert_eq!(Named::read(ReducerError::UniqueViolation, &exists).field.as_deref(), Some("id"));
        let numeric = Sentence::NoRow.format_string("ticket", "id", "", "").replace("{:?}", "42");
        let named = Named::read(ReducerError::NotFound, &numeric);
        assert_eq!((named.table.as_deref(), named.value.as_deref()), (Some("ticket"), Some("42")));
        let empty = Sentence::EmptyKey.format_string("note", "id", "", "");
        assert_eq!(Named::read(ReducerError::BadInput, &empty).field.as_deref(), Some("id"));
        let held = written(Sentence::StillReferenced, "recording", "id", "r1");
        assert_eq!(held, r#"recording "r1" is still referenced by recording.recording_id; delete those rows first"#);
        let named = Named::read(ReducerError::InUse, &held);
        assert_eq!(
            (named.table.as_deref(), named.field, named.value.as_deref()),
            (Some("recording"), None, Some("r1"))
        );
        // Every sentence reads back; any other text names nothing.
        for sentence in Sentence::ALL {
            let text = written(*sentence, "note", "title", "x");
            assert_eq!(Named::read(sentence.error(), &text).table.as_deref(), Some("note"), "{text}");
        }
        assert_eq!(Named::read(ReducerError::UniqueViolation, "duplicate key in note"), Named::default());
        assert_eq!(Named::read(ReducerError::NotFound, &taken), Named::default(), "another kind's sentence");
    }

    #[test]
    fn every_environment_variable_is_listed_once_by_its_name() {
        let all: Vec<&str> = env::ALL.iter().chain(env::TEST_ONLY).copied().collect();
        for (i, name) in all.iter().enumerate() {
            assert!(name.starts_with("HEYCAT_") || name.starts_with("SPACETIMEDB_"), "{name}");
            assert!(name.bytes().all(|b| b.is_ascii_uppercase() || b.is_ascii_digit() || b == b'_'), "{name}");
            assert!(!all[..i].contains(name), "{name} is listed twice");
        }
    }

    #[test]
    fn version_reducers_name_their_version() {
        assert_eq!(system::schema_version_of(&system::schema_version_reducer(12)), Some(12));
        assert_eq!(system::schema_version_of("heycat_import_x"), None);
    }
}
