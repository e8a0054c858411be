//! heycat-runtime: the data layer of a Tauri 2 app whose data model is a heycat-data schema.
//!
//! It names no table of any app. The code `heycat-codegen` generates from an app's schema (in
//! the app's build script) implements [`Schema`] and [`TableAccess`] with the schema's
//! SpacetimeDB bindings, and its Tauri commands are one call each into [`ops`]. What the
//! runtime does for every schema:
//!
//! - **connection** ([`Connection`]): starts the embedded `spacetimedb-standalone` (or uses a
//!   configured server), publishes the app's module, migrates the data when the schema version
//!   changed, connects, and reconnects with backoff; status as `connection:status` events;
//! - **writes** ([`Db`]): confirmed by the server when online; otherwise queued in a durable
//!   outbox and applied to the local copy, replayed in order and exactly once on reconnect;
//!   stale writes become conflicts the user settles;
//! - **storage**: writes checked against the storage limit, a warning at 90 %, cleanup of the
//!   oldest rows, export and import;
//! - **the user's devices**: the database answers only its user (the identity that published
//!   its module); another device joins with a one-time invitation code (`device_invite`,
//!   `device_join`); sync set up from the app, carrying this device's data to a shared server
//!   (`sync_setup`).
//!
//! An app adopts it in three places (the README has the whole walk-through):
//!
//! ```ignore
//! // build.rs: generate everything from the schema folder (and build the module to wasm)
//! heycat_codegen::Builder::new().schema_dir("../schema").typescript_dir("../src/data").generate()?;
//!
//! // src/lib.rs: the generated code, as a module of the app
//! mod data {
//!     heycat_runtime::include_generated!();
//! }
//!
//! // the Tauri builder: start the data layer with the app, register its commands beside the app's
//! tauri::Builder::default()
//!     .plugin(data::plugin(heycat_runtime::Options::new("notes")))
//!     .invoke_handler(data::handler(tauri::generate_handler![my_command]))
//! ```

// The layers, from the bottom: `types` (what the app and its frontend are handed), `store`
// (what the device keeps, as JSON) and `calls` (where answers wait), `schema` (what generated
// code implements), `storage` (the quota), `db` (the handle: writes, replay, reads), `server`
// (start, publish, migrate), `connection` (the supervisor), and the app's side: commands,
// conflicts, devices and sharing (what the user's devices do with the shared server), the plugin.
mod calls;
mod commands;
pub mod config;
mod conflicts;
mod connection;
mod db;
mod device_list;
mod devices;
mod instance;
mod memory;
pub mod ops;
mod plugin;
mod schema;
mod server;
mod sharing;
mod storage;
mod store;
#[cfg(feature = "test-hooks")]
pub mod test_hooks;
mod types;

pub use commands::handler;
pub use config::DataConfig;
pub use connection::Connection;
pub use db::Db;
pub use device_list::DeviceInfo;
pub use devices::DeviceInvitation;
pub use heycat_contract::commands as command_names;
pub use heycat_contract::events;
pub use plugin::{plugin, shutdown, start, termination_requested, Options};
pub use schema::bindings::Schema;
pub use schema::table::{TableAccess, Write};
pub use storage::{CleanupItem, CleanupPreview, ExportSummary, StorageLevel, StorageUsage, TableUsage};
pub use types::changes::{ChangeSink, TableChange};
pub use types::conflict::{ConflictRecord, ConflictResolution, ConflictView};
pub use types::error::{DataError, ErrorKind};
pub use types::migration::{MigrationStatus, MigrationStep};
pub use types::page::RowPage;
pub use types::status::{ConnectionStatus, FailureKind};
pub use types::sync_setup::{ForgetSummary, JoinSummary, Rejoin, SyncSetupProgress, SyncSetupStep, SyncSetupSummary};
pub use types::sync_status::{Rejected, SyncStatus};

/// What the code generated from an app's schema implements and calls, and nothing else
/// should: not the runtime's API (an app never names these), free to change with the generator
/// that writes those calls, and hidden from the docs.
#[doc(hidden)]
pub mod __private {
    pub use crate::schema::connector::{ConnectOptions, Connector};
    pub use crate::schema::driver::{TableDriver, TableOf};
    pub use crate::schema::info::{CleanupOrder, Reference, SchemaInfo};
    pub use crate::schema::live::{downcast, Live, SdkResult};
    pub use crate::schema::table::OrderedTable;
    pub use crate::schema::table_watch::TableWatch;
    pub use crate::schema::watch::Watch;
    pub use crate::storage::QuotaColumn;
    pub use crate::types::args::Args;
    pub use crate::types::order::OrderedValue;
    pub use crate::types::page::MAX_PAGE_ROWS;
    pub use crate::types::provisional::{ProvisionalKey, PROVISIONAL_KEYS};
    /// The SDK the generated bindings are written against (so an app needs no dependency of
    /// its own).
    pub use spacetimedb_sdk;
}

/// Includes the code generated from the app's schema (`$OUT_DIR/heycat_data.rs`, written by
/// `heycat_codegen::Builder` in the app's build script). Put it in a module of its own:
/// `mod data { heycat_runtime::include_generated!(); }`.
#[macro_export]
macro_rules! include_generated {
    () => {
        include!(concat!(env!("OUT_DIR"), "/heycat_data.rs"));
    };
}
