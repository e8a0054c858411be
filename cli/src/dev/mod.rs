//! `heycat-schema dev`: the schema dev loop.
//!
//! On every save of a schema file (or of a file in the other folders it watches) it checks the
//! schema (errors as the build prints them, at file:line:col), writes the TypeScript bindings,
//! runs the app's build (whose build script regenerates the Rust side and rebuilds the module),
//! stops the app it runs and starts the new build on the same data dir, and waits until the new
//! app says it is connected: its commands then answer with the rows of the new schema. It prints
//! how long that took from the save. A change that does not check or does not build leaves the
//! app that runs as it is.
//!
//! The app's Rust types and commands are generated at build time, so a schema change reaches
//! the screen only through a new build of the app, started again; the app publishes (or
//! migrates) its embedded server's database on start as an updated app does. An unreleased
//! schema is a draft of the next version: from the latest release the app migrates by its own
//! plans (SpacetimeDB's migration when it can, otherwise the carry with its verified backup),
//! and from one draft to the next by the plan this loop hands it (`HEYCAT_DEV_MIGRATION`), made
//! from the schema the database ran last (kept as `dev-schema.json` in the data dir). Before a
//! change that drops data (a column, a table declared removed) it asks.

use std::io::{BufRead, Write};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{self, Receiver, RecvTimeoutError};
use std::time::{Duration, Instant, SystemTime};

use heycat_plan::{DevMigration, Plan};

use heycat_codegen::outputs::{self, TypeScriptOptions};
use heycat_codegen::versions::{dropped_data, load_snapshots, versioned, PlanBetween, Snapshot};
use heycat_codegen::{write_typescript, Schema};

mod app;
mod watch;

use app::App;
use watch::{collect_stamps, last_change, Stamps};

/// How often the watched folders are looked at.
const POLL: Duration = Duration::from_millis(200);
/// How long a change must rest before it is taken (editors write a file in steps).
const SETTLE: Duration = Duration::from_millis(50);
/// The schema the database ran last, written once the app connected with it.
pub const RECORD_FILE: &str = "dev-schema.json";
/// The migration handed to the app (`HEYCAT_DEV_MIGRATION` names it).
pub const MIGRATION_FILE: &str = "dev-migration.json";

/// What the loop watches, builds and runs.
#[derive(Clone, Debug)]
pub struct DevOptions {
    pub schema_dir: PathBuf,
    pub versions_dir: PathBuf,
    pub typescript_dir: Option<PathBuf>,
    /// What the TypeScript bindings hold.
    pub typescript: TypeScriptOptions,
    /// More folders whose changes rebuild and restart the app (the frontend's sources).
    pub watch: Vec<PathBuf>,
    /// The app's build, a shell command (`sh -c`).
    pub build: String,
    /// The app: a program and its arguments, started with `HEYCAT_DATA_DIR` set to `data_dir`.
    pub run: Vec<String>,
    pub data_dir: PathBuf,
}

/// Set when the loop is asked to end (SIGINT, SIGTERM): it then stops the app and returns.
static ENDING: AtomicBool = AtomicBool::new(false);

fn ending() -> bool {
    ENDING.load(Ordering::Relaxed)
}

/// Runs the loop until it is asked to end (Ctrl-C, SIGTERM), then stops the app it runs.
pub fn run(options: DevOptions) -> Result<(), String> {
    if options.run.is_empty() {
        return Err("dev needs the app to run after `--` (e.g. `-- target/debug/my-app`)".into());
    }
    on_termination();
    create_private_dir(&options.data_dir)?;
    let canonical = |dir: &PathBuf| dir.canonicalize().unwrap_or_else(|_| dir.clone());
    let mut watched = vec![canonical(&options.schema_dir)];
    if !canonical(&options.versions_dir).starts_with(&watched[0]) {
        watched.push(canonical(&options.versions_dir));
    }
    watched.extend(options.watch.iter().map(canonical));
    // The bindings' folder exists before it is left out, so that it is left out by its real path.
    if let Some(dir) = &options.typescript_dir {
        std::fs::create_dir_all(dir).map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
    }
    let skip = options.typescript_dir.iter().map(canonical).collect();
    let mut dev = Dev { answers: answers(), app: None, ran: read_record(&options.data_dir), watched, skip, options };
    say(&format!(
        "watching {}; the app's data is in {}",
        dev.watched.iter().map(|d| d.display().to_string()).collect::<Vec<_>>().join(", "),
        dev.options.data_dir.display()
    ));
    let mut seen = dev.stamps();
    dev.cycle(None);
    while !ending() {
        std::thread::sleep(POLL);
        dev.notice_app();
        let now = dev.stamps();
        if now == seen {
            continue;
        }
        let settled = dev.settle(now);
        let saved = last_change(&seen, &settled);
        seen = settled;
        dev.cycle(Some(saved));
    }
    dev.stop_app();
    say("ended; the app is stopped");
    Ok(())
}

