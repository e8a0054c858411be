//! The app's row types: what `#[heycat_table]` / `#[heycat_type]` expand to (serde with each
//! field's resolved JSON name and the `heycat::wire` format, and the table's metadata),
//! and their conversions to and from the SpacetimeDB SDK types, which the generated app module
//! holds (it knows where both are). The macros crate only parses and calls these functions.

use proc_macro2::TokenStream;
use quote::{format_ident, quote};

use super::rust;
use crate::model::*;

const SERDE: &str = "::heycat::__serde";

pub fn table(table: &Table) -> TokenStream {
    let name = format_ident!("{}", table.row_type);
    let docs = rust::docs(&table.docs);
    let krate = quote!(::heycat::prelude);
    let fields = table.columns.iter().map(|c| {
        let ident = format_ident!("{}", c.name);
        let ty = rust::column_type(&c.ty, &krate);
        let (docs, js) = (rust::docs(&c.docs), &c.names.js);
        let serde = match c.origin {
            ColumnOrigin::Declared => quote!(#[serde(rename = #js, with = "::heycat::wire")]),
            // The frontend may leave the version out (inserts); the module maintains it.
            ColumnOrigin::RowVersion => quote!(#[serde(rename = #js, with = "::heycat::wire", default)]),
            // A singleton's key is always 0 and not the frontend's business.
            ColumnOrigin::SingletonKey => quote!(#[serde(skip)]),
        };
        quote!(#docs #serde pub #ident: #ty)
    });
    let (table_name, columns) = (&table.name, table.columns.iter().map(|c| c.name.as_str()));
    let key = table.primary_key().map_or("", |k| k.name.as_str());
    let key_field = table.primary_key().map_or("", |k| k.names.js.as_str());
    let (singleton, synced) = (table.singleton, table.synced);
    let unique = table.columns.iter().filter(|c| c.unique && !c.primary_key).map(|c| c.names.js.as_str());
    let default = table.singleton.then(|| singleton_default(table));
    let insert_defaults = insert_defaults(table);
    quote! {
        #docs
        #[derive(Clone, Debug, PartialEq, ::heycat::__serde::Serialize, ::heycat::__serde::Deserialize)]
        #[serde(crate = #SERDE)]
        pub struct #name { #(#fields),* }

        impl ::heycat::Table for #name {
            const NAME: &'static str = #table_name;
            const PRIMARY_KEY: &'static str = #key;
            const KEY_FIELD: &'static str = #key_field;
            const COLUMNS: &'static [&'static str] = &[#(#columns),*];
            const SINGLETON: bool = #singleton;
            const SYNCED: bool = #synced;
            const UNIQUE_FIELDS: &'static [&'static str] = &[#(#unique),*];
            #insert_defaults
        }

        #default
    }
}

/// `Table::insert_defaults`, for a table with columns an insert may leave out: each one's
/// `#[default]`, as a value of the column's type (in the wire format, it fills in the field of a
/// row that leaves it out).
fn insert_defaults(table: &Table) -> TokenStream {
    let krate = quote!(::heycat::prelude);
    let columns: Vec<TokenStream> = table
        .insert_defaults()
        .filter_map(|c| {
            let value = rust::default_value(&c.default.as_ref()?.value, &c.ty);
            let (ty, field) = (rust::column_type(&c.ty, &krate), &c.names.js);
            Some(quote!(defaults.column::<#ty>(#field, #value);))
        })
        .collect();
    if columns.is_empty() {
        return TokenStream::new();
    }
    quote! {
        fn insert_defaults(defaults: &mut impl ::heycat::ColumnDefaults) {
            #(#columns)*
        }
    }
}

/// A singleton reads as its schema defaults until the server has its row.
fn singleton_default(table: &Table) -> TokenStream {
    let name = format_ident!("{}", table.row_type);
    let fields = rust::default_row_fields(table);
    quote! {
        impl ::core::default::Default for #name {
            fn default() -> Self {
                Self { #(#fields),* }
            }
        }
    }
}

pub fn type_def(ty: &TypeDef) -> TokenStream {
    let name = format_ident!("{}", ty.name);
    let docs = rust::docs(&ty.docs);
    let wire = quote! {
        impl ::heycat::wire::Wire for #name {
            fn to_wire<S: ::heycat::__serde::Serializer>(&self, serializer: S) -> ::core::result::Result<S::Ok, S::Error> {
                ::heycat::__serde::Serialize::serialize(self, serializer)
            }
            fn from_wire<'de, D: ::heycat::__serde::Deserializer<'de>>(deserializer: D) -> ::core::result::Result<Self, D::Error> {
                <Self as ::heycat::__serde::Deserialize>::deserialize(deserializer)
            }
        }
    };
    match &ty.kind {
        TypeKind::Enum { variants } if ty.kind.is_plain_enum() => {
            let idents: Vec<_> = variants.iter().map(|v| format_ident!("{}", v.name)).collect();
            let variant_docs = variants.iter().map(|v| rust::docs(&v.docs));
            quote! {
                #docs
                #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, ::heycat::__serde::Serialize, ::heycat::__serde::Deserialize)]
                #[serde(crate = #SERDE)]
                pub enum #name { #(#variant_docs #idents),* }

                #wire
            }
        }
        // Variants holding values cross as `{"tag": "Circle", "value": ...}` (`{"tag": "Empty"}`
        // for one without): what a TypeScript `switch` on `tag` narrows.
        TypeKind::Enum { variants } => {
            let krate = quote!(::heycat::prelude);
            let variants = variants.iter().map(|v| {
                let docs = rust::docs(&v.docs);
                let wire_attr = match v.payload.as_ref().and_then(|p| p.field_js.as_ref()) {
                    Some(js) => quote!(#[serde(rename = #js, with = "::heycat::wire")]),
                    None => quote!(#[serde(with = "::heycat::wire")]),
                };
                let variant = rust::variant(v, &krate, &wire_attr);
                quote!(#docs #variant)
            });
            quote! {
                #docs
                #[derive(Clone, Debug, PartialEq, ::heycat::__serde::Serialize, ::heycat::__serde::Deserialize)]
                #[serde(crate = #SERDE, tag = "tag", content = "value")]
                pub enum #name { #(#variants),* }

                #wire
            }
        }
        TypeKind::Product { fields } => {
            let krate = quote!(::heycat::prelude);
            let field_defs = fields.iter().map(|f| {
                let ident = format_ident!("{}", f.name);
                let ty = rust::column_type(&f.ty, &krate);
                let (docs, js) = (rust::docs(&f.docs), &f.js_name);
                quote!(#docs #[serde(rename = #js, with = "::heycat::wire")] pub #ident: #ty)
            });
            quote! {
                #docs
                #[derive(Clone, Debug, PartialEq, ::heycat::__serde::Serialize, ::heycat::__serde::Deserialize)]
                #[serde(crate = #SERDE)]
                pub struct #name { #(#field_defs),* }

                #wire
            }
        }
    }
}

/// `From` both ways between every app type of the schema (in module `app`) and its SDK twin
/// (in module `sdk`): the schema's types and its tables' rows.
pub fn conversions(schema: &Schema, app: &TokenStream, sdk: &TokenStream) -> TokenStream {
    let types = schema.types.iter().map(|ty| match &ty.kind {
        TypeKind::Enum { variants } => {
            let (app_name, sdk_name) = (format_ident!("{}", ty.name), format_ident!("{}", ty.sdk_name));
            let (app, sdk) = (quote!(#app::#app_name), quote!(#sdk::#sdk_name));
            // The SDK's twin holds a variant's value unnamed (`Circle(f64)`): SATS has no name for it.
            let arm = |v: &Variant, to_app: bool| -> TokenStream {
                let (app_variant, sdk_variant) = (format_ident!("{}", v.name), format_ident!("{}", v.sdk_name));
                let (from, ident, to) =
                    if to_app { (&sdk, sdk_variant, app_variant) } else { (&app, app_variant, sdk_variant) };
                let Some(payload) = &v.payload else { return quote!(#from::#ident => Self::#to) };
                let value = convert(quote!(v), &payload.ty);
                match (&payload.field, to_app) {
                    (None, _) => quote!(#from::#ident(v) => Self::#to(#value)),
                    (Some(field), true) => {
                        let field = format_ident!("{field}");
                        quote!(#from::#ident(v) => Self::#to { #field: #value })
                    }
                    (Some(field), false) => {
                        let field = format_ident!("{field}");
                        quote!(#from::#ident { #field: v } => Self::#to(#value))
                    }
                }
            };
            let to_app = variants.iter().map(|v| arm(v, true));
            let to_sdk = variants.iter().map(|v| arm(v, false));
            quote! {
                impl ::core::convert::From<#sdk> for #app {
                    fn from(value: #sdk) -> Self {
                        match value { #(#to_app),* }
                    }
                }

                impl ::core::convert::From<#app> for #sdk {
                    fn from(value: #app) -> Self {
                        match value { #(#to_sdk),* }
                    }
                }
            }
        }
        TypeKind::Product { fields } => struct_conversions(
            (&ty.name, &ty.sdk_name),
            app,
            sdk,
            fields.iter().map(|f| (f.name.as_str(), f.sdk_name.as_str(), &f.ty)),
        ),
    });
    let tables = schema.user_tables().map(|t| {
        let fields = t.columns.iter().map(|c| (c.name.as_str(), c.names.sdk.as_str(), &c.ty));
        struct_conversions((&t.row_type, &t.names.sdk_row), app, sdk, fields)
    });
    quote!(#(#types)* #(#tables)*)
}

/// `From` both ways between the app struct and its SDK twin (`(app name, SDK name)`), field by
/// field (`(app field, SDK field, type)`).
fn struct_conversions<'a>(
    (app_name, sdk_name): (&str, &str),
    app: &TokenStream,
    sdk: &TokenStream,
    fields: impl Iterator<Item = (&'a str, &'a str, &'a ColumnType)> + Clone,
) -> TokenStream {
    let (app_name, sdk_name) = (format_ident!("{app_name}"), format_ident!("{sdk_name}"));
    let (app, sdk) = (quote!(#app::#app_name), quote!(#sdk::#sdk_name));
    let assign = |to_app: bool| -> Vec<TokenStream> {
        fields
            .clone()
            .map(|(app_field, sdk_field, ty)| {
                let (app_field, sdk_field) = (format_ident!("{app_field}"), format_ident!("{sdk_field}"));
                let (from, to) = if to_app { (sdk_field, app_field) } else { (app_field, sdk_field) };
                let value = convert(quote!(value.#from), ty);
                quote!(#to: #value)
            })
            .collect()
    };
    let (to_app, to_sdk) = (assign(true), assign(false));
    quote! {
        impl ::core::convert::From<#sdk> for #app {
            fn from(value: #sdk) -> Self {
                Self { #(#to_app),* }
            }
        }

        impl ::core::convert::From<#app> for #sdk {
            fn from(value: #app) -> Self {
                Self { #(#to_sdk),* }
            }
        }
    }
}

/// Converts a value between app and SDK form: named types by `into`, through options and lists.
fn convert(value: TokenStream, ty: &ColumnType) -> TokenStream {
    if !mentions_named(ty) {
        return value;
    }
    match ty {
        ColumnType::Named(_) => quote!(#value.into()),
        ColumnType::Option(inner) => {
            let inner = convert(quote!(v), inner);
            quote!(#value.map(|v| #inner))
        }
        ColumnType::Vec(inner) => {
            let inner = convert(quote!(v), inner);
            quote!(#value.into_iter().map(|v| #inner).collect())
        }
        _ => value,
    }
}

fn mentions_named(ty: &ColumnType) -> bool {
    match ty {
        ColumnType::Named(_) => true,
        ColumnType::Option(inner) | ColumnType::Vec(inner) => mentions_named(inner),
        _ => false,
    }
}
