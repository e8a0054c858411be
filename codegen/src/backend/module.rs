//! The SpacetimeDB module: tables, indexes and constraints, and the CRUD reducers with the
//! schema's rules (unique values, references, delete cascades). Reducers never panic: every
//! failure is an `Err` whose text starts with a kind (`unique_violation`, `not_found`,
//! `bad_input`, `in_use`), then `: `, then a sentence; a refused row's sentence is written from
//! its pattern in `heycat_contract::Sentence`, which the client reads the table, column and
//! value back from.
//!
//! Every write reducer takes the client's `op_id` last. For synced tables the module records it
//! (`heycat_applied_op`), so a replayed write is applied at most once, and checks the row version
//! the write was based on: when the row moved on (another device changed or deleted it), the
//! write is not applied but recorded as a conflict (`heycat_conflict`, both versions as BSATN)
//! and the reducer succeeds, so the record is kept. `<table>_resolve` and
//! `heycat_conflict_dismiss` settle a conflict.

use heycat_contract::Sentence;
use proc_macro2::TokenStream;
use quote::{format_ident, quote};

use super::rust;
use crate::model::*;
use crate::names::article;
use crate::reducers::ReducerKind;
use crate::source::SourceSet;

pub fn generate(schema: &Schema, sources: &SourceSet) -> String {
    let krate = quote!(spacetimedb);
    let types = schema.types.iter().map(|ty| type_def(ty, &krate));
    let tables = schema.tables.iter().map(|t| table_def(t, &krate));
    let reducers = schema.reducers().into_iter().map(|r| match (r.kind, r.table) {
        (ReducerKind::Insert, Some(t)) => insert_reducer(t),
        (ReducerKind::Update, Some(t)) if t.singleton => singleton_update_reducer(t),
        (ReducerKind::Update, Some(t)) => update_reducer(t),
        (ReducerKind::Delete, Some(t)) => delete_reducer(t),
        (ReducerKind::Reset, Some(t)) => singleton_reset_reducer(t),
        (ReducerKind::Resolve, Some(t)) => resolve_reducer(t),
        (ReducerKind::DismissConflict, _) => dismiss_reducer(),
        (ReducerKind::Init, _) => init_reducer(schema),
        (ReducerKind::SchemaVersion, _) => version_reducer(&r.name),
        (ReducerKind::Import, Some(t)) => import_reducer(t),
        (ReducerKind::InviteCreate, _) => invite_create_reducer(),
        (ReducerKind::InviteDelete, _) => invite_delete_reducer(),
        (ReducerKind::HoldWrites, _) => hold_reducer(),
        (_, None) => TokenStream::new(),
    });
    let user_tables: Vec<&Table> = schema.user_tables().collect();
    let write_helpers = user_tables.iter().filter(|t| !t.singleton).map(|t| write_helpers(schema, t));
    let delete_helpers = user_tables.iter().filter(|t| !t.singleton).map(|t| delete_helper(schema, t));
    let singleton_helpers = user_tables.iter().filter(|t| t.singleton).map(|t| singleton_helpers(t));
    let sync_helpers = schema.synced_tables().next().map(|_| sync_helpers());
    let auth_helpers = (!schema.tables.is_empty()).then(auth_helpers);
    // `SpacetimeType` derives only the schema's own types.
    let derive_import = (!schema.types.is_empty()).then(|| {
        quote!(
            use spacetimedb::SpacetimeType;
        )
    });
    let items = quote! {
        #(#types)*
        #(#tables)*
        #(#reducers)*
        #(#write_helpers)*
        #(#delete_helpers)*
        #(#singleton_helpers)*
        #sync_helpers
        #auth_helpers
    };
    // The codes a reducer's error text starts with (see `heycat_contract::ReducerError`), those
    // this schema's reducers use.
    let used = items.to_string();
    let error_codes = heycat_contract::ReducerError::ALL.iter().filter_map(|e| {
        let (name, code) = (e.code().to_uppercase(), e.code());
        let used = used.split(|c: char| !(c.is_ascii_alphanumeric() || c == '_')).any(|word| word == name);
        let name = format_ident!("{name}");
        used.then(|| quote!(const #name: &str = #code;))
    });
    let attempts = schema.tables.iter().any(|t| t.auto_inc_key().is_some()).then(|| {
        quote! {
            /// How many keys an insert tries past rows that arrived with their keys.
            const AUTO_INC_ATTEMPTS: u32 = 1_000_000;
        }
    });
    let tokens = quote! {
        use spacetimedb::{ReducerContext, Table};
        #derive_import

        #items
        #attempts

        #(#error_codes)*

        /// The text of a reducer error: `kind: sentence`.
        fn heycat_error(kind: &str, message: ::std::string::String) -> ::std::string::String {
            format!("{kind}: {message}")
        }
    };
    format!("{}\n{}", super::header("//", sources), rust::format(tokens))
}

fn type_def(ty: &TypeDef, krate: &TokenStream) -> TokenStream {
    let name = format_ident!("{}", ty.name);
    let docs = rust::docs(&ty.docs);
    match &ty.kind {
        TypeKind::Enum { variants } => {
            let derives = if ty.kind.is_plain_enum() {
                quote!(SpacetimeType, Clone, Copy, Debug, PartialEq, Eq)
            } else {
                quote!(SpacetimeType, Clone, Debug, PartialEq)
            };
            let variants = variants.iter().map(|v| {
                let docs = rust::docs(&v.docs);
                let variant = rust::variant(v, krate, &quote!());
                quote!(#docs #variant)
            });
            quote! {
                #docs
                #[derive(#derives)]
                pub enum #name { #(#variants),* }
            }
        }
        TypeKind::Product { fields } => {
            let fields = fields.iter().map(|f| {
                let docs = rust::docs(&f.docs);
                let ident = format_ident!("{}", f.name);
                let ty = rust::column_type(&f.ty, krate);
                quote!(#docs pub #ident: #ty)
            });
            quote! {
                #docs
                #[derive(SpacetimeType, Clone, Debug, PartialEq)]
                pub struct #name { #(#fields),* }
            }
        }
    }
}

fn table_def(table: &Table, krate: &TokenStream) -> TokenStream {
    let name = format_ident!("{}", table.name);
    let row = format_ident!("{}", table.row_type);
    let docs = rust::docs(&table.docs);
    let access = match table.access {
        Access::Public => quote!(, public),
        Access::Private => quote!(),
    };
    let columns = table.columns.iter().map(|c| {
        let ident = format_ident!("{}", c.name);
        let ty = rust::column_type(&c.ty, krate);
        let docs = rust::docs(&c.docs);
        let mut attrs = TokenStream::new();
        if c.primary_key {
            attrs.extend(quote!(#[primary_key]));
        }
        if c.unique {
            attrs.extend(quote!(#[unique]));
        }
        if c.auto_inc {
            attrs.extend(quote!(#[auto_inc]));
        }
        if c.indexed || c.references.is_some() {
            attrs.extend(quote!(#[index(btree)]));
        }
        quote!(#docs #attrs pub #ident: #ty)
    });
    quote! {
        #docs
        #[spacetimedb::table(name = #name #access)]
        #[derive(Clone, Debug, PartialEq)]
        pub struct #row { #(#columns),* }
    }
}

fn ident(name: &str) -> proc_macro2::Ident {
    format_ident!("{}", name)
}

/// Checks that hold for every written row: a non-empty text key, unique values free (except
/// in the row itself, for updates), referenced rows present.
fn row_checks(schema: &Schema, table: &Table, is_update: bool) -> TokenStream {
    let tname = ident(&table.name);
    let table_name = &table.name;
    let Some(key) = table.primary_key() else {
        return TokenStream::new();
    };
    let key_ident = ident(&key.name);
    let mut checks = TokenStream::new();
    if key.ty == ColumnType::String {
        let message = Sentence::EmptyKey.format_string(table_name, &key.name, "", "");
        checks.extend(quote! {
            if row.#key_ident.is_empty() {
                return Err(heycat_error(BAD_INPUT, #message.into()));
            }
        });
    }
    for column in table.columns.iter().filter(|c| c.unique) {
        let col = ident(&column.name);
        let message = Sentence::ValueTaken.format_string(table_name, &column.name, "", "");
        let taken = if is_update {
            quote!(ctx.db.#tname().#col().find(&row.#col).is_some_and(|other| other.#key_ident != row.#key_ident))
        } else {
            quote!(ctx.db.#tname().#col().find(&row.#col).is_some())
        };
        checks.extend(quote! {
            if #taken {
                return Err(heycat_error(UNIQUE_VIOLATION, format!(#message, row.#col)));
            }
        });
    }
    for column in table.columns.iter().filter(|c| c.references.is_some()) {
        let reference = column.references.as_ref().expect("filtered");
        let Some(target) = schema.tables.iter().find(|t| t.row_type == reference.table || t.name == reference.table)
        else {
            continue;
        };
        let Some(target_key) = target.primary_key() else {
            continue;
        };
        let (target_name, target_key_ident, col) = (ident(&target.name), ident(&target_key.name), ident(&column.name));
        let message = Sentence::MissingReference.format_string(table_name, &column.name, &target.name, "");
        checks.extend(quote! {
            if ctx.db.#target_name().#target_key_ident().find(&row.#col).is_none() {
                return Err(heycat_error(BAD_INPUT, format!(#message, row.#col)));
            }
        });
    }
    checks
}

/// Runs `write` once per operation id for synced tables; for others, just runs it. A `write`
/// that records conflicts or assigned keys uses the operation id (as `op_id`).
fn once(table: &Table, needs_op_id: bool, write: TokenStream) -> TokenStream {
    if table.synced {
        let op_id = if needs_op_id { quote!(op_id) } else { quote!(_) };
        quote!(heycat_once(ctx, op_id, |ctx, #op_id| { #write }))
    } else {
        quote!({
            let _ = op_id;
            #write
        })
    }
}

/// Where the key of `row` is.
fn key_of(table: &Table) -> (proc_macro2::Ident, TokenStream) {
    let key = table.primary_key().expect("keyed table");
    (ident(&key.name), rust::column_type(&key.ty, &quote!(spacetimedb)))
}

/// For keyed tables: `heycat_insert_<t>` (a new row, version 1) and `heycat_replace_<t>` (over
/// `current`, version bumped), each with the schema's row checks.
fn write_helpers(schema: &Schema, table: &Table) -> TokenStream {
    let (insert, replace) =
        (format_ident!("heycat_insert_{}", table.name), format_ident!("heycat_replace_{}", table.name));
    let (tname, row) = (ident(&table.name), ident(&table.row_type));
    let (key, _) = key_of(table);
    let exists = Sentence::KeyTaken.format_string(&table.name, &key.to_string(), "", "");
    let (insert_checks, update_checks) = (row_checks(schema, table, false), row_checks(schema, table, true));
    let (new_row, replaced) = match table.row_version() {
        Some(v) => {
            let v = ident(&v.name);
            (quote!(#row { #v: 1, ..row }), quote!(#row { #v: current.#v.wrapping_add(1), ..row }))
        }
        None => (quote!(row), quote!(row)),
    };
    let current = if table.row_version().is_some() { quote!(current) } else { quote!(_current) };
    // A key the module gives may be taken by a row that arrived with its key (an import, a
    // migration: they do not move the key's sequence on). The checks above leave the key as
    // the only unique value that can collide, so the next key is tried.
    let try_insert = match table.auto_inc_key() {
        Some(_) => {
            let taken = format!("no free key left for a new {} row", table.name);
            quote! {
                if row.#key != 0 {
                    return ctx.db.#tname().try_insert(#new_row).map_err(|e| heycat_error(UNIQUE_VIOLATION, e.to_string()));
                }
                for _ in 0..AUTO_INC_ATTEMPTS {
                    let row = row.clone();
                    match ctx.db.#tname().try_insert(#new_row) {
                        Ok(inserted) => return Ok(inserted),
                        Err(spacetimedb::TryInsertError::UniqueConstraintViolation(_)) => continue,
                        Err(e) => return Err(heycat_error(UNIQUE_VIOLATION, e.to_string())),
                    }
                }
                Err(heycat_error(UNIQUE_VIOLATION, #taken.into()))
            }
        }
        None => quote!(ctx.db.#tname().try_insert(#new_row).map_err(|e| heycat_error(UNIQUE_VIOLATION, e.to_string()))),
    };
    quote! {
        fn #insert(ctx: &ReducerContext, row: #row) -> Result<#row, String> {
            if ctx.db.#tname().#key().find(&row.#key).is_some() {
                return Err(heycat_error(UNIQUE_VIOLATION, format!(#exists, row.#key)));
            }
            #insert_checks
            #try_insert
        }

        fn #replace(ctx: &ReducerContext, row: #row, #current: #row) -> Result<(), String> {
            #update_checks
            ctx.db.#tname().#key().update(#replaced);
            Ok(())
        }
    }
}

fn insert_reducer(table: &Table) -> TokenStream {
    let name = format_ident!("{}_insert", table.name);
    let (row, insert) = (ident(&table.row_type), format_ident!("heycat_insert_{}", table.name));
    let body = match table.auto_inc_key() {
        // The module gives the key (the client's is provisional) and records which, under the
        // operation id, for the client to learn it (also when it asks again after a crash).
        Some(key) => {
            let (key, table_name) = (ident(&key.name), table.name.as_str());
            let write = quote! {
                let inserted = #insert(ctx, #row { #key: 0, ..row })?;
                ctx.db.heycat_assigned_key().insert(HeycatAssignedKey {
                    op_id: op_id.to_owned(),
                    table_name: #table_name.to_owned(),
                    key: inserted.#key.to_string(),
                });
                Ok(())
            };
            once(table, true, write)
        }
        None => once(table, false, quote!(#insert(ctx, row).map(drop))),
    };
    let doc = format!(" Inserts a new `{}` row.", table.name);
    quote! {
        #[doc = #doc]
        #[spacetimedb::reducer]
        pub fn #name(ctx: &ReducerContext, row: #row, op_id: String) -> Result<(), String> {
                heycat_authorize_write(ctx)?;
            #body
        }
    }
}

/// Whether two rows hold the same values, whatever their versions.
fn same_content(table: &Table, a: TokenStream, b: TokenStream) -> TokenStream {
    let row = ident(&table.row_type);
    match table.row_version() {
        Some(v) => {
            let v = ident(&v.name);
            quote!(#row { #v: 0, ..#a.clone() } == #row { #v: 0, ..#b.clone() })
        }
        None => quote!(#a == #b),
    }
}

fn update_reducer(table: &Table) -> TokenStream {
    let name = format_ident!("{}_update", table.name);
    let (tname, row, replace) =
        (ident(&table.name), ident(&table.row_type), format_ident!("heycat_replace_{}", table.name));
    let (key, _) = key_of(table);
    let table_name = &table.name;
    let missing = Sentence::NoRow.format_string(&table.name, &key.to_string(), "", "");
    let body = match table.row_version() {
        // A synced row that moved on, or was deleted, since the version the client edited is a
        // conflict, unless the client wrote what the row already holds. A client that never saw
        // the row (version 0) is told it does not exist.
        Some(v) => {
            let v = ident(&v.name);
            let same = same_content(table, quote!(current), quote!(row));
            quote! {
                let current = ctx.db.#tname().#key().find(&row.#key);
                match current {
                    None if row.#v == 0 => Err(heycat_error(NOT_FOUND, format!(#missing, row.#key))),
                    Some(current) if current.#v == row.#v || #same => #replace(ctx, row, current),
                    current => {
                        heycat_record_conflict(ctx, op_id, #table_name, format!("{:?}", row.#key), "update", row.#v, Some(&row), current.as_ref());
                        Ok(())
                    }
                }
            }
        }
        None => quote! {
            let Some(current) = ctx.db.#tname().#key().find(&row.#key) else {
                return Err(heycat_error(NOT_FOUND, format!(#missing, row.#key)));
            };
            #replace(ctx, row, current)
        },
    };
    let body = once(table, true, body);
    let doc = format!(" Replaces the `{}` row with the same {}; bumps its row version.", table.name, key);
    quote! {
        #[doc = #doc]
        #[spacetimedb::reducer]
        pub fn #name(ctx: &ReducerContext, row: #row, op_id: String) -> Result<(), String> {
                heycat_authorize_write(ctx)?;
            #body
        }
    }
}

fn delete_reducer(table: &Table) -> TokenStream {
    let name = format_ident!("{}_delete", table.name);
    let (tname, helper, row) =
        (ident(&table.name), format_ident!("heycat_delete_{}", table.name), ident(&table.row_type));
    let (key, key_ty) = key_of(table);
    let table_name = &table.name;
    let doc = format!(" Deletes the `{}` row with this {}, with the schema's on_delete rules.", table.name, key);
    match table.row_version() {
        Some(v) => {
            let v = ident(&v.name);
            let body = once(
                table,
                true,
                quote! {
                    // Already gone: what the client wanted holds.
                    let Some(current) = ctx.db.#tname().#key().find(&#key) else { return Ok(()) };
                    match base_version {
                        Some(base) if base != current.#v => {
                            heycat_record_conflict::<#row>(ctx, op_id, #table_name, format!("{:?}", #key), "delete", base, None, Some(&current));
                            Ok(())
                        }
                        _ => #helper(ctx, &#key),
                    }
                },
            );
            quote! {
                #[doc = #doc]
                #[doc = " When `base_version` is given and the row has another version, the delete is recorded as a conflict."]
                #[spacetimedb::reducer]
                pub fn #name(ctx: &ReducerContext, #key: #key_ty, base_version: Option<u64>, op_id: String) -> Result<(), String> {
                heycat_authorize_write(ctx)?;
                    #body
                }
            }
        }
        None => quote! {
            #[doc = #doc]
            #[spacetimedb::reducer]
            pub fn #name(ctx: &ReducerContext, #key: #key_ty, op_id: String) -> Result<(), String> {
                heycat_authorize_write(ctx)?;
                let _ = op_id;
                #helper(ctx, &#key)
            }
        },
    }
}

/// Settles a conflict of this table: `Some(row)` writes that row over whatever the server holds
/// now (keep mine, or a merge), `None` deletes the row; the conflict record goes in the same
/// transaction.
fn resolve_reducer(table: &Table) -> TokenStream {
    let name = format_ident!("{}_resolve", table.name);
    let (tname, row) = (ident(&table.name), ident(&table.row_type));
    let (key, key_ty) = key_of(table);
    let table_name = &table.name;
    let write = if table.singleton {
        let upsert = format_ident!("heycat_upsert_{}", table.name);
        quote! {
            match resolution {
                Some(row) => #upsert(ctx, row)?,
                None => { ctx.db.#tname().#key().delete(#key); }
            }
        }
    } else {
        let (insert, replace, delete) = (
            format_ident!("heycat_insert_{}", table.name),
            format_ident!("heycat_replace_{}", table.name),
            format_ident!("heycat_delete_{}", table.name),
        );
        quote! {
            match resolution {
                Some(row) => match ctx.db.#tname().#key().find(&row.#key) {
                    Some(current) => #replace(ctx, row, current)?,
                    None => {
                        #insert(ctx, row)?;
                    }
                },
                None => {
                    if ctx.db.#tname().#key().find(&#key).is_some() {
                        #delete(ctx, &#key)?;
                    }
                }
            }
        }
    };
    let wrong_table = format!("conflict {{:?}} is not about {table_name}");
    let body = once(
        table,
        false,
        quote! {
            let Some(conflict) = ctx.db.heycat_conflict().id().find(&conflict_id) else {
                return Err(heycat_error(NOT_FOUND, format!("no conflict has id {conflict_id:?}; it was resolved already")));
            };
            if conflict.table_name != #table_name {
                return Err(heycat_error(BAD_INPUT, format!(#wrong_table, conflict_id)));
            }
            #write
            ctx.db.heycat_conflict().id().delete(&conflict_id);
            Ok(())
        },
    );
    let doc = format!(
        " Settles a conflict on {} `{}` row: writes `resolution`, or deletes the row.",
        article(&table.name),
        table.name
    );
    quote! {
        #[doc = #doc]
        #[spacetimedb::reducer]
        pub fn #name(ctx: &ReducerContext, conflict_id: String, #key: #key_ty, resolution: Option<#row>, op_id: String) -> Result<(), String> {
                heycat_authorize_write(ctx)?;
            #body
        }
    }
}

fn dismiss_reducer() -> TokenStream {
    quote! {
        /// Drops a conflict record and keeps the server's row.
        #[spacetimedb::reducer]
        pub fn heycat_conflict_dismiss(ctx: &ReducerContext, conflict_id: String, op_id: String) -> Result<(), String> {
                heycat_authorize_write(ctx)?;
            heycat_once(ctx, op_id, |ctx, _| {
                ctx.db.heycat_conflict().id().delete(&conflict_id);
                Ok(())
            })
        }
    }
}

/// What every synced write goes through: at most once per operation id, and conflict records.
fn sync_helpers() -> TokenStream {
    quote! {
        /// Runs `write` unless this operation was applied before; then records it as applied.
        fn heycat_once(
            ctx: &ReducerContext,
            op_id: String,
            write: impl FnOnce(&ReducerContext, &str) -> Result<(), String>,
        ) -> Result<(), String> {
            if op_id.is_empty() {
                return Err(heycat_error(BAD_INPUT, "the operation id must not be empty".into()));
            }
            if ctx.db.heycat_applied_op().op_id().find(&op_id).is_some() {
                return Ok(());
            }
            write(ctx, &op_id)?;
            ctx.db
                .heycat_applied_op()
                .try_insert(HeycatAppliedOp { op_id, applied_at: ctx.timestamp })
                .map_err(|e| heycat_error(UNIQUE_VIOLATION, e.to_string()))?;
            Ok(())
        }

        /// Records that the write `op_id` was based on `base_version` of a row that has moved on.
        #[allow(clippy::too_many_arguments)]
        fn heycat_record_conflict<Row: spacetimedb::Serialize>(
            ctx: &ReducerContext,
            op_id: &str,
            table_name: &str,
            row_key: ::std::string::String,
            operation: &str,
            base_version: u64,
            client_row: Option<&Row>,
            server_row: Option<&Row>,
        ) {
            let bytes = |row: &Row| spacetimedb::spacetimedb_lib::bsatn::to_vec(row).ok();
            let conflict = HeycatConflict {
                id: op_id.into(),
                table_name: table_name.into(),
                row_key,
                operation: operation.into(),
                base_version,
                client_row: client_row.and_then(bytes),
                server_row: server_row.and_then(bytes),
                client: ctx.sender,
                created_at: ctx.timestamp,
            };
            // The id is the operation's, which runs at most once: the insert cannot collide.
            let _ = ctx.db.heycat_conflict().try_insert(conflict);
        }
    }
}

/// Deletes one row: first refuses when a `restrict` reference holds it, then deletes it, then
/// deletes the rows that reference it with `cascade` (each through its own helper, so cascades
/// chain). The row goes first so a cycle of references ends.
fn delete_helper(schema: &Schema, table: &Table) -> TokenStream {
    let helper = format_ident!("heycat_delete_{}", table.name);
    let tname = ident(&table.name);
    let Some(key) = table.primary_key() else {
        return TokenStream::new();
    };
    let (key_ident, key_ty) = (ident(&key.name), rust::column_type(&key.ty, &quote!(spacetimedb)));
    let missing = Sentence::NoRow.format_string(&table.name, &key.name, "", "");
    let mut restrictions = TokenStream::new();
    let mut cascades = TokenStream::new();
    for (child, column, reference) in schema.referencing(&table.name).chain(schema.referencing(&table.row_type)) {
        let (child_name, col) = (ident(&child.name), ident(&column.name));
        let Some(child_key) = child.primary_key() else {
            continue;
        };
        let child_key_ident = ident(&child_key.name);
        match reference.on_delete {
            OnDelete::Restrict => {
                let message = Sentence::StillReferenced.format_string(&table.name, "", &child.name, &column.name);
                restrictions.extend(quote! {
                    if ctx.db.#child_name().#col().filter(#key_ident).next().is_some() {
                        return Err(heycat_error(IN_USE, format!(#message, #key_ident)));
                    }
                });
            }
            OnDelete::Cascade => {
                let child_helper = format_ident!("heycat_delete_{}", child.name);
                cascades.extend(quote! {
                    let children: Vec<_> = ctx.db.#child_name().#col().filter(#key_ident).map(|r| r.#child_key_ident).collect();
                    for child in &children {
                        #child_helper(ctx, child)?;
                    }
                });
            }
        }
    }
    quote! {
        fn #helper(ctx: &ReducerContext, #key_ident: &#key_ty) -> Result<(), String> {
            #restrictions
            if !ctx.db.#tname().#key_ident().delete(#key_ident) {
                return Err(heycat_error(NOT_FOUND, format!(#missing, #key_ident)));
            }
            #cascades
            Ok(())
        }
    }
}

/// `heycat_default_<t>()` (the row of defaults) and `heycat_upsert_<t>` (writes the one row,
/// bumping its version).
fn singleton_helpers(table: &Table) -> TokenStream {
    let (default, upsert) =
        (format_ident!("heycat_default_{}", table.name), format_ident!("heycat_upsert_{}", table.name));
    let (tname, row) = (ident(&table.name), ident(&table.row_type));
    let key = ident(SINGLETON_KEY_COLUMN);
    let fields = rust::default_row_fields(table);
    let new_row = match table.row_version() {
        Some(v) => {
            let v = ident(&v.name);
            quote!(#row { #key: 0, #v: current.as_ref().map_or(1, |c| c.#v.wrapping_add(1)), ..row })
        }
        None => quote!(#row { #key: 0, ..row }),
    };
    quote! {
        fn #default() -> #row {
            #row { #(#fields),* }
        }

        fn #upsert(ctx: &ReducerContext, row: #row) -> Result<(), String> {
            let current = ctx.db.#tname().#key().find(0u32);
            let row = #new_row;
            if current.is_some() {
                ctx.db.#tname().#key().update(row);
            } else {
                ctx.db.#tname().try_insert(row).map_err(|e| heycat_error(UNIQUE_VIOLATION, e.to_string()))?;
            }
            Ok(())
        }
    }
}

fn singleton_update_reducer(table: &Table) -> TokenStream {
    let name = format_ident!("{}_update", table.name);
    let (tname, row, upsert) =
        (ident(&table.name), ident(&table.row_type), format_ident!("heycat_upsert_{}", table.name));
    let key = ident(SINGLETON_KEY_COLUMN);
    let table_name = &table.name;
    let body = match table.row_version() {
        Some(v) => {
            let v = ident(&v.name);
            let same = same_content(table, quote!(current), quote!(row));
            quote! {
                match ctx.db.#tname().#key().find(0u32) {
                    Some(current) if current.#v != row.#v && !(#same) => {
                        heycat_record_conflict(ctx, op_id, #table_name, "0".into(), "update", row.#v, Some(&row), Some(&current));
                        Ok(())
                    }
                    _ => #upsert(ctx, row),
                }
            }
        }
        None => quote!(#upsert(ctx, row)),
    };
    let body = once(table, true, body);
    let doc = format!(" Writes the `{}` row (there is only one).", table.name);
    quote! {
        #[doc = #doc]
        #[spacetimedb::reducer]
        pub fn #name(ctx: &ReducerContext, row: #row, op_id: String) -> Result<(), String> {
                heycat_authorize_write(ctx)?;
            #body
        }
    }
}

fn singleton_reset_reducer(table: &Table) -> TokenStream {
    let name = format_ident!("{}_reset", table.name);
    let (upsert, default) =
        (format_ident!("heycat_upsert_{}", table.name), format_ident!("heycat_default_{}", table.name));
    let body = once(table, false, quote!(#upsert(ctx, #default())));
    let doc = format!(" Puts the `{}` row back to the schema's defaults.", table.name);
    quote! {
        #[doc = #doc]
        #[spacetimedb::reducer]
        pub fn #name(ctx: &ReducerContext, op_id: String) -> Result<(), String> {
                heycat_authorize_write(ctx)?;
            #body
        }
    }
}

fn init_reducer(schema: &Schema) -> TokenStream {
    let seeds = schema.user_tables().filter(|t| t.singleton).map(|t| {
        let (tname, default) = (ident(&t.name), format_ident!("heycat_default_{}", t.name));
        let key = ident(SINGLETON_KEY_COLUMN);
        let upsert = format_ident!("heycat_upsert_{}", t.name);
        quote! {
            if ctx.db.#tname().#key().find(0u32).is_none() {
                #upsert(ctx, #default())?;
            }
        }
    });
    quote! {
        /// Runs once when the module is first published: the publisher is the user (the only
        /// identity that may call the reducers), and every singleton gets its default row.
        #[spacetimedb::reducer(init)]
        pub fn init(ctx: &ReducerContext) -> Result<(), String> {
            ctx.db.heycat_owner().try_insert(HeycatOwner { identity: ctx.sender, since: ctx.timestamp })
                .map_err(|e| heycat_error(UNIQUE_VIOLATION, e.to_string()))?;
            #(#seeds)*
            Ok(())
        }
    }
}

/// Only the user's identity (the module's publisher, see `init`) may call a reducer: the
/// database has one user, whose devices all act as that identity.
fn auth_helpers() -> TokenStream {
    quote! {
        /// Refuses every caller but the user's identity.
        fn heycat_authorize(ctx: &ReducerContext) -> Result<(), String> {
            if ctx.db.heycat_owner().identity().find(ctx.sender).is_some() {
                return Ok(());
            }
            Err(heycat_error(
                UNAUTHORIZED,
                "this database belongs to another identity: only the user's own devices may use it \
                 (join this device with an invitation code from one of them)".into(),
            ))
        }

        /// Refuses every caller but the user's identity, and every write while a migration
        /// holds them (`heycat_hold_writes`): the client keeps the write and sends it again later.
        fn heycat_authorize_write(ctx: &ReducerContext) -> Result<(), String> {
            heycat_authorize(ctx)?;
            match ctx.db.heycat_write_hold().id().find(0u32) {
                Some(hold) if hold.until > ctx.timestamp => Err(heycat_error(
                    WRITES_HELD,
                    "the database is being updated to a new version by one of your devices; the change is kept \
                     and sent when that is done".into(),
                )),
                _ => Ok(()),
            }
        }

        /// Drops the invitations whose time is up.
        fn heycat_prune_invites(ctx: &ReducerContext) {
            let expired: Vec<HeycatInvite> =
                ctx.db.heycat_invite().iter().filter(|i| i.expires_at <= ctx.timestamp).collect();
            for invite in expired {
                ctx.db.heycat_invite().lookup().delete(&invite.lookup);
            }
        }
    }
}

fn invite_create_reducer() -> TokenStream {
    quote! {
        /// Offers a sealed invitation for another device of the user, for `valid_for_secs`
        /// (at most a day); drops expired ones.
        #[spacetimedb::reducer]
        pub fn heycat_invite_create(ctx: &ReducerContext, lookup: String, sealed: String, valid_for_secs: u32) -> Result<(), String> {
            heycat_authorize(ctx)?;
            heycat_prune_invites(ctx);
            if lookup.is_empty() || sealed.is_empty() || valid_for_secs == 0 || valid_for_secs > 86_400 {
                return Err(heycat_error(BAD_INPUT, "an invitation needs a lookup, a sealed identity and a lifetime of at most a day".into()));
            }
            let expires_at = ctx.timestamp + ::std::time::Duration::from_secs(valid_for_secs.into());
            ctx.db.heycat_invite().try_insert(HeycatInvite { lookup, sealed, expires_at })
                .map_err(|e| heycat_error(UNIQUE_VIOLATION, e.to_string()))?;
            Ok(())
        }
    }
}

fn invite_delete_reducer() -> TokenStream {
    quote! {
        /// Withdraws an invitation (the new device does, once it joined); drops expired ones.
        #[spacetimedb::reducer]
        pub fn heycat_invite_delete(ctx: &ReducerContext, lookup: String) -> Result<(), String> {
            heycat_authorize(ctx)?;
            heycat_prune_invites(ctx);
            ctx.db.heycat_invite().lookup().delete(&lookup);
            Ok(())
        }
    }
}

fn hold_reducer() -> TokenStream {
    quote! {
        /// Holds every write for `secs` seconds from now (0 lifts it): a migration carrying the
        /// data holds them from its backup to its import, renewing as it works, so none lands in
        /// between; should it die, the hold lapses by itself.
        #[spacetimedb::reducer]
        pub fn heycat_hold_writes(ctx: &ReducerContext, secs: u32) -> Result<(), String> {
            heycat_authorize(ctx)?;
            let until = ctx.timestamp + ::std::time::Duration::from_secs(secs.into());
            ctx.db.heycat_write_hold().id().delete(0u32);
            if secs > 0 {
                ctx.db.heycat_write_hold().insert(HeycatWriteHold { id: 0, until });
            }
            Ok(())
        }
    }
}

/// Tells clients which released schema version this module is, by its name.
fn version_reducer(name: &str) -> TokenStream {
    let name = format_ident!("{name}");
    quote! {
        /// Does nothing: its name says which released schema version this module is.
        #[spacetimedb::reducer]
        pub fn #name(ctx: &ReducerContext) -> Result<(), String> {
            heycat_authorize(ctx)
        }
    }
}

/// Puts exported rows back exactly as they were (versions included), during a migration, in
/// batches (a request body has a size limit). The first batch only into an empty table (a
/// singleton's default row aside), so an import cannot be used to overwrite data; the next ones
/// (`append`) after it.
fn import_reducer(table: &Table) -> TokenStream {
    let name = format_ident!("{}", heycat_contract::system::import_reducer(&table.name));
    let (tname, row) = (ident(&table.name), ident(&table.row_type));
    let not_empty = format!("{} is not empty; rows are imported only into an empty table", table.name);
    // A singleton's one row exists from `init` on (its defaults): the imported row replaces it.
    let make_room = if table.singleton {
        let key = ident(SINGLETON_KEY_COLUMN);
        quote!(ctx.db.#tname().#key().delete(0u32);)
    } else {
        quote!()
    };
    quote! {
        /// Imports rows exported by a migration, as they were: the first batch into an empty
        /// table, the next ones (`append`) after it.
        #[spacetimedb::reducer]
        pub fn #name(ctx: &ReducerContext, rows: Vec<#row>, append: bool) -> Result<(), String> {
                heycat_authorize(ctx)?;
            if !append {
                #make_room
                if ctx.db.#tname().count() > 0 {
                    return Err(heycat_error(BAD_INPUT, #not_empty.into()));
                }
            }
            for row in rows {
                ctx.db.#tname().try_insert(row).map_err(|e| heycat_error(UNIQUE_VIOLATION, e.to_string()))?;
            }
            Ok(())
        }
    }
}
