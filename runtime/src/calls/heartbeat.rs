//! Whether the server still answers. spacetimedb-sdk 1.2.0 notices a dead connection only after
//! a minute of silence (its websocket ping), and a stalled one (a paused server, a Wi-Fi stall:
//! the socket stays open, nothing arrives) not sooner; so while connected the runtime makes a
//! round trip of its own every second (the module's no-op version reducer, which writes nothing
//! to the server's disk) and calls the connection stalled when one takes longer than
//! [`STALL_AFTER`].

use std::sync::{Arc, Condvar, Mutex, PoisonError};
use std::time::{Duration, Instant};

/// How often a connected client checks that the server answers.
pub(crate) const HEARTBEAT_EVERY: Duration = Duration::from_secs(1);
/// A round trip slower than this means the connection stalled. Far above any healthy round
/// trip (sub-millisecond on loopback, a few hundred ms to a remote server under load).
pub(crate) const STALL_AFTER: Duration = Duration::from_secs(3);

/// The answers a connection's heartbeats got, counted; cheap to clone.
#[derive(Clone, Default)]
pub(crate) struct Heartbeat(Arc<(Mutex<u64>, Condvar)>);

impl Heartbeat {
    /// The server answered a heartbeat.
    pub(crate) fn answered(&self) {
        let (count, answered) = &*self.0;
        *count.lock().unwrap_or_else(PoisonError::into_inner) += 1;
        answered.notify_all();
    }

    /// Answers seen so far.
    pub(crate) fn count(&self) -> u64 {
        *self.0 .0.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Waits until more than `seen` answers arrived; returns how long that took, or `None`
    /// after `timeout`.
    pub(crate) fn wait_beyond(&self, seen: u64, timeout: Duration) -> Option<Duration> {
        let start = Instant::now();
        let (count, answered) = &*self.0;
        let guard = count.lock().unwrap_or_else(PoisonError::into_inner);
        let (guard, _) =
            answered.wait_timeout_while(guard, timeout, |n| *n <= seen).unwrap_or_else(PoisonError::into_inner);
        (*guard > seen).then(|| start.elapsed())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_wait_ends_at_the_next_answer_or_times_out() {
        let heartbeat = Heartbeat::default();
        assert_eq!(heartbeat.wait_beyond(0, Duration::from_millis(30)), None, "no answer yet");
        let answering = heartbeat.clone();
        let thread = std::thread::spawn(move || {
            std::thread::sleep(Duration::from_millis(20));
            answering.answered();
        });
        assert!(heartbeat.wait_beyond(0, Duration::from_secs(5)).is_some());
        thread.join().unwrap();
        assert_eq!(heartbeat.count(), 1);
        assert_eq!(heartbeat.wait_beyond(1, Duration::from_millis(30)), None, "an old answer does not count");
    }
}
