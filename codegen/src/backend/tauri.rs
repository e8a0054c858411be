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
use crate::model::{Access, Schema, Table};
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
    let all_names = schema.command_names();
    let names = all_names.iter().map(|n| format_ident!("{n}"));
    let command_names = all_names.iter();
    let conflicts = schema.synced_tables().next().map(|_| conflict_commands(schema));
    let table_traits = schema.user_tables().map(|t| format_ident!("{}TableAccess", t.row_type));
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
    let change_watches = schema.user_tables().map(|t| {
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
    let conflict_watch = schema.synced_tables().next().map(|_| {
        quote! {
            // Only this client's conflicts; its identity is known once connected.
            let s = sink.clone();
            conn.db.heycat_conflict().on_insert(move |ctx, c| {
                if let Some(view) = conflict_view(c).filter(|_| ctx.try_identity() == Some(c.client)) {
                    s.emit(ctx, CONFLICT_EVENT, TableChange::Insert { row: view });
                }
            });
            let s = sink.clone();
            conn.db.heycat_conflict().on_delete(move |ctx, c| {
                if let Some(view) = conflict_view(c).filter(|_| ctx.try_identity() == Some(c.client)) {
                    s.emit(ctx, CONFLICT_EVENT, TableChange::Delete { row: view });
                }
            });
        }
    });
    let replay_arms = schema.synced_tables().map(replay_arms);
    let copies = schema.user_tables().map(|t| {
        let (handle, row) = (format_ident!("{}", t.name), app_row(t));
        quote! {
            for row in conn.db.#handle().iter() {
                copy.put(&#row::from(row));
            }
        }
    });
    let public_tables = schema.tables.iter().filter(|t| t.access == Access::Public).map(|t| t.name.as_str());
    let usages = schema.user_tables().map(|t| {
        let (handle, row, name) = (format_ident!("{}", t.name), app_row(t), &t.name);
        quote! {
            (#name, conn.db.#handle().count() as usize, conn.db.#handle().iter().map(|r| crate::storage::row_size(&#row::from(r))).sum())
        }
    });
    let tokens = quote! {
        use tauri::State;
        use spacetimedb_sdk::{Table as _, TableWithPrimaryKey as _};

        use spacetimedb_sdk::DbContext as _;

        use crate::data::local::LocalCopy;
        use crate::data::outbox::{OutboxEntry, WriteKind};
        use crate::data::{ChangeSink, ConflictResolution, ConflictView, DataError, Db, Pending, Reader, TableChange, Written, CONFLICT_EVENT};
        use crate::sdk::{#(#table_traits as _,)* #(#reducer_traits as _,)*};

        #(#fns)*
        #conflicts

        /// The name of every command, in registration order.
        pub const COMMANDS: &[&str] = &[#(#command_names),*];

        /// Registers every command with Tauri: `builder.invoke_handler(commands::handler())`.
        pub fn handler<R: tauri::Runtime>() -> impl Fn(tauri::ipc::Invoke<R>) -> bool + Send + Sync + 'static {
            tauri::generate_handler![#(#names),*]
        }

        /// Emits every row change of every table as its `<table>:changed` event, and this
        /// client's conflicts as `conflict:changed`.
        pub(crate) fn watch_table_changes(conn: &crate::sdk::DbConnection, sink: &ChangeSink) {
            #(#change_watches)*
            #conflict_watch
        }

        /// The reducer call that replays a queued write (see `Db::replay`).
        #[allow(clippy::type_complexity)]
        pub(crate) fn replay_call(
            entry: &OutboxEntry,
        ) -> Result<Box<dyn FnOnce(&crate::sdk::DbConnection, String) -> spacetimedb_sdk::Result<()> + Send>, DataError> {
            match (entry.table.as_str(), entry.kind) {
                #(#replay_arms)*
                _ => Err(DataError::unknown_write(entry)),
            }
        }

        /// Every table the app can read, the toolkit's conflicts too: what an export holds.
        pub const PUBLIC_TABLES: &[&str] = &[#(#public_tables),*];

        /// Each table's row count and size (its rows as the app's JSON), from the server's copy.
        pub(crate) fn table_usage(conn: &crate::sdk::DbConnection) -> Vec<(&'static str, usize, u64)> {
            Vec::from([#(#usages),*])
        }

        /// The server's rows, as the app's rows, for the local copy.
        pub(crate) fn copy_of_cache(conn: &crate::sdk::DbConnection) -> LocalCopy {
            let mut copy = LocalCopy::default();
            #(#copies)*
            copy
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
    // Column values arrive in the wire format (64-bit values as decimal strings).
    let params = command.params.iter().map(|p| {
        let ident = format_ident!("{}", p.name);
        let ty = match &p.ty {
            CommandParamType::Row => row.clone(),
            CommandParamType::Column(ty) => {
                let ty = rust::column_type(ty, &quote!(spacetimedb_sdk));
                quote!(::heycat::wire::Wired<#ty>)
            }
        };
        quote!(#ident: #ty)
    });
    let unwrap_params = command.params.iter().filter(|p| matches!(p.ty, CommandParamType::Column(_))).map(|p| {
        let ident = format_ident!("{}", p.name);
        quote!(let #ident = #ident.0;)
    });
    let key = table.primary_key().map(|k| format_ident!("{}", k.name));
    let reducer = |suffix: &str| format_ident!("{}_{suffix}", table.name);
    let key_json =
        |value: TokenStream| quote!(::serde_json::to_value(::heycat::wire::Wired(#value)).unwrap_or_default());
    // A write: online through its reducer (then the row is read back as stored, with what the
    // module set), otherwise queued (then the row is the local copy's). Tables that opted out
    // of syncing are written online only.
    // What a write adds (its row's JSON), checked against the storage quota. Deletes and the
    // singleton's writes are never refused: they free space or are how the user raises the limit.
    let write = |entry: TokenStream, send: TokenStream, read_back_key: Option<TokenStream>, sized: bool| {
        let size = if sized { quote!(crate::storage::row_size(&row)) } else { quote!(0) };
        let table_name = &table.name;
        let after = match &read_back_key {
            Some(k) => quote! {
                match written {
                    Written::Online => db.connection()?.db.#handle().#key().find(&#k).map(Into::into)
                        .ok_or_else(|| DataError::vanished(#table_name)),
                    Written::Queued(row) => crate::data::local::decode(&row.unwrap_or_default()),
                }
            },
            None => quote!(Ok(())),
        };
        if table.synced && read_back_key.is_some() {
            quote! {
                let written = db.write(#size, || #entry, move |conn, op_id| #send).await?;
                #after
            }
        } else if table.synced {
            quote! {
                db.write(#size, || #entry, move |conn, op_id| #send).await?;
                Ok(())
            }
        } else {
            let after = match &read_back_key {
                Some(k) => quote! {
                    db.connection()?.db.#handle().#key().find(&#k).map(Into::into).ok_or_else(|| DataError::vanished(#table_name))
                },
                None => quote!(Ok(())),
            };
            quote! {
                db.call(move |conn, op_id| #send).await?;
                #after
            }
        }
    };
    let (doc, returns, body) = match &command.kind {
        CommandKind::List => (
            format!(" Every `{}` row.", table.name),
            quote!(Vec<#row>),
            quote! {
                match db.reader() {
                    Reader::Online(conn) => Ok(conn.db.#handle().iter().map(Into::into).collect()),
                    Reader::Offline(state) => Reader::local(&state).list::<#row>(),
                }
            },
        ),
        CommandKind::Get => {
            (format!(" The `{}` row with this key, if there is one.", table.name), quote!(Option<#row>), {
                let k = key_json(quote!(#key.clone()));
                quote! {
                    match db.reader() {
                        Reader::Online(conn) => Ok(conn.db.#handle().#key().find(&#key).map(Into::into)),
                        Reader::Offline(state) => Reader::local(&state).get::<#row>(&#k),
                    }
                }
            })
        }
        CommandKind::Insert | CommandKind::Update => {
            let suffix = if command.kind == CommandKind::Insert { "insert" } else { "update" };
            let call = reducer(suffix);
            let kind =
                if command.kind == CommandKind::Insert { quote!(WriteKind::Insert) } else { quote!(WriteKind::Update) };
            let body = write(
                quote!(OutboxEntry::write(#kind, &row)),
                quote!(conn.reducers.#call(sent.into(), op_id)),
                Some(quote!(key)),
                true,
            );
            (
                format!(
                    " {}s a `{}` row; returns it as stored (or, offline, as queued).",
                    to_pascal_case(suffix),
                    table.name
                ),
                row.clone(),
                quote! {
                    let (key, sent) = (row.#key.clone(), row.clone());
                    #body
                },
            )
        }
        CommandKind::Delete => {
            let call = reducer("delete");
            let send = if table.synced {
                quote!(conn.reducers.#call(sent, row_version, op_id))
            } else {
                quote!(conn.reducers.#call(sent, op_id))
            };
            let k = key_json(quote!(#key.clone()));
            let body = write(quote!(OutboxEntry::delete::<#row>(#k, row_version)), send, None, false);
            (
                format!(" Deletes the `{}` row with this key (and what the schema cascades).", table.name),
                quote!(()),
                quote! {
                    let sent = #key.clone();
                    #body
                },
            )
        }
        CommandKind::ListBy { column } => {
            let col = format_ident!("{column}");
            (
                format!(" The `{}` rows whose `{column}` is this value.", table.name),
                quote!(Vec<#row>),
                quote! {
                    match db.reader() {
                        Reader::Online(conn) => Ok(conn.db.#handle().iter().filter(|r| r.#col == #col).map(Into::into).collect()),
                        Reader::Offline(state) => {
                            Ok(Reader::local(&state).list::<#row>()?.into_iter().filter(|r| r.#col == #col).collect())
                        }
                    }
                },
            )
        }
        CommandKind::GetSingleton => (
            format!(" The `{}` row (its defaults until one is stored).", table.name),
            row.clone(),
            quote! {
                match db.reader() {
                    Reader::Online(conn) => Ok(conn.db.#handle().#key().find(&0).map(Into::into).unwrap_or_default()),
                    Reader::Offline(state) => Ok(Reader::local(&state).get::<#row>(&::serde_json::json!(0))?.unwrap_or_default()),
                }
            },
        ),
        CommandKind::UpdateSingleton | CommandKind::ResetSingleton => {
            let update = command.kind == CommandKind::UpdateSingleton;
            let (call, args, kind, queued) = if update {
                (reducer("update"), quote!(sent.into(),), quote!(WriteKind::Update), quote!(row))
            } else {
                (reducer("reset"), quote!(), quote!(WriteKind::Reset), quote!(<#row>::default()))
            };
            let body = write(
                quote!(OutboxEntry::write(#kind, &#queued)),
                quote!(conn.reducers.#call(#args op_id)),
                Some(quote!(0)),
                false,
            );
            let prepare = if update { quote!(let sent = row.clone();) } else { quote!() };
            (
                format!(" Writes the `{}` row; returns it as stored (or, offline, as queued).", table.name),
                row.clone(),
                quote! {
                    #prepare
                    #body
                },
            )
        }
    };
    quote! {
        #[doc = #doc]
        #[tauri::command]
        pub async fn #name(db: State<'_, Db>, #(#params),*) -> Result<#returns, DataError> {
            #(#unwrap_params)*
            #body
        }
    }
}

/// `conflict_view` (a conflict record with its rows decoded into the app's row types),
/// `conflict_list` and `conflict_resolve`: the per-table part of conflict handling.
fn conflict_commands(schema: &Schema) -> TokenStream {
    let synced: Vec<&Table> = schema.synced_tables().collect();
    let view_arms = synced.iter().map(|t| {
        let (name, sdk_row, app) = (&t.name, format_ident!("{}", t.row_type), app_row(t));
        quote!(#name => ConflictView::decode::<crate::sdk::#sdk_row, #app>(c))
    });
    let resolve_arms = synced.iter().map(|t| {
        let (name, sdk_row, app) = (&t.name, format_ident!("{}", t.row_type), app_row(t));
        let key_column = t.primary_key().expect("synced tables have keys");
        let key = format_ident!("{}", key_column.name);
        let key_of_row = if key_column.ty.is_copy() { quote!(r.#key) } else { quote!(r.#key.clone()) };
        let resolve = format_ident!("{}_resolve", t.name);
        quote! {
            #name => {
                let (mine, theirs) = ConflictView::rows::<crate::sdk::#sdk_row>(&conflict)?;
                let key = mine.as_ref().or(theirs.as_ref()).map(|r| #key_of_row).ok_or_else(|| DataError::undecodable(&id))?;
                let row = match resolution {
                    ConflictResolution::Merge { row } => Some(ConflictView::merged::<#app>(row)?.into()),
                    _ => mine,
                };
                db.call(move |conn, op_id| conn.reducers.#resolve(id, key, row, op_id)).await
            }
        }
    });
    quote! {
        use crate::sdk::HeycatConflictTableAccess as _;

        /// A conflict record as the frontend sees it, or none for a table this app does not know.
        fn conflict_view(c: &crate::sdk::HeycatConflict) -> Option<ConflictView> {
            match c.table_name.as_str() {
                #(#view_arms,)*
                _ => None,
            }
        }

        /// The conflicts of this client's writes, oldest first.
        #[tauri::command]
        pub async fn conflict_list(db: State<'_, Db>) -> Result<Vec<ConflictView>, DataError> {
            let conn = db.connection()?;
            let me = conn.identity();
            let mut conflicts: Vec<ConflictView> =
                conn.db.heycat_conflict().iter().filter(|c| c.client == me).filter_map(|c| conflict_view(&c)).collect();
            conflicts.sort_by_key(|c| c.created_at.0);
            Ok(conflicts)
        }

        /// Settles a conflict: keep mine (my row over the server's, or my delete), keep theirs
        /// (the server's row stays), or a merged row.
        #[tauri::command]
        pub async fn conflict_resolve(db: State<'_, Db>, id: String, resolution: ConflictResolution) -> Result<(), DataError> {
            let conflict = db.connection()?.db.heycat_conflict().id().find(&id).ok_or_else(|| DataError::resolved(&id))?;
            if let ConflictResolution::KeepTheirs = resolution {
                return db.call(move |conn, op_id| conn.reducers.heycat_conflict_dismiss(id, op_id)).await;
            }
            match conflict.table_name.as_str() {
                #(#resolve_arms)*
                other => Err(DataError::unknown_table(other)),
            }
        }
    }
}

/// The `replay_call` arms of one synced table: its queued writes as reducer calls.
fn replay_arms(table: &Table) -> TokenStream {
    let (name, row) = (&table.name, app_row(table));
    let reducer = |suffix: &str| format_ident!("{}_{suffix}", table.name);
    let boxed = |call: TokenStream| quote!(Ok(Box::new(move |conn: &crate::sdk::DbConnection, op_id| #call)));
    if table.singleton {
        let (update, reset) = (reducer("update"), reducer("reset"));
        let update_call = boxed(quote!(conn.reducers.#update(row.into(), op_id)));
        let reset_call = boxed(quote!(conn.reducers.#reset(op_id)));
        return quote! {
            (#name, WriteKind::Update) => {
                let row: #row = entry.decode_row()?;
                #update_call
            }
            (#name, WriteKind::Reset) => #reset_call,
        };
    }
    let key_ty = rust::column_type(&table.primary_key().expect("synced tables have keys").ty, &quote!(spacetimedb_sdk));
    let (insert, update, delete) = (reducer("insert"), reducer("update"), reducer("delete"));
    let insert_call = boxed(quote!(conn.reducers.#insert(row.into(), op_id)));
    let update_call = boxed(quote!(conn.reducers.#update(row.into(), op_id)));
    let delete_call = boxed(quote!(conn.reducers.#delete(key, base, op_id)));
    quote! {
        (#name, WriteKind::Insert) => {
            let row: #row = entry.decode_row()?;
            #insert_call
        }
        (#name, WriteKind::Update) => {
            let row: #row = entry.decode_row()?;
            #update_call
        }
        (#name, WriteKind::Delete) => {
            let (key, base): (#key_ty, _) = (entry.decode_key()?, entry.base_version);
            #delete_call
        }
    }
}