struct Dev {
    options: DevOptions,
    /// Lines typed on the terminal, for the questions the loop asks.
    answers: Receiver<String>,
    app: Option<App>,
    /// The schema the database ran last (with the app of this loop or an earlier one).
    ran: Option<Snapshot>,
    /// The folders watched (absolute), and those left out (what the loop writes itself).
    watched: Vec<PathBuf>,
    skip: Vec<PathBuf>,
}

impl Dev {
    fn stamps(&self) -> Stamps {
        let mut stamps = Stamps::new();
        for dir in &self.watched {
            collect_stamps(dir, &self.skip, &mut stamps);
        }
        stamps
    }

    /// The stamps once nothing changed for [`SETTLE`].
    fn settle(&self, mut now: Stamps) -> Stamps {
        loop {
            std::thread::sleep(SETTLE);
            let again = self.stamps();
            if again == now {
                return now;
            }
            now = again;
        }
    }

    /// Says so when the app ended by itself (its window was closed, it failed), and takes note
    /// when an app the loop stopped waiting for connects after all.
    fn notice_app(&mut self) {
        let Some(app) = self.app.as_mut() else { return };
        if let Some(status) = app.ended() {
            say(&format!("the app ended ({status}); it starts again on the next save"));
            self.app = None;
            return;
        }
        if let Some(snapshot) = app.connected_late() {
            say(&format!("the app connected after all, with schema version {}", snapshot.version));
            self.record(snapshot);
        }
    }

    /// Keeps `snapshot` as the schema the database runs now.
    fn record(&mut self, snapshot: Snapshot) {
        if let Err(e) = write_private(&self.options.data_dir.join(RECORD_FILE), snapshot.to_json().as_bytes()) {
            say(&format!("cannot keep the schema the database runs now: {e}"));
        }
        self.ran = Some(snapshot);
    }

