//! Migrating the database to this app's schema version: the released plan (or, in development,
//! a draft's), carried out by `heycat_local_server::migrate` with its steps reported to the
//! frontend. A failed migration is kept until the user asks again.

use heycat_local_server::migrate::{Migration, Step};
use heycat_local_server::Api;
use heycat_plan::{DevMigration, Plan};
use spacetimedb_lib::db::raw_def::v9::RawModuleDefV9;

use super::link::ServerLink;
use crate::types::migration::MigrationStatus;
use crate::types::status::{Failure, FailureKind};

impl ServerLink {
    /// The migration from a draft of this app's schema version to this one, when the database
    /// runs that draft: the one `heycat-schema dev` handed the app, or one this development
    /// build carries (`tauri dev` rebuilt it after a schema save). A handed file that cannot be
    /// read, or that starts from another module, is logged and left aside: the app then does
    /// what it does without one.
    pub(super) fn dev_migration(&self, deployed: &RawModuleDefV9, current: u32) -> Option<Plan> {
        let Some(path) = self.config.dev_migration.as_ref() else {
            let deployed = heycat_canonical::describe(deployed);
            let drafts = self.db.schema().info().draft_migrations().unwrap_or_else(|e| {
                log::warn!("this build's draft migrations cannot be read ({e}); none used");
                Vec::new()
            });
            return drafts.into_iter().find(|d| d.plan.to == current && d.from_module == deployed).map(|d| d.plan);
        };
        let read = std::fs::read(path)
            .map_err(|e| e.to_string())
            .and_then(|bytes| serde_json::from_slice::<DevMigration>(&bytes).map_err(|e| e.to_string()));
        match read {
            Ok(dev) if dev.plan.to == current && dev.from_module == heycat_canonical::describe(deployed) => {
                Some(dev.plan)
            }
            Ok(_) => {
                log::warn!(
                    "the dev migration in {} starts from another module than the database runs; not used",
                    path.display()
                );
                None
            }
            Err(e) => {
                log::warn!("the dev migration in {} cannot be read ({e}); not used", path.display());
                None
            }
        }
    }

    /// This app's migration plan from the released schema version `from`.
    pub(super) fn plan_from(&self, from: u32) -> Result<Plan, Failure> {
        let to = self.db.schema().info().version;
        let plans = self.db.schema().info().plans().map_err(|e| {
            Failure::new(FailureKind::MigrationFailed, format!("this app's migration plans cannot be read: {e}"))
        })?;
        plans.into_iter().find(|p| p.from == from).ok_or_else(|| {
            Failure::new(
                FailureKind::MigrationFailed,
                format!("this app has no migration from schema version {from} to {to}"),
            )
        })
    }

    /// Migrates `database` through `plan` (when there is one) to this app's schema version;
    /// `old_module` is what runs there now (put back if the migration fails), `copy` where the
    /// new module is kept once it runs. A failure is kept: the migration is not tried again until the user asks
    /// (Retry) or the app restarts.
    #[allow(clippy::too_many_arguments)]
    pub(super) fn migrate(
        &mut self,
        api: &Api,
        database: &str,
        plan: Result<Plan, Failure>,
        carry: bool,
        wasm: &[u8],
        old_module: &[u8],
        copy: &std::path::Path,
    ) -> Result<(), Failure> {
        let result = plan.and_then(|plan| self.run_migration(api, database, plan, carry, wasm, old_module, copy));
        if let Err(failure) = &result {
            self.failed_migration = Some(failure.clone());
        }
        result
    }

    #[allow(clippy::too_many_arguments)]
    pub(super) fn run_migration(
        &self,
        api: &Api,
        database: &str,
        mut plan: Plan,
        carry: bool,
        wasm: &[u8],
        old_module: &[u8],
        copy: &std::path::Path,
    ) -> Result<(), Failure> {
        let (from, to) = (plan.from, plan.to);
        let failure = |message: String| Failure::new(FailureKind::MigrationFailed, message);
        plan.automatic &= !carry;
        let progress = |step: Step| {
            self.db.migration_changed(MigrationStatus::Running { from, to, step: step.into() });
            #[cfg(feature = "test-hooks")]
            self.config.test_hooks.reached(step.name());
        };
        let migration = Migration {
            api,
            database,
            plan: &plan,
            new_module: wasm,
            old_module,
            dir: &self.config.data_dir.join("backups"),
            progress: &progress,
            #[cfg(feature = "test-hooks")]
            fail_at: self.config.test_hooks.migration_fail_at.as_deref().and_then(step_named),
            #[cfg(not(feature = "test-hooks"))]
            fail_at: None,
        };
        match migration.run() {
            Ok(backup) => {
                heycat_local_server::private_files::write(copy, wasm)
                    .map_err(|e| failure(format!("cannot write {}: {e}", copy.display())))?;
                let backup = backup.map(|b| b.display().to_string());
                self.db.migration_changed(MigrationStatus::Done { from, to, backup });
                Ok(())
            }
            Err(failed) => {
                self.db.migration_changed(MigrationStatus::Failed {
                    from,
                    to,
                    message: failed.message.clone(),
                    restored: failed.restored,
                });
                Err(failure(format!(
                    "migrating the database from schema version {from} to {to} failed: {}",
                    failed.message
                )))
            }
        }
    }
}

#[cfg(feature = "test-hooks")]
fn step_named(name: &str) -> Option<Step> {
    [Step::Backup, Step::Publish, Step::Import, Step::Verify, Step::Restore].into_iter().find(|s| s.name() == name)
}
