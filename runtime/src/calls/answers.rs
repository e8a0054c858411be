//! Writes waiting for their reducer's result, by operation id: the write path registers one
//! before it sends, the reducers' result callbacks complete it.
//!
//! A write that waited too long is abandoned (it is queued instead); its answer, when it
//! comes late, is kept, so the queue knows the write's outcome without sending it again.

use std::collections::{HashMap, HashSet};
use std::sync::{Arc, Mutex, PoisonError};

use spacetimedb_sdk::Status;
use tokio::sync::oneshot;

use crate::types::error::{DataError, ErrorKind};

/// Where a write's result goes once its reducer reports.
type ResultSender = oneshot::Sender<Result<(), DataError>>;

/// Late answers kept at most; past this the oldest outcomes are found out by sending again.
const LATE_KEPT: usize = 10_000;

#[derive(Default)]
struct Waiting {
    /// Writes whose caller waits, by operation id.
    callers: HashMap<String, ResultSender>,
    /// Writes whose caller gave up waiting.
    abandoned: HashSet<String>,
    /// Answers that came for abandoned writes.
    late: HashMap<String, Result<(), DataError>>,
}

/// Writes waiting for their reducer's result, by operation id; cheap to clone.
#[derive(Clone, Default)]
pub struct Pending(Arc<Mutex<Waiting>>);

impl Pending {
    fn lock(&self) -> std::sync::MutexGuard<'_, Waiting> {
        self.0.lock().unwrap_or_else(PoisonError::into_inner)
    }

    pub(crate) fn register(&self, op_id: String) -> oneshot::Receiver<Result<(), DataError>> {
        let (tx, rx) = oneshot::channel();
        let mut waiting = self.lock();
        waiting.abandoned.remove(&op_id);
        waiting.callers.insert(op_id, tx);
        rx
    }

    /// How many writes wait for an answer now.
    pub(crate) fn waiting(&self) -> usize {
        self.lock().callers.len()
    }

    /// The write was never sent: there will be no answer.
    pub(crate) fn forget(&self, op_id: &str) {
        self.lock().callers.remove(op_id);
    }

    /// The caller stops waiting for `op_id`; an answer that comes later is kept (see [`Pending::late`]).
    pub(crate) fn abandon(&self, op_id: &str) {
        let mut waiting = self.lock();
        waiting.callers.remove(op_id);
        if waiting.abandoned.len() < LATE_KEPT {
            waiting.abandoned.insert(op_id.to_owned());
        }
    }

    /// The answer that came for the abandoned write `op_id`, if one came.
    pub(crate) fn late(&self, op_id: &str) -> Option<Result<(), DataError>> {
        let mut waiting = self.lock();
        let answer = waiting.late.remove(op_id)?;
        waiting.abandoned.remove(op_id);
        Some(answer)
    }

    /// A write reducer reported `status` for operation `op_id`.
    pub(crate) fn complete(&self, status: &Status, op_id: &str) {
        let result = match status {
            Status::Committed => Ok(()),
            Status::Failed(message) => Err(DataError::from_reducer(message)),
            Status::OutOfEnergy => {
                Err(DataError::new(ErrorKind::Server, "the server ran out of energy for this write"))
            }
        };
        let mut waiting = self.lock();
        if let Some(caller) = waiting.callers.remove(op_id) {
            let _ = caller.send(result);
        } else if waiting.abandoned.contains(op_id) {
            waiting.late.insert(op_id.to_owned(), result);
        }
        // Otherwise another client's write.
    }

    /// Fails every waiting write, e.g. when the connection dropped.
    pub(crate) fn fail_all(&self, error: &DataError) {
        for (_, caller) in self.lock().callers.drain() {
            let _ = caller.send(Err(error.clone()));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_answer_after_the_caller_gave_up_is_kept_for_the_queue() {
        let pending = Pending::default();
        let waiting = pending.register("op-1".into());
        pending.abandon("op-1");
        drop(waiting);
        assert!(pending.late("op-1").is_none(), "no answer yet");
        pending.complete(&Status::Committed, "op-1");
        assert_eq!(pending.late("op-1"), Some(Ok(())));
        assert!(pending.late("op-1").is_none(), "taken once");
        pending.complete(&Status::Committed, "someone-elses-op");
        assert!(pending.late("someone-elses-op").is_none(), "only abandoned writes are kept");
    }

    #[test]
    fn a_waiting_caller_gets_the_answer() {
        let pending = Pending::default();
        let mut waiting = pending.register("op-2".into());
        pending.complete(&Status::Failed("not_found: gone".into()), "op-2");
        let answer = waiting.try_recv().unwrap().unwrap_err();
        assert_eq!((answer.kind, answer.message.as_str()), (ErrorKind::NotFound, "gone"));
    }
}
