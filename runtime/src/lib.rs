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
//!   `device_join`).
//!
//! An app adopts it in three places (the README has the whole walk-through):
//!
//! ```ignore
//! // build.rs: generate everything from the schema folder (and build the module to wasm)
//! heycat_codegen::Builder::new().schema_dir("../schema").typescript_dir("../src/data").generate_or_exit();
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

mod args;
mod changes;
mod commands;
pub mod config;
mod conflicts;
mod connect;
mod connection;
mod db;
mod devices;
mod error;
mod instance;
mod link;
mod liveness;
mod local;
mod lock;
mod memory;
pub mod ops;
mod order;
pub mod outbox;
mod page;
mod plugin;
mod provisional;
mod results;
mod schema;
pub mod status;
mod storage;
mod sync;
mod tables;
#[cfg(feature = "test-hooks")]
pub mod test_hooks;
mod upgrade;
mod watch;

pub use args::Args;
pub use changes::{ChangeSink, TableChange};
pub use commands::handler;
pub use config::DataConfig;
pub use conflicts::{ConflictResolution, ConflictView};
pub use connect::{ConnectOptions, Connector};
pub use connection::Connection;
pub use db::Db;
pub use devices::DeviceInvitation;
pub use error::{DataError, ErrorKind};
pub use heycat_contract::commands as command_names;
pub use heycat_contract::events;
pub use link::{MigrationStatus, MigrationStep};
pub use order::OrderedValue;
pub use page::{RowPage, MAX_PAGE_ROWS};
pub use plugin::{plugin, shutdown, start, termination_requested, Options};
pub use provisional::{ProvisionalKey, PROVISIONAL_KEYS};
pub use schema::{
    downcast, CleanupOrder, ConflictRecord, Live, OrderedTable, QuotaColumn, Reference, Schema, SchemaInfo, SdkResult,
    TableAccess, Write,
};
pub use status::{ConnectionStatus, FailureKind};
pub use storage::{CleanupItem, CleanupPreview, ExportSummary, StorageLevel, StorageUsage, TableUsage};
pub use sync::{Rejected, SyncStatus};
pub use tables::{TableDriver, TableOf};
pub use watch::{TableWatch, Watch};

/// The SDK the generated bindings are written against (so an app needs no dependency of its own).
pub use spacetimedb_sdk;

/// Includes the code generated from the app's schema (`$OUT_DIR/heycat_data.rs`, written by
/// `heycat_codegen::Builder` in the app's build script). Put it in a module of its own:
/// `mod data { heycat_runtime::include_generated!(); }`.
#[macro_export]
macro_rules! include_generated {
    () => {
        include!(concat!(env!("OUT_DIR"), "/heycat_data.rs"));
    };
}
