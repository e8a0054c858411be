//! The README's adoption steps, applied to a fresh `create-tauri-app` project (React and
//! TypeScript, `examples/template` as the tool made it), give an app that:
//! - type-checks and bundles its frontend (`tsc`, `vite build`) with its dependencies resolved
//!   fresh (no lockfile of this repository's);
//! - builds, without a warning, an installable bundle (`tauri build --debug --bundles deb`)
//!   that, installed and started as a user starts it (a fresh HOME, no cargo on PATH, this
//!   repository and its build output out of sight), starts the database program it carries,
//!   takes a note through its page and shows it again after a restart;
//! - under `npm run tauri dev`, takes a save of a schema file by itself: rebuilt, restarted, its
//!   database migrated with its rows, the page served the new bindings.
//!
//! The adopted app is made once per test process; its builds go to the target dir kept beside
//! the real one (`probe_target_dir`), its module to the real one.

use std::ffi::OsString;
use std::io::{BufRead, BufReader, Read};
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::sync::mpsc::{self, Receiver};
use std::sync::{Mutex, OnceLock, PoisonError};
use std::time::{Duration, Instant};

use heycat_contract::{dev, env};
use heycat_harness::display::VirtualDisplay;
use heycat_harness::window::AppWindow;
use heycat_harness::{
    copy_tree, embedded_server_pids, end_process_group, probe_target_dir, sql_rows, wait_for, workspace_root, Api,
};

/// One at a time: each builds the same app into the same target dir and opens a window.
static ONE_AT_A_TIME: Mutex<()> = Mutex::new(());

/// The database the README's step 4 names, and the app's identifier (`create-tauri-app`'s).
const DATABASE: &str = "tauri-app";
const IDENTIFIER: &str = "com.root.tauri-app";

/// One step of the README's adoption section: what to do (the `<!-- adopt: ... -->` comment
/// before a code block) and the code block.
struct Step {
    action: String,
    text: String,
}

/// The steps of "Add heycat-data to an existing Tauri 2 app", in order, with `<heycat-data>`
/// replaced by this checkout.
fn adoption_steps() -> Vec<Step> {
    let readme = std::fs::read_to_string(workspace_root().join("README.md")).unwrap();
    let start = readme.find("\n## Add heycat-data to an existing Tauri 2 app").expect("the README has the section");
    let section = &readme[start + 1..];
    let section = &section[..section[3..].find("\n## ").map_or(section.len(), |end| end + 3)];
    let root = workspace_root().display().to_string();
    let mut steps = Vec::new();
    let mut lines = section.lines();
    while let Some(line) = lines.next() {
        let Some(action) = line.trim().strip_prefix("<!-- adopt: ").and_then(|a| a.strip_suffix(" -->")) else {
            continue;
        };
        let fence = lines.next().expect("a code block follows the step");
        assert!(fence.starts_with("```"), "a code block follows `{action}`, not {fence:?}");
        let text: Vec<&str> = lines.by_ref().take_while(|l| !l.starts_with("```")).collect();
        steps.push(Step { action: action.to_owned(), text: text.join("\n").replace("<heycat-data>", &root) + "\n" });
    }
    assert!(steps.len() >= 8, "the section's steps are marked: {}", steps.len());
    steps
}

/// `"quoted"` or `'quoted'` at the start of `text`, and the rest.
fn quoted(text: &str) -> (&str, &str) {
    let quote = text.chars().next().filter(|c| *c == '"' || *c == '\'').expect("a quoted string");
    let rest = &text[1..];
    let end = rest.find(quote).expect("a closing quote");
    (&rest[..end], rest[end + 1..].trim())
}

/// The environment of every build in the adopted app: the probe target dir, modules built into
/// the real one (the wasm dependencies compile once).
fn build_env(command: &mut Command) -> &mut Command {
    command.env("CARGO_TARGET_DIR", probe_target_dir()).env(env::MODULE_TARGET_DIR, heycat_harness::target_dir())
}

