//! Faults the toolkit's tests inject, and what they count, behind the `test-hooks` feature:
//! `tests/harness` turns it on, so every test build has them, and a plain build of an app (what
//! ships) has none of this.

use std::path::PathBuf;

use heycat_contract::env;

/// What a test asks of the data layer, from the environment of the process (a device or the
/// headless app the test starts) or set on its `DataConfig`.
#[derive(Clone, Debug, Default)]
pub struct TestHooks {
    /// A module file to publish instead of the one built into the app (`HEYCAT_MODULE_WASM`).
    pub module_override: Option<PathBuf>,
    /// Make a migration fail when this step (`backup`, `publish`, `import`, `verify`) starts
    /// (`HEYCAT_MIGRATION_FAIL_AT`).
    pub migration_fail_at: Option<String>,
    /// Hold a migration for good when it reaches this step (`backup`, `publish`, `import`,
    /// `verify`), so that the test can kill the process there, as a crash would
    /// (`HEYCAT_MIGRATION_HOLD_AT`).
    pub migration_hold_at: Option<String>,
    /// Hold setting up sync for good when it reaches this step (`check`, `identity`, `publish`,
    /// `carry`, `switch`), or joining once it kept the rows it offers (`join`), for the test to
    /// kill the process there (`HEYCAT_SYNC_SETUP_HOLD_AT`).
    pub sync_setup_hold_at: Option<String>,
}

impl TestHooks {
    pub fn from_env() -> TestHooks {
        TestHooks {
            module_override: std::env::var_os(env::MODULE_WASM).map(PathBuf::from),
            migration_fail_at: std::env::var(env::MIGRATION_FAIL_AT).ok(),
            migration_hold_at: std::env::var(env::MIGRATION_HOLD_AT).ok(),
            sync_setup_hold_at: std::env::var(env::SYNC_SETUP_HOLD_AT).ok(),
        }
    }

    /// A migration reached `step` (its status says so already): it goes no further if the test
    /// asked to hold it there. The test ends the process; the library never does.
    pub(crate) fn reached(&self, step: &str) {
        hold_if(self.migration_hold_at.as_deref() == Some(step));
    }

    /// Setting up sync reached `step` (announced already): held there if the test asked.
    pub(crate) fn reached_sync_setup_step(&self, step: &str) {
        hold_if(self.sync_setup_hold_at.as_deref() == Some(step));
    }
}

/// Goes no further, for good, when `hold`.
fn hold_if(hold: bool) {
    if hold {
        loop {
            std::thread::park();
        }
    }
}

/// The outbox, for tests that put writes in it the way an app offline does, or read it.
pub use crate::schema::table::queued_write;
pub use crate::store::outbox::{KeyChange, Outbox, OutboxEntry};

/// Rows read for pages (see `pages::touched`).
pub(crate) static PAGE_ROWS_READ: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);

/// How many rows pages read so far in this process (converted from the connection's copy,
/// looked up in it, or decoded from the local copy): what the tests of a page's cost count.
pub fn rows_read_by_pages() -> u64 {
    PAGE_ROWS_READ.load(std::sync::atomic::Ordering::Relaxed)
}
