//! A real `spacetimedb-standalone` on 127.0.0.1, and SpacetimeDB's HTTP API.
//!
//! This is the server side of [`heycat-runtime`](https://docs.rs/heycat-runtime), the data
//! layer of a Tauri app on heycat-data: an app does not depend on it directly. The program it
//! runs travels with the app as a Tauri sidecar (`heycat-schema sidecar` puts it in place) and
//! is found beside the app's executable, or where the `SPACETIMEDB_STANDALONE` environment
//! variable says ([`server_binary`]).
//!
//! The app runs its embedded server with [`Server::start_in`] (its own data dir); the tests
//! use [`Server::start`] (a temporary one). Either way the server listens on loopback only, on
//! a free port, behind a guard that turns web pages away (`guard.rs`), is health-checked over
//! HTTP, and stops when dropped. [`Api`] talks to any server, local or remote; [`migrate`]
//! carries a database's data to a new schema version, [`carry`] to another server;
//! [`private_files`] keeps what is written readable by the user only. The server does not
//! outlive the process that started it, on any system (`lifetime.rs`, `leftover.rs`).

mod api;
pub mod carry;
mod error;
mod guard;
mod leftover;
mod lifetime;
pub mod migrate;
pub mod private_files;
mod process;
mod program;
mod rows;
mod server;
mod stopping;
#[cfg(feature = "test-hooks")]
pub mod test_hooks;

pub use api::Api;
pub use error::{Error, Result};
pub use program::server_binary;
pub use rows::{named_rows, sql_rows};
pub use server::Server;

/// The program process `pid` runs, when it runs and this process may see it.
pub fn program_of(pid: u32) -> Option<std::path::PathBuf> {
    process::executable(pid)
}
