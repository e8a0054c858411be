//! The SpacetimeDB module: tables, indexes and constraints, and the CRUD reducers with the
//! schema's rules (unique values, references, delete cascades). Reducers never panic: every
//! failure is an `Err` whose text starts with a kind (`unique_violation`, `not_found`,
//! `bad_input`, `in_use`), then `: `, then a sentence for the user.
//!
//! Every write reducer takes the client's `op_id` last. The module does not use it yet: the
//! client matches results to calls by it (`let _ = op_id;` keeps that explicit).

use proc_macro2::TokenStream;
use quote::{format_ident, quote};

use super::rust;
use crate::model::*;
use crate::reducers::ReducerKind;
use crate::source::SourceSet;

pub fn generate(schema: &Schema, sources: &SourceSet) -> String {
    let krate = quote!(spacetimedb);
    let types = schema.types.iter().map(|ty| type_def(ty, &krate));
    let tables = schema.tables.iter().map(|t| table_def(t, &krate));
    let reducers = schema.reducers().into_iter().map(|r| match (r.kind, r.table) {
        (ReducerKind::Insert, Some(t)) => insert_reducer(schema, t),
        (ReducerKind::Update, Some(t)) if t.singleton => singleton_update_reducer(t),
        (ReducerKind::Update, Some(t)) => update_reducer(schema, t),
        (ReducerKind::Delete, Some(t)) => delete_reducer(t),
        (ReducerKind::Reset, Some(t)) => singleton_reset_reducer(t),
        (ReducerKind::Init, _) => init_reducer(schema),
        (_, None) => TokenStream::new(),
    });
    let delete_helpers = schema.tables.iter().filter(|t| !t.singleton).map(|t| delete_helper(schema, t));
    let singleton_defaults = schema.tables.iter().filter(|t| t.singleton).map(singleton_default);
    let tokens = quote! {
        use spacetimedb::{ReducerContext, SpacetimeType, Table};

        #(#types)*
        #(#tables)*
        #(#reducers)*
        #(#delete_helpers)*
        #(#singleton_defaults)*

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
            let variants = variants.iter().map(|v| {
                let docs = rust::docs(&v.docs);
                let ident = format_ident!("{}", v.name);
                quote!(#docs #ident)
            });
            quote! {
                #docs
                #[derive(SpacetimeType, Clone, Copy, Debug, PartialEq, Eq)]
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
        #[derive(Clone, Debug)]
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
        let message = format!("{table_name}.{} must not be empty", key.name);
        checks.extend(quote! {
            if row.#key_ident.is_empty() {
                return Err(heycat_error("bad_input", #message.into()));
            }
        });
    }
    for column in table.columns.iter().filter(|c| c.unique) {
        let col = ident(&column.name);
        let message = format!("{table_name}.{} {{:?}} is already used by another row", column.name);
        let taken = if is_update {
            quote!(ctx.db.#tname().#col().find(&row.#col).is_some_and(|other| other.#key_ident != row.#key_ident))
        } else {
            quote!(ctx.db.#tname().#col().find(&row.#col).is_some())
        };
        checks.extend(quote! {
            if #taken {
                return Err(heycat_error("unique_violation", format!(#message, row.#col)));
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
        let message = format!("{table_name}.{} {{:?}} names no {} row", column.name, target.name);
        checks.extend(quote! {
            if ctx.db.#target_name().#target_key_ident().find(&row.#col).is_none() {
                return Err(heycat_error("bad_input", format!(#message, row.#col)));
            }
        });
    }
    checks
}

fn with_version(table: &Table, version: TokenStream) -> TokenStream {
    let row = ident(&table.row_type);
    match table.row_version() {
        Some(c) => {
            let col = ident(&c.name);
            quote!(#row { #col: #version, ..row })
        }
        None => quote!(row),
    }
}

fn insert_reducer(schema: &Schema, table: &Table) -> TokenStream {
    let name = format_ident!("{}_insert", table.name);
    let (tname, row) = (ident(&table.name), ident(&table.row_type));
    let key = table.primary_key().expect("insert reducers exist for keyed tables");
    let key_ident = ident(&key.name);
    let exists = format!("a {} row with {} {{:?}} already exists", table.name, key.name);
    let checks = row_checks(schema, table, false);
    let new_row = with_version(table, quote!(1));
    let doc = format!(" Inserts a new `{}` row.", table.name);
    quote! {
        #[doc = #doc]
        #[spacetimedb::reducer]
        pub fn #name(ctx: &ReducerContext, row: #row, op_id: String) -> Result<(), String> {
            let _ = op_id;
            if ctx.db.#tname().#key_ident().find(&row.#key_ident).is_some() {
                return Err(heycat_error("unique_violation", format!(#exists, row.#key_ident)));
            }
            #checks
            ctx.db.#tname().try_insert(#new_row).map_err(|e| heycat_error("unique_violation", e.to_string()))?;
            Ok(())
        }
    }
}

fn update_reducer(schema: &Schema, table: &Table) -> TokenStream {
    let name = format_ident!("{}_update", table.name);
    let (tname, row) = (ident(&table.name), ident(&table.row_type));
    let key = table.primary_key().expect("update reducers exist for keyed tables");
    let key_ident = ident(&key.name);
    let missing = format!("no {} row has {} {{:?}}", table.name, key.name);
    let checks = row_checks(schema, table, true);
    let version = table.row_version().map(|c| ident(&c.name));
    let new_row = with_version(table, quote!(current.#version.wrapping_add(1)));
    let current = if version.is_some() { quote!(current) } else { quote!(_current) };
    let new_row = if version.is_some() { new_row } else { quote!(row) };
    let doc = format!(" Replaces the `{}` row with the same {}; bumps its row version.", table.name, key.name);
    quote! {
        #[doc = #doc]
        #[spacetimedb::reducer]
        pub fn #name(ctx: &ReducerContext, row: #row, op_id: String) -> Result<(), String> {
            let _ = op_id;
            let Some(#current) = ctx.db.#tname().#key_ident().find(&row.#key_ident) else {
                return Err(heycat_error("not_found", format!(#missing, row.#key_ident)));
            };
            #checks
            ctx.db.#tname().#key_ident().update(#new_row);
            Ok(())
        }
    }
}

fn delete_reducer(table: &Table) -> TokenStream {
    let name = format_ident!("{}_delete", table.name);
    let helper = format_ident!("heycat_delete_{}", table.name);
    let key = table.primary_key().expect("delete reducers exist for keyed tables");
    let (key_ident, key_ty) = (ident(&key.name), rust::column_type(&key.ty, &quote!(spacetimedb)));
    let doc = format!(" Deletes the `{}` row with this {}, with the schema's on_delete rules.", table.name, key.name);
    quote! {
        #[doc = #doc]
        #[spacetimedb::reducer]
        pub fn #name(ctx: &ReducerContext, #key_ident: #key_ty, op_id: String) -> Result<(), String> {
            let _ = op_id;
            #helper(ctx, &#key_ident)
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
    let missing = format!("no {} row has {} {{:?}}", table.name, key.name);
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
                let message = format!(
                    "{} {{:?}} is still referenced by {}.{}; delete those rows first",
                    table.name, child.name, column.name
                );
                restrictions.extend(quote! {
                    if ctx.db.#child_name().#col().filter(#key_ident).next().is_some() {
                        return Err(heycat_error("in_use", format!(#message, #key_ident)));
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
                return Err(heycat_error("not_found", format!(#missing, #key_ident)));
            }
            #cascades
            Ok(())
        }
    }
}

fn singleton_default(table: &Table) -> TokenStream {
    let fn_name = format_ident!("heycat_default_{}", table.name);
    let row = ident(&table.row_type);
    let fields = rust::default_row_fields(table);
    quote! {
        fn #fn_name() -> #row {
            #row { #(#fields),* }
        }
    }
}

fn singleton_update_reducer(table: &Table) -> TokenStream {
    let name = format_ident!("{}_update", table.name);
    let (tname, row) = (ident(&table.name), ident(&table.row_type));
    let key = ident(SINGLETON_KEY_COLUMN);
    let version = table.row_version().map(|c| ident(&c.name));
    let new_row = match &version {
        Some(v) => {
            quote!(#row { #key: 0, #v: current.as_ref().map_or(1, |c| c.#v.wrapping_add(1)), ..row })
        }
        None => quote!(#row { #key: 0, ..row }),
    };
    let doc = format!(" Writes the `{}` row (there is only one).", table.name);
    quote! {
        #[doc = #doc]
        #[spacetimedb::reducer]
        pub fn #name(ctx: &ReducerContext, row: #row, op_id: String) -> Result<(), String> {
            let _ = op_id;
            let current = ctx.db.#tname().#key().find(0u32);
            let row = #new_row;
            if current.is_some() {
                ctx.db.#tname().#key().update(row);
            } else {
                ctx.db.#tname().try_insert(row).map_err(|e| heycat_error("unique_violation", e.to_string()))?;
            }
            Ok(())
        }
    }
}

fn singleton_reset_reducer(table: &Table) -> TokenStream {
    let name = format_ident!("{}_reset", table.name);
    let update = format_ident!("{}_update", table.name);
    let default = format_ident!("heycat_default_{}", table.name);
    let doc = format!(" Puts the `{}` row back to the schema's defaults.", table.name);
    quote! {
        #[doc = #doc]
        #[spacetimedb::reducer]
        pub fn #name(ctx: &ReducerContext, op_id: String) -> Result<(), String> {
            #update(ctx, #default(), op_id)
        }
    }
}

fn init_reducer(schema: &Schema) -> TokenStream {
    let seeds = schema.tables.iter().filter(|t| t.singleton).map(|t| {
        let (tname, default) = (ident(&t.name), format_ident!("heycat_default_{}", t.name));
        let key = ident(SINGLETON_KEY_COLUMN);
        let update = format_ident!("{}_update", t.name);
        quote! {
            if ctx.db.#tname().#key().find(0u32).is_none() {
                #update(ctx, #default(), ::std::string::String::from("init"))?;
            }
        }
    });
    quote! {
        /// Runs once when the module is first published: writes every singleton's default row.
        #[spacetimedb::reducer(init)]
        pub fn init(ctx: &ReducerContext) -> Result<(), String> {
            #(#seeds)*
            Ok(())
        }
    }
}
