//! How long stopping a server takes, for this process's own server and for one a killed
//! process left behind alike.

use std::time::Duration;

/// How long a server is given to end once asked.
pub(crate) const STOP_TIMEOUT: Duration = Duration::from_secs(10);
/// spacetimedb-standalone 1.2.0 keeps committed transactions in a buffer and flushes and
/// fsyncs its commitlog every 500 ms (`spacetimedb_durability::local::Options`); it has no
/// signal handler that flushes on exit. A graceful stop waits this long first, so every write
/// that returned Ok is on disk.
pub(crate) const DURABILITY_WAIT: Duration = Duration::from_millis(600);
