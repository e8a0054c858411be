//! Carries a database to a new schema version when SpacetimeDB cannot migrate it by itself.
//!
//! 1. Hold every write of the database (`heycat_hold_writes`, renewed as the migration goes, lapsing
//!    should it die; devices keep their writes and send them later); export every table of the
//!    old version and write the backup (`<database>-v<from>-to-v<to>-<time>.json`), synced, then
//!    read it again and check its row counts and content hash.
//! 2. Write a journal saying a migration is under way and where its backup is.
//! 3. Publish the new module, clearing the old data (`?clear=true`).
//! 4. Fill every table of the new version from the backup through the plan (renames, defaults,
//!    conversions) with the module's `heycat_import_<table>` reducers; check the row counts.
//! 5. Lift the hold and remove the journal.
//!
//! When anything fails after step 2, the old module is published again (clearing) and the
//! backup imported into it, so the database is back at the old version with all its data. A
//! journal found at start (the process died mid-way) is recovered the same way before the
//! migration is tried again. The backup stays either way.

use std::collections::BTreeMap;
use std::io::Write;
use std::path::{Path, PathBuf};

use heycat_plan::Plan;
use serde_json::{json, Value};

use crate::api::Api;
use crate::error::Error;
use crate::private_files;
use crate::rows::sql_rows;

/// A step of a migration, as progress reports name it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Step {
    Backup,
    Publish,
    Import,
    Verify,
    Restore,
}

impl Step {
    pub fn name(self) -> &'static str {
        match self {
            Step::Backup => "backup",
            Step::Publish => "publish",
            Step::Import => "import",
            Step::Verify => "verify",
            Step::Restore => "restore",
        }
    }
}

/// What a migration needs.
pub struct Migration<'a> {
    pub api: &'a Api,
    pub database: &'a str,
    pub plan: &'a Plan,
    /// The new version's module.
    pub new_module: &'a [u8],
    /// The module the database runs now (to put it back if the migration fails).
    pub old_module: &'a [u8],
    /// Where backups and the journal are kept.
    pub dir: &'a Path,
    /// Hears each step as it starts.
    pub progress: &'a dyn Fn(Step),
    /// For tests: fail on purpose when this step starts. Only a build with the `test-hooks`
    /// feature does; any other leaves it unread.
    pub fail_at: Option<Step>,
}

/// A migration that did not complete.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Failed {
    /// What went wrong, in words.
    pub message: String,
    /// Whether the database is back at the old version with all its data.
    pub restored: bool,
    /// The backup, when one was written.
    pub backup: Option<PathBuf>,
}

/// Every row of a database's tables (SpacetimeDB's JSON), with their counts and a content hash:
/// a migration's backup, and the app's exports.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Backup {
    /// The schema version the rows are of.
    pub version: u32,
    pub tables: BTreeMap<String, Vec<Value>>,
    pub counts: BTreeMap<String, usize>,
    pub hash: String,
}

/// What a migration under way left behind. Its files are named as they are in the journal's
/// folder, so a data dir that was moved still recovers.
#[derive(serde::Serialize, serde::Deserialize)]
struct Journal {
    from: u32,
    to: u32,
    backup: PathBuf,
    old_module: PathBuf,
}

impl Journal {
    /// `path` as a file of `dir` (journals of earlier versions hold absolute paths).
    fn in_dir(dir: &Path, path: &Path) -> PathBuf {
        path.file_name().map_or_else(|| path.to_owned(), |name| dir.join(name))
    }
}

const JOURNAL: &str = "migration-journal.json";