/// Applies one step to the project in `dir`.
fn apply(dir: &Path, step: &Step) {
    let action = step.action.as_str();
    let edit = |file: &str, change: &dyn Fn(String) -> String| {
        let path = dir.join(file);
        let before = std::fs::read_to_string(&path).unwrap_or_default();
        let after = change(before.clone());
        assert_ne!(before, after, "`{action}` changed nothing");
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(&path, after).unwrap();
    };
    if action == "run" {
        for command in step.text.lines().filter(|l| !l.trim().is_empty()) {
            run(dir, "bash", &["-c", command]);
        }
    } else if let Some(file) = action.strip_prefix("create ").or_else(|| action.strip_prefix("replace file ")) {
        edit(file, &|_| step.text.clone());
    } else if let Some(file) = action.strip_prefix("append ") {
        edit(file, &|text| text + &step.text);
    } else if let Some(file) = action.strip_prefix("prepend ") {
        edit(file, &|text| step.text.clone() + &text);
    } else if let Some(rest) = action.strip_prefix("after ") {
        let (anchor, file) = quoted(rest);
        let file = file.strip_prefix("in ").unwrap();
        edit(file, &|text| {
            let at = text.find(&format!("{anchor}\n")).unwrap_or_else(|| panic!("{file} has no line {anchor:?}"));
            format!("{}{}{}", &text[..at + anchor.len() + 1], step.text, &text[at + anchor.len() + 1..])
        });
    } else if let Some(rest) = action.strip_prefix("replace ") {
        let (old, file) = quoted(rest);
        let file = file.strip_prefix("in ").unwrap();
        edit(file, &|text| {
            assert!(text.contains(old), "{file} has no {old:?}");
            text.replacen(old, step.text.trim_end(), 1)
        });
    } else {
        panic!("unknown adoption step `{action}`");
    }
}

/// Runs `program args` in `dir` with the builds' environment; fails the test with what it said.
fn run(dir: &Path, program: &str, args: &[&str]) -> Output {
    let out = build_env(Command::new(program).args(args).current_dir(dir))
        .output()
        .unwrap_or_else(|e| panic!("cannot run {program}: {e}"));
    assert!(
        out.status.success(),
        "`{program} {}` failed:\n{}\n{}",
        args.join(" "),
        in_short(String::from_utf8_lossy(&out.stdout).lines()),
        in_short(String::from_utf8_lossy(&out.stderr).lines())
    );
    out
}

/// What a build said, for a failure: cargo's progress lines (`Compiling`, `Building [..]`) left
/// out and each line cut to 300 characters (a linker's command line runs to tens of thousands,
/// and a CI log shows only so much: the error's own lines come after it).
fn in_short<'a>(lines: impl Iterator<Item = &'a str>) -> String {
    let progress = |line: &&str| line.contains("   Compiling ") || (line.contains("Building") && line.contains('['));
    let short = |line: &str| match line.char_indices().nth(300) {
        Some((at, _)) => format!("{} […]", &line[..at]),
        None => line.to_owned(),
    };
    lines.filter(|line| !progress(line)).map(short).collect::<Vec<_>>().join("\n")
}

/// The template with the README's steps applied and its npm packages installed fresh: the
/// project a developer has after following the README.
/// It is made anew at each run, in a folder that outlives the process (a static is never dropped).
fn adopted() -> &'static Path {
    static ADOPTED: OnceLock<PathBuf> = OnceLock::new();
    ADOPTED.get_or_init(|| {
        let app = fresh_dir("adopted/tauri-app");
        copy_tree(&workspace_root().join("examples/template"), &app);
        assert!(!app.join("src-tauri/Cargo.lock").exists(), "the template's dependencies resolve fresh");
        for step in adoption_steps() {
            apply(&app, &step);
        }
        for file in ["index.ts", "schema.ts", "hooks.ts"] {
            assert!(app.join("src/data").join(file).is_file(), "the build wrote src/data/{file}");
        }
        // The runtime's TypeScript is the npm package the bindings import, copied into
        // node_modules as the registry's would be: nothing of it in src/data, nor a link.
        for file in ["runtime.ts", "types.ts", "react.ts"] {
            assert!(!app.join("src/data").join(file).exists(), "the build wrote no src/data/{file}");
        }
        run(&app, "npm", &["install", "--no-audit", "--no-fund", "--loglevel=error"]);
        let runtime = app.join("node_modules/@heycat/runtime");
        assert!(runtime.join("dist/index.d.ts").is_file(), "@heycat/runtime is installed, built");
        assert!(!runtime.is_symlink(), "@heycat/runtime is a copy, not a link to the checkout");
        // The frontend as `npm run build` (tauri build's first step) checks and bundles it.
        run(&app, "npx", &["tsc"]);
        run(&app, "npx", &["vite", "build", "--logLevel", "warn"]);
        app
    })
}

