//! The app's Rust side, one file the app includes with `heycat_runtime::include_generated!()`:
//!
//! - `sdk`: the SpacetimeDB bindings (spacetimedb-codegen's, inlined as modules);
//! - `schema`: the schema files themselves, where `#[heycat_table]` makes each struct the
//!   app's row type; their conversions to and from the bindings' types;
//! - per table, `heycat_runtime::TableAccess` with the table's handle and reducers: what
//!   differs per table, and all of it; and `heycat_runtime::__private::OrderedTable`, its orders (the
//!   enums in `orders`) and the value each orders rows by;
//! - `commands`: a Tauri command per table operation, each one call into `heycat_runtime::ops`;
//! - the schema's facts (`SchemaInfo`) and `plugin`, `handler`, `start` for the app.
//!
//! Everything is named by absolute path (`::heycat_runtime`, `::tauri`) or relative to the
//! included module, so it compiles in any crate that depends on the runtime and on Tauri.

use std::collections::BTreeSet;

use proc_macro2::{Literal, TokenStream};
use quote::{format_ident, quote};

use super::rust;
use crate::commands::{Command, CommandKind, CommandParamType};
use crate::model::{OnDelete, Schema, Table, ROW_VERSION_COLUMN};
use crate::names::article;
use crate::reducers::{ParamType, ReducerKind};
use crate::source::SourceSet;
use heycat_contract::system::{ASSIGNED_KEY_TABLE, CONFLICT_TABLE};

/// Where the app's build finds what the generated code includes. Absolute in a build; the
/// snapshot tests use relative placeholders so the output is the same on every machine.
pub struct AppInputs<'a> {
    /// `(module name, path)` of each schema file, in the source set's order.
    pub schema_files: Vec<(String, String)>,
    /// The module's wasm.
    pub module: ModuleInput,
    /// The migration plans (JSON) from every earlier released version.
    pub migration_plans: &'a str,
}

/// The module's wasm, as the app gets it.
pub enum ModuleInput {
    /// Built: the file is included in the app.
    Built(String),
    /// Being built beside the app's own compile (a development build): the runtime waits for
    /// the wasm at `wasm` that carries `source_id`; `dir` is the module crate's folder.
    Building { wasm: String, dir: String, source_id: String },
}

/// The whole generated file.
pub fn app_module(schema: &Schema, sources: &SourceSet, inputs: &AppInputs<'_>) -> String {
    let mut out = super::header("//", sources);
    out.push_str(
        "\n/// The SpacetimeDB client bindings of the schema (spacetimedb-codegen 1.2.0, as `spacetime generate \
         --lang rust` writes them).\n#[allow(unused, clippy::all)]\n#[rustfmt::skip]\npub mod sdk {\n",
    );
    out.push_str(&super::sdk::inline_module(&super::sdk::generate(schema)));
    out.push_str("}\n\n/// The schema files, compiled into the app: `#[heycat_table]` makes each struct the app's row type.\npub mod schema {\n");
    for (module, path) in &inputs.schema_files {
        out.push_str(&format!("    #[path = {path:?}]\n    mod {module};\n    pub use {module}::*;\n"));
    }
    out.push_str("}\n\n");
    out.push_str(&rust::format(rest(schema, inputs)));
    out
}

