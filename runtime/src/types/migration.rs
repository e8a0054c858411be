//! What the frontend hears of a migration of the database to this app's schema version.

use heycat_local_server::migrate::Step;

/// What the frontend hears of a migration.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, specta::Type)]
#[serde(tag = "state", rename_all = "camelCase")]
pub enum MigrationStatus {
    /// Under way, at `step`.
    Running { from: u32, to: u32, step: MigrationStep },
    /// The database is at the new version with all its data.
    Done { from: u32, to: u32, backup: Option<String> },
    /// It failed; the database is back at `from` with all its data (when `restored`).
    Failed { from: u32, to: u32, message: String, restored: bool },
}

/// A migration's steps, in order (`restore` only when one failed).
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub enum MigrationStep {
    /// The old data is written to a backup file and checked.
    Backup,
    /// The new module is published.
    Publish,
    /// The data is put back through the migration plan.
    Import,
    /// The row counts are compared with the backup's.
    Verify,
    /// A failed migration puts the old module and data back.
    Restore,
}

impl From<Step> for MigrationStep {
    fn from(step: Step) -> Self {
        match step {
            Step::Backup => MigrationStep::Backup,
            Step::Publish => MigrationStep::Publish,
            Step::Import => MigrationStep::Import,
            Step::Verify => MigrationStep::Verify,
            Step::Restore => MigrationStep::Restore,
        }
    }
}
