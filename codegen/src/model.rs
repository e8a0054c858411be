//! The schema model: what `schema/` declares, after parsing and checking.
//!
//! Every backend reads only this model (never syn), the way serde_derive's emitters read only
//! its `internals::ast`. Items keep their [`Loc`] so later checks can point at the source, and
//! every spelling of their names (see `resolve`), so no backend converts a name's case.

use crate::source::Loc;

/// A whole schema: every table and every type, in declaration order (files sorted by name).
#[derive(Debug, Clone)]
pub struct Schema {
    /// The released version this schema is (`<schema>/versions/v<N>.json`); 0 when unknown.
    /// The module reports it as a reducer named `heycat_schema_v<N>`.
    pub version: u32,
    pub tables: Vec<Table>,
    pub types: Vec<TypeDef>,
    /// Tables of earlier schema versions whose data the schema says may go
    /// (`#[heycat_table(removed)]`); migrations keep their rows only in the backup.
    pub removed_tables: Vec<String>,
}

#[derive(Debug, Clone)]
pub struct Table {
    /// The SQL / SpacetimeDB table name, snake_case, e.g. `dictionary_entry`.
    pub name: String,
    /// The Rust row type, e.g. `DictionaryEntry`.
    pub row_type: String,
    pub docs: Vec<String>,
    pub access: Access,
    /// A singleton table holds exactly one row (heycat's settings); it gets an implicit key.
    pub singleton: bool,
    /// Synced tables carry a row version used for offline conflict detection.
    pub synced: bool,
    /// A table the toolkit adds for syncing (applied operations, conflicts), not the schema.
    pub system: bool,
    /// The table's name in the previous schema version, when it was renamed.
    pub renamed_from: Option<String>,
    /// The storage view may offer to delete this table's oldest rows
    /// (`cleanup(oldest_first = column)`).
    pub cleanup: Option<Cleanup>,
    pub columns: Vec<Column>,
    /// Its other names, resolved once.
    pub names: TableNames,
    pub loc: Loc,
}

/// A name as the two sides of the app spell it: snake_case in Rust, SQL and Tauri's command
/// names (`dictionary_entry_list`), camelCase in TypeScript (`dictionaryEntryList`).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Name {
    pub rust: String,
    pub js: String,
}

/// A table's names besides `name` (SQL, snake_case) and `row_type` (Rust and TypeScript).
#[derive(Debug, Clone, Default)]
pub struct TableNames {
    /// Its TypeScript constants' stem: `DICTIONARY_ENTRY` (`DICTIONARY_ENTRY_ORDERS`).
    pub constant: String,
    /// The type of its orders: `DictionaryEntryOrder`, or `DictionaryEntryRowOrder` where the
    /// schema names a type or table so already.
    pub order_type: String,
    /// The TypeScript event of its changes: `onDictionaryEntryChanged`.
    pub on_changed: String,
    /// Its React hook: `useDictionaryEntries`, `useSettings` for a singleton (empty for the
    /// toolkit's tables, which have none).
    pub hook: String,
    /// Its accessor in spacetimedb-sdk's bindings (`conn.db.dictionary_entry()`) and its row
    /// type there, as spacetimedb-codegen spells them.
    pub sdk_accessor: String,
    pub sdk_row: String,
    pub commands: CommandNames,
}

/// The names of a table's commands (see `commands`), whichever of them it has.
#[derive(Debug, Clone, Default)]
pub struct CommandNames {
    pub list: Name,
    pub page: Name,
    pub get: Name,
    pub insert: Name,
    pub update: Name,
    pub delete: Name,
    pub reset: Name,
}