impl Migration<'_> {
    /// Runs the migration: by publishing when SpacetimeDB can migrate the database itself,
    /// otherwise by carrying the data. Returns the backup written, if any.
    pub fn run(&self) -> Result<Option<PathBuf>, Failed> {
        let failed = |message: String, restored, backup| Failed { message, restored, backup };
        if self.plan.automatic {
            (self.progress)(Step::Publish);
            match self.api.publish(self.database, self.new_module) {
                Ok(()) => return Ok(None),
                // The server's word is final: it wants the data carried.
                Err(Error::Http { status: 400, body }) if body.contains("manual migration") => {}
                Err(e) => return Err(failed(format!("publishing the new module failed: {e}"), true, None)),
            }
        }
        self.step(Step::Backup).map_err(|m| failed(m, true, None))?;
        // From the backup on, the database takes no write (other devices keep theirs and send
        // them later), so none is made after the backup and lost with the old data.
        hold_writes(self.api, self.database)
            .map_err(|m| failed(format!("the backup failed, nothing was changed: {m}"), true, None))?;
        let unchanged = |m: String, backup: Option<PathBuf>| {
            release_writes(self.api, self.database);
            failed(m, true, backup)
        };
        let backup =
            self.export().map_err(|m| unchanged(format!("the backup failed, nothing was changed: {m}"), None))?;
        let path = self.dir.join(backup_name(self.database, self.plan.from, self.plan.to));
        backup.write(&path).map_err(|m| unchanged(format!("the backup failed, nothing was changed: {m}"), None))?;
        let old_module = self.dir.join(module_name(self.database, self.plan.from));
        let name = |path: &Path| path.file_name().map(PathBuf::from).unwrap_or_default();
        let journal =
            Journal { from: self.plan.from, to: self.plan.to, backup: name(&path), old_module: name(&old_module) };
        write_synced(&old_module, self.old_module).and_then(|()| write_journal(self.dir, &journal)).map_err(|m| {
            unchanged(format!("cannot write the migration journal, nothing was changed: {m}"), Some(path.clone()))
        })?;

        match self.carry(&backup) {
            Ok(()) => {
                let _ = std::fs::remove_file(self.dir.join(JOURNAL));
                Ok(Some(path))
            }
            Err(message) => {
                (self.progress)(Step::Restore);
                let restored = restore(self.api, self.database, self.old_module, &backup);
                if restored.is_ok() {
                    let _ = std::fs::remove_file(self.dir.join(JOURNAL));
                }
                Err(Failed {
                    message: match &restored {
                        Ok(()) => {
                            format!("{message}; the database is back at version {} with all its data", self.plan.from)
                        }
                        Err(e) => format!(
                            "{message}; putting the old version back failed too ({e}); the backup is {}",
                            path.display()
                        ),
                    },
                    restored: restored.is_ok(),
                    backup: Some(path),
                })
            }
        }
    }

    fn step(&self, step: Step) -> Result<(), String> {
        (self.progress)(step);
        #[cfg(feature = "test-hooks")]
        if self.fail_at == Some(step) {
            return Err(format!("the {} step failed (injected for a test)", step.name()));
        }
        Ok(())
    }

    fn export(&self) -> Result<Backup, String> {
        Backup::export(self.api, self.database, self.plan.from, &self.plan.old_tables)
    }

    fn carry(&self, backup: &Backup) -> Result<(), String> {
        self.step(Step::Publish)?;
        publish_cleared(self.api, self.database, self.new_module)
            .map_err(|e| format!("publishing the new module failed: {e}"))?;
        self.step(Step::Import)?;
        let mut expected = BTreeMap::new();
        for table in &self.plan.tables {
            let Some(from) = &table.from else { continue };
            let rows = backup.tables.get(from).cloned().unwrap_or_default();
            let converted = rows.iter().map(|row| table.convert(row)).collect::<Result<Vec<_>, _>>()?;
            expected.insert(table.table.clone(), converted.len());
            // A large table takes a while: the hold is renewed before each.
            hold_writes(self.api, self.database)?;
            import(self.api, self.database, &table.table, converted)?;
        }
        self.step(Step::Verify)?;
        verify_counts(self.api, self.database, &expected)?;
        release_writes(self.api, self.database);
        Ok(())
    }
}

impl Backup {
    fn of(version: u32, tables: BTreeMap<String, Vec<Value>>) -> Backup {
        let counts = tables.iter().map(|(t, rows)| (t.clone(), rows.len())).collect();
        let hash = content_hash(&tables);
        Backup { version, tables, counts, hash }
    }

