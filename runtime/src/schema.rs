//! What the code generated from an app's schema tells the runtime: the schema's facts
//! ([`SchemaInfo`]), how to connect with its SDK bindings ([`Schema`]), and, per table, how to
//! read and write its rows through them ([`TableAccess`]). Everything else in the runtime is
//! written once against these traits and names no table of any app.

use std::any::Any;
use std::cmp::Ordering;
use std::sync::Arc;

use serde::de::DeserializeOwned;
use serde::Serialize;
use serde_json::Value;
use spacetimedb_sdk::{DbContext, Identity, Timestamp};

use crate::connect::Connector;
use crate::error::DataError;
use crate::tables::TableDriver;
use crate::watch::Watch;

/// The facts of one schema that the runtime needs, generated from it.
pub struct SchemaInfo {
    /// The released schema version (the module reports it as `heycat_schema_v<N>`).
    pub version: u32,
    /// The canonical description of the module (see `heycat-canonical`): what a server's
    /// deployed schema is compared with.
    pub canonical: &'static str,
    /// JSON: the migration plans from every earlier released version to this one, and, in a
    /// development build of a draft, from the earlier drafts of its version (`drafts`).
    pub migration_plans: &'static str,
    /// The module, built to wasm from the schema: what the embedded server is published with.
    pub module: &'static [u8],
    /// Every table of the schema (not the toolkit's system tables).
    pub tables: &'static [&'static dyn TableDriver],
    /// Every table an export holds: the schema's tables and the conflicts.
    pub exported_tables: &'static [&'static str],
    /// Every table of the module (the schema's and the toolkit's): what a connection subscribes
    /// to, by name, so that the tables a newer module added never reach bindings that do not
    /// know them.
    pub module_tables: &'static [&'static str],
    /// The column holding the storage limit (`#[storage_quota(..)]`), if the schema has one.
    pub storage_quota: Option<QuotaColumn>,
    /// The tables whose rows the storage view may offer to delete (`cleanup(oldest_first = ..)`).
    pub cleanup: &'static [CleanupOrder],
    /// Every reference between the schema's tables (`#[references(..)]`).
    pub references: &'static [Reference],
}

impl SchemaInfo {
    pub fn table(&self, name: &str) -> Option<&'static dyn TableDriver> {
        self.tables.iter().copied().find(|t| t.name() == name)
    }

    /// The migration plans from every earlier released version to this one.
    pub(crate) fn plans(&self) -> Vec<heycat_plan::Plan> {
        #[derive(serde::Deserialize)]
        struct Plans {
            plans: Vec<heycat_plan::Plan>,
        }
        serde_json::from_str(self.migration_plans).map_or_else(|_| Vec::new(), |p: Plans| p.plans)
    }

    /// In a development build of a draft, the migrations from the earlier drafts of its version
    /// built on the developer's machine (see `heycat_codegen::drafts`).
    pub(crate) fn draft_migrations(&self) -> Vec<heycat_plan::DevMigration> {
        #[derive(serde::Deserialize)]
        struct Drafts {
            #[serde(default)]
            drafts: Vec<heycat_plan::DevMigration>,
        }
        serde_json::from_str(self.migration_plans).map_or_else(|_| Vec::new(), |d: Drafts| d.drafts)
    }
}

/// The singleton column whose value is the storage limit.
#[derive(Clone, Copy, Debug)]
pub struct QuotaColumn {
    pub table: &'static str,
    /// The column's field in the row's JSON (camelCase).
    pub field: &'static str,
    /// Bytes per unit of the column's value (1 MiB for `megabytes`).
    pub unit_bytes: u64,
    /// The column's `#[default]`, in bytes: the limit until the row exists.
    pub default_bytes: u64,
}

/// A table whose oldest rows may be deleted to free space, and what "oldest" means.
#[derive(Clone, Copy, Debug)]
pub struct CleanupOrder {
    pub table: &'static str,
    /// The timestamp or integer column that orders rows, oldest (smallest) first, as a JSON field.
    pub field: &'static str,
}