/// Which column says how old a row is, for cleaning up the oldest rows first.
#[derive(Debug, Clone)]
pub struct Cleanup {
    pub oldest_first: String,
    /// Where the column is named in the option.
    pub loc: Loc,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Access {
    Public,
    Private,
}

#[derive(Debug, Clone)]
pub struct Column {
    pub name: String,
    pub ty: ColumnType,
    /// Where the type is written (the table's name for implicit columns).
    pub ty_loc: Loc,
    pub docs: Vec<String>,
    pub primary_key: bool,
    pub auto_inc: bool,
    pub unique: bool,
    /// A btree index on this column alone (also implied by `references`).
    pub indexed: bool,
    /// The value an existing row gets when this column is added, and a singleton's initial value.
    pub default: Option<ColumnDefault>,
    pub references: Option<Reference>,
    /// The column's name in the previous schema version, when it was renamed.
    pub renamed_from: Option<String>,
    /// How values of the previous version's type become this type, when it changed.
    pub converted_by: Option<Conversion>,
    /// This column holds the app's storage limit (`#[storage_quota(unit)]`).
    pub storage_quota: Option<StorageQuota>,
    pub origin: ColumnOrigin,
    /// Its other names, resolved once.
    pub names: ColumnNames,
    pub loc: Loc,
}

/// A column's names besides `name` (SQL and Rust, snake_case).
#[derive(Debug, Clone, Default)]
pub struct ColumnNames {
    /// Its field in TypeScript and in the rows' JSON: `createdAt`.
    pub js: String,
    /// Its field (and unique index) in spacetimedb-sdk's bindings, as spacetimedb-codegen
    /// spells it: `created_at`, and `v_2` for `v2`.
    pub sdk: String,
    /// The table's order by it, as its order enum's variant: `CreatedAt`.
    pub order_variant: String,
    /// The command listing the rows with a value of it: `note_list_by_folder`.
    pub list_by: Name,
}

impl Column {
    /// A column of `origin` with no attributes yet: named `name` at `loc`, its type written at
    /// `ty_loc`.
    pub fn plain(name: String, ty: ColumnType, ty_loc: Loc, origin: ColumnOrigin, loc: Loc) -> Column {
        Column {
            name,
            ty,
            ty_loc,
            docs: Vec::new(),
            primary_key: false,
            auto_inc: false,
            unique: false,
            indexed: false,
            default: None,
            references: None,
            renamed_from: None,
            converted_by: None,
            storage_quota: None,
            origin,
            names: ColumnNames::default(),
            loc,
        }
    }
}

/// `#[storage_quota(unit)]`: the column's value, in `unit`, is the app's storage limit.
#[derive(Clone, Copy, Debug)]
pub struct StorageQuota {
    pub unit: QuotaUnit,
    pub loc: Loc,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum QuotaUnit {
    Bytes,
    Kilobytes,
    Megabytes,
    Gigabytes,
}

impl QuotaUnit {
    pub const ALL: &'static [(&'static str, QuotaUnit)] = &[
        ("bytes", QuotaUnit::Bytes),
        ("kilobytes", QuotaUnit::Kilobytes),
        ("megabytes", QuotaUnit::Megabytes),
        ("gigabytes", QuotaUnit::Gigabytes),
    ];

    /// Bytes per unit (binary multiples, as disks are measured).
    pub fn bytes(self) -> u64 {
        match self {
            QuotaUnit::Bytes => 1,
            QuotaUnit::Kilobytes => 1 << 10,
            QuotaUnit::Megabytes => 1 << 20,
            QuotaUnit::Gigabytes => 1 << 30,
        }
    }
}

/// A conversion a migration applies to a column whose type changed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Conversion {
    /// Any value to its text (`String`).
    ToString,
    /// Text to a number or bool; a value that does not parse stops the migration.
    Parse,
    /// A number to a wider number (u32 -> u64, i32 -> f64, ...).
    Widen,
    /// `T` to `Option<T>`.
    Some,
    /// `Option<T>` to `T`, a missing value becoming the column's `#[default]`.
    UnwrapOrDefault,
}

impl Conversion {
    pub const ALL: &'static [(&'static str, Conversion)] = &[
        ("to_string", Conversion::ToString),
        ("parse", Conversion::Parse),
        ("widen", Conversion::Widen),
        ("some", Conversion::Some),
        ("unwrap_or_default", Conversion::UnwrapOrDefault),
    ];

    pub fn name(self) -> &'static str {
        Conversion::ALL.iter().find(|(_, c)| *c == self).map_or("", |(n, _)| n)
    }
}

/// Whether a column was written in the schema or added by the toolkit.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ColumnOrigin {
    Declared,
    /// `row_version: u64`, bumped by every update of a synced table.
    RowVersion,
    /// `id: u32`, always 0: the key of a singleton table.
    SingletonKey,
}

pub use heycat_contract::system::{ROW_VERSION_COLUMN, SINGLETON_KEY_COLUMN};