    /// One save (none: the start): check, ask, generate, build, restart, wait, say how long it
    /// took.
    fn cycle(&mut self, saved: Option<SystemTime>) {
        let noticed = Instant::now();
        let began = SystemTime::now();
        let Some(step) = self.prepare() else {
            if self.app.is_some() {
                say("the app that runs keeps running; fix the schema and save again");
            }
            return;
        };
        let checked = noticed.elapsed();
        let mut asked = Duration::ZERO;
        if let Some((from, plan)) = &step.migration {
            let dropped = dropped_data(plan, from);
            if !dropped.is_empty() {
                let question = Instant::now();
                let yes = self.ask(&step.version, &dropped);
                asked = question.elapsed();
                if !yes {
                    say("not applied: the app that runs keeps running; save again to be asked again");
                    return;
                }
            }
        }
        let generated = Instant::now();
        if let Some(dir) = &self.options.typescript_dir {
            match write_typescript(dir, &step.schema, &step.sources, self.options.typescript) {
                Ok(done) => {
                    if !done.written.is_empty() {
                        say(&format!("wrote {} in {}", done.written.join(", "), dir.display()));
                    }
                    if !done.removed.is_empty() {
                        say(&format!(
                            "deleted {} in {}: {}",
                            done.removed.join(", "),
                            dir.display(),
                            outputs::LEFT_OVER_REASON
                        ));
                    }
                }
                Err(e) => {
                    say(&format!("cannot write the TypeScript bindings: {e}"));
                    return;
                }
            }
        }
        let building = Instant::now();
        let checked = checked + generated.elapsed();
        say(&format!("building: {}", self.options.build));
        match Command::new("sh").arg("-c").arg(&self.options.build).status() {
            Ok(status) if status.success() => {}
            Ok(status) => {
                say(&format!("the build failed ({status}); the app that runs keeps running"));
                return;
            }
            Err(e) => {
                say(&format!("cannot run the build: {e}"));
                return;
            }
        }
        let built = building.elapsed();
        if ending() {
            return;
        }
        if let Some(dir) = &self.options.typescript_dir {
            let wanted = outputs::typescript_files(&step.schema, &step.sources, self.options.typescript);
            let differs = outputs::compare_bindings(dir, &wanted).to_string();
            if !differs.is_empty() {
                say(&format!(
                    "the build wrote other TypeScript bindings than this loop did:\n{differs}give `dev` the \
                     TypeScript options the build script has (--react for .react(true))"
                ));
            }
        }
        let restarting = Instant::now();
        if let Err(e) = self.restart(step.migration.as_ref()) {
            say(&e);
            return;
        }
        let connected = self.app.as_mut().map(App::wait_connected);
        match connected {
            Some(Ok(())) => {
                let restarted = restarting.elapsed();
                let since = saved.unwrap_or(began);
                let total = SystemTime::now().duration_since(since).unwrap_or_default().saturating_sub(asked);
                self.record(step.snapshot);
                say(&format!(
                    "{}: {} → app connected with it in {:.2} s (check and TypeScript {:.2} s, build {:.2} s, \
                     restart and {} {:.2} s)",
                    step.version,
                    if saved.is_some() { "save" } else { "start" },
                    total.as_secs_f64(),
                    checked.as_secs_f64(),
                    built.as_secs_f64(),
                    if step.migration.is_some() { "migrate" } else { "connect" },
                    restarted.as_secs_f64()
                ));
            }
            Some(Err(e)) => {
                say(&e);
                // Connecting later (a slow migration, a retry that works) still counts.
                if let Some(app) = self.app.as_mut() {
                    app.awaited = Some(step.snapshot);
                }
            }
            None => {}
        }
    }

    /// Checks the schema and makes the plan from what the database ran; prints what is wrong.
    fn prepare(&self) -> Option<Step> {
        let options = &self.options;
        let snapshots = load_snapshots(&options.versions_dir).map_err(|e| eprintln!("error: {e}")).ok()?;
        let loaded = Schema::load(&options.schema_dir).map_err(|e| eprintln!("{e}")).ok()?;
        let (sources, schema) = versioned(loaded, &snapshots).map_err(|e| eprintln!("{e}")).ok()?;
        let snapshot = Snapshot::of(&sources, &schema, schema.version);
        let released = snapshots.iter().any(|s| s.version == schema.version);
        let version =
            format!("schema version {}{}", schema.version, if released { "" } else { " (a draft: not released yet)" });
        // Without a record the database is taken to run the latest release (or nothing).
        let from = self.ran.as_ref().or(snapshots.last()).filter(|from| !from.same_schema(&snapshot));
        let migration = match from.map(|from| (from, Plan::between(from, &snapshot))) {
            None => None,
            Some((_, Ok(plan))) if !plan.refused.is_empty() => {
                eprintln!(
                    "error: heycat cannot migrate the data from the schema the database runs (schema version {}) \
                     to this one:\n  - {}",
                    plan.from,
                    plan.refused.join("\n  - ")
                );
                return None;
            }
            Some((from, Ok(plan))) => Some((from.clone(), plan)),
            Some((_, Err(e))) => {
                say(&format!(
                    "no migration from the schema the database ran last ({e}); the app migrates as it would \
                     without the dev loop"
                ));
                None
            }
        };
        Some(Step { sources, schema, snapshot, version, migration })
    }

    /// Asks on the terminal whether to drop `dropped`; anything but yes is no.
    fn ask(&self, version: &str, dropped: &[String]) -> bool {
        // Lines typed before the question are no answer to it; an answer typed as soon as the
        // question shows is (so this comes before the question, not after it).
        while self.answers.try_recv().is_ok() {}
        println!("heycat-schema dev: {version} drops data; it stays only in the backup the migration writes:");
        for what in dropped {
            println!("  - {what}");
        }
        print!("apply it? [y/N] ");
        let _ = std::io::stdout().flush();
        loop {
            match self.answers.recv_timeout(POLL) {
                Ok(line) => return matches!(line.trim(), "y" | "Y" | "yes" | "Yes"),
                Err(RecvTimeoutError::Timeout) if !ending() => {}
                Err(_) => {
                    println!();
                    return false;
                }
            }
        }
    }

