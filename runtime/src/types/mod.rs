//! The bottom layer: the values the data layer hands the app and its frontend (statuses,
//! errors, row changes, conflicts, pages). It imports nothing else of the runtime.

pub mod args;
pub mod changes;
pub mod conflict;
pub mod error;
pub mod key;
pub mod migration;
pub mod order;
pub mod page;
pub mod provisional;
pub mod status;
pub mod sync_setup;
pub mod sync_status;
