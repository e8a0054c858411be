//! The app's Rust side: typed Tauri commands for every table (`commands.rs`), the module that
//! brings the schema files into the app as its row types (`schema.rs`), and the hookup of
//! reducer results to waiting calls.
//!
//! The generated code relies on the app providing `crate::data::{Db, DataError, Pending}`,
//! `crate::sdk` (the SpacetimeDB bindings) and `crate::schema` (this backend's `schema.rs`).

use proc_macro2::TokenStream;
use quote::{format_ident, quote};

use super::rust;
use crate::commands::{Command, CommandKind, CommandParamType};
use crate::model::{Schema, Table};
use crate::names::to_pascal_case;
use crate::reducers::ParamType;
use crate::source::SourceSet;

/// `schema.rs`: each schema file as a module of the app, written relative to `generated/rust/`.
pub fn schema_module(sources: &SourceSet) -> String {
    let mut out = super::header("//", sources);
    out.push_str(
        "//! The schema files, compiled into the app: #[heycat_table] makes each struct the app's row type.\n\n",
    );
    for (_, file) in sources.files() {
        let stem = file.display_path.rsplit('/').next().unwrap_or_default().trim_end_matches(".rs");
        out.push_str(&format!("#[path = \"../../{}\"]\nmod {stem};\npub use {stem}::*;\n", file.display_path));
    }
    out
}

