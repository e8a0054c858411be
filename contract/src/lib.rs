//! The names that cross a boundary (module ↔ runtime ↔ frontend), defined once.
//!
//! The module backend writes reducers and tables with these names, the runtime calls and reads
//! them, the Tauri and TypeScript backends emit and listen for these events. A name changes
//! here or nowhere.

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
    /// What ends a table's change event name: `note:changed`.
    pub const TABLE_CHANGED_SUFFIX: &str = ":changed";

    /// The runtime's own events (every schema has them; tables add theirs).
    pub const ALL: &[&str] = &[CONNECTION_STATUS, SYNC_STATUS, MIGRATION_STATUS, STORAGE_WARNING, CONFLICT_CHANGED];

    /// The event a table's row changes are emitted as (`TableChange<Row>`).
    pub fn table_changed(table: &str) -> String {
        format!("{table}{TABLE_CHANGED_SUFFIX}")
    }
}

/// The runtime's own Tauri commands (every schema has them).
pub mod commands {
    pub const CONNECTION_STATUS: &str = "connection_status";
    pub const CONNECTION_RETRY: &str = "connection_retry";
    pub const SYNC_STATUS: &str = "sync_status";
    pub const CONFLICT_LIST: &str = "conflict_list";
    pub const CONFLICT_RESOLVE: &str = "conflict_resolve";
    pub const STORAGE_USAGE: &str = "storage_usage";
    pub const STORAGE_CLEANUP_PREVIEW: &str = "storage_cleanup_preview";
    pub const STORAGE_CLEANUP: &str = "storage_cleanup";
    pub const STORAGE_EXPORT: &str = "storage_export";
    pub const STORAGE_IMPORT: &str = "storage_import";
    pub const DEVICE_INVITE: &str = "device_invite";
    pub const DEVICE_JOIN: &str = "device_join";

    /// Every one of them, in registration order.
    pub const ALL: &[&str] = &[
        CONNECTION_STATUS,
        CONNECTION_RETRY,
        SYNC_STATUS,
        CONFLICT_LIST,
        CONFLICT_RESOLVE,
        STORAGE_USAGE,
        STORAGE_CLEANUP_PREVIEW,
        STORAGE_CLEANUP,
        STORAGE_EXPORT,
        STORAGE_IMPORT,
        DEVICE_INVITE,
        DEVICE_JOIN,
    ];
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

    #[test]
    fn version_reducers_name_their_version() {
        assert_eq!(system::schema_version_of(&system::schema_version_reducer(12)), Some(12));
        assert_eq!(system::schema_version_of("heycat_import_x"), None);
    }
}