/// `name` in a folder of this checkout's in the system's temporary folder (outside any Cargo
/// workspace, as a developer's project is), emptied.
fn fresh_dir(name: &str) -> PathBuf {
    use std::hash::{Hash, Hasher};
    let mut checkout = std::collections::hash_map::DefaultHasher::new();
    workspace_root().hash(&mut checkout);
    let dir = std::env::temp_dir().join(format!("heycat-adoption-{:x}", checkout.finish())).join(name);
    if dir.exists() {
        std::fs::remove_dir_all(&dir).unwrap();
    }
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// A copy of the adopted app of its own, for a test that changes it (its npm packages are the
/// adopted app's, linked).
fn own_copy(app: &Path, name: &str) -> PathBuf {
    let copy = fresh_dir(name);
    copy_tree(app, &copy);
    std::os::unix::fs::symlink(app.join("node_modules"), copy.join("node_modules")).unwrap();
    copy
}

/// A script that starts `exe` with the given folders out of sight (an empty folder mounted over
/// each, in a mount namespace of its own, from `/`): nothing of them can be what the installed
/// app needs.
fn launcher_hiding(dir: &Path, exe: &Path, hidden: &[PathBuf]) -> PathBuf {
    let mounts: String = hidden.iter().map(|d| format!("mount -t tmpfs none '{}' && ", d.display())).collect();
    let script = format!(
        "#!/bin/sh\nexec unshare --mount --propagation private sh -c '{}cd / && exec \"$0\" \"$@\"' '{}' \"$@\"\n",
        mounts.replace('\'', "'\\''"),
        exe.display()
    );
    let path = dir.join("launch");
    std::fs::write(&path, script).unwrap();
    std::fs::set_permissions(&path, std::os::unix::fs::PermissionsExt::from_mode(0o755)).unwrap();
    path
}

/// The folders an installed app must not need: this checkout, the build output, cargo's home.
fn developer_folders() -> Vec<PathBuf> {
    let cargo_home = std::env::var_os("CARGO_HOME")
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| Path::new(&h).join(".cargo")));
    let mut folders = vec![workspace_root(), heycat_harness::target_dir(), probe_target_dir()];
    folders.extend(cargo_home.filter(|d| d.is_dir()));
    folders.sort();
    folders.dedup();
    // A folder inside another is out of sight with it (and may not be mountable over once hidden).
    let all = folders.clone();
    folders.retain(|d| !all.iter().any(|outer| outer != d && d.starts_with(outer)));
    folders
}

