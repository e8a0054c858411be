//! The reducers a schema gets: derived from the model in one place, so the module backend, the
//! module definition and every client-side backend agree on names and parameters.

use crate::model::{ColumnType, Schema, Table};

#[derive(Debug, Clone)]
pub struct Reducer<'s> {
    pub name: String,
    pub kind: ReducerKind,
    pub table: Option<&'s Table>,
    pub params: Vec<Param>,
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
    /// The module's `init`: writes each singleton's default row on first publish.
    Init,
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
    /// A column value (the primary key for deletes).
    Column(ColumnType),
    /// The client's id for this write (a uuid). The caller matches the reducer's result to its
    /// call by it; offline replay will use it to apply each write at most once.
    OpId,
}

/// The name of the operation id parameter every write reducer takes last.
pub const OP_ID_PARAM: &str = "op_id";

impl Schema {
    /// Every reducer of the module, sorted by name.
    pub fn reducers(&self) -> Vec<Reducer<'_>> {
        let mut out = Vec::new();
        for table in &self.tables {
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
                push(
                    "delete",
                    ReducerKind::Delete,
                    vec![Param { name: key.name.clone(), ty: ParamType::Column(key.ty.clone()) }],
                );
            }
        }
        if self.tables.iter().any(|t| t.singleton) {
            out.push(Reducer { name: "init".into(), kind: ReducerKind::Init, table: None, params: Vec::new() });
        }
        out.sort_by(|a, b| a.name.cmp(&b.name));
        out
    }
}
