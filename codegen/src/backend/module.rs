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

use heycat_contract::{ReducerError, Sentence};
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
        (ReducerKind::Init, _) => init_reducer(schema),
        (ReducerKind::SchemaVersion, _) => version_reducer(&r.name),
        (ReducerKind::Import, Some(t)) => import_reducer(t),
        // The fixed part's (`SYNC_PART`, `AUTH_PART`).
        (
            ReducerKind::DismissConflict
            | ReducerKind::InviteCreate
            | ReducerKind::InviteDelete
            | ReducerKind::HoldWrites
            | ReducerKind::DeviceSeen
            | ReducerKind::DeviceForget,
            _,
        )
        | (_, None) => TokenStream::new(),
    });
    let user_tables: Vec<&Table> = schema.user_tables().collect();
    let write_helpers = user_tables.iter().filter(|t| !t.singleton).map(|t| write_helpers(schema, t));
    let delete_helpers = user_tables.iter().filter(|t| !t.singleton).map(|t| delete_helper(schema, t));
    let singleton_helpers = user_tables.iter().filter(|t| t.singleton).map(|t| singleton_helpers(t));
    let sync_part = schema.synced_tables().next().map(|_| fixed_part(SYNC_PART));
    let auth_part = (!schema.tables.is_empty()).then(|| fixed_part(AUTH_PART));
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
        #sync_part
        #auth_part
    };
    // The codes a reducer's error text starts with (see `heycat_contract::ReducerError`), those
    // this schema's reducers use.
    let error_codes = ReducerError::ALL.iter().filter(|e| fails_with(schema, **e)).map(|e| {
        let (name, code) = (format_ident!("{}", e.code().to_uppercase()), e.code());
        quote!(const #name: &str = #code;)
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

/// The module's fixed part for schemas with tables (`codegen/module/auth.rs`): who may call the
/// reducers, invitations, the write hold.
const AUTH_PART: &str = include_str!("../../module/auth.rs");
/// The fixed part for schemas with synced tables (`codegen/module/sync.rs`): each operation
/// once, conflict records, dismissing a conflict.
const SYNC_PART: &str = include_str!("../../module/sync.rs");

/// The items of a fixed part, as tokens (its file's own doc comment left out).
fn fixed_part(file: &str) -> TokenStream {
    // The files are this crate's own, and a test reads both: they are Rust.
    let items = syn::parse_file(file).map(|f| f.items).unwrap_or_default();
    quote!(#(#items)*)
}

/// Whether a reducer (or helper) of `schema`'s module can fail with `error`, so the module
/// declares its code: every schema with tables has `init` (unique_violation) and the fixed part
/// (unauthorized, writes_held, bad_input); a key looked up can be missing (not_found) in a table
/// whose rows are updated or deleted by key, or whose conflicts are resolved; a `restrict`
/// reference to such a table refuses its delete (in_use).
fn fails_with(schema: &Schema, error: ReducerError) -> bool {
    match error {
        ReducerError::UniqueViolation
        | ReducerError::BadInput
        | ReducerError::Unauthorized
        | ReducerError::WritesHeld => !schema.tables.is_empty(),
        ReducerError::NotFound => schema.user_tables().any(|t| !t.singleton || t.synced),
        ReducerError::InUse => schema.user_tables().flat_map(|t| &t.columns).any(|c| {
            c.references.as_ref().is_some_and(|r| {
                r.on_delete == OnDelete::Restrict && schema.referenced(r).is_some_and(|t| !t.singleton && !t.system)
            })
        }),
    }
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
