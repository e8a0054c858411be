//! `heycat-schema dev` for real, on a copy of this repository: heycat's app (its headless
//! binary, the data layer without a window) built, run on its embedded server, and rebuilt and
//! restarted on every schema save. A bad save is reported at its file:line:col and leaves the
//! app running; a new column reaches the running app's database with the rows kept, from the
//! latest release to a draft and from one draft to the next; dropping a column is asked first,
//! and refused means nothing happens.
//!
//! The copy builds into the target dir `generation_on_build` uses (registry crates compile once)
//! and its modules into the real one.

use std::io::{BufRead, BufReader, Read, Write};
use std::path::Path;
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::mpsc::{self, Receiver};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use heycat_harness::{copy_tree, probe_target_dir, sql_rows, workspace_root, Api};
use serde_json::{json, Value};

/// A build of heycat's app after a schema change, and its start.
const BUILD: Duration = Duration::from_secs(600);

/// The dev loop, with everything it printed (its own lines and the app's).
struct DevLoop {
    child: Child,
    stdin: ChildStdin,
    lines: Receiver<String>,
    printed: Arc<Mutex<String>>,
}

impl DevLoop {
    fn start(ws: &Path, data_dir: &Path) -> DevLoop {
        let probe = probe_target_dir();
        let built = Command::new(env!("CARGO"))
            .args(["build", "-q", "-p", "heycat-schema", "--target-dir"])
            .arg(&probe)
            .current_dir(ws)
            .status()
            .unwrap();
        assert!(built.success(), "heycat-schema builds");
        let build = format!(
            "{:?} build -q -p heycat-app --bin heycat-headless --target-dir {:?}",
            env!("CARGO"),
            probe.display().to_string()
        );
        let mut child = Command::new(probe.join("debug/heycat-schema"))
            // The TypeScript as app/build.rs writes it (with the React hooks).
            .args(["dev", "--schema", "app/schema", "--typescript", "app/ui/src/heycat", "--react", "--build", &build])
            .arg("--data-dir")
            .arg(data_dir)
            .arg("--")
            .arg(probe.join("debug/heycat-headless"))
            .current_dir(ws)
            .env(heycat_contract::env::MODULE_TARGET_DIR, heycat_harness::target_dir())
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("start heycat-schema dev");
        let (tell, lines) = mpsc::channel();
        let printed = Arc::new(Mutex::new(String::new()));
        for out in
            [Box::new(child.stdout.take().unwrap()) as Box<dyn Read + Send>, Box::new(child.stderr.take().unwrap())]
        {
            let (tell, printed) = (tell.clone(), printed.clone());
            std::thread::spawn(move || {
                for line in BufReader::new(out).lines().map_while(Result::ok) {
                    printed.lock().unwrap().push_str(&format!("{line}\n"));
                    let _ = tell.send(line);
                }
            });
        }
        let stdin = child.stdin.take().unwrap();
        DevLoop { child, stdin, lines, printed }
    }

    /// Waits for a line that `wanted` accepts and returns it; fails with everything printed.
    fn line(&self, what: &str, within: Duration, wanted: impl Fn(&str) -> bool) -> String {
        let deadline = Instant::now() + within;
        while let Some(left) = deadline.checked_duration_since(Instant::now()) {
            match self.lines.recv_timeout(left) {
                Ok(line) if wanted(&line) => return line,
                Ok(_) => {}
                Err(_) => break,
            }
        }
        panic!("no line saying {what} within {} s; heycat-schema dev printed:\n{}", within.as_secs(), self.printed());
    }

    /// The next "… → app connected" line of `version`, and the address of the app's server.
    fn connected(&self, version: &str) -> Api {
        let heading = format!("heycat-schema dev: {version}: ");
        let line = self.line(&format!("{version} is up"), BUILD, |l| {
            (l.starts_with(&heading) && l.contains("app connected"))
                || ["the app did not connect", "the app ended", "the build failed"].iter().any(|f| l.contains(f))
        });
        assert!(line.contains("app connected"), "{line}\nheycat-schema dev printed:\n{}", self.printed());
        let printed = self.printed();
        let url = printed
            .lines()
            .rev()
            .find_map(|l| l.strip_prefix("heycat-data: connected to "))
            .and_then(|rest| rest.split_whitespace().next())
            .expect("the app said where it connected");
        Api::new(url, None)
    }

    fn printed(&self) -> String {
        self.printed.lock().unwrap().clone()
    }

    fn answer(&mut self, text: &str) {
        writeln!(self.stdin, "{text}").unwrap();
    }
}

