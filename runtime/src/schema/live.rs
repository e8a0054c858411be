//! A live SDK connection, whatever the schema.

use std::any::Any;

use spacetimedb_sdk::DbContext;

use crate::types::error::DataError;

/// Whether the SDK sent a reducer call (the outer `Result` of a send is whether the runtime
/// could form the call at all).
pub type SdkResult = spacetimedb_sdk::Result<()>;

/// A live SDK connection, whatever the schema: what the runtime needs of it without knowing its
/// type. Generated code gets its own type back with [`downcast`].
pub trait Live: Send + Sync + 'static {
    fn is_active(&self) -> bool;
    fn disconnect(&self);
    fn as_any(&self) -> &dyn Any;
}

// spacetimedb-sdk 1.2.0 panics on its message thread when a reducer call meets a websocket
// loop that has just ended (`expect` on the closed channel), poisoning the lock `is_active` and
// `disconnect` take, which then panic on every thread: such a connection is over, not a reason
// for a command to fail.
impl<C: DbContext + Send + Sync + 'static> Live for C {
    fn is_active(&self) -> bool {
        std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| DbContext::is_active(self))).unwrap_or(false)
    }

    fn disconnect(&self) {
        let _ = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| DbContext::disconnect(self)));
    }

    fn as_any(&self) -> &dyn Any {
        self
    }
}

/// The connection as the bindings' own type.
pub fn downcast<C: 'static>(conn: &dyn Live) -> Result<&C, DataError> {
    conn.as_any().downcast_ref::<C>().ok_or_else(|| {
        DataError::internal(format!(
            "the connection is not a {} (bindings of another schema?)",
            std::any::type_name::<C>()
        ))
    })
}
