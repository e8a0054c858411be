//! The server a device uses, apart from the session on it: starting the embedded one,
//! publishing the app's module, checking that the database is this app's and at which
//! version, migrating it, and setting up a shared server with this device's data.

mod compat;
pub mod link;
mod migrate;
pub mod share;