    /// Every row of `tables` of the database, of schema version `version`.
    pub fn export(api: &Api, database: &str, version: u32, tables: &[String]) -> Result<Backup, String> {
        let mut rows = BTreeMap::new();
        for table in tables {
            // Quoted: a table may be named after an SQL keyword (`group`, `order`).
            let table_rows =
                sql_rows(api, database, &format!("SELECT * FROM \"{table}\"")).map_err(|e| e.to_string())?;
            rows.insert(table.clone(), table_rows);
        }
        Ok(Backup::of(version, rows))
    }

    /// Writes it to `path`, synced, and reads it back to check it was written whole.
    pub fn write(&self, path: &Path) -> Result<(), String> {
        write_synced(path, &serde_json::to_vec_pretty(self).unwrap_or_default())?;
        verify_backup(path, self)
    }

    /// Reads one, checking its counts and content hash.
    pub fn read(path: &Path) -> Result<Backup, String> {
        read_backup(path)
    }

    /// Imports every row into the database's (empty) tables with the module's
    /// `heycat_import_<table>` reducers, in batches, then checks the row counts.
    pub fn import(&self, api: &Api, database: &str) -> Result<(), String> {
        for (table, rows) in &self.tables {
            import(api, database, table, rows.clone())?;
        }
        verify_counts(api, database, &self.counts)
    }
}

/// FNV-1a (64 bit) of the tables' JSON: enough to tell a backup file was written whole.
fn content_hash(tables: &BTreeMap<String, Vec<Value>>) -> String {
    let bytes = serde_json::to_vec(tables).unwrap_or_default();
    let hash = bytes.iter().fold(0xcbf2_9ce4_8422_2325u64, |h, b| (h ^ u64::from(*b)).wrapping_mul(0x0100_0000_01b3));
    format!("{hash:016x}")
}

fn write_synced(path: &Path, bytes: &[u8]) -> Result<(), String> {
    let write = || -> std::io::Result<()> {
        // Backups and exports hold the user's data: readable by the user only. A folder the
        // user chose for an export keeps its permissions.
        if let Some(dir) = path.parent() {
            private_files::create_missing_dirs(dir)?;
        }
        let mut file = private_files::create_file(path)?;
        file.write_all(bytes)?;
        file.sync_all()
    };
    write().map_err(|e| format!("cannot write {}: {e}", path.display()))
}

/// Reads the backup file again: it must hold what was exported, whole.
fn verify_backup(path: &Path, exported: &Backup) -> Result<(), String> {
    let read = read_backup(path)?;
    if read != *exported {
        return Err(format!("{} does not read back as written", path.display()));
    }
    Ok(())
}

fn read_backup(path: &Path) -> Result<Backup, String> {
    let bytes = std::fs::read(path).map_err(|e| format!("cannot read {}: {e}", path.display()))?;
    let backup: Backup =
        serde_json::from_slice(&bytes).map_err(|e| format!("{} is not a backup: {e}", path.display()))?;
    let counts: BTreeMap<String, usize> = backup.tables.iter().map(|(t, rows)| (t.clone(), rows.len())).collect();
    if counts != backup.counts || content_hash(&backup.tables) != backup.hash {
        return Err(format!("{} is damaged: its row counts or content hash do not match", path.display()));
    }
    Ok(backup)
}

/// How much JSON one import call carries at most: SpacetimeDB refuses request bodies past a
/// few megabytes.
const IMPORT_BATCH_BYTES: usize = 1 << 20;