fn rest(schema: &Schema, inputs: &AppInputs<'_>) -> TokenStream {
    let conversions = super::app_types::conversions(schema, &quote!(schema), &quote!(sdk));
    let accesses = schema.user_tables().map(|t| table_access(schema, t));
    let order_enums = schema.user_tables().map(|t| order_enum(schema, t));
    let ordered_tables = schema.user_tables().map(|t| ordered_table(schema, t));
    let ordered_values = ordered_enums(schema);
    let commands = schema.commands();
    let command_fns = commands.iter().map(|c| command_fn(schema, c));
    let command_idents = commands.iter().map(|c| format_ident!("{}", c.name));
    let command_names = commands.iter().map(|c| c.name.as_str());
    let info = schema_info(schema, inputs);
    let connect = connect_fn(schema);
    let conflicts = conflict_fns(schema);
    let assigned_key = assigned_key_fn(schema);
    let conflict_record = conflict_record_fn(schema);
    // The app's ways in (`SCHEMA`, `plugin`, `handler`, `start`): an app uses those it needs,
    // and rustc, seeing the module inside the app's crate rather than as a library, would call
    // the others dead. Everything else is reached from them, so what nothing reaches still warns.
    let entry_point = quote!(#[allow(dead_code, reason = "a way into the data layer, which the app may not need")]);
    quote! {
        #conversions

        /// What differs per table, for the runtime: each table's handle and reducers.
        mod access {
            #![allow(unused_imports)]
            use super::{schema, sdk, AppSchema, INFO};
            use sdk::*;
            use ::heycat_runtime::__private::spacetimedb_sdk::{DbContext as _, Table as _, TableWithPrimaryKey as _};

            #(#accesses)*
            #(#ordered_tables)*
            #(#ordered_values)*

            impl ::heycat_runtime::Schema for AppSchema {
                fn info(&self) -> &'static ::heycat_runtime::__private::SchemaInfo {
                    &INFO
                }

                #connect
                #conflicts
                #assigned_key
            }

            #conflict_record
        }

        /// The orders each table's rows can be paged in (`<table>_page`), as the frontend names them.
        pub mod orders {
            #(#order_enums)*
        }

        /// A Tauri command per table operation; each is one call into `heycat_runtime::ops`.
        pub mod commands {
            use super::schema;
            use ::heycat_runtime::{ops, DataError, Db};
            use ::tauri::State;

            #(#command_fns)*

            /// The name of every command here, in registration order.
            pub const COMMANDS: &[&str] = &[#(#command_names),*];

            /// The commands here, for Tauri.
            pub fn handler<R: ::tauri::Runtime>() -> impl Fn(::tauri::ipc::Invoke<R>) -> bool + Send + Sync + 'static {
                ::tauri::generate_handler![#(#command_idents),*]
            }
        }

        /// This schema, for the runtime.
        pub struct AppSchema;

        /// The one instance the runtime is handed.
        #entry_point
        pub static SCHEMA: AppSchema = AppSchema;

        #info

        /// The data layer as a Tauri plugin: it starts when the app is set up and stops when
        /// it exits. `.plugin(data::plugin(heycat_runtime::Options::new("my-database")))`.
        #entry_point
        pub fn plugin<R: ::tauri::Runtime>(options: ::heycat_runtime::Options) -> ::tauri::plugin::TauriPlugin<R> {
            ::heycat_runtime::plugin(&SCHEMA, options)
        }

        /// The app's invoke handler: the data layer's commands and the app's own
        /// (`tauri::generate_handler![...]`, or `tauri::generate_handler![]` for none).
        #entry_point
        pub fn handler<R: ::tauri::Runtime>(
            own: impl Fn(::tauri::ipc::Invoke<R>) -> bool + Send + Sync + 'static,
        ) -> impl Fn(::tauri::ipc::Invoke<R>) -> bool + Send + Sync + 'static {
            ::heycat_runtime::handler(commands::COMMANDS, commands::handler::<R>(), own)
        }

        /// Starts the data layer in a built app without the plugin (tests, tools).
        #entry_point
        pub fn start<R: ::tauri::Runtime>(
            app: &impl ::tauri::Manager<R>,
            config: ::heycat_runtime::DataConfig,
        ) -> Result<(), ::heycat_runtime::DataError> {
            ::heycat_runtime::start(app, &SCHEMA, config)
        }
    }
}

