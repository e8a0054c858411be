//! What the code generated from an app's schema implements and calls: the [`bindings::Schema`]
//! trait and its description of the tables, the typed table access, the type-erased table
//! driver the rest of the runtime uses, and the SDK connection's callbacks.

pub mod bindings;
pub mod connector;
mod dev_module;
pub mod driver;
pub mod info;
pub mod live;
pub mod table;
pub mod table_watch;
pub mod watch;
