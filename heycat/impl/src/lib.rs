//! `#[heycat_table]` and `#[heycat_type]`: thin wrappers around heycat-codegen.
//!
//! Each macro puts its attribute back on the item, hands the item to codegen's parser (the
//! one `build.rs` uses for `schema/`, so there is no second reading of the schema language),
//! and expands the model with codegen's app-types emitter. On errors it emits one
//! `compile_error!` per problem at the offending token, plus the item without its schema
//! attributes, so the rest of the crate still sees the type (thiserror's fallback).

use proc_macro::TokenStream;
use quote::{format_ident, quote};
use syn::{parse_quote, Attribute, Item};

use heycat_codegen::backend::app_types;
use heycat_codegen::{parse_item, ParsedItem};

/// A table of the schema. See the `heycat` crate for what it expands to.
#[proc_macro_attribute]
pub fn heycat_table(args: TokenStream, item: TokenStream) -> TokenStream {
    expand("heycat_table", args, item)
}

/// An enum or struct used as a column type. See the `heycat` crate for what it expands to.
#[proc_macro_attribute]
pub fn heycat_type(args: TokenStream, item: TokenStream) -> TokenStream {
    expand("heycat_type", args, item)
}

fn expand(name: &str, args: TokenStream, item: TokenStream) -> TokenStream {
    let mut item: Item = match syn::parse(item) {
        Ok(item) => item,
        Err(e) => return e.to_compile_error().into(),
    };
    let ident = format_ident!("{name}");
    let args = proc_macro2::TokenStream::from(args);
    let attr: Attribute = if args.is_empty() { parse_quote!(#[#ident]) } else { parse_quote!(#[#ident(#args)]) };
    if let Some(attrs) = item_attrs(&mut item) {
        attrs.insert(0, attr);
    }
    match parse_item(&item) {
        Ok(ParsedItem::Table(table)) => app_types::table(&table).into(),
        Ok(ParsedItem::Type(ty)) => app_types::type_def(&ty).into(),
        Ok(ParsedItem::Removed) => TokenStream::new(),
        Err(diagnostics) => {
            let errors = diagnostics.iter().map(|d| {
                let message = match &d.help {
                    Some(help) => format!("{}\n\nhelp: {help}", d.message),
                    None => d.message.clone(),
                };
                let mut error = syn::Error::new(d.loc.span, message);
                // A second place (the first of a repeated attribute) as an error of its own there.
                if let Some((loc, note)) = &d.related {
                    error.combine(syn::Error::new(loc.span, format!("{note}: {}", d.message)));
                }
                error.to_compile_error()
            });
            let stub = without_schema_attrs(item);
            quote!(#(#errors)* #stub).into()
        }
    }
}

fn item_attrs(item: &mut Item) -> Option<&mut Vec<Attribute>> {
    match item {
        Item::Struct(s) => Some(&mut s.attrs),
        Item::Enum(e) => Some(&mut e.attrs),
        _ => None,
    }
}

/// The item as plain Rust: only doc comments kept, so no unknown attribute adds more errors.
fn without_schema_attrs(mut item: Item) -> Item {
    let keep_docs = |attrs: &mut Vec<Attribute>| attrs.retain(|a| a.path().is_ident("doc"));
    match &mut item {
        Item::Struct(s) => {
            keep_docs(&mut s.attrs);
            s.fields.iter_mut().for_each(|f| keep_docs(&mut f.attrs));
        }
        Item::Enum(e) => {
            keep_docs(&mut e.attrs);
            e.variants.iter_mut().for_each(|v| keep_docs(&mut v.attrs));
        }
        _ => {}
    }
    item
}