fn app_row(table: &Table) -> TokenStream {
    let row = format_ident!("{}", table.row_type);
    quote!(schema::#row)
}

/// The key column's Rust type, as the bindings spell it.
fn key_type(table: &Table) -> TokenStream {
    let key = table.primary_key().expect("tables that reach the backends have keys");
    rust::column_type(&key.ty, &quote!(::heycat_runtime::__private::spacetimedb_sdk))
}

/// `impl TableAccess for schema::Row`: the table's handle and reducers.
fn table_access(schema: &Schema, table: &Table) -> TokenStream {
    let (row, sdk_row) = (app_row(table), format_ident!("{}", table.names.sdk_row));
    let handle = format_ident!("{}", table.names.sdk_accessor);
    let key_column = table.primary_key().expect("tables that reach the backends have keys");
    let (key, sdk_key) = (format_ident!("{}", key_column.name), format_ident!("{}", key_column.names.sdk));
    let key_ty = key_type(table);
    let key_of_self = if key_column.ty.is_copy() { quote!(self.#key) } else { quote!(self.#key.clone()) };
    let table_name = &table.name;
    let reducers: Vec<_> =
        schema.reducers().into_iter().filter(|r| r.table.is_some_and(|t| t.name == table.name)).collect();
    let arms = reducers.iter().filter_map(|r| {
        let call = format_ident!("{}", r.sdk_name());
        Some(match r.kind {
            ReducerKind::Insert => quote!(Write::Insert(row) => conn.reducers.#call(row.into(), op_id),),
            ReducerKind::Update => quote!(Write::Update(row) => conn.reducers.#call(row.into(), op_id),),
            ReducerKind::Delete if table.synced => {
                quote!(Write::Delete { key, base_version } => conn.reducers.#call(key, base_version, op_id),)
            }
            ReducerKind::Delete => quote!(Write::Delete { key, .. } => conn.reducers.#call(key, op_id),),
            ReducerKind::Reset => quote!(Write::Reset(_) => conn.reducers.#call(op_id),),
            ReducerKind::Resolve => quote! {
                Write::Resolve { conflict_id, key, row } => conn.reducers.#call(conflict_id, key, row.map(Into::into), op_id),
            },
            _ => return None,
        })
    });
    // Every write reducer reports its result to the waiting write, by operation id.
    let results = reducers.iter().filter(|r| r.params.iter().any(|p| p.ty == ParamType::OpId)).map(|r| {
        let on = format_ident!("on_{}", r.sdk_name());
        let ignored = r.params.iter().filter(|p| p.ty != ParamType::OpId).map(|_| quote!(_));
        quote! {
            conn.reducers.#on({
                let w = w.clone();
                move |ctx, #(#ignored,)* op_id| w.completed(&ctx.event.status, op_id)
            });
        }
    });
    // A table whose key the module assigns: rows written before it did get provisional keys,
    // counted down from the type's largest value.
    let provisional = table.auto_inc_key().map(|_| {
        quote! {
            const AUTO_INC_KEY: bool = true;

            fn provisional(self, n: u64) -> Self {
                Self { #key: ::heycat_runtime::__private::ProvisionalKey::provisional(n), ..self }
            }

            fn provisional_number(key: &Self::Key) -> Option<u64> {
                ::heycat_runtime::__private::ProvisionalKey::provisional_number(key)
            }
        }
    });
    quote! {
        impl ::heycat_runtime::TableAccess for #row {
            type Connection = sdk::DbConnection;
            type SdkRow = sdk::#sdk_row;
            type Key = #key_ty;

            #provisional

            fn key(&self) -> Self::Key {
                #key_of_self
            }

            fn rows(conn: &sdk::DbConnection) -> Vec<Self> {
                conn.db.#handle().iter().map(Into::into).collect()
            }

            fn count(conn: &sdk::DbConnection) -> usize {
                conn.db.#handle().count() as usize
            }

            fn find(conn: &sdk::DbConnection, key: &Self::Key) -> Option<Self> {
                conn.db.#handle().#sdk_key().find(key).map(Into::into)
            }

            fn send(
                conn: &sdk::DbConnection,
                write: ::heycat_runtime::Write<Self>,
                op_id: String,
            ) -> Result<::heycat_runtime::__private::SdkResult, ::heycat_runtime::DataError> {
                use ::heycat_runtime::Write;
                Ok(match write {
                    #(#arms)*
                    other => return Err(::heycat_runtime::DataError::unsupported(#table_name, other.name())),
                })
            }

            fn watch(conn: &sdk::DbConnection, watch: &::heycat_runtime::__private::Watch) {
                let w = watch.table::<Self>();
                conn.db.#handle().on_insert({
                    let w = w.clone();
                    move |ctx, row| w.inserted(&ctx.event, row)
                });
                conn.db.#handle().on_update({
                    let w = w.clone();
                    move |ctx, old, row| w.updated(&ctx.event, old, row)
                });
                conn.db.#handle().on_delete({
                    let w = w.clone();
                    move |ctx, row| w.deleted(&ctx.event, row)
                });
                #(#results)*
            }
        }
    }
}

/// The enum of a table's orders (none for a singleton), read from the frontend's names.
fn order_enum(schema: &Schema, table: &Table) -> TokenStream {
    let orders = schema.orders(table);
    let Some(key) = orders.iter().find(|o| o.column.primary_key) else { return TokenStream::new() };
    let name = format_ident!("{}", table.names.order_type);
    let doc = format!(" The orders `{}` rows can be paged in: by a column, ties by `{}`.", table.name, key.column.name);
    let variants = orders.iter().map(|o| {
        let (variant, rename) = (format_ident!("{}", o.variant), &o.name);
        quote!(#[serde(rename = #rename)] #variant)
    });
    quote! {
        #[doc = #doc]
        #[derive(Clone, Copy, Debug, PartialEq, Eq, ::heycat::__serde::Deserialize)]
        #[serde(crate = "::heycat::__serde")]
        pub enum #name { #(#variants),* }
    }
}

/// `impl OrderedTable`: a row's value of each order's column, as its index keeps it (rows are
/// in the order of that value, then the key).
fn ordered_table(schema: &Schema, table: &Table) -> TokenStream {
    let orders = schema.orders(table);
    if !orders.iter().any(|o| o.column.primary_key) {
        return TokenStream::new();
    }
    let (row, order) = (app_row(table), format_ident!("{}", table.names.order_type));
    let sort_values = orders.iter().map(|o| {
        let variant = format_ident!("{}", o.variant);
        if o.column.primary_key {
            return quote!(Order::#variant => ::heycat_runtime::__private::SortValue::None);
        }
        let column = format_ident!("{}", o.column.name);
        quote!(Order::#variant => row.#column.sort_value())
    });
    let compares_columns = orders.len() > 1;
    let uses = compares_columns.then(|| {
        quote!(
            use ::heycat_runtime::__private::OrderedValue as _;
        )
    });
    // A table ordered by its key alone has no column to read.
    let row_param = if compares_columns { format_ident!("row") } else { format_ident!("_row") };
    quote! {
        impl ::heycat_runtime::__private::OrderedTable for #row {
            type Order = super::orders::#order;

            fn sort_value(order: Self::Order, #row_param: &Self) -> ::heycat_runtime::__private::SortValue {
                use super::orders::#order as Order;
                #uses
                match order { #(#sort_values),* }
            }
        }
    }
}

/// `impl OrderedValue` for each plain enum some order compares: in declaration order, as the
/// frontend's `<ENUM>_VALUES` lists the variants.
fn ordered_enums(schema: &Schema) -> Vec<TokenStream> {
    let compared: BTreeSet<&str> =
        schema.user_tables().flat_map(|t| schema.orders(t)).filter_map(|o| o.plain_enum()).collect();
    let enums = schema.types.iter().filter(|t| compared.contains(t.name.as_str()));
    enums
        .map(|t| {
            let name = format_ident!("{}", t.name);
            quote! {
                impl ::heycat_runtime::__private::OrderedValue for schema::#name {
                    fn sort_value(&self) -> ::heycat_runtime::__private::SortValue {
                        ::heycat_runtime::__private::SortValue::Unsigned(*self as u128)
                    }
                }
            }
        })
        .collect()
}

fn command_fn(schema: &Schema, command: &Command<'_>) -> TokenStream {
    let table = command.table;
    let name = format_ident!("{}", command.name);
    let row = app_row(table);
    // Each argument is read from the call by its camelCase name (a missing or malformed one is
    // a typed `badInput`); column values arrive in the wire format (64-bit values as decimal
    // strings). An insert's row may leave out the columns with a default, which it then gets.
    let command_name = &command.name;
    let params: Vec<TokenStream> = command
        .params
        .iter()
        .map(|p| {
            let ident = format_ident!("{}", p.name);
            let key = &p.js_name;
            let (ty, what) = match &p.ty {
                CommandParamType::Row => (row.clone(), format!("{} `{}` row", article(&table.name), table.name)),
                CommandParamType::OptionalRow => {
                    (quote!(Option<#row>), format!("{} `{}` row or null", article(&table.name), table.name))
                }
                CommandParamType::Order => {
                    let names: Vec<String> = schema.orders(table).iter().map(|o| format!("\"{}\"", o.name)).collect();
                    let order = format_ident!("{}", table.names.order_type);
                    (quote!(super::orders::#order), format!("an order of `{}` rows: {}", table.name, names.join(", ")))
                }
                CommandParamType::Column(ty) => {
                    let what = format!("a value of `{}.{}` ({})", table.name, p.name, ty.schema_spelling());
                    let ty = rust::column_type(ty, &quote!(::heycat_runtime::__private::spacetimedb_sdk));
                    (quote!(::heycat::wire::Wired<#ty>), what)
                }
            };
            let read = match (&p.ty, &command.kind) {
                (CommandParamType::Row, CommandKind::Insert) => quote!(row_to_insert),
                _ => quote!(get),
            };
            quote!(let #ident: #ty = args.#read(#key, #what)?;)
        })
        .collect();
    let arg = |name: &str| {
        let ident = format_ident!("{name}");
        quote!(#ident.0)
    };
    let key = || table.primary_key().map(|k| arg(&k.name)).unwrap_or_default();
    let (doc, returns, body) = match &command.kind {
        CommandKind::List => {
            (format!(" Every `{}` row, in key order.", table.name), quote!(Vec<#row>), quote!(ops::list::<#row>(&db)))
        }
        CommandKind::Page => (
            format!(
                " The `{}` rows after `after` (none: from the first) in `order`, at most `limit` (at most \
                 `heycat_runtime::__private::MAX_PAGE_ROWS`), with whether more follow and how many there are.",
                table.name
            ),
            quote!(::heycat_runtime::RowPage<#row>),
            quote!(ops::page::<#row>(&db, order, descending.0, after, limit.0)),
        ),
        CommandKind::Get => {
            (format!(" The `{}` row with this key, if there is one.", table.name), quote!(Option<#row>), {
                let key = key();
                quote!(ops::get::<#row>(&db, #key))
            })
        }
        CommandKind::Insert => (
            format!(
                " Inserts {} `{}` row; returns it as stored (or, offline, as queued).",
                article(&table.name),
                table.name
            ),
            row.clone(),
            quote!(ops::insert(&db, row).await),
        ),
        CommandKind::Update => (
            format!(
                " Updates {} `{}` row; returns it as stored (or, offline, as queued).",
                article(&table.name),
                table.name
            ),
            row.clone(),
            quote!(ops::update(&db, row).await),
        ),
        CommandKind::Delete => {
            let key = key();
            let version = if table.synced { arg(ROW_VERSION_COLUMN) } else { quote!(None) };
            (
                format!(" Deletes the `{}` row with this key (and what the schema cascades).", table.name),
                quote!(()),
                quote!(ops::delete::<#row>(&db, #key, #version).await),
            )
        }
        CommandKind::ListBy { column } => {
            let (col, value) = (format_ident!("{column}"), arg(column));
            (
                format!(" The `{}` rows whose `{column}` is this value, in key order.", table.name),
                quote!(Vec<#row>),
                quote! {
                    let value = #value;
                    ops::list_where::<#row>(&db, |r| r.#col == value)
                },
            )
        }
        CommandKind::GetSingleton => (
            format!(" The `{}` row (its defaults until one is stored).", table.name),
            row.clone(),
            quote!(ops::get_singleton::<#row>(&db)),
        ),
        CommandKind::UpdateSingleton => (
            format!(" Writes the `{}` row; returns it as stored (or, offline, as queued).", table.name),
            row.clone(),
            quote!(ops::update(&db, row).await),
        ),
        CommandKind::ResetSingleton => (
            format!(" Puts the `{}` row back to its defaults; returns it as stored (or queued).", table.name),
            row.clone(),
            quote!(ops::reset::<#row>(&db).await),
        ),
    };
    if params.is_empty() {
        return quote! {
            #[doc = #doc]
            #[::tauri::command]
            pub async fn #name(db: State<'_, Db>) -> Result<#returns, DataError> {
                #body
            }
        };
    }
    quote! {
        #[doc = #doc]
        #[::tauri::command]
        pub async fn #name(db: State<'_, Db>, request: ::tauri::ipc::Request<'_>) -> Result<#returns, DataError> {
            let args = ::heycat_runtime::__private::Args::of(#command_name, &request)?;
            #(#params)*
            #body
        }
    }
}

/// `SchemaInfo`: the version, the canonical description, the plans, the module, the tables
/// and the policies the schema declares.
fn schema_info(schema: &Schema, inputs: &AppInputs<'_>) -> TokenStream {
    let version = schema.version;
    let canonical = crate::canonical::describe(&crate::raw_def::raw_module_def(schema));
    let plans = inputs.migration_plans;
    let module = match &inputs.module {
        ModuleInput::Built(wasm) => quote!(::heycat_runtime::__private::ModuleWasm::Included(include_bytes!(#wasm))),
        ModuleInput::Building { wasm, dir, source_id } => quote! {
            ::heycat_runtime::__private::ModuleWasm::Building { wasm: #wasm, dir: #dir, source_id: #source_id }
        },
    };
    let tables = schema.user_tables().map(|t| {
        let row = app_row(t);
        quote!(&::heycat_runtime::__private::TableOf::<#row>::DRIVER)
    });
    // The user's data: the schema's tables and the conflicts (not the applied operations).
    let exported = schema
        .carried_tables()
        .filter(|t| !t.system || t.name == heycat_contract::system::CONFLICT_TABLE)
        .map(|t| t.name.as_str());
    let quota = match schema.storage_quota() {
        Some((table, column, quota)) => {
            let (name, field, unit) = (&table.name, &column.names.js, quota.unit.bytes());
            let default = column
                .default
                .as_ref()
                .and_then(|d| match d.value {
                    crate::model::DefaultValue::Int(i) => u64::try_from(i).ok(),
                    _ => None,
                })
                .unwrap_or(0)
                .saturating_mul(unit);
            let (unit, default) = (Literal::u64_unsuffixed(unit), Literal::u64_unsuffixed(default));
            quote! {
                Some(::heycat_runtime::__private::QuotaColumn { table: #name, field: #field, unit_bytes: #unit, default_bytes: #default })
            }
        }
        None => quote!(None),
    };
    let module_tables = schema.tables.iter().map(|t| t.name.as_str());
    let cleanup = schema.user_tables().filter_map(|t| {
        let order = t.column(&t.cleanup.as_ref()?.oldest_first)?;
        let (name, field) = (&t.name, &order.names.js);
        Some(quote!(::heycat_runtime::__private::CleanupOrder { table: #name, field: #field }))
    });
    let references = schema.user_tables().flat_map(|child| {
        child.columns.iter().filter_map(move |c| {
            let reference = c.references.as_ref()?;
            let parent = &schema.referenced(reference)?.name;
            let (child, field) = (&child.name, &c.names.js);
            let cascade = reference.on_delete == OnDelete::Cascade;
            Some(quote!(::heycat_runtime::__private::Reference { parent: #parent, child: #child, field: #field, cascade: #cascade }))
        })
    });
    quote! {
        static INFO: ::heycat_runtime::__private::SchemaInfo = ::heycat_runtime::__private::SchemaInfo {
            version: #version,
            canonical: #canonical,
            migration_plans: #plans,
            module: #module,
            tables: &[#(#tables),*],
            exported_tables: &[#(#exported),*],
            module_tables: &[#(#module_tables),*],
            storage_quota: #quota,
            cleanup: &[#(#cleanup),*],
            references: &[#(#references),*],
        };
    }
}

/// `Schema::connect`: the bindings' builder through the runtime's connector, every table's
/// callbacks, the conflict table's, then the connection's own thread.
fn connect_fn(schema: &Schema) -> TokenStream {
    let watches = schema.user_tables().map(|t| {
        let row = app_row(t);
        quote!(<#row as ::heycat_runtime::TableAccess>::watch(&conn, &watch);)
    });
    let conflict_watch = conflict_names(schema).map(|ConflictNames { table: conflicts, dismiss, .. }| {
        let on_dismiss = format_ident!("on_{dismiss}");
        quote! {
            use ::heycat_runtime::TableChange;
            conn.reducers.#on_dismiss({
                let watch = watch.clone();
                move |ctx, _, op_id| watch.completed(&ctx.event.status, op_id)
            });
            conn.db.#conflicts().on_insert({
                let watch = watch.clone();
                move |ctx, c| watch.conflict_changed(&ctx.event, TableChange::Insert { row: conflict_record(c) })
            });
            conn.db.#conflicts().on_delete({
                let watch = watch.clone();
                move |ctx, c| watch.conflict_changed(&ctx.event, TableChange::Delete { row: conflict_record(c) })
            });
        }
    });
    // The heartbeat: the version reducer does nothing, and its answer to the caller says the
    // server is there.
    let version = version_reducer_fn(schema);
    let on_version = format_ident!("on_{version}");
    quote! {
        fn connect(
            &self,
            connector: ::heycat_runtime::__private::Connector,
        ) -> Result<::std::sync::Arc<dyn ::heycat_runtime::__private::Live>, ::heycat_runtime::DataError> {
            let watch = connector.watch();
            let conn = connector.build(sdk::DbConnection::builder())?;
            #(#watches)*
            #conflict_watch
            conn.reducers.#on_version({
                let watch = watch.clone();
                move |_| watch.heartbeat_answered()
            });
            conn.run_threaded();
            Ok(::std::sync::Arc::new(conn))
        }

        fn heartbeat(&self, conn: &dyn ::heycat_runtime::__private::Live) -> Result<::heycat_runtime::__private::SdkResult, ::heycat_runtime::DataError> {
            let conn = ::heycat_runtime::__private::downcast::<sdk::DbConnection>(conn)?;
            Ok(conn.reducers.#version())
        }
    }
}

/// The bindings' function for the module's version reducer (spacetimedb-codegen's snake case:
/// `heycat_schema_v4` is `heycat_schema_v_4`).
fn version_reducer_fn(schema: &Schema) -> proc_macro2::Ident {
    format_ident!("{}", schema.version_reducer().sdk_name())
}

/// `Schema::assigned_key`: the key the module gave the row an insert made, from the
/// assigned-key table (a schema without `#[auto_inc]` keys has none).
fn assigned_key_fn(schema: &Schema) -> TokenStream {
    let Some(assigned_keys) = schema.table(ASSIGNED_KEY_TABLE) else {
        return quote! {
            fn assigned_key(&self, _: &dyn ::heycat_runtime::__private::Live, _: &str) -> Result<Option<String>, ::heycat_runtime::DataError> {
                Ok(None)
            }
        };
    };
    let table = format_ident!("{}", assigned_keys.names.sdk_accessor);
    quote! {
        fn assigned_key(&self, conn: &dyn ::heycat_runtime::__private::Live, op_id: &str) -> Result<Option<String>, ::heycat_runtime::DataError> {
            let conn = ::heycat_runtime::__private::downcast::<sdk::DbConnection>(conn)?;
            Ok(conn.db.#table().op_id().find(&op_id.to_owned()).map(|assigned| assigned.key))
        }
    }
}

/// The conflict table's reads and its dismiss reducer (a schema without synced tables has no
/// conflicts).
fn conflict_fns(schema: &Schema) -> TokenStream {
    let Some(ConflictNames { table: conflicts, dismiss, .. }) = conflict_names(schema) else {
        return quote! {
            fn conflicts(&self, _: &dyn ::heycat_runtime::__private::Live) -> Result<Vec<::heycat_runtime::ConflictRecord>, ::heycat_runtime::DataError> {
                Ok(Vec::new())
            }

            fn conflict(&self, _: &dyn ::heycat_runtime::__private::Live, _: &str) -> Result<Option<::heycat_runtime::ConflictRecord>, ::heycat_runtime::DataError> {
                Ok(None)
            }

            fn dismiss_conflict(&self, _: &dyn ::heycat_runtime::__private::Live, _: String, _: String) -> Result<::heycat_runtime::__private::SdkResult, ::heycat_runtime::DataError> {
                Err(::heycat_runtime::DataError::unsupported(#CONFLICT_TABLE, "dismiss"))
            }
        };
    };
    quote! {
        fn conflicts(&self, conn: &dyn ::heycat_runtime::__private::Live) -> Result<Vec<::heycat_runtime::ConflictRecord>, ::heycat_runtime::DataError> {
            let conn = ::heycat_runtime::__private::downcast::<sdk::DbConnection>(conn)?;
            Ok(conn.db.#conflicts().iter().map(|c| conflict_record(&c)).collect())
        }

        fn conflict(&self, conn: &dyn ::heycat_runtime::__private::Live, id: &str) -> Result<Option<::heycat_runtime::ConflictRecord>, ::heycat_runtime::DataError> {
            let conn = ::heycat_runtime::__private::downcast::<sdk::DbConnection>(conn)?;
            Ok(conn.db.#conflicts().id().find(&id.to_owned()).map(|c| conflict_record(&c)))
        }

        fn dismiss_conflict(&self, conn: &dyn ::heycat_runtime::__private::Live, id: String, op_id: String) -> Result<::heycat_runtime::__private::SdkResult, ::heycat_runtime::DataError> {
            let conn = ::heycat_runtime::__private::downcast::<sdk::DbConnection>(conn)?;
            Ok(conn.reducers.#dismiss(id, op_id))
        }
    }
}

/// `conflict_record`, when the schema has conflicts: the bindings' record as the runtime's.
fn conflict_record_fn(schema: &Schema) -> TokenStream {
    let Some(ConflictNames { row: record, .. }) = conflict_names(schema) else {
        return TokenStream::new();
    };
    quote! {
        fn conflict_record(c: &sdk::#record) -> ::heycat_runtime::ConflictRecord {
            ::heycat_runtime::ConflictRecord {
                id: c.id.clone(),
                table: c.table_name.clone(),
                row_key: c.row_key.clone(),
                operation: c.operation.clone(),
                base_version: c.base_version,
                client_row: c.client_row.clone(),
                server_row: c.server_row.clone(),
                client: c.client,
                created_at: c.created_at,
            }
        }
    }
}

/// The conflict table's accessor and row type, and the reducer dismissing a conflict, as the
/// bindings name them.
struct ConflictNames {
    table: proc_macro2::Ident,
    row: proc_macro2::Ident,
    dismiss: proc_macro2::Ident,
}

/// A schema without synced tables has no conflicts.
fn conflict_names(schema: &Schema) -> Option<ConflictNames> {
    let table = schema.table(CONFLICT_TABLE)?;
    let dismiss = schema.reducers().into_iter().find(|r| r.kind == ReducerKind::DismissConflict)?;
    Some(ConflictNames {
        table: format_ident!("{}", table.names.sdk_accessor),
        row: format_ident!("{}", table.names.sdk_row),
        dismiss: format_ident!("{}", dismiss.sdk_name()),
    })
}
