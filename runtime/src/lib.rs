//! The data layer of a Tauri 2 app whose data model is a heycat-data schema, on SpacetimeDB
//! 1.2.0.
//!
//! An app declares its tables once, as `#[heycat_table]` structs in the Rust files of a
//! `schema/` folder (see the [`heycat`] crate). From there:
//!
//! 1. **At build time**, the app's build script runs
//!    [`heycat_codegen::Builder`](https://docs.rs/heycat-codegen/latest/heycat_codegen/struct.Builder.html).
//!    It writes the app's Rust module (the row types, one Tauri command per table operation,
//!    the SpacetimeDB client bindings), builds the schema's SpacetimeDB module to wasm (embedded
//!    in the app), and writes the TypeScript bindings the frontend imports.
//! 2. **In the app**, that module is included with [`include_generated!`], and its `plugin()`
//!    and `handler()` go on the Tauri builder.
//! 3. **At run time**, this crate does the work, the same for every schema. It names no table:
//!    the generated code implements [`Schema`] and [`TableAccess`] for the schema's tables, and
//!    each generated command is one call into [`ops`].
//!
//! What the runtime does for every schema:
//!
//! - **connection** ([`Connection`]): starts the embedded `spacetimedb-standalone` (or uses a
//!   configured server), publishes the app's module, migrates the data when the schema version
//!   changed, connects, and reconnects with backoff; its status goes out as
//!   `connection:status` events ([`ConnectionStatus`]);
//! - **writes** ([`Db`]): confirmed by the server when online; otherwise queued in a durable
//!   outbox and applied to the local copy, then replayed in order and exactly once on
//!   reconnect ([`SyncStatus`]); a write made stale by another device becomes a conflict the
//!   user settles ([`ConflictView`], [`ConflictResolution`]);
//! - **storage**: writes checked against the storage limit, a warning at 90 %
//!   ([`StorageUsage`]), cleanup of the oldest rows ([`CleanupPreview`]), export and import;
//! - **the user's devices**: the database answers only its user (the identity that published
//!   its module); another device joins with a one-time invitation code ([`DeviceInvitation`],
//!   [`JoinSummary`]), and sync is set up from the app, carrying this device's data to a shared
//!   server ([`SyncSetupProgress`]).
//!
//! # Adding it to an app
//!
//! For an app as `create-tauri-app` makes it (a `src-tauri/` crate, the frontend in `src/`),
//! the crate's dependencies, in `src-tauri/Cargo.toml`:
//!
//! ```toml
//! [dependencies]
//! heycat = "0.1"
//! heycat-runtime = "0.1"
//!
//! [build-dependencies]
//! heycat-codegen = "0.1"
//! ```
//!
//! The build script, `src-tauri/build.rs`, generates everything from `src-tauri/schema/` (the
//! default folder) before Tauri's own step, with the TypeScript bindings and their React hooks
//! in `src/data/`:
//!
//! ```no_run
//! # mod tauri_build { pub fn build() {} } // the app's build dependency `tauri-build`
//! fn main() -> Result<(), heycat_codegen::Error> {
//!     heycat_codegen::Builder::new().typescript_dir("../src/data").react(true).generate()?;
//!     tauri_build::build();
//!     Ok(())
//! }
//! ```
//!
//! The app's library, `src-tauri/src/lib.rs`, includes the generated module and puts the data
//! layer on the Tauri builder: its plugin starts the data layer with the app (the embedded
//! server included) and stops it on exit, and its handler registers the data layer's commands
//! beside the app's own. (This block cannot compile as a doc test: `include_generated!`
//! includes the file the build script writes. The repository's adoption test builds these
//! lines into a fresh `create-tauri-app` project.)
//!
//! ```ignore
//! mod data {
//!     heycat_runtime::include_generated!();
//! }
//!
//! #[tauri::command]
//! fn greet(name: &str) -> String {
//!     format!("Hello, {name}!")
//! }
//!
//! pub fn run() {
//!     tauri::Builder::default()
//!         .plugin(data::plugin(heycat_runtime::Options::new("notes")))
//!         .invoke_handler(data::handler(tauri::generate_handler![greet]))
//!         .run(tauri::generate_context!())
//!         .expect("error while running tauri application");
//! }
//! ```
//!
//! [`Options`] names the database and, when the defaults do not suit, the data dir and the
//! app's name in what the data layer tells its user:
//!
//! ```
//! let options = heycat_runtime::Options::new("notes").app_name("Notes");
//! # let _ = options;
//! ```
//!
//! The frontend then imports a typed function per command, an event and a React hook per table
//! from `src/data/`, with the TypeScript runtime from the `@heycat/runtime` npm package. The
//! app ships the database program as a Tauri sidecar, which the `heycat-schema sidecar`
//! command puts in place.
//!
//! # Main items
//!
//! - [`plugin`] and [`Options`]: the data layer as a Tauri plugin (the generated `plugin()`
//!   calls it with the schema); [`start`], [`shutdown`] and [`termination_requested`] run it
//!   without the plugin (tools, headless programs, tests).
//! - [`Db`]: the database handle Tauri manages and hands to every command; [`ops`]: what the
//!   generated commands do with it (list, get, page, insert, update, delete, per table).
//! - [`Connection`], [`ConnectionStatus`] and [`FailureKind`]: the connection and why it is
//!   down; [`SyncStatus`]: the writes waiting to be sent, and those the server refused
//!   ([`Rejected`]); [`MigrationStatus`]: a migration on start, step by step.
//! - [`DataError`] and [`ErrorKind`]: the error of every command, as the frontend receives it.
//! - [`events`], [`command_names`] and [`env`](mod@env): the names of the Tauri events the data layer
//!   emits, of its own commands, and of the environment variables it reads.
//! - [`DataConfig`]: where the data layer finds its server and its files, resolved from
//!   [`Options`], the environment and `server.json` in the data dir.
//!
//! # Configuration
//!
//! Without configuration the app runs its embedded server on 127.0.0.1, with its data in the
//! app's data dir. The environment overrides [`Options`]: [`env::SERVER_URL`] names another
//! server (as `server.json` in the data dir does, which setting up sync from the app writes),
//! [`env::DATABASE`] another database name, [`env::DATA_DIR`] another data dir, and
//! [`env::SPACETIMEDB_STANDALONE`] the database program's file when it is not beside the app.
//!
//! What the data layer has to say goes through the [`log`](https://docs.rs/log) facade: the
//! app decides where it goes (e.g. `tauri-plugin-log`).
//!
//! # Feature flags
//!
//! - `test-hooks` (off): faults the toolkit's own tests inject (a failing migration step, a
//!   module file to publish instead of the app's), and what they count (the rows pages read).
//!   An app never turns it on.
//!
//! # Read on
//!
//! The book, in the repository's
//! [`docs/`](https://github.com/heycat/heycat-data/tree/main/docs) folder:
//! [Getting started](https://github.com/heycat/heycat-data/blob/main/docs/src/getting-started.md),
//! the guides ([offline, sync and conflicts](https://github.com/heycat/heycat-data/blob/main/docs/src/guides/offline-sync-conflicts.md),
//! [several devices](https://github.com/heycat/heycat-data/blob/main/docs/src/guides/devices.md),
//! [schema versions and migrations](https://github.com/heycat/heycat-data/blob/main/docs/src/guides/migrations.md),
//! [shipping the app](https://github.com/heycat/heycat-data/blob/main/docs/src/guides/shipping.md)),
//! and the reference of every [runtime command](https://github.com/heycat/heycat-data/blob/main/docs/src/reference/commands.md),
//! [event](https://github.com/heycat/heycat-data/blob/main/docs/src/reference/events.md) and
//! [error kind](https://github.com/heycat/heycat-data/blob/main/docs/src/reference/errors.md).

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
mod order_index;
mod pages;
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
pub use heycat_contract::env;
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
pub use types::sync_status::{PendingKeys, Rejected, SyncStatus};

/// What the code generated from an app's schema implements and calls, and nothing else
/// should: not the runtime's API (an app never names these), free to change with the generator
/// that writes those calls, and hidden from the docs.
#[doc(hidden)]
pub mod __private {
    pub use crate::schema::connector::{ConnectOptions, Connector};
    pub use crate::schema::driver::{TableDriver, TableOf};
    pub use crate::schema::info::{CleanupOrder, ModuleWasm, Reference, SchemaInfo};
    pub use crate::schema::live::{downcast, Live, SdkResult};
    pub use crate::schema::table::OrderedTable;
    pub use crate::schema::table_watch::TableWatch;
    pub use crate::schema::watch::Watch;
    pub use crate::storage::QuotaColumn;
    pub use crate::types::args::Args;
    pub use crate::types::order::{OrderedValue, SortValue};
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