#[derive(Debug, Clone)]
pub struct Reference {
    /// Name of the referenced table; its primary key is the referenced column.
    pub table: String,
    pub on_delete: OnDelete,
    pub loc: Loc,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum OnDelete {
    /// Deleting the referenced row deletes this row too.
    Cascade,
    /// Deleting the referenced row fails while this row exists.
    Restrict,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ColumnType {
    Bool,
    U8,
    U16,
    U32,
    U64,
    U128,
    U256,
    I8,
    I16,
    I32,
    I64,
    I128,
    I256,
    F32,
    F64,
    String,
    Identity,
    ConnectionId,
    Timestamp,
    TimeDuration,
    Option(Box<ColumnType>),
    Vec(Box<ColumnType>),
    /// A `#[heycat_type]` enum or struct declared in the schema.
    Named(String),
    /// A type that did not parse, reported where it is written. The checks skip what depends
    /// on it (one error, not one per check); a schema holding one never reaches a backend.
    Error,
}

impl ColumnType {
    /// The primitive types by their schema spelling.
    pub const PRIMITIVES: &'static [(&'static str, ColumnType)] = &[
        ("bool", ColumnType::Bool),
        ("u8", ColumnType::U8),
        ("u16", ColumnType::U16),
        ("u32", ColumnType::U32),
        ("u64", ColumnType::U64),
        ("u128", ColumnType::U128),
        ("u256", ColumnType::U256),
        ("i8", ColumnType::I8),
        ("i16", ColumnType::I16),
        ("i32", ColumnType::I32),
        ("i64", ColumnType::I64),
        ("i128", ColumnType::I128),
        ("i256", ColumnType::I256),
        ("f32", ColumnType::F32),
        ("f64", ColumnType::F64),
        ("String", ColumnType::String),
        ("Identity", ColumnType::Identity),
        ("ConnectionId", ColumnType::ConnectionId),
        ("Timestamp", ColumnType::Timestamp),
        ("TimeDuration", ColumnType::TimeDuration),
    ];

    pub fn is_integer(&self) -> bool {
        matches!(
            self,
            ColumnType::U8
                | ColumnType::U16
                | ColumnType::U32
                | ColumnType::U64
                | ColumnType::U128
                | ColumnType::U256
                | ColumnType::I8
                | ColumnType::I16
                | ColumnType::I32
                | ColumnType::I64
                | ColumnType::I128
                | ColumnType::I256
        )
    }

    /// Whether Rust values of the type are `Copy` (the key types other than `String` are).
    pub fn is_copy(&self) -> bool {
        !matches!(self, ColumnType::String | ColumnType::Vec(_) | ColumnType::Option(_) | ColumnType::Named(_))
    }

    /// The inclusive range of an integer type, `None` for other types and for `u256`/`i256`
    /// (whose defaults are not supported).
    pub fn integer_range(&self) -> Option<(i128, u128)> {
        Some(match self {
            ColumnType::U8 => (0, u8::MAX.into()),
            ColumnType::U16 => (0, u16::MAX.into()),
            ColumnType::U32 => (0, u32::MAX.into()),
            ColumnType::U64 => (0, u64::MAX.into()),
            ColumnType::U128 => (0, u128::MAX),
            ColumnType::I8 => (i8::MIN.into(), i8::MAX as u128),
            ColumnType::I16 => (i16::MIN.into(), i16::MAX as u128),
            ColumnType::I32 => (i32::MIN.into(), i32::MAX as u128),
            ColumnType::I64 => (i64::MIN.into(), i64::MAX as u128),
            ColumnType::I128 => (i128::MIN, i128::MAX as u128),
            _ => return None,
        })
    }

    /// The type as it is written in the schema (and in generated Rust).
    pub fn schema_spelling(&self) -> String {
        match self {
            ColumnType::Option(inner) => format!("Option<{}>", inner.schema_spelling()),
            ColumnType::Vec(inner) => format!("Vec<{}>", inner.schema_spelling()),
            ColumnType::Named(name) => name.clone(),
            ColumnType::Error => "_".to_owned(),
            primitive => ColumnType::PRIMITIVES
                .iter()
                .find(|(_, t)| t == primitive)
                .map(|(name, _)| (*name).to_owned())
                .unwrap_or_default(),
        }
    }
}

#[derive(Debug, Clone)]
pub struct ColumnDefault {
    pub value: DefaultValue,
    pub loc: Loc,
}

/// A `#[default(...)]` value, already checked against its column's type.
#[derive(Clone, Debug, PartialEq)]
pub enum DefaultValue {
    Bool(bool),
    /// Integers are kept as written; the check proved they fit the column.
    Int(i128),
    /// Only for u128 values above i128::MAX.
    BigUint(u128),
    Float(f64),
    String(String),
    None,
    Some(Box<DefaultValue>),
    EnumVariant {
        ty: String,
        variant: String,
    },
    EmptyVec,
}

#[derive(Debug, Clone)]
pub struct TypeDef {
    pub name: String,
    pub docs: Vec<String>,
    pub kind: TypeKind,
    /// The stem of its TypeScript constants: `MERGE_MODE` (`MERGE_MODE_VALUES`).
    pub constant: String,
    /// Its name in spacetimedb-sdk's bindings, as spacetimedb-codegen spells it.
    pub sdk_name: String,
    pub loc: Loc,
}

#[derive(Debug, Clone)]
pub enum TypeKind {
    /// An enum (a SpacetimeDB sum type): each variant a name, some with a value.
    Enum { variants: Vec<Variant> },
    /// A struct used as a column type.
    Product { fields: Vec<Field> },
}

impl TypeKind {
    /// An enum whose variants are names only: a string in TypeScript and on the wire.
    pub fn is_plain_enum(&self) -> bool {
        matches!(self, TypeKind::Enum { variants } if variants.iter().all(|v| v.payload.is_none()))
    }
}