/// `child.field` references `parent`'s key (`#[references(..)]`).
#[derive(Clone, Copy, Debug)]
pub struct Reference {
    pub parent: &'static str,
    pub child: &'static str,
    /// The referencing column's JSON field in the child's rows.
    pub field: &'static str,
    /// `on_delete = cascade`: deleting the parent row deletes the child rows.
    pub cascade: bool,
}

/// One schema, with its SDK bindings. Implemented by the generated code.
pub trait Schema: Send + Sync + 'static {
    fn info(&self) -> &'static SchemaInfo;

    /// Builds a connection with the bindings' `DbConnection::builder()` through `connector`,
    /// registers every table's [`TableAccess::watch`] and the conflict callbacks, and runs it
    /// on its own thread.
    fn connect(&self, connector: Connector) -> Result<Arc<dyn Live>, DataError>;

    /// Calls the module's no-op version reducer: a round trip whose answer (through
    /// [`Watch::heartbeat_answered`], registered by `connect`) says the server still answers.
    fn heartbeat(&self, conn: &dyn Live) -> Result<SdkResult, DataError>;

    /// Every conflict record the connection can see.
    fn conflicts(&self, conn: &dyn Live) -> Result<Vec<ConflictRecord>, DataError>;

    /// The conflict recorded for operation `id`, if any.
    fn conflict(&self, conn: &dyn Live, id: &str) -> Result<Option<ConflictRecord>, DataError>;

    /// Drops the conflict `id` (the server's row stays): `heycat_conflict_dismiss`.
    fn dismiss_conflict(&self, conn: &dyn Live, id: String, op_id: String) -> Result<SdkResult, DataError>;

    /// The key (in decimal) the module gave the row that insert `op_id` made into a table
    /// with an `#[auto_inc]` key, once the connection's copy has it.
    fn assigned_key(&self, conn: &dyn Live, op_id: &str) -> Result<Option<String>, DataError>;
}

/// Whether the SDK sent a reducer call (the outer `Result` of a send is whether the runtime
/// could form the call at all).
pub type SdkResult = spacetimedb_sdk::Result<()>;

/// A conflict record as the module stores it (`heycat_conflict`), both rows as BSATN.
#[derive(Clone, Debug)]
pub struct ConflictRecord {
    /// The operation id of the write that was not applied.
    pub id: String,
    pub table: String,
    /// The row's key, as text.
    pub row_key: String,
    /// `update` or `delete`.
    pub operation: String,
    pub base_version: u64,
    /// The row the client wrote (none for a delete).
    pub client_row: Option<Vec<u8>>,
    /// The row the server holds (none when it was deleted).
    pub server_row: Option<Vec<u8>>,
    /// Who wrote it.
    pub client: Identity,
    pub created_at: Timestamp,
}

/// A live SDK connection, whatever the schema: what the runtime needs of it without knowing its
/// type. Generated code gets its own type back with [`downcast`].
pub trait Live: Send + Sync + 'static {
    fn is_active(&self) -> bool;
    fn disconnect(&self);
    fn as_any(&self) -> &dyn Any;
}

// spacetimedb-sdk 1.2.0 panics on its message thread when a reducer call meets a websocket
// loop that has just ended (`expect` on the closed channel), poisoning the lock `is_active` and
// `disconnect` take, which then panic on every thread: such a connection is over, not a reason
// for a command to fail.
impl<C: DbContext + Send + Sync + 'static> Live for C {
    fn is_active(&self) -> bool {
        std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| DbContext::is_active(self))).unwrap_or(false)
    }

    fn disconnect(&self) {
        let _ = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| DbContext::disconnect(self)));
    }

    fn as_any(&self) -> &dyn Any {
        self
    }
}

/// The connection as the bindings' own type.
pub fn downcast<C: 'static>(conn: &dyn Live) -> Result<&C, DataError> {
    conn.as_any().downcast_ref::<C>().ok_or_else(|| {
        DataError::internal(format!(
            "the connection is not a {} (bindings of another schema?)",
            std::any::type_name::<C>()
        ))
    })
}

