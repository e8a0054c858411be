//! The runtime the generated commands use.

mod changes;
mod conflicts;
mod db;
mod error;
pub mod local;
pub mod outbox;
mod sync;

pub use changes::{ChangeSink, TableChange};
pub use conflicts::{ConflictResolution, ConflictView, CONFLICT_EVENT};
pub(crate) use db::Reader;
pub use db::{ConnectOptions, Db, Pending, Written};
pub use error::{DataError, ErrorKind};
pub use sync::{Rejected, SyncStatus, SYNC_EVENT};
