//! The Tauri commands a schema gets: one list, read by the Rust command backend (runtime) and
//! the TypeScript backend (types and wrappers), as tauri-specta feeds both from one list.

use crate::model::{ColumnType, Schema, Table, ROW_VERSION_COLUMN};
use crate::names::to_camel_case;

#[derive(Debug, Clone)]
pub struct Command<'s> {
    /// The command name `invoke` uses, e.g. `dictionary_entry_insert`.
    pub name: String,
    pub table: &'s Table,
    pub kind: CommandKind,
    pub params: Vec<CommandParam>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CommandKind {
    /// Every row, from the local copy.
    List,
    /// The rows after a cursor row in one of the table's orders, a page at a time.
    Page,
    /// The row with this primary key, or none.
    Get,
    Insert,
    Update,
    Delete,
    /// The rows whose column (an index or a reference) has this value.
    ListBy {
        column: String,
    },
    /// A singleton's row (its defaults when the server has none yet).
    GetSingleton,
    UpdateSingleton,
    ResetSingleton,
}

#[derive(Debug, Clone)]
pub struct CommandParam {
    /// snake_case, as in Rust.
    pub name: String,
    pub ty: CommandParamType,
}

impl CommandParam {
    /// The argument name `invoke` sends (Tauri 2 maps camelCase arguments to snake_case).
    pub fn js_name(&self) -> String {
        to_camel_case(&self.name)
    }
}

#[derive(Debug, Clone)]
pub enum CommandParamType {
    Row,
    /// A row or none (a page's cursor).
    OptionalRow,
    /// One of the table's orders (see [`Schema::orders`]).
    Order,
    Column(ColumnType),
}

/// The commands that settle conflicts, for schemas with synced tables.
pub const CONFLICT_COMMANDS: &[&str] = &["conflict_list", "conflict_resolve"];

impl Schema {
    /// The names of every command: the tables' and, with synced tables, the conflict commands.
    pub fn command_names(&self) -> Vec<String> {
        let mut names: Vec<String> = self.commands().iter().map(|c| c.name.clone()).collect();
        if self.synced_tables().next().is_some() {
            names.extend(CONFLICT_COMMANDS.iter().map(|n| (*n).to_owned()));
        }
        names
    }

    /// Every command, grouped by table in schema order.
    pub fn commands(&self) -> Vec<Command<'_>> {
        let mut out = Vec::new();
        for table in self.user_tables() {
            let mut push = |suffix: String, kind, params| {
                out.push(Command { name: format!("{}_{suffix}", table.name), table, kind, params })
            };
            let row = || vec![CommandParam { name: "row".into(), ty: CommandParamType::Row }];
            if table.singleton {
                push("get".into(), CommandKind::GetSingleton, Vec::new());
                push("update".into(), CommandKind::UpdateSingleton, row());
                push("reset".into(), CommandKind::ResetSingleton, Vec::new());
                continue;
            }
            let Some(key) = table.primary_key() else { continue };
            let key_param =
                || vec![CommandParam { name: key.name.clone(), ty: CommandParamType::Column(key.ty.clone()) }];
            push("list".into(), CommandKind::List, Vec::new());
            let param = |name: &str, ty| CommandParam { name: name.into(), ty };
            push(
                "page".into(),
                CommandKind::Page,
                vec![
                    param("order", CommandParamType::Order),
                    param("descending", CommandParamType::Column(ColumnType::Bool)),
                    param("after", CommandParamType::OptionalRow),
                    param("limit", CommandParamType::Column(ColumnType::U32)),
                ],
            );
            push("get".into(), CommandKind::Get, key_param());
            push("insert".into(), CommandKind::Insert, row());
            push("update".into(), CommandKind::Update, row());
            let mut delete_params = key_param();
            if table.synced {
                // The version the delete is based on; none deletes whatever is there.
                let version = ColumnType::Option(Box::new(ColumnType::U64));
                delete_params
                    .push(CommandParam { name: ROW_VERSION_COLUMN.into(), ty: CommandParamType::Column(version) });
            }
            push("delete".into(), CommandKind::Delete, delete_params);
            for column in
                table.columns.iter().filter(|c| (c.indexed || c.references.is_some()) && !c.primary_key && !c.unique)
            {
                push(
                    format!("list_by_{}", column.name),
                    CommandKind::ListBy { column: column.name.clone() },
                    vec![CommandParam { name: column.name.clone(), ty: CommandParamType::Column(column.ty.clone()) }],
                );
            }
        }
        out
    }
}
