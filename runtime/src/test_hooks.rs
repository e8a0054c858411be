//! Faults the toolkit's tests inject, behind the `test-hooks` feature: `tests/harness` turns it
//! on, so every test build has them, and a plain build of an app (what ships) has none of this.

use std::path::PathBuf;

/// What a test asks of the data layer, from the environment of the process (a device or the
/// headless app the test starts) or set on its `DataConfig`.
#[derive(Clone, Debug, Default)]
pub struct TestHooks {
    /// A module file to publish instead of the one built into the app (`HEYCAT_MODULE_WASM`).
    pub module_override: Option<PathBuf>,
    /// Make a migration fail when this step (`backup`, `publish`, `import`, `verify`) starts
    /// (`HEYCAT_MIGRATION_FAIL_AT`).
    pub migration_fail_at: Option<String>,
    /// End the process when a migration reaches this step, as a killed process would
    /// (`HEYCAT_MIGRATION_CRASH_AT`).
    pub migration_crash_at: Option<String>,
}

impl TestHooks {
    pub fn from_env() -> TestHooks {
        TestHooks {
            module_override: std::env::var_os("HEYCAT_MODULE_WASM").map(PathBuf::from),
            migration_fail_at: std::env::var("HEYCAT_MIGRATION_FAIL_AT").ok(),
            migration_crash_at: std::env::var("HEYCAT_MIGRATION_CRASH_AT").ok(),
        }
    }

    /// A migration reached `step`: the process dies there if the test asked for it.
    pub(crate) fn reached(&self, step: &str) {
        if self.migration_crash_at.as_deref() == Some(step) {
            std::process::abort();
        }
    }
}

/// The outbox, for tests that put writes in it the way an app offline does, or read it.
pub use crate::schema::table::queued_write;
pub use crate::store::outbox::{KeyChange, Outbox, OutboxEntry};
