//! The runtime the generated commands use.

mod db;
mod error;

pub use db::{ConnectOptions, Db, Pending};
pub use error::{DataError, ErrorKind};
