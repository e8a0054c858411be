//! Writes waiting for their reducer's result, by operation id: the write path registers one
//! before it sends, the reducers' result callbacks complete it.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, PoisonError};

use spacetimedb_sdk::Status;
use tokio::sync::oneshot;

use crate::error::{DataError, ErrorKind};

/// Where a write's result goes once its reducer reports.
type ResultSender = oneshot::Sender<Result<(), DataError>>;

/// Writes waiting for their reducer's result, by operation id.
#[derive(Clone, Default)]
pub struct Pending(Arc<Mutex<HashMap<String, ResultSender>>>);

impl Pending {
    pub(crate) fn register(&self, op_id: String) -> oneshot::Receiver<Result<(), DataError>> {
        let (tx, rx) = oneshot::channel();
        self.0.lock().unwrap_or_else(PoisonError::into_inner).insert(op_id, tx);
        rx
    }

    pub(crate) fn forget(&self, op_id: &str) {
        self.0.lock().unwrap_or_else(PoisonError::into_inner).remove(op_id);
    }

    /// A write reducer reported `status` for operation `op_id`.
    pub(crate) fn complete(&self, status: &Status, op_id: &str) {
        let Some(waiter) = self.0.lock().unwrap_or_else(PoisonError::into_inner).remove(op_id) else {
            // Another client's write, or one whose caller gave up waiting.
            return;
        };
        let result = match status {
            Status::Committed => Ok(()),
            Status::Failed(message) => Err(DataError::from_reducer(message)),
            Status::OutOfEnergy => {
                Err(DataError::new(ErrorKind::Server, "the server ran out of energy for this write"))
            }
        };
        let _ = waiter.send(result);
    }

    /// Fails every waiting write, e.g. when the connection dropped.
    pub(crate) fn fail_all(&self, error: &DataError) {
        for (_, waiter) in self.0.lock().unwrap_or_else(PoisonError::into_inner).drain() {
            let _ = waiter.send(Err(error.clone()));
        }
    }
}
