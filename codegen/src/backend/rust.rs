//! Pieces of Rust shared by the backends that emit Rust.

use proc_macro2::{Literal, TokenStream};
use quote::{format_ident, quote};

use crate::model::{ColumnType, DefaultValue, Table, Variant};

/// The Rust spelling of a column type, with SpacetimeDB's special types taken from `krate`
/// (`spacetimedb` in the module, `spacetimedb_sdk` in clients).
pub fn column_type(ty: &ColumnType, krate: &TokenStream) -> TokenStream {
    match ty {
        ColumnType::Option(inner) => {
            let inner = column_type(inner, krate);
            quote!(Option<#inner>)
        }
        ColumnType::Vec(inner) => {
            let inner = column_type(inner, krate);
            quote!(Vec<#inner>)
        }
        ColumnType::Identity => quote!(#krate::Identity),
        ColumnType::ConnectionId => quote!(#krate::ConnectionId),
        ColumnType::Timestamp => quote!(#krate::Timestamp),
        ColumnType::TimeDuration => quote!(#krate::TimeDuration),
        ColumnType::U256 | ColumnType::I256 => {
            let name = format_ident!("{}", ty.schema_spelling());
            // At the root of the SDK and of the heycat prelude; under `sats` in the module's crate.
            if krate.to_string() == "spacetimedb" {
                quote!(#krate::sats::#name)
            } else {
                quote!(#krate::#name)
            }
        }
        // Not reached: a schema with a type that did not parse fails its checks first.
        ColumnType::Error => quote!(()),
        other => {
            let ident = format_ident!("{}", other.schema_spelling());
            quote!(#ident)
        }
    }
}

/// An enum variant: `Empty`, `Polygon(Vec<Point>)` or `Circle { radius: f64 }`, with `attrs`
/// on the held value.
pub fn variant(v: &Variant, krate: &TokenStream, attrs: &TokenStream) -> TokenStream {
    let ident = format_ident!("{}", v.name);
    match &v.payload {
        None => quote!(#ident),
        Some(payload) => {
            let ty = column_type(&payload.ty, krate);
            match &payload.field {
                None => quote!(#ident(#attrs #ty)),
                Some(field) => {
                    let field = format_ident!("{field}");
                    quote!(#ident { #attrs #field: #ty })
                }
            }
        }
    }
}

/// A default value as a Rust expression of its column's type `ty` (an integer written for a
/// float column is a float literal: Rust does not turn `1` into `1.0`).
pub fn default_value(value: &DefaultValue, ty: &ColumnType) -> TokenStream {
    match value {
        DefaultValue::Bool(b) => quote!(#b),
        DefaultValue::Int(i) if matches!(ty, ColumnType::F32 | ColumnType::F64) => {
            let lit = Literal::f64_unsuffixed(*i as f64);
            quote!(#lit)
        }
        DefaultValue::Int(i) => {
            let lit = Literal::i128_unsuffixed(*i);
            quote!(#lit)
        }
        DefaultValue::BigUint(u) => {
            let lit = Literal::u128_unsuffixed(*u);
            quote!(#lit)
        }
        DefaultValue::Float(f) => {
            let lit = Literal::f64_unsuffixed(*f);
            quote!(#lit)
        }
        DefaultValue::String(s) => quote!(::std::string::String::from(#s)),
        DefaultValue::None => quote!(None),
        DefaultValue::Some(inner) => {
            let inner_ty = match ty {
                ColumnType::Option(inner_ty) => inner_ty,
                other => other,
            };
            let inner = default_value(inner, inner_ty);
            quote!(Some(#inner))
        }
        DefaultValue::EnumVariant { ty, variant } => {
            let (ty, variant) = (format_ident!("{ty}"), format_ident!("{variant}"));
            quote!(#ty::#variant)
        }
        DefaultValue::EmptyVec => quote!(Vec::new()),
    }
}

/// `column: value` for every column of a singleton's default row. Declared columns of a
/// singleton all have defaults (checked); the key and the row version are 0.
pub fn default_row_fields(table: &Table) -> Vec<TokenStream> {
    table
        .columns
        .iter()
        .map(|c| {
            let ident = format_ident!("{}", c.name);
            let value = c.default.as_ref().map_or(quote!(0), |d| default_value(&d.value, &c.ty));
            quote!(#ident: #value)
        })
        .collect()
}

/// `#[doc = "..."]` attributes for doc lines.
pub fn docs(lines: &[String]) -> TokenStream {
    let lines = lines.iter().map(|l| format!(" {l}"));
    quote!(#(#[doc = #lines])*)
}

/// Formats generated tokens as readable Rust.
pub fn format(tokens: TokenStream) -> String {
    match syn::parse2::<syn::File>(tokens.clone()) {
        Ok(file) => prettyplease::unparse(&file),
        // Only a bug in a backend gets here; emit the raw tokens so rustc points at the problem.
        Err(_) => tokens.to_string(),
    }
}