#[test]
fn the_installed_bundle_starts_its_own_database_and_keeps_a_note_across_a_restart() {
    let _one = ONE_AT_A_TIME.lock().unwrap_or_else(PoisonError::into_inner);
    let unshare = Command::new("unshare").args(["--mount", "true"]).output();
    assert!(
        unshare.as_ref().is_ok_and(|o| o.status.success()),
        "this test hides the checkout from the installed app with a mount namespace: it needs root \
         (unshare --mount): {unshare:?}"
    );
    let app = adopted();
    let built = run(app, "npm", &["run", "tauri", "build", "--", "--debug", "--bundles", "deb"]);
    let said = String::from_utf8_lossy(&built.stderr);
    assert!(
        !said.contains("warning: `tauri-app`"),
        "the adopted app builds without a warning:\n{}",
        in_short(said.lines())
    );
    let bundles = probe_target_dir().join("debug/bundle/deb");
    let deb = std::fs::read_dir(&bundles)
        .unwrap_or_else(|e| panic!("no bundles in {}: {e}", bundles.display()))
        .flatten()
        .map(|e| e.path())
        .find(|p| p.extension().is_some_and(|e| e == "deb"))
        .expect("tauri build made a .deb");

    // Installed, as dpkg would (without its bookkeeping).
    let installed = tempfile::Builder::new().prefix("installed-").tempdir().unwrap();
    let root = installed.path().join("root");
    run(installed.path(), "dpkg-deb", &["-x", &deb.display().to_string(), &root.display().to_string()]);
    let exe = root.join("usr/bin/tauri-app");
    let sidecar = root.join("usr/bin/spacetimedb-standalone");
    assert!(exe.is_file() && sidecar.is_file(), "the bundle holds the app and its database program beside it");
    // What ships carries none of the faults the toolkit's tests inject (the `test-hooks`
    // features); the environment variables it does read are there, as strings, to be seen.
    let binary = std::fs::read(&exe).unwrap();
    let holds = |text: &str| binary.windows(text.len()).any(|w| w == text.as_bytes());
    assert!(holds(env::DATA_DIR) && holds(env::SPACETIMEDB_STANDALONE), "the check sees the names the app reads");
    for hook in [
        env::MIGRATION_HOLD_AT,
        env::MIGRATION_FAIL_AT,
        env::MODULE_WASM,
        env::SYNC_SETUP_HOLD_AT,
        env::TEST_FALLBACK_LIFETIME,
    ] {
        assert!(!holds(hook), "the installed app reads the test hook {hook}");
    }
    let launcher = launcher_hiding(installed.path(), &exe, &developer_folders());

    let home = installed.path().join("home");
    std::fs::create_dir_all(&home).unwrap();
    let env = [
        ("HOME", OsString::from(&home)),
        ("PATH", OsString::from("/usr/bin:/bin")),
        ("LANG", OsString::from("C.UTF-8")),
    ];
    let data_dir = home.join(".local/share").join(IDENTIFIER);
    let display = VirtualDisplay::start();
    let (connected, note) = ("//p[normalize-space()='Connected']", "//li[normalize-space()='buy oat milk']");
    {
        let window = AppWindow::open_with_only(&display, &launcher, &env, "installed-bundle");
        window.wait_for(connected);
        let servers = embedded_server_pids(&data_dir);
        assert_eq!(servers.len(), 1, "the app started one database program on {}", data_dir.display());
        let program = std::fs::read_link(format!("/proc/{}/exe", servers[0])).unwrap();
        assert_eq!(program, sidecar, "the database program is the one the bundle carries");
        window.type_into("//input[@aria-label='New note']", "buy oat milk");
        window.click("//button[normalize-space()='Add note']");
        window.wait_for(note);
    }
    // Closing the window ended the app and its database program.
    wait_for(Duration::from_secs(30), "the database program to stop with the app", || {
        embedded_server_pids(&data_dir).is_empty()
    });
    let window = AppWindow::open_with_only(&display, &launcher, &env, "installed-bundle-again");
    window.wait_for(connected);
    window.wait_for(note);
}

/// What `npm run tauri dev` prints, line by line, as it comes.
struct DevSession {
    child: Child,
    lines: Receiver<String>,
    said: Vec<String>,
}

impl DevSession {
    fn start(app: &Path, display: &VirtualDisplay, data_dir: &Path) -> DevSession {
        let mut command = Command::new("npm");
        build_env(command.args(["run", "tauri", "dev"]).current_dir(app))
            .env("DISPLAY", &display.display)
            .env(env::DATA_DIR, data_dir)
            .env(env::DEV_REPORT, "1")
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            // Its own process group: ending it ends npm, tauri, Vite and the app together.
            .process_group(0);
        let mut child = command.spawn().expect("run npm run tauri dev");
        let (tell, lines) = mpsc::channel();
        let streams: [Box<dyn Read + Send>; 2] =
            [Box::new(child.stdout.take().unwrap()), Box::new(child.stderr.take().unwrap())];
        for stream in streams {
            let tell = tell.clone();
            std::thread::spawn(move || {
                for line in BufReader::new(stream).lines().map_while(Result::ok) {
                    let _ = tell.send(line);
                }
            });
        }
        DevSession { child, lines, said: Vec::new() }
    }

    /// Waits for a line that starts with `prefix`; returns the rest.
    fn wait_line(&mut self, prefix: &str, timeout: Duration) -> String {
        let deadline = Instant::now() + timeout;
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            match self.lines.recv_timeout(left) {
                Ok(line) => {
                    self.said.push(line.clone());
                    if let Some(rest) = line.strip_prefix(prefix) {
                        return rest.to_owned();
                    }
                }
                Err(_) => panic!(
                    "no line {prefix:?} within {timeout:?}; tauri dev said:\n{}",
                    in_short(self.said.iter().map(String::as_str))
                ),
            }
        }
    }
}

impl Drop for DevSession {
    /// Ctrl-C, as a developer ends it; then whatever is left.
    fn drop(&mut self) {
        end_process_group(&mut self.child, libc::SIGINT, Duration::from_secs(15));
    }
}

