//! The runtime the generated commands use.

mod changes;
mod db;
mod error;

pub use changes::{ChangeSink, TableChange};
pub use db::{ConnectOptions, Db, Pending};
pub use error::{DataError, ErrorKind};
