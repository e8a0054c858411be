//! What the code generated from an app's schema tells the runtime: the schema's facts
//! ([`SchemaInfo`](crate::__private::SchemaInfo)), how to connect with its SDK bindings ([`Schema`]), and, per table, how to
//! read and write its rows through them ([`TableAccess`](crate::TableAccess)). Everything else in the runtime is
//! written once against these traits and names no table of any app.

use std::sync::Arc;

use crate::schema::connector::Connector;
use crate::schema::info::SchemaInfo;
use crate::schema::live::{Live, SdkResult};
use crate::types::conflict::ConflictRecord;
use crate::types::error::DataError;

/// One schema, with its SDK bindings. Implemented by the generated code.
pub trait Schema: Send + Sync + 'static {
    fn info(&self) -> &'static SchemaInfo;

    /// Builds a connection with the bindings' `DbConnection::builder()` through `connector`,
    /// registers every table's `TableAccess::watch` and the conflict callbacks, and runs it
    /// on its own thread.
    fn connect(&self, connector: Connector) -> Result<Arc<dyn Live>, DataError>;

    /// Calls the module's no-op version reducer: a round trip whose answer (through
    /// `Watch::heartbeat_answered`, registered by `connect`) says the server still answers.
    fn heartbeat(&self, conn: &dyn Live) -> Result<SdkResult, DataError>;

    /// Every conflict record the connection can see.
    fn conflicts(&self, conn: &dyn Live) -> Result<Vec<ConflictRecord>, DataError>;

    /// The conflict recorded for operation `id`, if any.
    fn conflict(&self, conn: &dyn Live, id: &str) -> Result<Option<ConflictRecord>, DataError>;

    /// Drops the conflict `id` (the server's row stays): `heycat_conflict_dismiss`.
    fn dismiss_conflict(&self, conn: &dyn Live, id: String, op_id: String) -> Result<SdkResult, DataError>;

    /// The key (in decimal) the module gave the row that insert `op_id` made into a table
    /// with an `#[auto_inc]` key, once the connection's copy has it.
    fn assigned_key(&self, conn: &dyn Live, op_id: &str) -> Result<Option<String>, DataError>;
}