#[test]
fn tauri_dev_takes_a_schema_save_rebuilds_restarts_and_migrates_the_rows() {
    let _one = ONE_AT_A_TIME.lock().unwrap_or_else(PoisonError::into_inner);
    let app = own_copy(adopted(), "adopted-for-tauri-dev/tauri-app");
    let app = app.as_path();
    let display = VirtualDisplay::start();
    let data = tempfile::tempdir().unwrap();
    let mut dev_session = DevSession::start(app, &display, data.path());
    let first = dev_session.wait_line(dev::CONNECTED_LINE, Duration::from_secs(1200));
    assert!(first.ends_with("(schema version 1)"), "{first}");

    // A note, written as the app writes one (the insert reducer, as the user).
    let server = first.split(' ').next().unwrap().to_owned();
    let token = std::fs::read_to_string(data.path().join("spacetimedb/owner-token")).unwrap();
    let api = Api::new(server, Some(token.trim().to_owned()));
    let note = serde_json::json!({"id": "n1", "text": "written before the save",
                                  "created_at": {"__timestamp_micros_since_unix_epoch__": 0}, "row_version": 0});
    api.call(DATABASE, "note_insert", &serde_json::json!([note, "before-the-save"])).unwrap();
    std::thread::sleep(Duration::from_millis(700)); // past the server's commitlog sync

    let schema_file = app.join("src-tauri/schema/notes.rs");
    let text = std::fs::read_to_string(&schema_file).unwrap();
    let edited = text
        .replace("    pub text: String,\n", "    pub text: String,\n    #[default(false)]\n    pub pinned: bool,\n");
    assert_ne!(text, edited);
    let saved = Instant::now();
    std::fs::write(&schema_file, edited).unwrap();
    let second = dev_session.wait_line(dev::CONNECTED_LINE, Duration::from_secs(600));
    let took = saved.elapsed();
    assert!(second.ends_with("(schema version 2)"), "{second}");
    eprintln!("tauri dev: save → app connected with schema version 2 in {:.1} s", took.as_secs_f64());

    // The row was carried, with the new column's default.
    let rows = notes(&second, data.path());
    assert_eq!(rows.len(), 1, "{rows:?}");
    assert_eq!(
        (&rows[0]["id"], &rows[0]["text"], &rows[0]["pinned"]),
        (&"n1".into(), &"written before the save".into(), &false.into())
    );
    // The page is served the new bindings (Vite serves src/ as it is on disk).
    assert!(served_bindings().contains("pinned: value.pinned"), "{}", served_bindings());

    // A second save, from that draft to the next: the app rebuilt by `tauri dev` carries the
    // plan from the draft its database runs.
    let text = std::fs::read_to_string(&schema_file).unwrap();
    let edited =
        text.replace("    pub pinned: bool,\n", "    pub pinned: bool,\n    #[default(3)]\n    pub stars: u32,\n");
    assert_ne!(text, edited);
    let saved = Instant::now();
    std::fs::write(&schema_file, edited).unwrap();
    let third = dev_session.wait_line(dev::CONNECTED_LINE, Duration::from_secs(600));
    let took = saved.elapsed();
    assert!(third.ends_with("(schema version 2)"), "{third}");
    eprintln!("tauri dev: save of the next draft → app connected in {:.1} s", took.as_secs_f64());
    let rows = notes(&third, data.path());
    assert_eq!((rows.len(), &rows[0]["pinned"], &rows[0]["stars"]), (1, &false.into(), &3.into()), "{rows:?}");
    assert!(served_bindings().contains("stars: value.stars"), "{}", served_bindings());
}

/// The notes on the embedded server the app said it connected to (`connected`, the rest of its
/// line), read as the user (the owner token in `data_dir`).
fn notes(connected: &str, data_dir: &Path) -> Vec<serde_json::Value> {
    let server = connected.split(' ').next().unwrap().to_owned();
    let token = std::fs::read_to_string(data_dir.join("spacetimedb/owner-token")).unwrap();
    sql_rows(&Api::new(server, Some(token.trim().to_owned())), DATABASE, "SELECT * FROM note").unwrap()
}

/// The bindings of the row types as Vite serves them to the page (compiled to JavaScript).
fn served_bindings() -> String {
    ureq::get("http://localhost:1420/src/data/schema.ts").call().unwrap().into_string().unwrap()
}
