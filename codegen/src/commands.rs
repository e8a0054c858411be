//! The Tauri commands a schema gets: one list, read by the Rust command backend (runtime) and
//! the TypeScript backend (types and wrappers), as tauri-specta feeds both from one list.

use crate::model::{Column, ColumnType, Name, Schema, Table, ROW_VERSION_COLUMN};
use crate::resolve::name;

#[derive(Debug, Clone)]
pub struct Command<'s> {
    /// The command name `invoke` uses, e.g. `dictionary_entry_insert`.
    pub name: String,
    /// Its function in TypeScript: `dictionaryEntryInsert`.
    pub js_name: String,
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
    /// The argument name `invoke` sends (Tauri 2 maps camelCase arguments to snake_case).
    pub js_name: String,
    pub ty: CommandParamType,
}

impl CommandParam {
    fn new(name: Name, ty: CommandParamType) -> CommandParam {
        CommandParam { name: name.rust, js_name: name.js, ty }
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
            let names = &table.names.commands;
            let mut push = |name: &Name, kind, params| {
                out.push(Command { name: name.rust.clone(), js_name: name.js.clone(), table, kind, params })
            };
            let param = |rust: &str, ty| CommandParam::new(name(rust), ty);
            let row = || vec![param("row", CommandParamType::Row)];
            if table.singleton {
                push(&names.get, CommandKind::GetSingleton, Vec::new());
                push(&names.update, CommandKind::UpdateSingleton, row());
                push(&names.reset, CommandKind::ResetSingleton, Vec::new());
                continue;
            }
            let Some(key) = table.primary_key() else { continue };
            let column_param = |c: &Column| CommandParam {
                name: c.name.clone(),
                js_name: c.names.js.clone(),
                ty: CommandParamType::Column(c.ty.clone()),
            };
            push(&names.list, CommandKind::List, Vec::new());
            push(
                &names.page,
                CommandKind::Page,
                vec![
                    param("order", CommandParamType::Order),
                    param("descending", CommandParamType::Column(ColumnType::Bool)),
                    param("after", CommandParamType::OptionalRow),
                    param("limit", CommandParamType::Column(ColumnType::U32)),
                ],
            );
            push(&names.get, CommandKind::Get, vec![column_param(key)]);
            push(&names.insert, CommandKind::Insert, row());
            push(&names.update, CommandKind::Update, row());
            let mut delete_params = vec![column_param(key)];
            if table.synced {
                // The version the delete is based on; none deletes whatever is there.
                let version = ColumnType::Option(Box::new(ColumnType::U64));
                delete_params.push(param(ROW_VERSION_COLUMN, CommandParamType::Column(version)));
            }
            push(&names.delete, CommandKind::Delete, delete_params);
            for column in
                table.columns.iter().filter(|c| (c.indexed || c.references.is_some()) && !c.primary_key && !c.unique)
            {
                push(
                    &column.names.list_by,
                    CommandKind::ListBy { column: column.name.clone() },
                    vec![column_param(column)],
                );
            }
        }
        out
    }
}
