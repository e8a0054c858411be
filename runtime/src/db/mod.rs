//! The database handle the generated commands use, [`Db`]: its state in `handle`, and what it
//! does in a file each: attaching a connection, the write path, reducer calls, the replay of
//! the outbox, reads, keys the module assigns, and the rows a joining device offers.

mod attach;
mod calls;
mod handle;
mod keys;
mod offer;
mod read;
mod replay;
mod write;

pub use calls::Written;
pub use handle::Db;
pub(crate) use read::Reader;