#[derive(Debug, Clone)]
pub struct Variant {
    pub name: String,
    /// Its name in spacetimedb-sdk's bindings, as spacetimedb-codegen spells it.
    pub sdk_name: String,
    pub docs: Vec<String>,
    pub loc: Loc,
    /// The value the variant holds, if any: `Polygon(Vec<Point>)` or `Circle { radius: f64 }`.
    pub payload: Option<Payload>,
}

/// What a variant holds. SpacetimeDB 1.2.0's sum types hold one value per variant; a variant
/// written with one named field (`Circle { radius: f64 }`) keeps the name in Rust and
/// TypeScript.
#[derive(Debug, Clone)]
pub struct Payload {
    pub ty: ColumnType,
    pub ty_loc: Loc,
    pub field: Option<String>,
    /// The field's name in TypeScript and JSON: `radius`.
    pub field_js: Option<String>,
}

#[derive(Debug, Clone)]
pub struct Field {
    pub name: String,
    /// Its name in TypeScript and JSON (`createdAt`) and in spacetimedb-sdk's bindings.
    pub js_name: String,
    pub sdk_name: String,
    pub ty: ColumnType,
    pub ty_loc: Loc,
    pub docs: Vec<String>,
    pub loc: Loc,
}

impl Schema {
    /// The tables the schema declares (without the toolkit's system tables).
    pub fn user_tables(&self) -> impl Iterator<Item = &Table> {
        self.tables.iter().filter(|t| !t.system)
    }

    /// The tables a migration carries to the next version: all but the toolkit's
    /// `NOT_CARRIED` (see `heycat_contract::system`).
    pub fn carried_tables(&self) -> impl Iterator<Item = &Table> {
        self.tables.iter().filter(|t| !heycat_contract::system::NOT_CARRIED.contains(&t.name.as_str()))
    }

    /// The tables whose writes are versioned, recorded and replayable offline.
    pub fn synced_tables(&self) -> impl Iterator<Item = &Table> {
        self.user_tables().filter(|t| t.synced)
    }

    pub fn table(&self, name: &str) -> Option<&Table> {
        self.tables.iter().find(|t| t.name == name)
    }

    /// The table a `#[references(..)]` names: by row type (`Recording`) or table name.
    pub fn referenced(&self, reference: &Reference) -> Option<&Table> {
        self.tables.iter().find(|t| t.row_type == reference.table || t.name == reference.table)
    }

    pub fn type_def(&self, name: &str) -> Option<&TypeDef> {
        self.types.iter().find(|t| t.name == name)
    }

    /// Tables whose rows reference `table` (for delete cascades and restrictions).
    pub fn referencing<'a>(&'a self, table: &'a str) -> impl Iterator<Item = (&'a Table, &'a Column, &'a Reference)> {
        self.tables.iter().flat_map(move |t| {
            t.columns.iter().filter_map(move |c| c.references.as_ref().filter(|r| r.table == table).map(|r| (t, c, r)))
        })
    }
}

impl Table {
    /// The primary key, when the module assigns it (`#[auto_inc]`).
    pub fn auto_inc_key(&self) -> Option<&Column> {
        self.primary_key().filter(|k| k.auto_inc)
    }

    pub fn primary_key(&self) -> Option<&Column> {
        self.columns.iter().find(|c| c.primary_key)
    }

    pub fn primary_key_index(&self) -> Option<usize> {
        self.columns.iter().position(|c| c.primary_key)
    }

    /// Columns the user writes (everything but the row version, which the module maintains).
    pub fn declared_columns(&self) -> impl Iterator<Item = &Column> {
        self.columns.iter().filter(|c| c.origin == ColumnOrigin::Declared)
    }

    pub fn row_version(&self) -> Option<&Column> {
        self.columns.iter().find(|c| c.origin == ColumnOrigin::RowVersion)
    }

    /// The columns an insert may leave out, each then getting its `#[default]`: every declared
    /// column with one, but a singleton's (it is never inserted) and a key the module gives
    /// (left out anyway).
    pub fn insert_defaults(&self) -> impl Iterator<Item = &Column> {
        self.declared_columns().filter(|c| !self.singleton && c.default.is_some() && !(c.primary_key && c.auto_inc))
    }

    pub fn column(&self, name: &str) -> Option<&Column> {
        self.columns.iter().find(|c| c.name == name)
    }
}

impl Schema {
    /// The column holding the storage limit, with its table.
    pub fn storage_quota(&self) -> Option<(&Table, &Column, StorageQuota)> {
        self.user_tables().find_map(|t| t.columns.iter().find_map(|c| Some((t, c, c.storage_quota?))))
    }
}
