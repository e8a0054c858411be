//! What a heycat-data schema file imports (`use heycat::prelude::*;`), and what the code
//! generated from the schema relies on in the app.
//!
//! heycat-data makes SpacetimeDB the data layer of a Tauri 2 app from one declarative schema:
//! the Rust files of a `schema/` folder. The app's build script generates everything from them
//! with [`heycat-codegen`](https://docs.rs/heycat-codegen), and
//! [`heycat-runtime`](https://docs.rs/heycat-runtime) runs the data layer; this crate is what
//! the schema files themselves are written with. A schema file:
//!
//! ```
//! use heycat::prelude::*;
//!
//! /// A note.
//! #[heycat_table]
//! pub struct Note {
//!     #[primary_key]
//!     pub id: String,
//!     pub text: String,
//!     pub created_at: Timestamp,
//! }
//! # use heycat::Table;
//! # assert_eq!((Note::NAME, Note::PRIMARY_KEY, Note::KEY_FIELD), ("note", "id", "id"));
//! ```
//!
//! On a schema struct, [`heycat_table`] expands to the app's row type:
//!
//! - the struct with every column (including the `row_version` synced tables get), deriving
//!   `Clone`, `Debug`, `PartialEq`, serde's `Serialize`/`Deserialize` with camelCase names, each
//!   field in the [`wire`] format;
//! - an implementation of [`Table`] with the table's metadata.
//!
//! [`heycat_type`] does the same for enums (serialized as their variant name) and structs used
//! as column types. (The conversions to and from the SpacetimeDB SDK's types are in the app module
//! generated from the schema, which knows where both are.) Both reuse `heycat-codegen`'s parser
//! and emitters, so the app's types are exactly the schema's, and a mistake is reported at its
//! place in the schema file.
//!
//! The [`prelude`] holds the two attributes and SpacetimeDB's special column types
//! (`Identity`, `ConnectionId`, `Timestamp`, `TimeDuration`, `i256`, `u256`). Every attribute a
//! table, a column or a type takes is in the book's
//! [schema attributes](https://github.com/heycat/heycat-data/blob/main/docs/src/reference/schema-attributes.md)
//! reference; [Getting started](https://github.com/heycat/heycat-data/blob/main/docs/src/getting-started.md)
//! sets up an app with a schema.

pub mod wire;

pub use heycat_macros::{heycat_table, heycat_type};

/// Everything a schema file needs.
pub mod prelude {
    pub use crate::{heycat_table, heycat_type};
    pub use spacetimedb_lib::sats::{i256, u256};
    pub use spacetimedb_lib::{ConnectionId, Identity, TimeDuration, Timestamp};
}

/// A table's metadata, implemented by `#[heycat_table]` for each row type.
pub trait Table {
    /// The SpacetimeDB table name, e.g. `dictionary_entry`.
    const NAME: &'static str;
    /// The primary key column, e.g. `id`.
    const PRIMARY_KEY: &'static str;
    /// The primary key's field in the row's JSON (camelCase), e.g. `recordingId`.
    const KEY_FIELD: &'static str;
    /// Every column in table order, as named in SpacetimeDB (snake_case).
    const COLUMNS: &'static [&'static str];
    /// Whether the table holds exactly one row.
    const SINGLETON: bool;
    /// Whether rows carry a `row_version` for offline conflict detection.
    const SYNCED: bool;
    /// The fields (in the row's JSON, camelCase) of the `#[unique]` columns besides the key:
    /// no two rows hold the same value in one.
    const UNIQUE_FIELDS: &'static [&'static str] = &[];

    /// Hands `defaults` the `#[default]` of every column an insert may leave out: what the
    /// row then gets, the value a migration gives existing rows when it adds the column.
    fn insert_defaults(_defaults: &mut impl ColumnDefaults) {}
}

/// Takes the defaults of a table's columns, one at a time ([`Table::insert_defaults`]).
pub trait ColumnDefaults {
    /// The default `value` of the column whose field in the row's JSON is `field` (camelCase).
    fn column<T: wire::Wire>(&mut self, field: &'static str, value: T);
}

#[doc(hidden)]
pub use serde as __serde;