/// Imports `rows` into the (empty) table, in batches of at most [`IMPORT_BATCH_BYTES`] of JSON.
/// A module built before imports came in batches (the old module a failed migration puts back
/// may be one) takes the rows alone, all in one call.
pub(crate) fn import(api: &Api, database: &str, table: &str, rows: Vec<Value>) -> Result<(), String> {
    let reducer = heycat_contract::system::import_reducer(table);
    let failed = |e: Error| format!("importing the rows of {table} failed: {e}");
    let mut batches: Vec<&[Value]> = Vec::new();
    let (mut start, mut bytes) = (0, 0);
    for (at, row) in rows.iter().enumerate() {
        let size = row.to_string().len();
        if at > start && bytes + size > IMPORT_BATCH_BYTES {
            batches.push(&rows[start..at]);
            (start, bytes) = (at, 0);
        }
        bytes += size;
    }
    if start < rows.len() {
        batches.push(&rows[start..]);
    }
    for (n, batch) in batches.iter().enumerate() {
        match api.call(database, &reducer, &json!([batch, n > 0])) {
            Ok(()) => {}
            Err(Error::Http { status: 400, body }) if n == 0 && body.contains("invalid arguments") => {
                return api.call(database, &reducer, &json!([rows])).map_err(failed);
            }
            Err(e) => return Err(failed(e)),
        }
    }
    Ok(())
}

pub(crate) fn verify_counts(api: &Api, database: &str, expected: &BTreeMap<String, usize>) -> Result<(), String> {
    for (table, count) in expected {
        let rows = sql_rows(api, database, &format!("SELECT * FROM \"{table}\"")).map_err(|e| e.to_string())?;
        if rows.len() != *count {
            return Err(format!("{table} holds {} rows after the import, not {count}", rows.len()));
        }
    }
    Ok(())
}

/// How long a hold on writes lasts unless renewed: longer than any one step of a migration
/// (each import renews it), short enough that a migration whose device died frees the
/// database soon.
const HOLD_SECS: u32 = 120;

/// Holds every write of the database for `HOLD_SECS` (`heycat_hold_writes`): what an app
/// writes meanwhile waits in its outbox. A module from before the toolkit had the hold has
/// nothing to hold with: the work goes on without.
pub fn hold_writes(api: &Api, database: &str) -> Result<(), String> {
    match api.call(database, heycat_contract::system::HOLD_REDUCER, &json!([HOLD_SECS])) {
        Ok(()) => Ok(()),
        Err(Error::Http { status: 404, .. }) => Ok(()),
        Err(e) => Err(format!("writes could not be held while it runs: {e}")),
    }
}

/// Lifts the hold. Should that fail, the hold lapses by itself within `HOLD_SECS`.
pub fn release_writes(api: &Api, database: &str) {
    if let Err(e) = api.call(database, heycat_contract::system::HOLD_REDUCER, &json!([0])) {
        log::warn!("writes stay held for up to {HOLD_SECS} s: lifting the hold failed: {e}");
    }
}

/// Publishes `wasm`, clearing the database, and holds its writes until the import is done.
fn publish_cleared(api: &Api, database: &str, wasm: &[u8]) -> Result<(), String> {
    crate::carry::publish_emptied(api, database, wasm).map_err(|e| e.to_string())?;
    hold_writes(api, database)
}

/// Puts the old module back (clearing) and imports the backup as it was.
fn restore(api: &Api, database: &str, old_module: &[u8], backup: &Backup) -> Result<(), String> {
    publish_cleared(api, database, old_module).map_err(|e| format!("publishing the old module failed: {e}"))?;
    for (table, rows) in &backup.tables {
        hold_writes(api, database)?;
        import(api, database, table, rows.clone())?;
    }
    verify_counts(api, database, &backup.counts)?;
    release_writes(api, database);
    Ok(())
}