/// One table of the schema, its row type being the app's (serde) row type that
/// `#[heycat_table]` makes of the schema struct. Implemented by the generated code with the
/// table's SDK handle and reducers; the runtime's commands are generic over it.
pub trait TableAccess: heycat::Table + Clone + Serialize + DeserializeOwned + Send + Sync + 'static {
    /// The bindings' `DbConnection`.
    type Connection: Send + Sync + 'static;
    /// The bindings' row type (what conflict records hold, as BSATN).
    type SdkRow: spacetimedb_lib::de::DeserializeOwned + Clone + Into<Self> + Send + 'static;
    /// The primary key's type (`u32` for singletons, whose key is always 0); its order is the
    /// order lists answer in.
    type Key: heycat::wire::Wire + Clone + Ord + Send + Sync + 'static;

    /// Whether the module assigns the key (`#[auto_inc]`): a row is written with a
    /// provisional key ([`provisional`](Self::provisional)) that the module's replaces.
    const AUTO_INC_KEY: bool = false;

    /// The row with the `n`th provisional key of its table (only for an `#[auto_inc]` key).
    fn provisional(self, _n: u64) -> Self {
        self
    }

    /// Which provisional key `key` is, if it is one.
    fn provisional_number(_key: &Self::Key) -> Option<u64> {
        None
    }

    fn key(&self) -> Self::Key;
    /// Every row in the connection's subscribed copy.
    fn rows(conn: &Self::Connection) -> Vec<Self>;
    fn count(conn: &Self::Connection) -> usize;
    fn find(conn: &Self::Connection, key: &Self::Key) -> Option<Self>;
    /// Calls the table's reducer for `write` under operation id `op_id`; a write the table does
    /// not have (an insert into a singleton) is refused with [`DataError::unsupported`].
    fn send(conn: &Self::Connection, write: Write<Self>, op_id: String) -> Result<SdkResult, DataError>;
    /// Registers the table's row callbacks and its reducers' result callbacks with `watch`.
    fn watch(conn: &Self::Connection, watch: &Watch);
}

/// The orders a table's rows can be paged in ([`crate::ops::page`]): one per column of an
/// orderable type (numbers, text, bools, times, plain enums, options of those). Implemented by
/// the generated code for every table but singletons.
pub trait OrderedTable: TableAccess {
    /// The table's orders, one per column, as the frontend names them (`"createdAt"`).
    type Order: Copy + Eq + DeserializeOwned + Send + Sync + 'static;
    /// The primary key's order: [`compare`](Self::compare) in it is the key's own order.
    const KEY_ORDER: Self::Order;

    /// `a` against `b` in `order`: the column's values (see [`crate::OrderedValue`]), ties
    /// broken by the primary key, so no two rows are equal and a row is a cursor that stays
    /// exact even once the row itself is gone.
    fn compare(order: Self::Order, a: &Self, b: &Self) -> Ordering;
}

/// A write to a table of row type `T`.
#[derive(Clone, Debug)]
pub enum Write<T: TableAccess> {
    Insert(T),
    Update(T),
    /// Deletes the row with `key`; with a base version, a row changed since becomes a conflict.
    Delete {
        key: T::Key,
        base_version: Option<u64>,
    },
    /// A singleton back to its defaults (the row it gets).
    Reset(T),
    /// Settles conflict `conflict_id`: `row` over the server's, or (none) the delete.
    Resolve {
        conflict_id: String,
        key: T::Key,
        row: Option<T>,
    },
}

impl<T: TableAccess> Write<T> {
    /// The reducer's name suffix, for messages.
    pub fn name(&self) -> &'static str {
        match self {
            Write::Insert(_) => "insert",
            Write::Update(_) => "update",
            Write::Delete { .. } => "delete",
            Write::Reset(_) => "reset",
            Write::Resolve { .. } => "resolve",
        }
    }
}

/// The key of a row of `T`, as the wire JSON the outbox and the local copy index it by.
pub fn key_json<T: TableAccess>(key: &T::Key) -> serde_json::Value {
    serde_json::to_value(heycat::wire::Wired(key.clone())).unwrap_or_default()
}

/// The key of a row of `T` in its JSON form (what the outbox and the local copy index rows
/// by). A singleton's key is not part of its JSON (the
/// frontend never sees it); it is always 0.
pub fn row_key<T: heycat::Table>(row: &Value) -> Value {
    if T::SINGLETON {
        Value::from(0)
    } else {
        row[T::KEY_FIELD].clone()
    }
}
