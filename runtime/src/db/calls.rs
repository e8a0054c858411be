//! Reducer calls: sending one under an operation id and taking its answer (or learning that its
//! outcome is unknown).

use std::sync::Arc;
use std::time::Duration;

use serde_json::Value;
use tokio::sync::oneshot;

use super::Db;
use crate::schema::live::{Live, SdkResult};
use crate::types::error::{DataError, ErrorKind};

/// How long a call that cannot be queued (settling a conflict, a table that does not sync)
/// waits before it fails with `timeout`.
const CALL_WAIT: Duration = Duration::from_secs(1);

/// How a write went.
pub enum Written {
    /// The server confirmed it (the write with this operation id), on this connection (whose
    /// copy holds the row now).
    Online(Arc<dyn Live>, String),
    /// Queued for the server; the row as the local copy now holds it (none for a delete).
    Queued(Option<Value>),
}

/// Sends a write to the server: given the connection and a fresh operation id, calls the
/// reducer (the outer error: the write could not even be formed).
pub(crate) type SendWrite<'a> = Box<dyn FnOnce(&dyn Live, String) -> Result<SdkResult, DataError> + Send + 'a>;

/// Where a call's answer comes.
pub(super) type Answer = oneshot::Receiver<Result<(), DataError>>;

/// Why a reducer call did not succeed.
pub(super) enum CallFailure {
    /// The server refused it (or it never left): nothing happened.
    Refused(DataError),
    /// It was sent, and the connection went before the result came: it may have happened.
    Unknown(DataError),
}
impl Db {
    /// Calls a reducer (through `send`, given the connection and a fresh operation id) and
    /// waits for its result; returns the connection it was confirmed on, with the operation
    /// id. Needs a connection: nothing is queued.
    pub(crate) async fn call(&self, send: SendWrite<'_>) -> Result<Written, DataError> {
        let connection = self.connection()?;
        let op_id = self.op_ids.next();
        match self.call_as(&*connection, op_id.clone(), send, CALL_WAIT).await {
            Ok(()) => Ok(Written::Online(connection, op_id)),
            Err(CallFailure::Refused(e) | CallFailure::Unknown(e)) => Err(e),
        }
    }

    pub(super) async fn call_as(
        &self,
        connection: &dyn Live,
        op_id: String,
        send: SendWrite<'_>,
        wait: Duration,
    ) -> Result<(), CallFailure> {
        let answer = self.send_call(connection, &op_id, send)?;
        let answer = tokio::time::timeout(wait, answer).await.ok();
        self.settle(connection, &op_id, answer, wait)
    }

    /// Sends a reducer call and returns where its answer will come.
    pub(super) fn send_call(
        &self,
        connection: &dyn Live,
        op_id: &str,
        send: SendWrite<'_>,
    ) -> Result<Answer, CallFailure> {
        let answer = self.pending.register(op_id.to_owned());
        // A connection whose SDK thread died can panic in the SDK (see `Live`): not sent.
        let sent = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| send(connection, op_id.to_owned())))
            .unwrap_or_else(|_| Err(DataError::new(ErrorKind::Offline, "the connection to the server ended")));
        // Not sent because the connection is going or gone: not done, to be sent again (queued
        // by a write, kept by the replay). Anything else refuses the write for good.
        match sent {
            Ok(Ok(())) => Ok(answer),
            Ok(Err(e)) => {
                self.pending.forget(op_id);
                Err(CallFailure::Unknown(DataError::new(
                    ErrorKind::Offline,
                    format!("the write could not be sent: {e}"),
                )))
            }
            Err(e) if e.kind == ErrorKind::Offline => {
                self.pending.forget(op_id);
                Err(CallFailure::Unknown(e))
            }
            Err(e) => {
                self.pending.forget(op_id);
                Err(CallFailure::Refused(e))
            }
        }
    }

    /// What an answer (none: the wait of `waited` ended first) means for the call `op_id`.
    pub(super) fn settle(
        &self,
        connection: &dyn Live,
        op_id: &str,
        answer: Option<Result<Result<(), DataError>, oneshot::error::RecvError>>,
        waited: Duration,
    ) -> Result<(), CallFailure> {
        match answer {
            Some(Ok(Ok(()))) => match self.schema.conflict(connection, op_id) {
                Ok(Some(conflict)) => Err(CallFailure::Refused(DataError::new(
                    ErrorKind::Conflict,
                    format!(
                        "this {} row changed since you loaded it (you edited version {}); your change is kept as a conflict to resolve",
                        conflict.table, conflict.base_version
                    ),
                ))),
                Ok(None) => Ok(()),
                Err(e) => Err(CallFailure::Refused(e)),
            },
            Some(Ok(Err(e))) if e.kind == ErrorKind::Offline => Err(CallFailure::Unknown(e)),
            Some(Ok(Err(e))) => Err(CallFailure::Refused(e)),
            Some(Err(_)) => Err(CallFailure::Unknown(DataError::new(
                ErrorKind::Offline,
                "the connection closed before the write was confirmed",
            ))),
            None => {
                // A late answer is kept for the queue, which then need not send it again.
                self.pending.abandon(op_id);
                Err(CallFailure::Unknown(DataError::new(
                    ErrorKind::Timeout,
                    format!("the server did not answer within {} ms; the write may still be applied", waited.as_millis()),
                )))
            }
        }
    }
}
