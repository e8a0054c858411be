//! The server a device uses, apart from the session on it: starting the embedded one,
//! publishing the app's module, checking that the database is this app's and at which
//! version, and migrating it.

mod compat;
pub mod link;
mod migrate;
