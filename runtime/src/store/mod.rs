//! What the app keeps on this device to work offline, as JSON: the outbox of queued writes, the
//! local copy of the rows, the sync status told of them, this device's operation ids, the data
//! dir's lock, the rows a joining device brings, and the carrying of all that to a new schema
//! version. It knows no table's Rust type.

pub mod local;
pub mod lock;
pub mod offer;
pub mod op_ids;
pub mod outbox;
pub mod state;
pub mod status;
pub mod upgrade;
