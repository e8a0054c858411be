//! The runtime the generated commands use.

mod changes;
mod conflicts;
mod db;
mod error;
pub mod outbox;

pub use changes::{ChangeSink, TableChange};
pub use conflicts::{ConflictResolution, ConflictView, CONFLICT_EVENT};
pub use db::{ConnectOptions, Db, Pending};
pub use error::{DataError, ErrorKind};
