//! The app's row types: what `#[heycat_table]` / `#[heycat_type]` expand to (serde with
//! camelCase names and the `heycat::wire` format for each field, and the table's metadata),
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
        let docs = rust::docs(&c.docs);
        let serde = match c.origin {
            ColumnOrigin::Declared => quote!(#[serde(with = "::heycat::wire")]),
            // The frontend may leave the version out (inserts); the module maintains it.
            ColumnOrigin::RowVersion => quote!(#[serde(with = "::heycat::wire", default)]),
            // A singleton's key is always 0 and not the frontend's business.
            ColumnOrigin::SingletonKey => quote!(#[serde(skip)]),
        };
        quote!(#docs #serde pub #ident: #ty)
    });
    let (table_name, columns) = (&table.name, table.columns.iter().map(|c| c.name.as_str()));
    let key = table.primary_key().map_or("", |k| k.name.as_str());
    let key_field = crate::names::to_camel_case(key);
    let (singleton, synced) = (table.singleton, table.synced);
    let default = table.singleton.then(|| singleton_default(table));
    let insert_defaults = insert_defaults(table);
    quote! {
        #docs
        #[derive(Clone, Debug, PartialEq, ::heycat::__serde::Serialize, ::heycat::__serde::Deserialize)]
        #[serde(crate = #SERDE, rename_all = "camelCase")]
        pub struct #name { #(#fields),* }

        impl ::heycat::Table for #name {
            const NAME: &'static str = #table_name;
            const PRIMARY_KEY: &'static str = #key;
            const KEY_FIELD: &'static str = #key_field;
            const COLUMNS: &'static [&'static str] = &[#(#columns),*];
            const SINGLETON: bool = #singleton;
            const SYNCED: bool = #synced;
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
            let (ty, field) = (rust::column_type(&c.ty, &krate), crate::names::to_camel_case(&c.name));
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
            let wire_attr = quote!(#[serde(with = "::heycat::wire")]);
            let variants = variants.iter().map(|v| {
                let docs = rust::docs(&v.docs);
                let variant = rust::variant(v, &krate, &wire_attr);
                quote!(#docs #variant)
            });
            quote! {
                #docs
                #[derive(Clone, Debug, PartialEq, ::heycat::__serde::Serialize, ::heycat::__serde::Deserialize)]
                #[serde(crate = #SERDE, tag = "tag", content = "value", rename_all_fields = "camelCase")]
                pub enum #name { #(#variants),* }

                #wire
            }
        }
        TypeKind::Product { fields } => {
            let krate = quote!(::heycat::prelude);
            let field_defs = fields.iter().map(|f| {
                let ident = format_ident!("{}", f.name);
                let ty = rust::column_type(&f.ty, &krate);
                let docs = rust::docs(&f.docs);
                quote!(#docs #[serde(with = "::heycat::wire")] pub #ident: #ty)
            });
            quote! {
                #docs
                #[derive(Clone, Debug, PartialEq, ::heycat::__serde::Serialize, ::heycat::__serde::Deserialize)]
                #[serde(crate = #SERDE, rename_all = "camelCase")]
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
            let name = format_ident!("{}", ty.name);
            let (app, sdk) = (quote!(#app::#name), quote!(#sdk::#name));
            // The SDK's twin holds a variant's value unnamed (`Circle(f64)`): SATS has no name for it.
            let arm = |v: &Variant, from: &TokenStream, to_named: bool| -> TokenStream {
                let ident = format_ident!("{}", v.name);
                let Some(payload) = &v.payload else { return quote!(#from::#ident => Self::#ident) };
                let value = convert(quote!(v), &payload.ty);
                match (&payload.field, to_named) {
                    (None, _) => quote!(#from::#ident(v) => Self::#ident(#value)),
                    (Some(field), true) => {
                        let field = format_ident!("{field}");
                        quote!(#from::#ident(v) => Self::#ident { #field: #value })
                    }
                    (Some(field), false) => {
                        let field = format_ident!("{field}");
                        quote!(#from::#ident { #field: v } => Self::#ident(#value))
                    }
                }
            };
            let to_app = variants.iter().map(|v| arm(v, &sdk, true));
            let to_sdk = variants.iter().map(|v| arm(v, &app, false));
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
        TypeKind::Product { fields } => {
            struct_conversions(&ty.name, app, sdk, fields.iter().map(|f| (f.name.as_str(), &f.ty)))
        }
    });
    let tables = schema
        .user_tables()
        .map(|t| struct_conversions(&t.row_type, app, sdk, t.columns.iter().map(|c| (c.name.as_str(), &c.ty))));
    quote!(#(#types)* #(#tables)*)
}

/// `From` both ways between the app struct `name` and its SDK twin, field by field.
fn struct_conversions<'a>(
    name: &str,
    app: &TokenStream,
    sdk: &TokenStream,
    fields: impl Iterator<Item = (&'a str, &'a ColumnType)> + Clone,
) -> TokenStream {
    let name = format_ident!("{name}");
    let (app, sdk) = (quote!(#app::#name), quote!(#sdk::#name));
    let assign = |fields: &mut dyn Iterator<Item = (&'a str, &'a ColumnType)>| -> Vec<TokenStream> {
        fields
            .map(|(field, ty)| {
                let ident = format_ident!("{field}");
                let value = convert(quote!(value.#ident), ty);
                quote!(#ident: #value)
            })
            .collect()
    };
    let (to_app, to_sdk) = (assign(&mut fields.clone()), assign(&mut fields.clone()));
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
