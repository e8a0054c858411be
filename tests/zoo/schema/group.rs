//! Names that are words in TypeScript or SQL: fine as table and column names.

use heycat::prelude::*;

/// A table named after an SQL keyword (`group`), keyed by a TypeScript keyword.
#[heycat_table]
pub struct Group {
    #[primary_key]
    pub class: String,
    pub select: String,
    pub order: u32,
    pub function: Option<String>,
    pub default: bool,
    /// A name the generated bindings use for themselves.
    pub call: u64,
    pub user: String,
}