    /// Stops the app that runs and starts the new build, handing it the migration.
    fn restart(&mut self, migration: Option<&(Snapshot, Plan)>) -> Result<(), String> {
        let file = self.options.data_dir.join(MIGRATION_FILE);
        let handed = match migration {
            Some((from, plan)) => {
                let dev = DevMigration { from_module: from.module.clone(), plan: plan.clone() };
                let json = serde_json::to_vec_pretty(&dev).map_err(|e| e.to_string())?;
                write_private(&file, &json)
                    .map_err(|e| format!("cannot write {}: {e}; the app that runs keeps running", file.display()))?;
                Some(file)
            }
            None => None,
        };
        self.stop_app();
        self.app = Some(App::start(&self.options.run, &self.options.data_dir, handed.as_deref())?);
        Ok(())
    }

    fn stop_app(&mut self) {
        if let Some(app) = self.app.take() {
            app.stop();
        }
    }
}

/// A schema that checked, ready to build.
struct Step {
    sources: heycat_codegen::SourceSet,
    schema: Schema,
    snapshot: Snapshot,
    /// The version, in words.
    version: String,
    /// The schema the database ran and the migration from it, when the schema changed since.
    migration: Option<(Snapshot, Plan)>,
}

/// Every line typed on the terminal (stdin), read on a thread of its own so that waiting for
/// an answer can end when the loop is asked to.
fn answers() -> Receiver<String> {
    let (tell, answers) = mpsc::channel();
    std::thread::spawn(move || {
        for line in std::io::stdin().lock().lines() {
            let Ok(line) = line else { return };
            if tell.send(line).is_err() {
                return;
            }
        }
    });
    answers
}

fn say(what: &str) {
    println!("heycat-schema dev: {what}");
}

/// The schema the database ran last, if the loop kept it.
fn read_record(data_dir: &Path) -> Option<Snapshot> {
    let path = data_dir.join(RECORD_FILE);
    let text = std::fs::read_to_string(&path).ok()?;
    serde_json::from_str(&text)
        .map_err(|e| say(&format!("{} cannot be read ({e}); taking the latest release as what runs", path.display())))
        .ok()
}

fn create_private_dir(dir: &Path) -> Result<(), String> {
    let mut builder = std::fs::DirBuilder::new();
    builder.recursive(true);
    #[cfg(unix)]
    std::os::unix::fs::DirBuilderExt::mode(&mut builder, 0o700);
    builder.create(dir).map_err(|e| format!("cannot create the data dir {}: {e}", dir.display()))
}

/// Writes `bytes` to `path` (readable by the user only), replacing it whole.
fn write_private(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    let temporary = path.with_extension("tmp");
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create(true).truncate(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    let mut file = options.open(&temporary)?;
    file.write_all(bytes)?;
    file.sync_all()?;
    std::fs::rename(&temporary, path)
}

/// Lets SIGINT and SIGTERM end the loop the orderly way (the app stopped first).
fn on_termination() {
    extern "C" fn note(_: libc::c_int) {
        ENDING.store(true, Ordering::Relaxed);
    }
    #[cfg(unix)]
    for signal in [libc::SIGINT, libc::SIGTERM] {
        // SAFETY: the handler only stores to an atomic, which is async-signal-safe.
        unsafe { libc::signal(signal, note as extern "C" fn(libc::c_int) as libc::sighandler_t) };
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_newest_change_is_the_save() {
        let at = |s: u64| SystemTime::UNIX_EPOCH + Duration::from_secs(s);
        let before = Stamps::from([(PathBuf::from("a.rs"), (at(10), 1)), (PathBuf::from("b.rs"), (at(20), 1))]);
        let mut after = before.clone();
        after.insert(PathBuf::from("a.rs"), (at(30), 2));
        after.insert(PathBuf::from("c.rs"), (at(25), 1));
        assert_eq!(last_change(&before, &after), at(30));
        after.remove(&PathBuf::from("b.rs"));
        assert!(last_change(&before, &after) > at(1_000_000), "a removal is now");
    }
}