pub fn commands_module(schema: &Schema, sources: &SourceSet) -> String {
    let commands = schema.commands();
    let fns = commands.iter().map(command_fn);
    let names = commands.iter().map(|c| format_ident!("{}", c.name));
    let command_names = commands.iter().map(|c| c.name.as_str());
    let table_traits = schema.tables.iter().map(|t| format_ident!("{}TableAccess", t.row_type));
    let reducers = schema.reducers();
    let writes: Vec<_> = reducers.iter().filter(|r| r.params.iter().any(|p| p.ty == ParamType::OpId)).collect();
    let reducer_traits = writes.iter().map(|r| format_ident!("{}", r.name));
    let watches = writes.iter().map(|r| {
        let on = format_ident!("on_{}", r.name);
        let ignored = r.params.iter().filter(|p| p.ty != ParamType::OpId).map(|_| quote!(_));
        quote! {
            let p = pending.clone();
            conn.reducers.#on(move |ctx, #(#ignored,)* op_id| p.complete(ctx, op_id));
        }
    });
    let change_watches = schema.tables.iter().map(|t| {
        let (handle, row, event) = (format_ident!("{}", t.name), app_row(t), super::typescript::event_name(t));
        quote! {
            let s = sink.clone();
            conn.db.#handle().on_insert(move |ctx, row| s.emit(ctx, #event, TableChange::Insert { row: #row::from(row.clone()) }));
            let s = sink.clone();
            conn.db.#handle().on_update(move |ctx, old, row| {
                s.emit(ctx, #event, TableChange::Update { old_row: #row::from(old.clone()), row: #row::from(row.clone()) })
            });
            let s = sink.clone();
            conn.db.#handle().on_delete(move |ctx, row| s.emit(ctx, #event, TableChange::Delete { row: #row::from(row.clone()) }));
        }
    });
    let tokens = quote! {
        use tauri::State;
        use spacetimedb_sdk::{Table as _, TableWithPrimaryKey as _};

        use crate::data::{ChangeSink, DataError, Db, Pending, TableChange};
        use crate::sdk::{#(#table_traits as _,)* #(#reducer_traits as _,)*};

        #(#fns)*

        /// The name of every command, in registration order.
        pub const COMMANDS: &[&str] = &[#(#command_names),*];

        /// Registers every command with Tauri: `builder.invoke_handler(commands::handler())`.
        pub fn handler<R: tauri::Runtime>() -> impl Fn(tauri::ipc::Invoke<R>) -> bool + Send + Sync + 'static {
            tauri::generate_handler![#(#names),*]
        }

        /// Emits every row change of every table as its `<table>:changed` event.
        pub(crate) fn watch_table_changes(conn: &crate::sdk::DbConnection, sink: &ChangeSink) {
            #(#change_watches)*
        }

        /// Resolves each waiting call (see `Db::call`) when its reducer's result arrives.
        pub(crate) fn watch_reducer_results(conn: &crate::sdk::DbConnection, pending: &Pending) {
            #(#watches)*
        }
    };
    format!(
        "{}//! Tauri commands for every table of the schema.\n\n{}",
        super::header("//", sources),
        rust::format(tokens)
    )
}

fn app_row(table: &Table) -> TokenStream {
    let row = format_ident!("{}", table.row_type);
    quote!(crate::schema::#row)
}

fn command_fn(command: &Command<'_>) -> TokenStream {
    let table = command.table;
    let name = format_ident!("{}", command.name);
    let (handle, row) = (format_ident!("{}", table.name), app_row(table));
    let params = command.params.iter().map(|p| {
        let ident = format_ident!("{}", p.name);
        let ty = match &p.ty {
            CommandParamType::Row => row.clone(),
            CommandParamType::Column(ty) => rust::column_type(ty, &quote!(spacetimedb_sdk)),
        };
        quote!(#ident: #ty)
    });
    let key = table.primary_key().map(|k| format_ident!("{}", k.name));
    let reducer = |suffix: &str| format_ident!("{}_{suffix}", table.name);
    // Reads the row with this key back from the local copy after a confirmed write: it then
    // carries what the module set (the row version).
    let read_back = |key_value: TokenStream| {
        let table_name = &table.name;
        quote! {
            db.connection()?.db.#handle().#key().find(&#key_value).map(Into::into)
                .ok_or_else(|| DataError::vanished(#table_name))
        }
    };
    let (doc, returns, body) = match &command.kind {
        CommandKind::List => (
            format!(" Every `{}` row.", table.name),
            quote!(Vec<#row>),
            quote!(Ok(db.connection()?.db.#handle().iter().map(Into::into).collect())),
        ),
        CommandKind::Get => (
            format!(" The `{}` row with this key, if there is one.", table.name),
            quote!(Option<#row>),
            quote!(Ok(db.connection()?.db.#handle().#key().find(&#key).map(Into::into))),
        ),
        CommandKind::Insert | CommandKind::Update => {
            let suffix = if command.kind == CommandKind::Insert { "insert" } else { "update" };
            let call = reducer(suffix);
            let read = read_back(quote!(key));
            (
                format!(" {}s a `{}` row; returns it as stored.", to_pascal_case(suffix), table.name),
                row.clone(),
                quote! {
                    let key = row.#key.clone();
                    db.call(move |conn, op_id| conn.reducers.#call(row.into(), op_id)).await?;
                    #read
                },
            )
        }
        CommandKind::Delete => {
            let call = reducer("delete");
            (
                format!(" Deletes the `{}` row with this key (and what the schema cascades).", table.name),
                quote!(()),
                quote!(db.call(move |conn, op_id| conn.reducers.#call(#key, op_id)).await),
            )
        }
        CommandKind::ListBy { column } => {
            let col = format_ident!("{column}");
            (
                format!(" The `{}` rows whose `{column}` is this value.", table.name),
                quote!(Vec<#row>),
                quote!(Ok(db.connection()?.db.#handle().iter().filter(|r| r.#col == #col).map(Into::into).collect())),
            )
        }
        CommandKind::GetSingleton => (
            format!(" The `{}` row (its defaults until one is stored).", table.name),
            row.clone(),
            quote!(Ok(db.connection()?.db.#handle().#key().find(&0).map(Into::into).unwrap_or_default())),
        ),
        CommandKind::UpdateSingleton | CommandKind::ResetSingleton => {
            let (call, args) = if command.kind == CommandKind::UpdateSingleton {
                (reducer("update"), quote!(row.into(),))
            } else {
                (reducer("reset"), quote!())
            };
            let read = read_back(quote!(0));
            (
                format!(" Writes the `{}` row; returns it as stored.", table.name),
                row.clone(),
                quote! {
                    db.call(move |conn, op_id| conn.reducers.#call(#args op_id)).await?;
                    #read
                },
            )
        }
    };
    quote! {
        #[doc = #doc]
        #[tauri::command]
        pub async fn #name(db: State<'_, Db>, #(#params),*) -> Result<#returns, DataError> {
            #body
        }
    }
}
