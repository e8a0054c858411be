//! Where the answers to reducer calls and heartbeats wait: the SDK's callbacks put them here,
//! the write path takes them.

pub mod answers;
pub mod heartbeat;
