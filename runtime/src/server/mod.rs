//! The server a device uses, apart from the session on it: starting the embedded one,
//! publishing the app's module, checking that the database is this app's and at which
//! version, migrating it, setting up a shared server with this device's data, and moving the user's
//! data away from a device the user forgot.

mod compat;
pub mod forget;
pub mod link;
mod migrate;
pub mod share;
