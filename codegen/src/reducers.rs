//! The reducers a schema gets: derived from the model in one place, so the module backend, the
//! module definition and every client-side backend agree on names and parameters.

use crate::model::{ColumnType, Schema, Table};
use crate::names::to_sdk_snake_case;

#[derive(Debug, Clone)]
pub struct Reducer<'s> {
    pub name: String,
    pub kind: ReducerKind,
    pub table: Option<&'s Table>,
    pub params: Vec<Param>,
}

impl Reducer<'_> {
    /// Its function in spacetimedb-sdk's bindings (`conn.reducers.note_insert(..)`, and
    /// `on_note_insert` for its callback), as spacetimedb-codegen spells it.
    pub fn sdk_name(&self) -> String {
        to_sdk_snake_case(&self.name)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReducerKind {
    /// Inserts a new row; fails when the key or a unique value is taken.
    Insert,
    /// Replaces the row with the same key and bumps its version; singletons insert if missing.
    Update,
    /// Deletes the row with the given key, applying the schema's `on_delete` rules.
    Delete,
    /// Puts a singleton back to its defaults.
    Reset,
    /// Settles a conflict on the table: writes the chosen row (or deletes the row) and drops the
    /// conflict record, in one transaction.
    Resolve,
    /// Drops a conflict record, keeping the server's row (any table).
    DismissConflict,
    /// The module's `init`: records the publisher as the user's identity and writes each
    /// singleton's default row, on first publish.
    Init,
    /// `heycat_schema_v<N>`: does nothing; its name tells clients (through the deployed
    /// schema) which released version the module is.
    SchemaVersion,
    /// `heycat_import_<table>(rows, append)`: puts rows back as they were (a migration's
    /// import), in batches: the first (`append` false) only into an empty table.
    Import,
    /// `heycat_invite_create(lookup, sealed, valid_for_secs)`: offers a sealed invitation for
    /// another device (and drops expired ones).
    InviteCreate,
    /// `heycat_invite_delete(lookup)`: withdraws an invitation.
    InviteDelete,
    /// `heycat_hold_writes(secs)`: holds every write for a while (a migration carrying the data).
    HoldWrites,
    /// `heycat_device_seen(device_id, name)`: a device of the user says it is there.
    DeviceSeen,
    /// `heycat_device_forget(device_id)`: a device is no longer listed.
    DeviceForget,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Param {
    pub name: String,
    pub ty: ParamType,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ParamType {
    /// A whole row of the table.
    Row,
    /// A row of the table, or none.
    OptionalRow,
    /// Rows of the table.
    Rows,
    /// A column value (the primary key for deletes).
    Column(ColumnType),
    /// The client's id for this write. The caller matches the reducer's result to its call by
    /// it; the module records it for synced tables, so a replayed write is applied at most once.
    OpId,
}

pub use heycat_contract::system::OP_ID_PARAM;
/// A synced table's delete takes the row version it is based on (none: delete whatever is there).
pub const BASE_VERSION_PARAM: &str = "base_version";
/// Conflict reducers take the conflict's id.
pub const CONFLICT_ID_PARAM: &str = "conflict_id";

impl Schema {
    /// Every reducer of the module, sorted by name.
    pub fn reducers(&self) -> Vec<Reducer<'_>> {
        let mut out = Vec::new();
        let conflict_id = || Param { name: CONFLICT_ID_PARAM.into(), ty: ParamType::Column(ColumnType::String) };
        for table in self.user_tables() {
            let row = || vec![Param { name: "row".into(), ty: ParamType::Row }];
            let mut push = |suffix: &str, kind, mut params: Vec<Param>| {
                params.push(Param { name: OP_ID_PARAM.into(), ty: ParamType::OpId });
                out.push(Reducer { name: format!("{}_{suffix}", table.name), kind, table: Some(table), params })
            };
            if table.singleton {
                push("update", ReducerKind::Update, row());
                push("reset", ReducerKind::Reset, Vec::new());
            } else if let Some(key) = table.primary_key() {
                push("insert", ReducerKind::Insert, row());
                push("update", ReducerKind::Update, row());
                let mut params = vec![Param { name: key.name.clone(), ty: ParamType::Column(key.ty.clone()) }];
                if table.synced {
                    let base = ColumnType::Option(Box::new(ColumnType::U64));
                    params.push(Param { name: BASE_VERSION_PARAM.into(), ty: ParamType::Column(base) });
                }
                push("delete", ReducerKind::Delete, params);
            }
            if table.synced {
                let key = table.primary_key().expect("synced tables have keys");
                push(
                    "resolve",
                    ReducerKind::Resolve,
                    vec![
                        conflict_id(),
                        Param { name: key.name.clone(), ty: ParamType::Column(key.ty.clone()) },
                        Param { name: "resolution".into(), ty: ParamType::OptionalRow },
                    ],
                );
            }
        }
        for table in self.carried_tables() {
            out.push(Reducer {
                name: heycat_contract::system::import_reducer(&table.name),
                kind: ReducerKind::Import,
                table: Some(table),
                params: vec![
                    Param { name: "rows".into(), ty: ParamType::Rows },
                    Param { name: "append".into(), ty: ParamType::Column(ColumnType::Bool) },
                ],
            });
        }
        if self.version > 0 {
            out.push(self.version_reducer());
        }
        if self.synced_tables().next().is_some() {
            out.push(Reducer {
                name: heycat_contract::system::CONFLICT_DISMISS_REDUCER.to_owned(),
                kind: ReducerKind::DismissConflict,
                table: None,
                params: vec![conflict_id(), Param { name: OP_ID_PARAM.into(), ty: ParamType::OpId }],
            });
        }
        if !self.tables.is_empty() {
            let text = |name: &str| Param { name: name.into(), ty: ParamType::Column(ColumnType::String) };
            out.push(Reducer { name: "init".into(), kind: ReducerKind::Init, table: None, params: Vec::new() });
            out.push(Reducer {
                name: heycat_contract::system::INVITE_CREATE_REDUCER.into(),
                kind: ReducerKind::InviteCreate,
                table: None,
                params: vec![
                    text("lookup"),
                    text("sealed"),
                    Param { name: "valid_for_secs".into(), ty: ParamType::Column(ColumnType::U32) },
                ],
            });
            out.push(Reducer {
                name: heycat_contract::system::INVITE_DELETE_REDUCER.into(),
                kind: ReducerKind::InviteDelete,
                table: None,
                params: vec![text("lookup")],
            });
            out.push(Reducer {
                name: heycat_contract::system::HOLD_REDUCER.into(),
                kind: ReducerKind::HoldWrites,
                table: None,
                params: vec![Param { name: "secs".into(), ty: ParamType::Column(ColumnType::U32) }],
            });
            out.push(Reducer {
                name: heycat_contract::system::DEVICE_SEEN_REDUCER.into(),
                kind: ReducerKind::DeviceSeen,
                table: None,
                params: vec![text("device_id"), text("name")],
            });
            out.push(Reducer {
                name: heycat_contract::system::DEVICE_FORGET_REDUCER.into(),
                kind: ReducerKind::DeviceForget,
                table: None,
                params: vec![text("device_id")],
            });
        }
        out.sort_by(|a, b| a.name.cmp(&b.name));
        out
    }

    /// `heycat_schema_v<N>`, which names the schema's version (clients call it as a heartbeat).
    pub fn version_reducer(&self) -> Reducer<'_> {
        Reducer {
            name: heycat_contract::system::schema_version_reducer(self.version),
            kind: ReducerKind::SchemaVersion,
            table: None,
            params: Vec::new(),
        }
    }
}
