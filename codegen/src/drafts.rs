//! The drafts of an unreleased schema version that development builds made on this machine.
//!
//! Under `tauri dev`, every save of a schema file rebuilds the app, and the new app finds its
//! database at the draft the previous build made: the same version number, another schema.
//! SpacetimeDB 1.2.0 cannot migrate most such changes itself (a column on a table with rows),
//! and the app's own plans start from releases. So a development build of a draft records the
//! draft (`<target>/heycat-drafts/<schema folder>/v<N>-<module>.json`) and carries the plan from
//! every earlier draft of the same version recorded here, as the migration `heycat-schema dev`
//! hands the app ([`DevMigration`]); the app takes the one that starts from the module its
//! database runs. A plan that would drop data (a column, a table declared removed) is left
//! out: nothing drops data without being asked, and `heycat-schema dev` asks.

use std::path::{Path, PathBuf};

use heycat_plan::{DevMigration, Plan};

use crate::error::Error;
use crate::module_build::fnv;
use crate::outputs::write_if_changed;
use crate::versions::{dropped_data, PlanBetween, Snapshot};

/// The drafts of one schema folder recorded in one target dir.
pub struct Drafts {
    dir: PathBuf,
}

impl Drafts {
    /// The drafts of `schema_dir` recorded under `target_dir`.
    pub fn of(target_dir: &Path, schema_dir: &Path) -> Drafts {
        let folder = schema_dir.canonicalize().unwrap_or_else(|_| schema_dir.to_owned());
        let name = folder.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
        let key = format!("{name}-{:016x}", fnv(folder.to_string_lossy().as_bytes()));
        Drafts { dir: target_dir.join("heycat-drafts").join(key) }
    }

    /// Records `draft` (a no-op when it is recorded already).
    pub fn record(&self, draft: &Snapshot) -> Result<(), Error> {
        write_if_changed(&self.dir.join(file_name(draft)), &draft.to_json()).map(drop)
    }

    /// The migrations to `current` from every other recorded draft of its version that
    /// drops nothing, oldest draft first.
    pub fn migrations_to(&self, current: &Snapshot) -> Vec<DevMigration> {
        let prefix = format!("v{}-", current.version);
        let Ok(entries) = std::fs::read_dir(&self.dir) else { return Vec::new() };
        let mut drafts: Vec<(std::time::SystemTime, Snapshot)> = entries
            .flatten()
            .filter(|entry| entry.file_name().to_string_lossy().starts_with(&prefix))
            .filter_map(|entry| {
                let modified = entry.metadata().and_then(|m| m.modified()).ok()?;
                let draft: Snapshot = serde_json::from_str(&std::fs::read_to_string(entry.path()).ok()?).ok()?;
                Some((modified, draft))
            })
            .filter(|(_, draft)| draft.version == current.version && !draft.same_schema(current))
            .collect();
        drafts.sort_by_key(|(modified, _)| *modified);
        drafts
            .into_iter()
            .filter_map(|(_, draft)| {
                let plan = Plan::between(&draft, current).ok()?;
                let safe = plan.refused.is_empty() && dropped_data(&plan, &draft).is_empty();
                safe.then(|| DevMigration { from_module: draft.module.clone(), plan })
            })
            .collect()
    }
}

/// `v<version>-<hash of its module>.json`.
fn file_name(draft: &Snapshot) -> String {
    format!("v{}-{:016x}.json", draft.version, fnv(draft.module.as_bytes()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Schema;

    /// The schema `fields` (of a table `note`), as a draft of version 2.
    fn draft(dir: &Path, fields: &str) -> Snapshot {
        let text = format!(
            "use heycat::prelude::*;\n#[heycat_table]\npub struct Note {{\n    #[primary_key]\n    pub id: String,\n{fields}}}\n"
        );
        std::fs::write(dir.join("notes.rs"), text).unwrap();
        let (sources, schema) = Schema::load(dir).unwrap();
        Snapshot::of(&sources, &schema, 2)
    }

    #[test]
    fn a_draft_carries_the_plans_from_the_earlier_drafts_of_its_version_that_drop_nothing() {
        let (schema_dir, target) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
        let drafts = Drafts::of(target.path(), schema_dir.path());
        let first = draft(schema_dir.path(), "    pub text: String,\n");
        let second = draft(schema_dir.path(), "    pub text: String,\n    #[default(false)]\n    pub pinned: bool,\n");
        let third = draft(schema_dir.path(), "    #[default(false)]\n    pub pinned: bool,\n");
        assert!(drafts.migrations_to(&second).is_empty(), "nothing recorded yet");

        drafts.record(&first).unwrap();
        drafts.record(&second).unwrap();
        drafts.record(&second).unwrap();
        let to_second = drafts.migrations_to(&second);
        assert_eq!(to_second.len(), 1, "from the first draft only (not from itself)");
        assert_eq!(to_second[0].from_module, first.module);
        assert_eq!((to_second[0].plan.from, to_second[0].plan.to), (2, 2));

        drafts.record(&third).unwrap();
        assert!(drafts.migrations_to(&third).is_empty(), "both earlier drafts have `text`, which the third drops");
        assert!(drafts.migrations_to(&first).is_empty(), "the later drafts have `pinned`, which the first drops");

        let mut released = second.clone();
        released.version = 3;
        assert!(drafts.migrations_to(&released).is_empty(), "drafts of another version are not used");
        let elsewhere = tempfile::tempdir().unwrap();
        assert!(Drafts::of(target.path(), elsewhere.path()).migrations_to(&second).is_empty(), "nor another schema's");
    }
}