impl Drop for DevLoop {
    fn drop(&mut self) {
        if let Ok(None) = self.child.try_wait() {
            // SAFETY: kill(2) with our child's pid.
            unsafe { libc::kill(self.child.id() as libc::pid_t, libc::SIGTERM) };
            let asked = Instant::now();
            while asked.elapsed() < Duration::from_secs(30) {
                if let Ok(Some(_)) = self.child.try_wait() {
                    return;
                }
                std::thread::sleep(Duration::from_millis(50));
            }
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
    }
}

/// The dictionary's rows on the app's server, as the database's user.
fn entries(server: &Api, data_dir: &Path) -> Vec<Value> {
    let token = std::fs::read_to_string(data_dir.join("spacetimedb/owner-token")).unwrap();
    let api = Api::new(server.base_url(), Some(token.trim().to_owned()));
    sql_rows(&api, "heycat", "SELECT * FROM dictionary_entry").unwrap()
}

fn edit(ws: &Path, from: &str, to: &str) {
    let file = ws.join("app/schema/dictionary.rs");
    let text = std::fs::read_to_string(&file).unwrap();
    assert!(text.contains(from), "{from:?} is in the schema");
    std::fs::write(&file, text.replacen(from, to, 1)).unwrap();
}

#[test]
fn a_schema_save_reaches_the_running_app_with_its_data() {
    let copy = tempfile::tempdir().unwrap();
    let ws = copy.path().join("ws");
    copy_tree(&workspace_root(), &ws);
    let data_dir = copy.path().join("data");
    let mut dev = DevLoop::start(&ws, &data_dir);

    // The start: the released schema, published to the app's embedded server.
    let released = dev.connected("schema version 7");
    let token = std::fs::read_to_string(data_dir.join("spacetimedb/owner-token")).unwrap();
    Api::new(released.base_url(), Some(token.trim().to_owned()))
        .call(
            "heycat",
            "dictionary_entry_insert",
            &json!([{"id": "d1", "trigger": "brb", "expansion": "be right back", "suffix": {"none": []},
                     "auto_enter": false, "disable_suffix": false, "complete_match_only": false,
                     "created_at": {"__timestamp_micros_since_unix_epoch__": 0}, "row_version": 0}, "op-1"]),
        )
        .unwrap();

    // A bad save: said where, and the app keeps running.
    const CREATED: &str = "    pub created_at: Timestamp,";
    edit(&ws, CREATED, "    #[default(None)]\n    pub spoken_language: Option<Strin>,\n    pub created_at: Timestamp,");
    // (Both, in either order: the error comes on stderr, the loop's word on stdout.)
    dev.line("the error at its place, and that the app keeps running", Duration::from_secs(30), |_| {
        let printed = dev.printed();
        printed.contains("schema/dictionary.rs:26:") && printed.contains("the app that runs keeps running")
    });
    released.ping().expect("the app that ran before the bad save still runs");

    // The fix: a new column on a table with a row; SpacetimeDB 1.2.0 wants a manual
    // migration, so the app carries the row from the release to the draft.
    let saved = Instant::now();
    edit(&ws, "Option<Strin>", "Option<String>");
    let draft = dev.connected("schema version 8 (a draft: not released yet)");
    eprintln!("heycat-schema dev: save → app connected with the draft in {:.1} s", saved.elapsed().as_secs_f64());
    let rows = entries(&draft, &data_dir);
    assert_eq!(rows.len(), 1, "{rows:?}");
    assert_eq!((rows[0]["trigger"].clone(), rows[0]["spoken_language"].clone()), (json!("brb"), json!({"none": []})));
    assert!(released.ping().is_err(), "the app that ran before is stopped");

    // From one draft to the next: the plan the loop hands the app.
    let saved = Instant::now();
    edit(&ws, CREATED, "    #[default(7)]\n    pub uses: u32,\n    pub created_at: Timestamp,");
    let next = dev.connected("schema version 8 (a draft: not released yet)");
    eprintln!("heycat-schema dev: save of the next draft → app connected in {:.1} s", saved.elapsed().as_secs_f64());
    let rows = entries(&next, &data_dir);
    assert_eq!((rows.len(), rows[0]["trigger"].clone(), rows[0]["uses"].clone()), (1, json!("brb"), json!(7)));
    let backups: Vec<String> = std::fs::read_dir(data_dir.join("backups"))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    assert!(backups.iter().any(|b| b.starts_with("heycat-v7-to-v8-")), "{backups:?}");
    assert!(backups.iter().any(|b| b.starts_with("heycat-v8-to-v8-")), "{backups:?}");

    // Dropping a column is asked first; no means nothing happens.
    edit(&ws, "    #[default(None)]\n    pub spoken_language: Option<String>,\n", "");
    dev.line("the question", Duration::from_secs(30), |l| l.contains("the column dictionary_entry.spoken_language"));
    dev.answer("n");
    dev.line("that nothing was done", Duration::from_secs(30), |l| l.contains("not applied"));
    assert!(entries(&next, &data_dir)[0].get("spoken_language").is_some(), "the column is still there");

    // Saved again and answered yes: the column goes, the row stays.
    let file = ws.join("app/schema/dictionary.rs");
    std::fs::write(&file, std::fs::read_to_string(&file).unwrap() + "\n").unwrap();
    dev.line("the question again", Duration::from_secs(30), |l| {
        l.contains("the column dictionary_entry.spoken_language")
    });
    dev.answer("y");
    let dropped = dev.connected("schema version 8 (a draft: not released yet)");
    let rows = entries(&dropped, &data_dir);
    assert_eq!((rows.len(), rows[0]["trigger"].clone(), rows[0].get("spoken_language")), (1, json!("brb"), None));

    let printed = dev.printed();
    assert!(!printed.contains("the build wrote other TypeScript"), "the loop and the build agree:\n{printed}");

    // Ended, the loop stops its app.
    drop(dev);
    assert!(dropped.ping().is_err(), "the app is stopped with the loop");
}
