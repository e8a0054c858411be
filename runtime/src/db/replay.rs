//! The replay of the outbox: every queued write sent in order, exactly once, on (re)connect.

use std::time::Duration;

use super::calls::{Answer, CallFailure};
use super::Db;
use crate::schema::live::Live;
use crate::store::outbox::WriteKind;
use crate::types::error::{DataError, ErrorKind};
use crate::types::sync_status::Rejected;

/// How long the replay of a queued write waits; nobody waits on it, and a resend is harmless
/// but useless while the first send may still be answered.
const REPLAY_WAIT: Duration = Duration::from_secs(2);
/// How many queued writes a replay sends before it takes their answers.
const REPLAY_WINDOW: usize = 1000;

/// A queued write in a replay window: its answer, or why it was not sent.
enum Sent {
    /// Sent; its answer comes here.
    Waiting(Answer),
    /// An earlier send's answer came after its sender gave up.
    Answered(Result<(), DataError>),
    Failed(CallFailure),
}

impl Db {
    /// Sends every queued write, in order, each under its own operation id, and removes it from
    /// the outbox once the server confirmed it (or refused it for good: then it is reported as
    /// rejected). Stops at the first write whose outcome is unknown; the next connect goes on.
    ///
    /// Writes go out `REPLAY_WINDOW` at a time without waiting for each other's answers: the
    /// server runs one connection's calls in the order they were sent, so they apply in order,
    /// and their answers are then taken in that order. A window ends after an insert whose key
    /// the module gives: the writes after it may name that key, which is known only once it
    /// is applied.
    pub async fn replay(&self) {
        let Ok(connection) = self.connection() else { return };
        let info = self.schema.info();
        let mut done = 0;
        loop {
            let (window, total) = {
                let mut sync = self.sync();
                let pending = sync.queued();
                if pending.is_empty() {
                    sync.syncing(None);
                    break;
                }
                let total = done + pending.len();
                let mut window = Vec::new();
                for entry in pending.iter().take(REPLAY_WINDOW) {
                    window.push(entry.clone());
                    let assigned = info.table(&entry.table).is_some_and(|t| t.auto_inc_key());
                    if assigned && entry.kind == WriteKind::Insert {
                        break;
                    }
                }
                sync.syncing(Some([done, total]));
                (window, total)
            };
            self.status.changed();
            // Sent in order, until one cannot be sent.
            let mut answers = Vec::with_capacity(window.len());
            for entry in &window {
                let answer = match (self.pending.late(&entry.op_id), info.table(&entry.table)) {
                    // The answer to an earlier send of this write came after its sender gave up.
                    (Some(result), _) => Sent::Answered(result),
                    (None, Some(table)) => {
                        let send = Box::new(move |conn: &dyn Live, op_id| table.send_entry(conn, entry, op_id));
                        match self.send_call(&*connection, &entry.op_id, send) {
                            Ok(answer) => Sent::Waiting(answer),
                            Err(failure) => Sent::Failed(failure),
                        }
                    }
                    (None, None) => Sent::Failed(CallFailure::Refused(DataError::unknown_write(entry))),
                };
                let stop = matches!(answer, Sent::Failed(CallFailure::Unknown(_)));
                answers.push(answer);
                if stop {
                    break;
                }
            }
            // Answers taken in order; the writes settled are confirmed together.
            let (mut settled, mut stopped) = (Vec::with_capacity(answers.len()), false);
            let mut answers = answers.into_iter().zip(&window);
            for (answer, entry) in answers.by_ref() {
                let outcome = match answer {
                    Sent::Answered(Ok(())) => Ok(()),
                    Sent::Answered(Err(e)) => Err(CallFailure::Refused(e)),
                    Sent::Waiting(answer) => {
                        let answer = tokio::time::timeout(REPLAY_WAIT, answer).await.ok();
                        self.settle(&*connection, &entry.op_id, answer, REPLAY_WAIT)
                    }
                    Sent::Failed(failure) => Err(failure),
                };
                let mut sync = self.sync();
                match outcome {
                    Ok(())
                        if entry.kind == WriteKind::Insert
                            && info.table(&entry.table).is_some_and(|t| t.auto_inc_key()) =>
                    {
                        // Under a provisional key: the module gave the row its own; the writes
                        // still queued and the local copy take it (durably) before this one is
                        // done.
                        if let Err(e) = self.take_assigned_key(&*connection, &mut sync, entry) {
                            sync.damaged(format!("cannot update the outbox: {e}"));
                            stopped = true;
                            break;
                        }
                    }
                    // A conflict is recorded on the server and reported as its own event.
                    Ok(()) => {}
                    Err(CallFailure::Refused(e)) if e.kind == ErrorKind::Conflict => {}
                    Err(CallFailure::Refused(e)) => sync.rejected(Rejected {
                        op_id: entry.op_id.clone(),
                        table: entry.table.clone(),
                        kind: e.kind,
                        message: e.message,
                        field: e.field,
                        value: e.value,
                    }),
                    Err(CallFailure::Unknown(_)) => {
                        stopped = true;
                        break;
                    }
                }
                settled.push(entry);
            }
            // Writes sent after one whose outcome is unknown: their answers, should they come,
            // are kept for the next replay, which then need not send them again.
            for (answer, entry) in answers {
                if let Sent::Waiting(_) = answer {
                    self.pending.abandon(&entry.op_id);
                }
            }
            let mut sync = self.sync();
            if let Err(e) = sync.confirmed(settled.iter().copied()) {
                sync.damaged(format!("cannot update the outbox: {e}"));
                stopped = true;
            }
            done += settled.len();
            sync.syncing((!stopped).then_some([done, total]));
            if stopped {
                break;
            }
        }
        self.refresh_local_copy();
        self.status.changed();
    }
}