/// After a process died mid-migration: puts the old version and its data back from the
/// journal's backup. Returns the version restored, or none when no migration was under way.
///
/// A journal that cannot be read (damaged on disk, or written by another version of the app)
/// is set aside and made again from what it would have said: the journal is written only after
/// the backup and the old module, so the newest intact backup and the module of its version are
/// the migration's. A backup that is damaged or of another version stops the recovery, in words,
/// with the database and every file left as they are.
pub fn recover(api: &Api, database: &str, dir: &Path) -> Result<Option<u32>, String> {
    let Ok(bytes) = std::fs::read(dir.join(JOURNAL)) else { return Ok(None) };
    let (journal, damaged) = match serde_json::from_slice::<Journal>(&bytes) {
        Ok(journal) => (journal, false),
        Err(e) => {
            let journal = journal_from_files(dir, database).map_err(|why| {
                format!(
                    "an interrupted migration cannot be undone: its journal {} is damaged ({e}) and {why}",
                    dir.join(JOURNAL).display()
                )
            })?;
            (journal, true)
        }
    };
    let (backup_path, module_path) = (Journal::in_dir(dir, &journal.backup), Journal::in_dir(dir, &journal.old_module));
    let backup = read_backup(&backup_path)
        .map_err(|e| format!("an interrupted migration cannot be undone, the database is left as it is: {e}"))?;
    if backup.version != journal.from {
        return Err(format!(
            "an interrupted migration cannot be undone: its backup {} holds version {}, not {}",
            backup_path.display(),
            backup.version,
            journal.from
        ));
    }
    let old_module = std::fs::read(&module_path).map_err(|e| {
        format!("an interrupted migration cannot be undone: cannot read {}: {e}", module_path.display())
    })?;
    restore(api, database, &old_module, &backup).map_err(|e| {
        format!("undoing an interrupted migration failed: {e}; its backup is {}", backup_path.display())
    })?;
    // Done with the journal; a damaged one is kept for inspection.
    let _ = match damaged {
        false => std::fs::remove_file(dir.join(JOURNAL)),
        true => std::fs::rename(dir.join(JOURNAL), dir.join(format!("migration-journal.damaged-{}.json", now_secs()))),
    };
    Ok(Some(journal.from))
}

/// The journal of the migration whose backup is the newest intact one in `dir`.
fn journal_from_files(dir: &Path, database: &str) -> Result<Journal, String> {
    // Backups are named `<database>-v<from>-to-v<to>-<time>.json` (see `backup_name`).
    let mut backups: Vec<(u64, u32, PathBuf)> = std::fs::read_dir(dir)
        .map_err(|e| format!("cannot read {}: {e}", dir.display()))?
        .flatten()
        .filter_map(|entry| {
            let name = entry.file_name().to_string_lossy().into_owned();
            let (versions, time) = name.strip_suffix(".json")?.rsplit_once('-')?;
            let to = versions.split_once("-to-v")?.1.parse().ok()?;
            Some((time.parse().ok()?, to, entry.path()))
        })
        .collect();
    backups.sort();
    let (_, to, path) = backups.pop().ok_or("no backup of it is left")?;
    let backup = read_backup(&path).map_err(|e| format!("its newest backup cannot be used: {e}"))?;
    let old_module = dir.join(module_name(database, backup.version));
    if !old_module.exists() {
        return Err(format!("the module of version {} is missing ({})", backup.version, old_module.display()));
    }
    Ok(Journal { from: backup.version, to, backup: path, old_module })
}

/// Writes the journal whole or not at all (a crash mid-write leaves no half journal).
fn write_journal(dir: &Path, journal: &Journal) -> Result<(), String> {
    private_files::replace(&dir.join(JOURNAL), &serde_json::to_vec(journal).unwrap_or_default())
        .map_err(|e| format!("cannot write the migration journal: {e}"))
}

/// A migration's backup of `database`: `notes-v1-to-v2-<unix time>.json`, in the app's words
/// (its database's name) for a user who looks in the backups folder.
fn backup_name(database: &str, from: u32, to: u32) -> String {
    backup_file_name(database, &format!("v{from}-to-v{to}"))
}

/// The name of a backup of `database` made for `what` (`sync-setup`, say), now:
/// `<database>-<what>-<unix time>.json`, so that the backups folder reads in the app's words
/// and in order.
pub fn backup_file_name(database: &str, what: &str) -> String {
    format!("{database}-{what}-{}.json", now_secs())
}

/// The module a migration of `database` from version `from` would put back.
fn module_name(database: &str, from: u32) -> String {
    format!("{database}-v{from}-module.wasm")
}

fn now_secs() -> u64 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.as_secs())
}
